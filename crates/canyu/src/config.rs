//! Settings: flags beat `CANYU_*` environment variables, which beat the TOML file
//! (`--config`, else `<data dir>/canyu.toml` when present), which beats the defaults.

use crate::error::CliResult;
use canyu_core::release::Weekday;
use canyu_notify::{SmtpConfig, SmtpSecurity};
use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where canyu keeps its data and how it is reached; shared by every subcommand.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonArgs {
    /// Data folder: SQLite database, search index, settings.
    #[arg(long, env = "CANYU_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite file.
    #[arg(long, env = "CANYU_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Address to serve on, e.g. 127.0.0.1:8080.
    #[arg(long, env = "CANYU_LISTEN", global = true)]
    pub listen: Option<String>,
    /// A TOML settings file.
    #[arg(long, env = "CANYU_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<String>,
    secure_cookies: Option<bool>,
    trust_forwarded_for: Option<bool>,
    auth_attempts_per_minute: Option<u32>,
    writes_per_minute: Option<u32>,
    log_format: Option<String>,
    release_weekday: Option<String>,
    public_url: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    smtp_security: Option<String>,
    smtp_username: Option<String>,
    smtp_password: Option<String>,
    smtp_from: Option<String>,
    stock_engine: Option<String>,
    redis_url: Option<String>,
    redis_prefix: Option<String>,
    orders_per_minute: Option<u32>,
    payment_secret: Option<String>,
    simulated_payments: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: String,
    pub secure_cookies: bool,
    pub trust_forwarded_for: bool,
    pub auth_attempts_per_minute: u32,
    pub writes_per_minute: u32,
    pub json_logs: bool,
    /// The weekly release train's day (default Friday).
    pub release_weekday: Weekday,
    /// The address people reach this site at, for links in emails and webhooks.
    pub public_url: String,
    /// Where notification emails go out; `None`: no email.
    pub smtp: Option<SmtpConfig>,
    /// Who decides first-come-first-served orders (default: the embedded engine).
    pub stock_engine: StockEngineKind,
    /// `redis://…`, for `stock_engine = "redis"`.
    pub redis_url: Option<String>,
    /// Key prefix in Redis (default `canyu`): separate sites sharing one Redis.
    pub redis_prefix: Option<String>,
    /// Order attempts allowed per fan per minute.
    pub orders_per_minute: u32,
    /// The key payment providers sign notifications with; `None`: no provider.
    pub payment_secret: Option<String>,
    /// The demo's "pay" button, which records payments without a provider.
    pub simulated_payments: bool,
}

/// `stock_engine` / `CANYU_STOCK_ENGINE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StockEngineKind {
    /// In-process book, group commit to the database (one canyu node per wave).
    Embedded,
    /// An atomic Lua script in Redis (`redis_url`), for several nodes serving one wave.
    Redis,
    /// One database transaction per order on the wave's row: the benchmark baseline only.
    HotRow,
}

