//! Settings: flags beat `CANYU_*` environment variables, which beat the TOML file
//! (`--config`, else `<data dir>/canyu.toml` when present), which beats the defaults.
//!
//! Every setting is declared once, in [`Raw`]: its file key is the field's name, its
//! environment variable the same name in upper case after `CANYU_`, its default and its check
//! are the field's serde attributes. figment merges the layers in precedence order and
//! deserializes the result once; a bad value anywhere stops the start with the setting's name
//! as the operator wrote it (`CANYU_WRITES_PER_MINUTE`, `smtp_port in /etc/canyu.toml`,
//! `--listen`) and what was wrong with it. An empty environment variable counts as unset.

use crate::error::CliResult;
use canyu_core::release::Weekday;
use canyu_core::time::Zone;
use canyu_notify::{SmtpConfig, SmtpSecurity};
use clap::Args;
use figment::error::Kind;
use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::collections::BTreeMap;
use std::fmt;
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

/// Every setting, its default and its check: the one declaration the file keys, the
/// `CANYU_*` variables and the flags are read against.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    data_dir: Option<PathBuf>,
    #[serde(default, deserialize_with = "optional_text")]
    database_url: Option<String>,
    #[serde(default = "default_listen", deserialize_with = "text")]
    listen: String,
    #[serde(default, deserialize_with = "switch")]
    secure_cookies: bool,
    #[serde(default, deserialize_with = "switch")]
    trust_forwarded_for: bool,
    #[serde(default = "default_auth_attempts_per_minute", deserialize_with = "per_minute")]
    auth_attempts_per_minute: u32,
    #[serde(default = "default_writes_per_minute", deserialize_with = "per_minute")]
    writes_per_minute: u32,
    /// `text` or `json`; true for `json`.
    #[serde(default, rename = "log_format", deserialize_with = "log_format")]
    json_logs: bool,
    #[serde(default = "default_release_weekday", deserialize_with = "weekday")]
    release_weekday: Weekday,
    #[serde(default, deserialize_with = "public_url")]
    public_url: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    smtp_host: Option<String>,
    #[serde(default, deserialize_with = "port")]
    smtp_port: Option<u16>,
    #[serde(default, deserialize_with = "smtp_security")]
    smtp_security: Option<SmtpSecurity>,
    #[serde(default, deserialize_with = "optional_text")]
    smtp_username: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    smtp_password: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    smtp_from: Option<String>,
    #[serde(default = "default_stock_engine", deserialize_with = "stock_engine")]
    stock_engine: StockEngineKind,
    #[serde(default, deserialize_with = "optional_text")]
    redis_url: Option<String>,
    #[serde(default, deserialize_with = "optional_text")]
    redis_prefix: Option<String>,
    #[serde(default = "default_orders_per_minute", deserialize_with = "per_minute")]
    orders_per_minute: u32,
    #[serde(default, deserialize_with = "payment_secret")]
    payment_secret: Option<String>,
    #[serde(default, deserialize_with = "switch")]
    simulated_payments: bool,
    #[serde(default, deserialize_with = "metrics_token")]
    metrics_token: Option<String>,
    #[serde(default = "default_header_read_timeout_secs", deserialize_with = "header_read_timeout_secs")]
    header_read_timeout_secs: u64,
    #[serde(default = "default_max_connections", deserialize_with = "max_connections")]
    max_connections: u64,
    #[serde(default, deserialize_with = "switch")]
    webhooks_allow_private: bool,
    #[serde(default = "Zone::china", deserialize_with = "time_zone")]
    time_zone: Zone,
    #[serde(default, deserialize_with = "media_url")]
    media_url: Option<String>,
    #[serde(default = "default_margin_cap_bps", deserialize_with = "margin_cap_bps")]
    margin_cap_bps: u64,
    #[serde(default = "default_price_protection_days", deserialize_with = "price_protection_days")]
    price_protection_days: u64,
    #[serde(default = "default_event_no_show_limit", deserialize_with = "event_no_show_limit")]
    event_no_show_limit: u64,
    #[serde(default = "default_event_no_show_window_days", deserialize_with = "event_days")]
    event_no_show_window_days: u64,
    #[serde(default = "default_event_no_show_penalty_days", deserialize_with = "event_days")]
    event_no_show_penalty_days: u64,
    #[serde(default = "default_device_cooling_off_days", deserialize_with = "device_cooling_off_days")]
    device_cooling_off_days: u64,
    #[serde(default = "default_referral_monthly_cap", deserialize_with = "referral_monthly_cap")]
    referral_monthly_cap: u64,
    #[serde(default, deserialize_with = "referral_qualify_level")]
    referral_qualify_level: u64,
    #[serde(default, deserialize_with = "switch")]
    referral_fan_lane: bool,
    #[serde(default, deserialize_with = "switch")]
    referral_beta_priority: bool,
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
    /// When set, `/metrics` answers only `Authorization: Bearer <this>` (at least 16
    /// characters); `None`: `/metrics` is open.
    pub metrics_token: Option<String>,
    /// Seconds a client has to send a request's headers, and to send the next request on an
    /// idle keep-alive connection, before the connection is closed.
    pub header_read_timeout_secs: u64,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: u64,
    /// Webhooks may point at private, loopback and link-local addresses (default: public only).
    pub webhooks_allow_private: bool,
    /// Where pages show times and read the times staff type (default `Asia/Shanghai`).
    pub time_zone: Zone,
    /// Where uploaded images are kept: `s3://bucket/prefix` (several nodes) or
    /// `file:///path`; `None`: the data folder's `media/`.
    pub media_url: Option<String>,
    /// The margin pledge, in basis points (default 500: 5 %).
    pub margin_cap_bps: u64,
    /// 价保: a drop on the own channel within this many days of a purchase is credited
    /// (default 15; 0 turns it off).
    pub price_protection_days: u64,
    /// Fan events: this many no-shows (default 2; 0 turns the rule off) within
    /// `event_no_show_window_days` (default 180) cost the priority window for
    /// `event_no_show_penalty_days` (default 90).
    pub event_no_show_limit: u64,
    pub event_no_show_window_days: u64,
    pub event_no_show_penalty_days: u64,
    /// 人车家: a released device may be claimed by anyone (but the fan its owner named) after
    /// this many days (default 7; 0: at once).
    pub device_cooling_off_days: u64,
    /// 口碑: rewards one referrer collects per month (default 10; 0: referrals earn nothing).
    pub referral_monthly_cap: u64,
    /// 口碑: reaching this level (2–6) also qualifies an invitee; 0 (default): only a first
    /// order past its return window, or locked, does.
    pub referral_qualify_level: u64,
    /// 口碑 perks beyond points: a fan whose referral was rewarded may reserve in a
    /// campaign's fan lane, and is admitted to beta groups as they apply (seats permitting).
    pub referral_fan_lane: bool,
    pub referral_beta_priority: bool,
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
/// The prefix of every setting's environment variable.
const ENV_PREFIX: &str = "CANYU_";
const PAYMENT_SECRET_MIN: usize = 32;
const METRICS_TOKEN_MIN: usize = 16;

