use crate::commands::{open_store, settings};
use crate::config::CommonArgs;
use crate::error::CliResult;
use canyu_core::{Handle, Password, Role};
use canyu_store::NewUser;
use canyu_web::PasswordCost;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account (e.g. the first admin).
    Create {
        #[arg(long)]
        handle: String,
        /// Prefer CANYU_USER_PASSWORD in scripts, so the password stays out of `ps`.
        #[arg(long, env = "CANYU_USER_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "fan")]
        role: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// Change an account's role.
    SetRole {
        #[arg(long)]
        handle: String,
        #[arg(long)]
        role: String,
    },
}

pub async fn run(common: &CommonArgs, cmd: UserCommand) -> CliResult<()> {
    let settings = settings(common)?;
    let store = open_store(&settings).await?;
    match cmd {
        UserCommand::Create { handle, password, role, email } => {
            let handle = Handle::parse(&handle).map_err(|e| e.message(canyu_core::Locale::En))?;
            let password = Password::parse(&password).map_err(|e| e.message(canyu_core::Locale::En))?;
            let role = Role::parse(&role).map_err(|e| e.message(canyu_core::Locale::En))?;
            let email = email
                .map(|e| canyu_core::user::parse_email(&e))
                .transpose()
                .map_err(|e| e.message(canyu_core::Locale::En))?;
            let hash = canyu_web::auth::hash_password(PasswordCost::Standard, password.expose().to_string())
                .await
                .map_err(|e| format!("hashing failed: {:?}", e.0))?;
            let user = store
                .create_user(NewUser {
                    handle: handle.as_str(),
                    email: email.as_deref(),
                    password_hash: &hash,
                    role,
                    bio: "",
                    created_at: canyu_web::state::now_millis(),
                })
                .await?;
            println!("created {} {} (id {})", user.role.as_str(), user.handle, user.id);
        }
        UserCommand::SetRole { handle, role } => {
            let role = Role::parse(&role).map_err(|e| e.message(canyu_core::Locale::En))?;
            let found = store.user_by_handle(&handle).await?.ok_or_else(|| format!("no user {handle}"))?;
            store.set_role(found.user.id, role).await?;
            println!("{} is now {}", found.user.handle, role.as_str());
        }
    }
    store.close().await;
    Ok(())
}