impl StockEngineKind {
    pub fn parse(raw: &str) -> Option<StockEngineKind> {
        match raw.trim() {
            "embedded" => Some(StockEngineKind::Embedded),
            "redis" => Some(StockEngineKind::Redis),
            "hotrow" => Some(StockEngineKind::HotRow),
            _ => None,
        }
    }
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

fn env_bool(name: &str) -> Option<bool> {
    std::env::var(name).ok().map(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"))
}

fn env_u32(name: &str) -> Option<u32> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

impl Settings {
    pub fn load(args: &CommonArgs, default_data_dir: &Path) -> CliResult<Settings> {
        let file_path = args.config.clone().or_else(|| {
            let dir = args.data_dir.clone().unwrap_or_else(|| default_data_dir.to_path_buf());
            let p = dir.join("canyu.toml");
            p.exists().then_some(p)
        });
        let file: FileSettings = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| format!("cannot read settings file {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| format!("invalid settings file {}: {e}", p.display()))?
            }
            None => FileSettings::default(),
        };
        let data_dir =
            args.data_dir.clone().or(file.data_dir).unwrap_or_else(|| default_data_dir.to_path_buf());
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| format!("cannot create data folder {}: {e}", data_dir.display()))?;
        let database_url = args
            .database_url
            .clone()
            .filter(|u| !u.is_empty())
            .or(file.database_url)
            .unwrap_or_else(|| canyu_store::sqlite_url_for_dir(&data_dir));
        let release_weekday = match std::env::var("CANYU_RELEASE_WEEKDAY").ok().or(file.release_weekday) {
            Some(raw) => Weekday::parse(&raw)
                .ok_or_else(|| format!("release_weekday must be a day such as friday or 5, not {raw:?}"))?,
            None => Weekday::Friday,
        };
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let listen = args.listen.clone().or(file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let public_url =
            env("CANYU_PUBLIC_URL").or(file.public_url).unwrap_or_else(|| format!("http://{listen}"));
        let smtp = match env("CANYU_SMTP_HOST").or(file.smtp_host) {
            None => None,
            Some(host) => {
                let security: SmtpSecurity = env("CANYU_SMTP_SECURITY")
                    .or(file.smtp_security)
                    .unwrap_or_else(|| "starttls".into())
                    .parse()
                    .map_err(|e| format!("smtp_security: {e}"))?;
                let default_port = match security {
                    SmtpSecurity::None => 25,
                    SmtpSecurity::StartTls => 587,
                    SmtpSecurity::Tls => 465,
                };
                let port = match env("CANYU_SMTP_PORT") {
                    Some(p) => p.parse().map_err(|_| format!("CANYU_SMTP_PORT is not a port: {p}"))?,
                    None => file.smtp_port.unwrap_or(default_port),
                };
                Some(SmtpConfig {
                    host,
                    port,
                    security,
                    username: env("CANYU_SMTP_USERNAME").or(file.smtp_username),
                    password: env("CANYU_SMTP_PASSWORD").or(file.smtp_password),
                    from: env("CANYU_SMTP_FROM")
                        .or(file.smtp_from)
                        .unwrap_or_else(|| "canyu <noreply@localhost>".into()),
                    timeout: std::time::Duration::from_secs(20),
                })
            }
        };
        let stock_engine = match env("CANYU_STOCK_ENGINE").or(file.stock_engine) {
            Some(raw) => StockEngineKind::parse(&raw)
                .ok_or_else(|| format!("stock_engine must be embedded, redis or hotrow, not {raw:?}"))?,
            None => StockEngineKind::Embedded,
        };
        let redis_url = env("CANYU_REDIS_URL").or(file.redis_url);
        if stock_engine == StockEngineKind::Redis && redis_url.is_none() {
            return Err("stock_engine = redis needs redis_url (CANYU_REDIS_URL)".into());
        }
        let orders_per_minute = match env("CANYU_ORDERS_PER_MINUTE") {
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(
                        format!("CANYU_ORDERS_PER_MINUTE must be a positive number, not {raw:?}").into()
                    );
                }
            },
            None => file.orders_per_minute.unwrap_or(canyu_app::AppConfig::default().orders_per_minute),
        };
        let payment_secret = env("CANYU_PAYMENT_SECRET").or(file.payment_secret);
        if payment_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err("payment_secret must be at least 32 characters".into());
        }
        Ok(Settings {
            payment_secret,
            simulated_payments: env_bool("CANYU_SIMULATED_PAYMENTS")
                .or(file.simulated_payments)
                .unwrap_or(false),
            stock_engine,
            redis_url,
            redis_prefix: env("CANYU_REDIS_PREFIX").or(file.redis_prefix),
            orders_per_minute,
            release_weekday,
            public_url,
            smtp,
            listen,
            secure_cookies: env_bool("CANYU_SECURE_COOKIES").or(file.secure_cookies).unwrap_or(false),
            trust_forwarded_for: env_bool("CANYU_TRUST_FORWARDED_FOR")
                .or(file.trust_forwarded_for)
                .unwrap_or(false),
            auth_attempts_per_minute: env_u32("CANYU_AUTH_ATTEMPTS_PER_MINUTE")
                .or(file.auth_attempts_per_minute)
                .unwrap_or(20),
            writes_per_minute: env_u32("CANYU_WRITES_PER_MINUTE").or(file.writes_per_minute).unwrap_or(120),
            json_logs: std::env::var("CANYU_LOG_FORMAT")
                .ok()
                .or(file.log_format)
                .is_some_and(|f| f == "json"),
            data_dir,
            database_url,
        })
    }

    pub fn index_dir(&self) -> PathBuf {
        // One index per database: switching `--database-url` must not show another
        // database's posts in search.
        let tag = if self.database_url.starts_with("sqlite:") {
            "sqlite".to_string()
        } else {
            let digest = self
                .database_url
                .bytes()
                .fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3));
            format!("pg-{digest:016x}")
        };
        self.data_dir.join("index").join(tag)
    }
}