fn default_listen() -> String {
    DEFAULT_LISTEN.to_string()
}
fn default_auth_attempts_per_minute() -> u32 {
    canyu_app::AppConfig::default().auth_attempts_per_minute
}
fn default_writes_per_minute() -> u32 {
    canyu_app::AppConfig::default().writes_per_minute
}
fn default_header_read_timeout_secs() -> u64 {
    canyu_app::AppConfig::default().header_read_timeout.as_secs()
}

fn default_max_connections() -> u64 {
    canyu_app::AppConfig::default().max_connections as u64
}

fn header_read_timeout_secs<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 1, 3_600)
}

fn default_margin_cap_bps() -> u64 {
    canyu_core::pricing::DEFAULT_MARGIN_CAP_BPS.unsigned_abs()
}

fn margin_cap_bps<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 0, 10_000)
}

fn default_price_protection_days() -> u64 {
    canyu_core::pricing::DEFAULT_PRICE_PROTECTION_DAYS.unsigned_abs()
}

fn price_protection_days<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 0, 365)
}

fn default_event_no_show_limit() -> u64 {
    canyu_core::event::NoShowRule::default().limit.unsigned_abs()
}

fn event_no_show_limit<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 0, 100)
}

fn default_event_no_show_window_days() -> u64 {
    canyu_core::event::NoShowRule::default().window_days.unsigned_abs()
}

fn default_event_no_show_penalty_days() -> u64 {
    canyu_core::event::NoShowRule::default().penalty_days.unsigned_abs()
}

fn event_days<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 1, 3650)
}

fn default_device_cooling_off_days() -> u64 {
    canyu_core::ownership::DEFAULT_COOLING_OFF_DAYS.unsigned_abs()
}

fn device_cooling_off_days<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 0, 365)
}

fn default_referral_monthly_cap() -> u64 {
    canyu_core::referral::DEFAULT_MONTHLY_CAP.unsigned_abs()
}

fn referral_monthly_cap<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 0, 1000)
}

/// Level 1 is where every fan starts: it would qualify every sign-up at once.
fn referral_qualify_level<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let level: u64 = whole(d, 0, 6)?;
    if level == 1 {
        return Err(de::Error::custom(
            "1 would qualify every sign-up at once: use 2 to 6, or 0 for orders only",
        ));
    }
    Ok(level)
}

fn max_connections<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole(d, 1, 1_000_000)
}

