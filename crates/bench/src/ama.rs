//! `canyu-bench ama`: one phase of the AMA live-page benchmark (bench/ama.sh) — N viewers of
//! `GET /api/v1/amas/{id}/live`, the host answering a question every few seconds, and a
//! `/healthz` probe ten times a second — while wrk sends the votes from the script.
//!
//! The number the issue asks for is answer-to-screen: from the moment the answer's POST is
//! written to the socket to the moment a viewer has read the frame that carries it, for every
//! viewer and every answer. It is split at the frame's `at` (the server's clock when it made
//! the frame; same machine, same clock) into *made* (the answer's transaction, the producer's
//! wake-up and its reads) and *delivered* (the paced hand-out to 16 groups, the socket, this
//! client), so the report says which of the two the lag is.
//!
//! A viewer parses a frame's `answers` only when its `answered` count or the id of the newest
//! answer moved: a frame a second for 5,000 viewers would otherwise cost the shared cores a
//! JSON parse each. Not the count alone: the producer reads the list and the totals in separate
//! queries, so a frame made while an answer commits can count it without listing it (counted
//! as `torn`), and the next frame lists it under the same count. A viewer may skip frames (the
//! server keeps only the latest per group), so every id in `answers` is matched, not only the
//! newest.
//!
//! The probe opens a new connection per request, as a load balancer's health check does, so
//! it also measures how soon the server accepts one while thousands of streams are open.
//!
//! Usage: canyu-bench ama --addr 127.0.0.1:8080 --ama ID --token HOST_TOKEN --questions 1,2,3
//!        [--clients 5000] [--start-in 7] [--seconds 30] [--drain 3] [--answer-every 2]
//!        [--probes-per-second 10]
//! Viewers connect at once; answers and probes run from `start-in` for `seconds`; viewers stay
//! `drain` seconds more for the last answer. Prints `viewers:`, `answers:`, `lag:` and
//! `healthz:` lines of `key=value`.

use canyu_app::amas::live::LATEST_ANSWERS;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Wall-clock milliseconds, fractional: the server's `at` is on the same clock.
fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// The integer after `key` in a frame (`"at":`, `"answered":`), read in place.
fn int_after(line: &[u8], key: &[u8]) -> Option<i64> {
    let start = line.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = line[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&line[start..start + digits]).ok()?.parse().ok()
}

/// Where a frame's `answers` value starts.
fn answers_at(line: &[u8]) -> Option<usize> {
    let key = b"\"answers\":";
    Some(line.windows(key.len()).position(|w| w == key)? + key.len())
}

/// The newest answer's id, read in place: the first `"id":` after `answers` (a string value
/// cannot hold an unescaped quote, so it is a key). With no answers it is whatever id follows,
/// which serves as well to notice a change.
fn newest_answer(line: &[u8]) -> Option<i64> {
    int_after(&line[answers_at(line)?..], b"\"id\":")
}

/// The question ids in a frame's `answers` list. Only that value is parsed: the deserializer
/// stops after it, whatever follows.
fn answer_ids(line: &[u8]) -> Vec<i64> {
    let Some(start) = answers_at(line) else { return Vec::new() };
    let mut values = serde_json::Deserializer::from_slice(&line[start..]).into_iter::<serde_json::Value>();
    match values.next() {
        Some(Ok(serde_json::Value::Array(items))) => items.iter().filter_map(|a| a["id"].as_i64()).collect(),
        _ => Vec::new(),
    }
}

/// One answer as a viewer first saw it.
struct Sighting {
    question: i64,
    seen_ms: f64,
    /// The server's clock when the frame carrying it was made.
    at: i64,
}

#[derive(Default)]
struct Seen {
    /// When the first frame arrived: answers sent before it are not this viewer's to count.
    first_ms: Option<f64>,
    answers: Vec<Sighting>,
    /// Age (`now - at`) of every frame after the first, as `canyu-bench sse` reports.
    ages: Vec<f64>,
    /// Still connected when the phase ended (the deadline, not the server, closed it).
    stayed: bool,
    /// Frames whose `answered` count disagrees with their list of answers.
    torn: usize,
}

async fn watch(addr: &str, path: &str, connected: &AtomicU64, seen: &mut Seen) -> BenchResult<()> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut buf: Vec<u8> = Vec::with_capacity(32 * 1024);
    let mut counted = false;
    let mut last_key = (-1, None);
    loop {
        if buf.capacity() - buf.len() < 8192 {
            buf.reserve(32 * 1024);
        }
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
        let now = now_ms();
        let mut consumed = 0;
        while let Some(end) = buf[consumed..].iter().position(|&b| b == b'\n') {
            let line = &buf[consumed..consumed + end];
            consumed += end + 1;
            if !counted && line.starts_with(b"HTTP/1.1 200") {
                connected.fetch_add(1, Ordering::Relaxed);
                counted = true;
            }
            if !line.starts_with(b"data: ") {
                continue;
            }
            let Some(at) = int_after(line, b"\"at\":") else { continue };
            match seen.first_ms {
                None => seen.first_ms = Some(now),
                Some(_) => seen.ages.push(now - at as f64),
            }
            let key = (int_after(line, b"\"answered\":").unwrap_or(-1), newest_answer(line));
            if key != last_key {
                last_key = key;
                let ids = answer_ids(line);
                // The list holds only the latest few: up to that many it must be complete.
                if key.0 <= LATEST_ANSWERS && ids.len() as i64 != key.0 {
                    seen.torn += 1;
                }
                for question in ids {
                    if !seen.answers.iter().any(|s| s.question == question) {
                        seen.answers.push(Sighting { question, seen_ms: now, at });
                    }
                }
            }
        }
        buf.drain(..consumed);
    }
}

