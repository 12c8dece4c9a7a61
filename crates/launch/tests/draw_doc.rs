//! The Python reference implementation in `docs/draw.md` and this crate must agree: the
//! document is the specification people reimplement from.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_launch::draw::{EntryList, PublishedDraw, Seed};
use std::io::Write;
use std::process::{Command, Stdio};

/// The first ```python block of docs/draw.md.
fn reference_implementation() -> String {
    let doc_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/draw.md");
    let doc = std::fs::read_to_string(doc_path).expect("read docs/draw.md");
    let start = doc.find("```python\n").expect("docs/draw.md has a ```python block") + "```python\n".len();
    let len = doc[start..].find("\n```").expect("the python block ends");
    doc[start..start + len].to_string()
}

/// Runs the reference `verify` on each draw; returns its winners, or None where it refused.
fn python_verify(draws: &[PublishedDraw]) -> Option<Vec<Option<Vec<String>>>> {
    let driver = format!(
        "{}\n\nimport json, sys\nfor line in sys.stdin:\n    try:\n        print(json.dumps(verify(json.loads(line))))\n    except ValueError:\n        print('null')\n",
        reference_implementation()
    );
    let mut child = match Command::new("python3")
        .arg("-c")
        .arg(driver)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("skipping: python3 not available ({e})");
            return None;
        }
    };
    let mut stdin = child.stdin.take().expect("stdin");
    for draw in draws {
        writeln!(stdin, "{}", serde_json::to_string(draw).expect("json")).expect("write");
    }
    drop(stdin);
    let out = child.wait_with_output().expect("python3 runs");
    assert!(out.status.success(), "python3 failed");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    Some(text.lines().map(|line| serde_json::from_str(line).expect("json line")).collect())
}

#[test]
fn the_documented_python_reference_matches_the_rust_draw() {
    let mut draws = Vec::new();
    let kat_seed =
        Seed::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").expect("seed");
    let kat_entries = ["小米粉丝", "alice", "bob", "carol", "dave", "erin", "frank", "grace"];
    let kat = EntryList::new(kat_entries.map(String::from).to_vec()).expect("entries");
    draws.push(PublishedDraw::draw(&kat_seed, &kat, 3));
    draws.push(PublishedDraw::draw(&kat_seed, &kat, 100));
    for (n, winners) in [(0, 3), (1, 1), (2, 5), (57, 10), (500, 499), (1000, 50)] {
        let seed = Seed::generate().expect("seed");
        let entries = EntryList::new(
            (0..n).map(|i| if i % 3 == 0 { format!("米粉_{i}") } else { format!("fan-{i:04}") }).collect(),
        )
        .expect("entries");
        draws.push(PublishedDraw::draw(&seed, &entries, winners));
    }
    let mut tampered = draws[5].clone();
    tampered.winners.reverse();
    let mut tampered_seed = draws[6].clone();
    tampered_seed.seed = Seed::generate().expect("seed").to_hex();

    let mut all = draws.clone();
    all.push(tampered);
    all.push(tampered_seed);
    let Some(results) = python_verify(&all) else { return };
    assert_eq!(results.len(), all.len());
    for (draw, result) in draws.iter().zip(&results) {
        assert_eq!(result.as_ref(), Some(&draw.winners), "entries {}", draw.entries.len());
    }
    assert_eq!(results[0], Some(vec!["alice".to_string(), "dave".to_string(), "erin".to_string()]));
    assert_eq!(results[draws.len()], None, "python refuses reordered winners");
    assert_eq!(results[draws.len() + 1], None, "python refuses a seed that misses the commitment");
}