fn default_orders_per_minute() -> u32 {
    canyu_app::AppConfig::default().orders_per_minute
}
fn default_release_weekday() -> Weekday {
    Weekday::Friday
}
fn default_stock_engine() -> StockEngineKind {
    StockEngineKind::Embedded
}

impl Settings {
    /// Reads the flags in `args`, the process's `CANYU_*` variables and the settings file.
    pub fn load(args: &CommonArgs, default_data_dir: &Path) -> CliResult<Settings> {
        let mut env = BTreeMap::new();
        for (name, value) in std::env::vars_os() {
            let Some(name) = name.to_str().filter(|n| n.starts_with(ENV_PREFIX)) else { continue };
            match value.into_string() {
                Ok(value) => {
                    env.insert(name.to_string(), value);
                }
                Err(_) if setting_names().iter().any(|key| env_name(key) == name) => {
                    return Err(format!("{name}: the value is not valid UTF-8").into());
                }
                Err(_) => {}
            }
        }
        Settings::resolve(args, default_data_dir, &env)
    }

    /// [`Settings::load`] with the environment given as a map (variable name to value).
    pub fn resolve(
        args: &CommonArgs,
        default_data_dir: &Path,
        env: &BTreeMap<String, String>,
    ) -> CliResult<Settings> {
        // clap fills these two flags from their variables too; a map given here is read the same.
        let from_env = |name: &str| env.get(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let file_path = args.config.clone().or_else(|| from_env("CANYU_CONFIG")).or_else(|| {
            let dir = args
                .data_dir
                .clone()
                .or_else(|| from_env("CANYU_DATA_DIR"))
                .unwrap_or_else(|| default_data_dir.to_path_buf());
            let p = dir.join("canyu.toml");
            p.exists().then_some(p)
        });
        let mut figment = Figment::new();
        if let Some(p) = &file_path {
            // Checked here: figment would take a missing file for an empty one.
            std::fs::metadata(p).map_err(|e| format!("cannot read settings file {}: {e}", p.display()))?;
            figment = figment.merge(Toml::file_exact(p));
        }
        let figment = figment.merge(Layer::environment(env)).merge(Layer::flags(args));
        let raw: Raw = figment.extract().map_err(|e| explain(e, file_path.as_deref()))?;
        let named = |key: &str| origin(figment.find_metadata(key), key);

        if raw.stock_engine == StockEngineKind::Redis && raw.redis_url.is_none() {
            return Err(format!(
                "{}: the redis engine needs redis_url (CANYU_REDIS_URL)",
                named("stock_engine")
            )
            .into());
        }
        let data_dir = raw.data_dir.unwrap_or_else(|| default_data_dir.to_path_buf());
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| format!("cannot create data folder {}: {e}", data_dir.display()))?;
        let database_url = raw.database_url.unwrap_or_else(|| canyu_store::sqlite_url_for_dir(&data_dir));
        let public_url = raw.public_url.unwrap_or_else(|| format!("http://{}", raw.listen));
        let smtp = raw.smtp_host.map(|host| {
            let security = raw.smtp_security.unwrap_or(SmtpSecurity::StartTls);
            let default_port = match security {
                SmtpSecurity::None => 25,
                SmtpSecurity::StartTls => 587,
                SmtpSecurity::Tls => 465,
            };
            SmtpConfig {
                host,
                port: raw.smtp_port.unwrap_or(default_port),
                security,
                username: raw.smtp_username,
                password: raw.smtp_password,
                from: raw.smtp_from.unwrap_or_else(|| "canyu <noreply@localhost>".into()),
                timeout: std::time::Duration::from_secs(20),
            }
        });
        Ok(Settings {
            data_dir,
            database_url,
            listen: raw.listen,
            secure_cookies: raw.secure_cookies,
            trust_forwarded_for: raw.trust_forwarded_for,
            auth_attempts_per_minute: raw.auth_attempts_per_minute,
            writes_per_minute: raw.writes_per_minute,
            json_logs: raw.json_logs,
            release_weekday: raw.release_weekday,
            public_url,
            smtp,
            stock_engine: raw.stock_engine,
            redis_url: raw.redis_url,
            redis_prefix: raw.redis_prefix,
            orders_per_minute: raw.orders_per_minute,
            payment_secret: raw.payment_secret,
            simulated_payments: raw.simulated_payments,
            metrics_token: raw.metrics_token,
            header_read_timeout_secs: raw.header_read_timeout_secs,
            max_connections: raw.max_connections,
            webhooks_allow_private: raw.webhooks_allow_private,
            time_zone: raw.time_zone,
            media_url: raw.media_url,
            margin_cap_bps: raw.margin_cap_bps,
            price_protection_days: raw.price_protection_days,
            event_no_show_limit: raw.event_no_show_limit,
            event_no_show_window_days: raw.event_no_show_window_days,
            event_no_show_penalty_days: raw.event_no_show_penalty_days,
            device_cooling_off_days: raw.device_cooling_off_days,
            referral_monthly_cap: raw.referral_monthly_cap,
            referral_qualify_level: raw.referral_qualify_level,
            referral_fan_lane: raw.referral_fan_lane,
            referral_beta_priority: raw.referral_beta_priority,
        })
    }

