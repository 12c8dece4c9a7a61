//! `canyu-bench sse`: N viewers of a live counter (server-sent events) for a while, each
//! noting how old every snapshot is when it arrives (`now - at`). Raw HTTP/1.1 over TCP read
//! in whole chunks, so thousands of viewers cost the benchmark machine little: they share
//! its cores with the server they measure.
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
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Where `"at":` digits start in a `data:` line of a snapshot.
fn at_of(line: &[u8]) -> Option<i64> {
    let key = b"\"at\":";
    let start = line.windows(key.len()).position(|w| w == key)? + key.len();
    let digits = line[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&line[start..start + digits]).ok()?.parse().ok()
}

/// What one viewer saw: the first frame's age and every later frame's.
#[derive(Default)]
struct Seen {
    first: Option<i64>,
    lags: Vec<i64>,
}

/// Reads the stream until it ends, noting each snapshot's age. The bytes are read in whole
/// chunks and scanned in place, with one deadline for the whole viewer (set by the caller),
/// so a viewer costs the shared machine a read per event and not a timer per line.
async fn watch(addr: &str, path: &str, connected: &AtomicU64, seen: &mut Seen) -> BenchResult<()> {
    let mut stream = TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut counted = false;
    loop {
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(16 * 1024);
        }
        if stream.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
        let mut consumed = 0;
        while let Some(end) = buf[consumed..].iter().position(|&b| b == b'\n') {
            let line = &buf[consumed..consumed + end];
            consumed += end + 1;
            if !counted && line.starts_with(b"HTTP/1.1 200") {
                connected.fetch_add(1, Ordering::Relaxed);
                counted = true;
            }
            if line.starts_with(b"data: ")
                && let Some(at) = at_of(line)
            {
                let lag = now_ms() - at;
                match seen.first {
                    None => seen.first = Some(lag),
                    Some(_) => seen.lags.push(lag),
                }
            }
        }
        buf.drain(..consumed);
    }
}

async fn viewer(addr: String, path: String, until: Instant, connected: Arc<AtomicU64>) -> BenchResult<Seen> {
    let mut seen = Seen::default();
    match tokio::time::timeout_at(until.into(), watch(&addr, &path, &connected, &mut seen)).await {
        // The deadline is how a viewer normally leaves.
        Err(_) | Ok(Ok(())) => Ok(seen),
        Ok(Err(e)) => Err(e),
    }
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
            Ok(seen) => {
                firsts.extend(seen.first);
                lags.extend(seen.lags);
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
