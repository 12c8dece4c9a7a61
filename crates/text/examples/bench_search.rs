//! Search latency at scale. Builds an index of N posts (default 1,000,000)
//! from the shared review corpus, then times queries.
//!
//! cargo run --release -p canyu-text --example bench_search -- [N] [index_dir]

use std::time::{Duration, Instant};

use canyu_text::{PostDoc, SearchIndex, SearchQuery};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let dir = match args.next() {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir().join(format!("canyu-text-bench-{n}")),
    };
    let corpus =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/reviews-zh.txt");
    let text = std::fs::read_to_string(&corpus)?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();

    let index = SearchIndex::open(&dir)?;
    if index.doc_count() != n as u64 {
        let started = Instant::now();
        let docs = (0..n).map(|i| {
            let body_line = lines[i % lines.len()];
            let other = lines[(i * 7 + 3) % lines.len()];
            PostDoc {
                post_id: i as i64,
                product_id: (i % 20) as i64,
                title: other.chars().take(20).collect(),
                body: if i % 3 == 0 { format!("{body_line}{other}") } else { body_line.to_string() },
                created_at: 1_700_000_000_000 + i as i64,
            }
        });
        let count = index.rebuild(docs, &mut |k| {
            if k % 100_000 == 0 {
                eprintln!("  {k} docs, {:?}", started.elapsed());
            }
        })?;
        eprintln!("indexed {count} docs in {:?}", started.elapsed());
    }
    eprintln!("doc_count {}", index.doc_count());

    let queries = [
        "质量",
        "物流",
        "客服",
        "屏幕",
        "续航",
        "发热",
        "电池",
        "不错",
        "价格",
        "很好",
        "电池续航",
        "屏幕 发热",
        "物流太慢了",
        "客服态度很差",
        "性价比很高的手机",
        "wifi",
        "质量 不错 价格",
        "这本书",
        "酒店 服务",
        "a:b (c \"d",
    ];
    for (label, product_id) in [("all products", None), ("product filter", Some(7))] {
        let mut times: Vec<Duration> = Vec::new();
        let mut totals = 0usize;
        for round in 0..50 {
            for q in queries {
                let started = Instant::now();
                let r =
                    index.search(&SearchQuery { text: q, product_id, limit: 20, offset: 0, any: false })?;
                let elapsed = started.elapsed();
                if round > 0 {
                    times.push(elapsed);
                }
                totals += r.total;
            }
        }
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        println!(
            "{label}: {} searches, p50 {:?}, p90 {:?}, p99 {:?}, max {:?} (avg total {})",
            times.len(),
            pct(0.5),
            pct(0.9),
            pct(0.99),
            times[times.len() - 1],
            totals / (50 * queries.len())
        );
    }
    println!("best of 5, all products | product 7:");
    for q in queries {
        let mut line = format!("  {q:>12}:");
        for product_id in [None, Some(7)] {
            let mut best = Duration::MAX;
            let mut total = 0;
            for _ in 0..5 {
                let started = Instant::now();
                total = index
                    .search(&SearchQuery { text: q, product_id, limit: 20, offset: 0, any: false })?
                    .total;
                best = best.min(started.elapsed());
            }
            line.push_str(&format!(" {total:>7} hits {best:>10.2?} |"));
        }
        println!("{line}");
    }
    for i in 0..5 {
        let started = Instant::now();
        let doc = PostDoc {
            post_id: i,
            product_id: 1,
            title: "单条".into(),
            body: "写入延迟".into(),
            created_at: 0,
        };
        index.upsert(doc).wait()?;
        println!("single upsert+wait at this size: {:?}", started.elapsed());
    }
    let started = Instant::now();
    let tickets: Vec<_> = (0..200)
        .map(|i| {
            index.upsert(PostDoc {
                post_id: i,
                product_id: 1,
                title: "批".into(),
                body: "写入".into(),
                created_at: 0,
            })
        })
        .collect();
    let commits_before = index.commit_count();
    for t in tickets {
        t.wait()?;
    }
    println!(
        "200 queued upserts: {:?}, {} commits",
        started.elapsed(),
        index.commit_count() - commits_before
    );
    Ok(())
}