    /// Where uploaded images are kept (see `media_url`).
    pub fn media_store(&self) -> Result<canyu_media::MediaStore, String> {
        let store = match &self.media_url {
            Some(url) => canyu_media::MediaStore::from_url(url),
            None => canyu_media::MediaStore::local(&self.data_dir.join("media")),
        };
        store.map_err(|e| format!("cannot open the media store: {e}"))
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

/// `writes_per_minute` → `CANYU_WRITES_PER_MINUTE`.
fn env_name(key: &str) -> String {
    format!("{ENV_PREFIX}{}", key.to_ascii_uppercase())
}

/// `data_dir` → `--data-dir`.
fn flag_name(key: &str) -> String {
    format!("--{}", key.replace('_', "-"))
}

/// A layer of settings that figment does not read itself: the environment, the flags.
struct Layer {
    metadata: Metadata,
    values: Dict,
}

impl Layer {
    /// The `CANYU_*` variable of every setting in [`Raw`]; other variables are not settings
    /// (`CANYU_CONFIG`, `CANYU_USER_PASSWORD`, …). Values stay text: each setting's check
    /// reads numbers and switches from text, so a password such as `[x]` stays a password.
    fn environment(env: &BTreeMap<String, String>) -> Layer {
        let values = setting_names()
            .iter()
            .filter_map(|key| {
                let value = env.get(&env_name(key)).filter(|v| !v.is_empty())?;
                Some((key.to_string(), Value::from(value.clone())))
            })
            .collect();
        let metadata = Metadata::named("environment variable")
            .interpolater(|_: &Profile, keys: &[&str]| env_name(&keys.join("_")));
        Layer { metadata, values }
    }

    /// The settings that have flags, when given (clap also fills them from their variables).
    fn flags(args: &CommonArgs) -> Layer {
        let mut values = Dict::new();
        let mut put = |key: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                values.insert(key.to_string(), Value::from(v));
            }
        };
        put("data_dir", args.data_dir.as_ref().map(|p| p.to_string_lossy().into_owned()));
        put("database_url", args.database_url.clone());
        put("listen", args.listen.clone());
        let metadata = Metadata::named("command line").interpolater(|_: &Profile, keys: &[&str]| {
            let key = keys.join("_");
            format!("{} (or {})", flag_name(&key), env_name(&key))
        });
        Layer { metadata, values }
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

/// Where a setting came from, as its operator wrote it.
fn origin(metadata: Option<&Metadata>, key: &str) -> String {
    match metadata {
        Some(Metadata { source: Some(Source::File(path)), .. }) => format!("{key} in {}", path.display()),
        Some(md) => md.interpolate(&Profile::Default, &[key]),
        None => key.to_string(),
    }
}

/// One line per problem, each naming the setting and what was wrong.
fn explain(error: figment::Error, file: Option<&Path>) -> String {
    let lines: Vec<String> = error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            match &e.kind {
                // Only the file can hold a key that is not a setting.
                Kind::UnknownField(field, _) => {
                    let file = file.map(|p| format!("settings file {}", p.display()));
                    let file = file.unwrap_or_else(|| "settings".into());
                    format!(
                        "{file}: unknown setting {field:?} (the settings are {})",
                        setting_names().join(", ")
                    )
                }
                kind => {
                    let what = match kind {
                        Kind::Message(m) => m.clone(),
                        other => other.to_string(),
                    };
                    if key.is_empty() {
                        let file = match &e.metadata {
                            Some(Metadata { source: Some(Source::File(p)), .. }) => {
                                format!("settings file {}", p.display())
                            }
                            _ => "settings".into(),
                        };
                        format!("{file}: {what}")
                    } else {
                        format!("{}: {what}", origin(e.metadata.as_ref(), &key))
                    }
                }
            }
        })
        .collect();
    lines.join("\n")
}

/// The file keys of [`Raw`], read from its `Deserialize` implementation.
fn setting_names() -> &'static [&'static str] {
    struct Fields<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Fields<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("only a struct's field names are read"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("only a struct's field names are read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    static NAMES: std::sync::OnceLock<&'static [&'static str]> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: &'static [&'static str] = &[];
        let _ = Raw::deserialize(Fields(&mut names));
        names
    })
}

// The checks. Numbers and switches are read from a TOML value or from an environment
// variable's text; error messages say what the value should be (and, but for secrets, what
// it was).

