use crate::commands::{offline_app, open_store, settings};
use crate::config::CommonArgs;
use crate::error::CliResult;
use canyu_app::accounts::{self, Registration};
use canyu_core::Role;
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
    let app = offline_app(&store)?;
    let english = |e: canyu_app::AppError| e.code.message(canyu_core::Locale::En).to_string();
    match cmd {
        UserCommand::Create { handle, password, role, email } => {
            let role = Role::parse(&role).map_err(|e| e.message(canyu_core::Locale::En))?;
            let input = Registration { handle, password, email };
            let user = accounts::create_account(&app, input, role).await.map_err(english)?;
            println!("created {} {} (id {})", user.role.as_str(), user.handle, user.id);
        }
        UserCommand::SetRole { handle, role } => {
            let role = Role::parse(&role).map_err(|e| e.message(canyu_core::Locale::En))?;
            let user = accounts::set_role(&app, &handle, role).await.map_err(english)?;
            println!("{} is now {}", user.handle, role.as_str());
        }
    }
    store.close().await;
    Ok(())
}
