//! `canyu-bench sse`: N viewers of a live counter (server-sent events) for a while, each
//! noting how old every snapshot is when it arrives (`now - at`). Raw HTTP/1.1 over TCP, so
//! thousands of viewers cost the benchmark machine little.
//!
//! The lag is counted over the updates a viewer receives. The first frame after connecting
//! is the latest snapshot, which is up to one tick old by design whatever the delivery does,
//! so its age is reported apart (`first_*`).
//!
//! Usage: canyu-bench sse --addr 127.0.0.1:8080 --path /api/v1/campaigns/1/live --clients 5000 --seconds 30
//! Prints `clients=… connected=… events=… lag_p50_ms=… lag_p99_ms=… lag_max_ms=… first_p50_ms=…
//! first_max_ms=…`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `"at":1234` in a snapshot's JSON.
fn at_of(line: &str) -> Option<i64> {
    let rest = &line[line.find("\"at\":")? + 5..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

async fn viewer(
    addr: String,
    path: String,
    until: Instant,
    connected: Arc<AtomicU64>,
) -> BenchResult<(Option<i64>, Vec<i64>)> {
    let mut stream = TcpStream::connect(&addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut reader = BufReader::new(stream);
    let mut first = None;
    let mut lags = Vec::new();
    let mut line = String::new();
    let mut counted = false;
    loop {
        line.clear();
        let left = until.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, reader.read_line(&mut line)).await {
            Err(_) => break,
            Ok(Ok(0)) => break,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e.into()),
        }
        if !counted && line.starts_with("HTTP/1.1 200") {
            connected.fetch_add(1, Ordering::Relaxed);
            counted = true;
        }
        if line.starts_with("data: ")
            && let Some(at) = at_of(&line)
        {
            match first {
                None => first = Some(now_ms() - at),
                Some(_) => lags.push(now_ms() - at),
            }
        }
    }
    Ok((first, lags))
}

pub async fn run(args: &[String]) -> BenchResult<()> {
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let addr = arg("--addr").ok_or("--addr")?;
    let path = arg("--path").ok_or("--path")?;
    let clients: usize = arg("--clients").unwrap_or_else(|| "5000".into()).parse()?;
    let seconds: u64 = arg("--seconds").unwrap_or_else(|| "30".into()).parse()?;
    let until = Instant::now() + Duration::from_secs(seconds);
    let connected = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(clients);
    for i in 0..clients {
        tasks.push(tokio::spawn(viewer(addr.clone(), path.clone(), until, connected.clone())));
        // Connect in bursts of 250, as a crowd arriving, not one SYN flood.
        if i % 250 == 249 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let mut lags = Vec::new();
    let mut firsts = Vec::new();
    let mut failed = 0;
    for t in tasks {
        match t.await? {
            Ok((first, l)) => {
                firsts.extend(first);
                lags.extend(l);
            }
            Err(_) => failed += 1,
        }
    }
    lags.sort_unstable();
    firsts.sort_unstable();
    let pct = |v: &[i64], p: f64| {
        v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1))).copied().unwrap_or(-1)
    };
    println!(
        "clients={clients} connected={} failed={failed} events={} lag_p50_ms={} lag_p99_ms={} lag_max_ms={} \
         first_p50_ms={} first_max_ms={}",
        connected.load(Ordering::Relaxed),
        lags.len() + firsts.len(),
        pct(&lags, 0.50),
        pct(&lags, 0.99),
        lags.last().copied().unwrap_or(-1),
        pct(&firsts, 0.50),
        firsts.last().copied().unwrap_or(-1)
    );
    Ok(())
}