/// Text; a TOML number is taken as its digits (`release_weekday = 5`).
struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(TextVisitor)
}

/// Empty text is no value.
fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(text(d)?).filter(|s| !s.is_empty()))
}

/// A whole number in `min..=max`.
struct WholeVisitor {
    min: u64,
    max: u64,
}

impl WholeVisitor {
    fn check<E: de::Error>(&self, n: Option<u64>, shown: &dyn fmt::Display) -> Result<u64, E> {
        n.filter(|n| (self.min..=self.max).contains(n)).ok_or_else(|| {
            E::custom(format!("expected a whole number from {} to {}, not {shown}", self.min, self.max))
        })
    }
}

impl Visitor<'_> for WholeVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a whole number from {} to {}", self.min, self.max)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        self.check(Some(v), &v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        self.check(u64::try_from(v).ok(), &v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        self.check(v.trim().parse().ok(), &format_args!("{v:?}"))
    }
}

fn whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(d: D, min: u64, max: u64) -> Result<T, D::Error> {
    let n = d.deserialize_any(WholeVisitor { min, max })?;
    T::try_from(n).map_err(|_| de::Error::custom(format!("{n} is out of range")))
}

/// A rate limit: at least one per minute.
fn per_minute<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    whole(d, 1, u64::from(u32::MAX))
}

fn port<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
    whole(d, 1, u64::from(u16::MAX)).map(Some)
}

/// On: `1`, `true`, `yes`, `on`; off: `0`, `false`, `no`, `off` (any case), or a TOML boolean.
struct SwitchVisitor;

const SWITCH_WORDS: &str = "1, true, yes or on, or 0, false, no or off";

impl Visitor<'_> for SwitchVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{SWITCH_WORDS}")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::custom(format!("expected {SWITCH_WORDS}, not {v}"))),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format!("expected {SWITCH_WORDS}, not {v}"))),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(E::custom(format!("expected {SWITCH_WORDS}, not {v:?}"))),
        }
    }
}

fn switch<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_any(SwitchVisitor)
}

fn log_format<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let raw = text(d)?;
    match raw.trim() {
        "text" => Ok(false),
        "json" => Ok(true),
        _ => Err(de::Error::custom(format!("expected text or json, not {raw:?}"))),
    }
}

fn weekday<'de, D: Deserializer<'de>>(d: D) -> Result<Weekday, D::Error> {
    let raw = text(d)?;
    Weekday::parse(&raw)
        .ok_or_else(|| de::Error::custom(format!("expected a day such as friday, fri or 5, not {raw:?}")))
}

fn time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<Zone, D::Error> {
    Zone::parse(&text(d)?).map_err(de::Error::custom)
}

fn media_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match optional_text(d)? {
        Some(url) if !(url.starts_with("s3://") || url.starts_with("file:///")) => {
            Err(de::Error::custom(format!("expected s3://bucket/prefix or file:///path, not {url:?}")))
        }
        url => Ok(url),
    }
}

fn public_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match optional_text(d)? {
        Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => Err(de::Error::custom(
            format!("expected an address starting with http:// or https://, not {url:?}"),
        )),
        url => Ok(url),
    }
}

fn smtp_security<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SmtpSecurity>, D::Error> {
    let raw = text(d)?;
    raw.trim()
        .parse()
        .map(Some)
        .map_err(|_| de::Error::custom(format!("expected none, starttls or tls, not {raw:?}")))
}

fn stock_engine<'de, D: Deserializer<'de>>(d: D) -> Result<StockEngineKind, D::Error> {
    let raw = text(d)?;
    StockEngineKind::parse(&raw)
        .ok_or_else(|| de::Error::custom(format!("expected embedded, redis or hotrow, not {raw:?}")))
}

/// A secret of at least `min` bytes; the message never shows it.
fn secret<'de, D: Deserializer<'de>>(d: D, min: usize) -> Result<Option<String>, D::Error> {
    match optional_text(d)? {
        Some(s) if s.len() < min => {
            Err(de::Error::custom(format!("must be at least {min} characters (this one has {})", s.len())))
        }
        s => Ok(s),
    }
}

fn payment_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    secret(d, PAYMENT_SECRET_MIN)
}

