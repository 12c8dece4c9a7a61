//! `canyu launch verify-draw` as someone checking a published draw uses it.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_launch::draw::{EntryList, PublishedDraw, Seed};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn verify_draw_file(path: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canyu"))
        .args(["launch", "verify-draw", "--input"])
        .arg(path)
        .env_remove("CANYU_DATABASE_URL")
        .output()
        .expect("run canyu")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn temp_file(name: &str, draw: &PublishedDraw) -> PathBuf {
    let path = std::env::temp_dir().join(format!("canyu-cli-draw-{name}-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string_pretty(draw).expect("json")).expect("write draw");
    path
}

fn honest_draw() -> PublishedDraw {
    let entries = EntryList::new((0..40).map(|i| format!("米粉_{i:02}")).collect()).expect("entries");
    PublishedDraw::draw(&Seed::generate().expect("seed"), &entries, 5)
}

#[test]
fn verify_draw_prints_the_winners_of_an_honest_draw() {
    let draw = honest_draw();
    let path = temp_file("honest", &draw);
    let out = verify_draw_file(&path);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), draw.winners, "winners one per line, in order");

    // The same from stdin.
    let mut child = Command::new(env!("CARGO_BIN_EXE_canyu"))
        .args(["launch", "verify-draw", "--input", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run canyu");
    let json = serde_json::to_string(&draw).expect("json");
    child.stdin.take().expect("stdin").write_all(json.as_bytes()).expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), draw.winners);
    let _ = std::fs::remove_file(path);
}

#[test]
fn verify_draw_refuses_tampered_draws_with_exit_code_1() {
    let honest = honest_draw();
    let loser = honest.entries.iter().find(|e| !honest.winners.contains(e)).expect("a loser").clone();

    let mut swapped_winner = honest.clone();
    swapped_winner.winners[0] = loser;
    let mut other_seed = honest.clone();
    other_seed.seed = Seed::generate().expect("seed").to_hex();
    let mut extra_entry = honest.clone();
    extra_entry.entries.push("米粉_99".into());

    for (name, draw, expected) in [
        ("winner", swapped_winner, "winners are wrong"),
        ("seed", other_seed, "does not match the commitment"),
        ("entries", extra_entry, "do not match the entries hash"),
    ] {
        let path = temp_file(name, &draw);
        let out = verify_draw_file(&path);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out));
        assert!(stdout(&out).is_empty(), "{name}: no winners are printed for a bad draw");
        assert!(text(&out).contains(expected), "{name}: {}", text(&out));
        let _ = std::fs::remove_file(path);
    }

    let not_json = std::env::temp_dir().join(format!("canyu-cli-draw-garbage-{}.json", std::process::id()));
    std::fs::write(&not_json, "{\"seed\": 1}").expect("write");
    let out = verify_draw_file(&not_json);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("is not a published draw"), "{}", text(&out));
    let _ = std::fs::remove_file(not_json);

    let out = verify_draw_file(std::path::Path::new("/nonexistent/draw.json"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("cannot read"), "{}", text(&out));
}