async fn viewer(addr: String, path: String, until: Instant, connected: Arc<AtomicU64>) -> BenchResult<Seen> {
    let mut seen = Seen::default();
    match tokio::time::timeout_at(until.into(), watch(&addr, &path, &connected, &mut seen)).await {
        Err(_) => {
            seen.stayed = seen.first_ms.is_some();
            Ok(seen)
        }
        Ok(Ok(())) => Ok(seen),
        Ok(Err(e)) => Err(e),
    }
}

/// Reads one HTTP/1.1 response (its head, then `Content-Length` bytes, or to the end when the
/// server gives no length) and returns its status.
async fn read_response<S: AsyncRead + Unpin>(stream: &mut S) -> BenchResult<u16> {
    let mut buf = Vec::with_capacity(4096);
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if stream.read_buf(&mut buf).await? == 0 {
            return Err("connection closed before the response head".into());
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let status: u16 = head.split_whitespace().nth(1).ok_or("no status")?.parse()?;
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    match length {
        Some(n) => {
            while buf.len() < head_end + n {
                if stream.read_buf(&mut buf).await? == 0 {
                    return Err("connection closed inside the body".into());
                }
            }
        }
        None => while stream.read_buf(&mut buf).await? > 0 {},
    }
    Ok(status)
}

/// One answer as the host sent it.
struct Sent {
    question: i64,
    sent_ms: f64,
    /// How long the POST took to be answered (the answer's transaction is most of it).
    took_ms: f64,
    status: u16,
}

/// The host answers `questions` in turn, one every `every`, over one kept-alive connection (a
/// host's browser keeps its own), from `start` until `end`.
async fn answer_all(
    addr: String,
    ama: i64,
    token: String,
    questions: Vec<i64>,
    (start, every, end): (Instant, Duration, Instant),
) -> BenchResult<Vec<Sent>> {
    let mut sent = Vec::new();
    let mut stream: Option<TcpStream> = None;
    for (k, question) in questions.into_iter().enumerate() {
        let due = start + every * k as u32;
        if due >= end {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let body = format!("{{\"body\":\"第 {} 条答复：会的，我们在做，下个版本见。\"}}", k + 1);
        let request = format!(
            "POST /api/v1/amas/{ama}/questions/{question}/answer HTTP/1.1\r\nHost: {addr}\r\n\
             Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut conn = match stream.take() {
            Some(c) => c,
            None => TcpStream::connect(&addr).await?,
        };
        conn.set_nodelay(true)?;
        let sent_ms = now_ms();
        let t = Instant::now();
        conn.write_all(request.as_bytes()).await?;
        let status = read_response(&mut conn).await?;
        sent.push(Sent { question, sent_ms, took_ms: t.elapsed().as_secs_f64() * 1000.0, status });
        stream = Some(conn);
    }
    Ok(sent)
}

/// One `/healthz` over a new connection: milliseconds to the whole response, or `None` when it
/// failed or took longer than five seconds.
async fn probe(addr: String) -> Option<f64> {
    let t = Instant::now();
    let once = async {
        let mut conn = TcpStream::connect(&addr).await?;
        conn.write_all(
            format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
        read_response(&mut conn).await
    };
    match tokio::time::timeout(Duration::from_secs(5), once).await {
        Ok(Ok(200)) => Some(t.elapsed().as_secs_f64() * 1000.0),
        _ => None,
    }
}

async fn probe_all(addr: String, per_second: u32, start: Instant, end: Instant) -> (Vec<f64>, usize) {
    let every = Duration::from_secs(1) / per_second.max(1);
    let mut tasks = Vec::new();
    let mut due = start;
    while due < end {
        tokio::time::sleep_until(due.into()).await;
        // Each probe on its own task: a slow one does not hold back the next.
        tasks.push(tokio::spawn(probe(addr.clone())));
        due += every;
    }
    let (mut ok, mut failed) = (Vec::new(), 0);
    for t in tasks {
        match t.await {
            Ok(Some(ms)) => ok.push(ms),
            _ => failed += 1,
        }
    }
    (ok, failed)
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

pub async fn run(args: &[String]) -> BenchResult<()> {
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let num = |name: &str, default: f64| -> BenchResult<f64> {
        Ok(arg(name).map(|v| v.parse::<f64>()).transpose()?.unwrap_or(default))
    };
    let addr = arg("--addr").ok_or("--addr")?;
    let ama: i64 = arg("--ama").ok_or("--ama")?.parse()?;
    let token = arg("--token").ok_or("--token")?;
    let questions: Vec<i64> =
        arg("--questions").ok_or("--questions")?.split(',').map(str::parse).collect::<Result<_, _>>()?;
    let clients = num("--clients", 5000.0)? as usize;
    let start_in = Duration::from_secs_f64(num("--start-in", 7.0)?);
    let seconds = Duration::from_secs_f64(num("--seconds", 30.0)?);
    let drain = Duration::from_secs_f64(num("--drain", 3.0)?);
    let every = Duration::from_secs_f64(num("--answer-every", 2.0)?);
    let per_second = num("--probes-per-second", 10.0)? as u32;

    let t0 = Instant::now();
    let (start, end) = (t0 + start_in, t0 + start_in + seconds);
    let until = end + drain;
    let path = format!("/api/v1/amas/{ama}/live");
    let connected = Arc::new(AtomicU64::new(0));
    let mut viewers = Vec::with_capacity(clients);
    for i in 0..clients {
        viewers.push(tokio::spawn(viewer(addr.clone(), path.clone(), until, connected.clone())));
        // Connect in bursts of 250, as a crowd arriving, not one SYN flood.
        if i % 250 == 249 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let answers = tokio::spawn(answer_all(addr.clone(), ama, token, questions, (start, every, end)));
    let probes = tokio::spawn(probe_all(addr.clone(), per_second, start, end));

    let mut seen = Vec::with_capacity(clients);
    let mut failed = 0;
    for v in viewers {
        match v.await? {
            Ok(s) => seen.push(s),
            Err(_) => failed += 1,
        }
    }
    let sent = answers.await??;
    let (healthz, healthz_failed) = probes.await?;

    let ages = sorted(seen.iter().flat_map(|s| s.ages.iter().copied()).collect());
    println!(
        "viewers: clients={clients} connected={} stayed={} failed={failed} frames={} torn={} \
         frame_age_p50_ms={:.0} frame_age_p99_ms={:.0}",
        connected.load(Ordering::Relaxed),
        seen.iter().filter(|s| s.stayed).count(),
        ages.len() + seen.iter().filter(|s| s.first_ms.is_some()).count(),
        seen.iter().map(|s| s.torn).sum::<usize>(),
        pct(&ages, 0.5),
        pct(&ages, 0.99),
    );
    let took = sorted(sent.iter().map(|s| s.took_ms).collect());
    let statuses = sent.iter().filter(|s| s.status != 200).count();
    println!(
        "answers: sent={} not_200={statuses} post_p50_ms={:.1} post_max_ms={:.1}",
        sent.len(),
        pct(&took, 0.5),
        took.last().copied().unwrap_or(f64::NAN)
    );
    if clients > 0 {
        // Every (viewer, answer) pair where the viewer was watching when the answer was sent.
        let (mut lags, mut made, mut delivered, mut missed) = (Vec::new(), Vec::new(), Vec::new(), 0usize);
        for s in sent.iter().filter(|s| s.status == 200) {
            for v in &seen {
                if v.first_ms.is_none_or(|first| first > s.sent_ms) {
                    continue;
                }
                match v.answers.iter().find(|a| a.question == s.question) {
                    Some(a) => {
                        lags.push(a.seen_ms - s.sent_ms);
                        made.push(a.at as f64 - s.sent_ms);
                        delivered.push(a.seen_ms - a.at as f64);
                    }
                    // A viewer the server closed early also misses what came after.
                    None => missed += 1,
                }
            }
        }
        let (lags, made, delivered) = (sorted(lags), sorted(made), sorted(delivered));
        println!(
            "lag: samples={} missed={missed} p50_ms={:.0} p99_ms={:.0} max_ms={:.0} made_p50_ms={:.0} \
             made_p99_ms={:.0} delivered_p50_ms={:.0} delivered_p99_ms={:.0}",
            lags.len(),
            pct(&lags, 0.5),
            pct(&lags, 0.99),
            lags.last().copied().unwrap_or(f64::NAN),
            pct(&made, 0.5),
            pct(&made, 0.99),
            pct(&delivered, 0.5),
            pct(&delivered, 0.99),
        );
    }
    let healthz = sorted(healthz);
    println!(
        "healthz: probes={} failed={healthz_failed} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        healthz.len() + healthz_failed,
        pct(&healthz, 0.5),
        pct(&healthz, 0.99),
        healthz.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_read_in_place() {
        let line = br#"data: {"ama":3,"answered":2,"answers":[{"answer":"a]","answered_at":"x","id":17},{"id":9}],"at":1765000000123,"top":[{"id":1}]}"#;
        assert_eq!(int_after(line, b"\"at\":"), Some(1_765_000_000_123));
        assert_eq!(int_after(line, b"\"answered\":"), Some(2));
        assert_eq!(answer_ids(line), vec![17, 9]);
        assert_eq!(newest_answer(line), Some(17));
        assert!(answer_ids(b"data: {\"at\":1}").is_empty());
    }
}