fn metrics_token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    secret(d, METRICS_TOKEN_MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings from a data folder holding `file` (when given), the variables `env` and `args`.
    fn resolve(
        dir: &Path,
        file: Option<&str>,
        env: &[(&str, &str)],
        args: CommonArgs,
    ) -> Result<Settings, String> {
        if let Some(text) = file {
            std::fs::write(dir.join("canyu.toml"), text).unwrap();
        }
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::resolve(&args, dir, &env).map_err(|e| e.0)
    }

    fn refused(file: Option<&str>, env: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        match resolve(dir.path(), file, env, CommonArgs::default()) {
            Ok(s) => panic!("accepted: {s:?}"),
            Err(message) => message,
        }
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let dir = tempfile::tempdir().unwrap();
        let s = resolve(dir.path(), None, &[], CommonArgs::default()).unwrap();
        assert_eq!(s.data_dir, dir.path());
        assert_eq!(s.database_url, canyu_store::sqlite_url_for_dir(dir.path()));
        assert_eq!(s.listen, DEFAULT_LISTEN);
        assert_eq!(s.public_url, format!("http://{DEFAULT_LISTEN}"));
        assert!(!s.secure_cookies && !s.trust_forwarded_for && !s.simulated_payments && !s.json_logs);
        assert_eq!((s.auth_attempts_per_minute, s.writes_per_minute, s.orders_per_minute), (20, 120, 30));
        assert_eq!(s.release_weekday, Weekday::Friday);
        assert_eq!(s.stock_engine, StockEngineKind::Embedded);
        assert!(s.smtp.is_none() && s.payment_secret.is_none() && s.metrics_token.is_none());
        assert!(s.redis_url.is_none() && s.redis_prefix.is_none());
        assert_eq!(s.time_zone.name(), "Asia/Shanghai");
    }

    #[test]
    fn a_time_zone_is_an_iana_name() {
        let dir = tempfile::tempdir().unwrap();
        let s =
            resolve(dir.path(), Some("time_zone = \"europe/berlin\"\n"), &[], CommonArgs::default()).unwrap();
        assert_eq!(s.time_zone.name(), "Europe/Berlin");
    }

    #[test]
    fn file_beats_defaults_env_beats_file_flag_beats_env() {
        let dir = tempfile::tempdir().unwrap();
        let file = "listen = \"127.0.0.1:1001\"\nwrites_per_minute = 7\nsecure_cookies = true\n\
                    release_weekday = \"monday\"\norders_per_minute = 5\n";
        let s = resolve(dir.path(), Some(file), &[], CommonArgs::default()).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1001");
        assert_eq!(s.public_url, "http://127.0.0.1:1001", "public_url follows listen");
        assert_eq!((s.writes_per_minute, s.orders_per_minute), (7, 5));
        assert!(s.secure_cookies);
        assert_eq!(s.release_weekday, Weekday::Monday);

        let env = [
            ("CANYU_LISTEN", "127.0.0.1:1002"),
            ("CANYU_WRITES_PER_MINUTE", "8"),
            ("CANYU_SECURE_COOKIES", "off"),
            ("CANYU_RELEASE_WEEKDAY", "3"),
        ];
        let s = resolve(dir.path(), None, &env, CommonArgs::default()).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1002");
        assert_eq!((s.writes_per_minute, s.orders_per_minute), (8, 5), "the file still gives the rest");
        assert!(!s.secure_cookies);
        assert_eq!(s.release_weekday, Weekday::Wednesday);

        let args = CommonArgs {
            listen: Some("127.0.0.1:1003".into()),
            database_url: Some("sqlite://flag.db".into()),
            ..CommonArgs::default()
        };
        let env = [("CANYU_LISTEN", "127.0.0.1:1002"), ("CANYU_DATABASE_URL", "sqlite://env.db")];
        let s = resolve(dir.path(), None, &env, args).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1003");
        assert_eq!(s.database_url, "sqlite://flag.db");
    }

    #[test]
    fn data_dir_and_database_url_from_each_layer() {
        let dir = tempfile::tempdir().unwrap();
        let from_file = dir.path().join("from-file");
        let from_env = dir.path().join("from-env");
        let file = format!("data_dir = {:?}\ndatabase_url = \"sqlite://file.db\"\n", from_file.display());
        let s = resolve(dir.path(), Some(&file), &[], CommonArgs::default()).unwrap();
        assert_eq!(s.data_dir, from_file);
        assert!(from_file.is_dir(), "the data folder is created");
        assert_eq!(s.database_url, "sqlite://file.db");
        let env_dir = from_env.to_str().unwrap();
        let env = [("CANYU_DATA_DIR", env_dir), ("CANYU_DATABASE_URL", "sqlite://env.db")];
        let s = resolve(dir.path(), None, &env, CommonArgs::default()).unwrap();
        assert_eq!((s.data_dir.as_path(), s.database_url.as_str()), (from_env.as_path(), "sqlite://env.db"));
        // An empty database URL (flag or variable) is no URL: the file's, else the default.
        let args = CommonArgs { database_url: Some(String::new()), ..CommonArgs::default() };
        let s = resolve(dir.path(), None, &[("CANYU_DATABASE_URL", "")], args).unwrap();
        assert_eq!(s.database_url, "sqlite://file.db");
    }

    #[test]
    fn environment_switches_take_the_usual_words() {
        let dir = tempfile::tempdir().unwrap();
        for (word, on) in [
            ("1", true),
            ("true", true),
            ("yes", true),
            ("on", true),
            ("ON", true),
            ("0", false),
            ("false", false),
            ("no", false),
            ("off", false),
        ] {
            let env = [("CANYU_TRUST_FORWARDED_FOR", word), ("CANYU_SIMULATED_PAYMENTS", word)];
            let s = resolve(dir.path(), None, &env, CommonArgs::default()).unwrap();
            assert_eq!((s.trust_forwarded_for, s.simulated_payments), (on, on), "{word}");
        }
    }

    #[test]
    fn an_empty_variable_is_unset() {
        let dir = tempfile::tempdir().unwrap();
        let file = "secure_cookies = true\nwrites_per_minute = 9\n";
        let env = [("CANYU_SECURE_COOKIES", ""), ("CANYU_WRITES_PER_MINUTE", ""), ("CANYU_SMTP_HOST", "")];
        let s = resolve(dir.path(), Some(file), &env, CommonArgs::default()).unwrap();
        assert!(s.secure_cookies);
        assert_eq!(s.writes_per_minute, 9);
        assert!(s.smtp.is_none());
    }

    #[test]
    fn bad_environment_values_are_refused_by_name() {
        let long = "x".repeat(40);
        for (name, value, says) in [
            ("CANYU_WRITES_PER_MINUTE", "abc", "\"abc\""),
            ("CANYU_WRITES_PER_MINUTE", "0", "from 1 to"),
            ("CANYU_AUTH_ATTEMPTS_PER_MINUTE", "-5", "whole number"),
            ("CANYU_ORDERS_PER_MINUTE", "99999999999", "whole number"),
            ("CANYU_SECURE_COOKIES", "maybe", "\"maybe\""),
            ("CANYU_TRUST_FORWARDED_FOR", "2", "not \"2\""),
            ("CANYU_SIMULATED_PAYMENTS", "enabled", "yes"),
            ("CANYU_RELEASE_WEEKDAY", "funday", "\"funday\""),
            ("CANYU_STOCK_ENGINE", "x", "embedded, redis or hotrow"),
            ("CANYU_LOG_FORMAT", "jsn", "text or json"),
            ("CANYU_PUBLIC_URL", "example.com", "http://"),
            ("CANYU_SMTP_PORT", "99999", "from 1 to 65535"),
            ("CANYU_SMTP_SECURITY", "ssl", "none, starttls or tls"),
            ("CANYU_PAYMENT_SECRET", "short", "at least 32 characters"),
            ("CANYU_METRICS_TOKEN", "short", "at least 16 characters"),
            ("CANYU_TIME_ZONE", "Beijing", "IANA name such as Asia/Shanghai"),
        ] {
            let message =
                refused(None, &[(name, value), ("CANYU_REDIS_URL", "redis://x"), ("CANYU_SMTP_HOST", "h")]);
            assert!(message.starts_with(&format!("{name}: ")), "{name}={value}: {message}");
            assert!(message.contains(says), "{name}={value}: {message}");
        }
        // Secrets are never repeated back.
        let message = refused(None, &[("CANYU_PAYMENT_SECRET", "hunter2-hunter2")]);
        assert!(!message.contains("hunter2"), "{message}");
        assert!(refused(None, &[("CANYU_METRICS_TOKEN", &long[..15])]).contains("has 15"));
    }

    #[test]
    fn bad_file_values_are_refused_by_key_and_file() {
        for (line, key, says) in [
            ("smtp_port = 99999", "smtp_port", "from 1 to 65535, not 99999"),
            ("smtp_port = \"many\"", "smtp_port", "\"many\""),
            ("release_weekday = \"funday\"", "release_weekday", "\"funday\""),
            ("stock_engine = \"x\"", "stock_engine", "embedded, redis or hotrow, not \"x\""),
            ("writes_per_minute = -1", "writes_per_minute", "not -1"),
            ("orders_per_minute = 0", "orders_per_minute", "from 1 to"),
            ("secure_cookies = \"maybe\"", "secure_cookies", "\"maybe\""),
            ("payment_secret = \"too-short\"", "payment_secret", "at least 32 characters"),
            ("metrics_token = \"too-short\"", "metrics_token", "at least 16 characters"),
            ("listen = true", "listen", "found bool true, expected text"),
        ] {
            let message = refused(Some(line), &[]);
            assert!(message.starts_with(&format!("{key} in ")), "{line}: {message}");
            assert!(message.contains("canyu.toml"), "{line}: {message}");
            assert!(message.contains(says), "{line}: {message}");
        }
    }

    #[test]
    fn an_unknown_file_key_is_refused_by_name() {
        let message = refused(Some("listen = \"127.0.0.1:1\"\nnot_a_setting = 1\n"), &[]);
        assert!(message.contains("canyu.toml"), "{message}");
        assert!(message.contains("unknown setting \"not_a_setting\""), "{message}");
        assert!(message.contains("writes_per_minute"), "the message lists the settings: {message}");
        // An unknown CANYU_* variable is not a setting and is left alone (CANYU_USER_PASSWORD…).
        let dir = tempfile::tempdir().unwrap();
        assert!(resolve(dir.path(), None, &[("CANYU_USER_PASSWORD", "x")], CommonArgs::default()).is_ok());
    }

    #[test]
    fn a_broken_or_missing_file_is_refused() {
        let message = refused(Some("listen = \n"), &[]);
        assert!(message.contains("canyu.toml"), "{message}");
        let dir = tempfile::tempdir().unwrap();
        let args = CommonArgs { config: Some(dir.path().join("nowhere.toml")), ..CommonArgs::default() };
        let message = resolve(dir.path(), None, &[], args).unwrap_err();
        assert!(
            message.contains("cannot read settings file") && message.contains("nowhere.toml"),
            "{message}"
        );
    }

    #[test]
    fn the_redis_engine_needs_a_redis_url() {
        let message = refused(None, &[("CANYU_STOCK_ENGINE", "redis")]);
        assert!(message.starts_with("CANYU_STOCK_ENGINE: "), "{message}");
        assert!(message.contains("redis_url"), "{message}");
        let message = refused(Some("stock_engine = \"redis\""), &[]);
        assert!(message.starts_with("stock_engine in "), "{message}");
        let dir = tempfile::tempdir().unwrap();
        let env = [("CANYU_STOCK_ENGINE", "redis"), ("CANYU_REDIS_URL", "redis://127.0.0.1/")];
        let s = resolve(dir.path(), Some("redis_prefix = \"site2\""), &env, CommonArgs::default()).unwrap();
        assert_eq!(s.stock_engine, StockEngineKind::Redis);
        assert_eq!(s.redis_prefix.as_deref(), Some("site2"));
    }

    #[test]
    fn smtp_comes_together_from_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = "smtp_host = \"mail.example.com\"\nsmtp_security = \"tls\"\nsmtp_from = \"a <a@b.c>\"\n";
        let s = resolve(dir.path(), Some(file), &[], CommonArgs::default()).unwrap();
        let smtp = s.smtp.unwrap();
        assert_eq!(
            (smtp.host.as_str(), smtp.port, smtp.security),
            ("mail.example.com", 465, SmtpSecurity::Tls)
        );
        assert_eq!(smtp.from, "a <a@b.c>");
        // A password with brackets stays text; the port from the environment wins.
        let env = [("CANYU_SMTP_PORT", "2525"), ("CANYU_SMTP_PASSWORD", "[not-a-list]")];
        let smtp = resolve(dir.path(), None, &env, CommonArgs::default()).unwrap().smtp.unwrap();
        assert_eq!((smtp.port, smtp.password.as_deref()), (2525, Some("[not-a-list]")));
    }

    #[test]
    fn metrics_token_is_read_when_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        let token = "0123456789abcdef";
        let s = resolve(dir.path(), None, &[("CANYU_METRICS_TOKEN", token)], CommonArgs::default()).unwrap();
        assert_eq!(s.metrics_token.as_deref(), Some(token));
        let s = resolve(dir.path(), Some("metrics_token = \"fedcba9876543210\""), &[], CommonArgs::default())
            .unwrap();
        assert_eq!(s.metrics_token.as_deref(), Some("fedcba9876543210"));
    }

    #[test]
    fn media_goes_to_the_data_folder_unless_a_bucket_or_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let s = resolve(dir.path(), None, &[], CommonArgs::default()).unwrap();
        assert_eq!(s.media_url, None);
        assert_eq!(s.media_store().unwrap().description, dir.path().join("media").display().to_string());
        let s =
            resolve(dir.path(), Some("media_url = \"s3://fan-photos/canyu\"\n"), &[], CommonArgs::default())
                .unwrap();
        assert_eq!(s.media_url.as_deref(), Some("s3://fan-photos/canyu"));
        let err =
            resolve(dir.path(), Some("media_url = \"ftp://x\"\n"), &[], CommonArgs::default()).unwrap_err();
        assert!(err.to_string().contains("s3://bucket/prefix"), "{err}");
    }

    #[test]
    fn every_setting_has_a_readme_row_or_file_name() {
        let readme = include_str!("../../../README.md");
        for key in setting_names() {
            assert!(readme.contains(&format!("`{key}`")), "README's TOML names miss {key}");
        }
        assert!(setting_names().contains(&"metrics_token") && setting_names().len() == 38);
    }
}
