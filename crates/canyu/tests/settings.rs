//! Settings as an operator meets them: the binary started with flags, `CANYU_*` variables
//! and a settings file; a bad value stops it with the setting's name. Each run is its own
//! process with its own environment, so these tests never share one.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use std::path::Path;
use std::process::{Command, Output};

/// `canyu migrate` in `dir` with only the variables in `env` (the caller's `CANYU_*` left out).
fn migrate(dir: &Path, env: &[(&str, &str)], flags: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canyu"));
    cmd.env_clear().current_dir(dir).args(flags).arg("migrate");
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.envs(env.iter().copied()).output().expect("run canyu")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn database_url_precedence_default_file_env_flag() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_flag = data.to_str().unwrap();
    let out = migrate(dir.path(), &[], &["--data-dir", data_flag]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("{}", data.join("canyu.db").display())), "{}", text(&out));

    let url = |name: &str| format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    let file_url = url("file.db");
    std::fs::write(data.join("canyu.toml"), format!("database_url = {file_url:?}\n")).unwrap();
    let out = migrate(dir.path(), &[], &["--data-dir", data_flag]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&file_url), "the file beats the default: {}", text(&out));

    let env_url = url("env.db");
    let out = migrate(dir.path(), &[("CANYU_DATABASE_URL", &env_url)], &["--data-dir", data_flag]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&env_url), "the environment beats the file: {}", text(&out));

    let flag_url = url("flag.db");
    let out = migrate(
        dir.path(),
        &[("CANYU_DATABASE_URL", &env_url)],
        &["--data-dir", data_flag, "--database-url", &flag_url],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&flag_url), "the flag beats the environment: {}", text(&out));
}

#[test]
fn a_bad_environment_value_stops_the_start_by_name() {
    for (name, value, says) in [
        ("CANYU_WRITES_PER_MINUTE", "abc", "\"abc\""),
        ("CANYU_SECURE_COOKIES", "maybe", "\"maybe\""),
        ("CANYU_RELEASE_WEEKDAY", "funday", "\"funday\""),
        ("CANYU_STOCK_ENGINE", "x", "embedded, redis or hotrow"),
        ("CANYU_PAYMENT_SECRET", "too-short", "at least 32 characters"),
        ("CANYU_METRICS_TOKEN", "too-short", "at least 16 characters"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = migrate(dir.path(), &[(name, value), ("CANYU_DATA_DIR", "data")], &[]);
        assert!(!out.status.success(), "{name}={value} was accepted: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with(&format!("error: {name}: ")), "{name}={value}: {stderr}");
        assert!(stderr.contains(says), "{name}={value}: {stderr}");
        assert!(!dir.path().join("data").exists(), "nothing is created before the settings are good");
    }
}

#[test]
fn a_bad_file_value_or_unknown_key_stops_the_start_by_name() {
    for (line, starts, says) in [
        ("smtp_port = 99999", "error: smtp_port in ", "from 1 to 65535, not 99999"),
        ("release_weekday = \"funday\"", "error: release_weekday in ", "\"funday\""),
        ("stock_engine = \"x\"", "error: stock_engine in ", "embedded, redis or hotrow"),
        ("payment_secret = \"short\"", "error: payment_secret in ", "at least 32 characters"),
        ("not_a_setting = 1", "error: ", "unknown setting \"not_a_setting\""),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("site.toml");
        std::fs::write(&file, format!("{line}\n")).unwrap();
        let out = migrate(dir.path(), &[], &["--data-dir", "data", "--config", file.to_str().unwrap()]);
        assert!(!out.status.success(), "{line} was accepted: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with(starts), "{line}: {stderr}");
        assert!(stderr.contains("site.toml") && stderr.contains(says), "{line}: {stderr}");
    }
}
