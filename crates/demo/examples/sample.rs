//! Prints a few generated posts and the forum's shape:
//! `cargo run -p canyu-demo --example sample --release -- [seed] [posts] [show]`.

use canyu_demo::generate;
use std::collections::BTreeMap;

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let seed = args.first().copied().unwrap_or(42);
    let count = args.get(1).copied().unwrap_or(2_000) as usize;
    let show = args.get(2).copied().unwrap_or(3) as usize;
    let anchor = 1_772_323_200_000; // 2026-03-01T00:00:00Z

    let t = std::time::Instant::now();
    let forum = generate(seed, anchor, count);
    let took = t.elapsed();

    let mut status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut product: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &forum.posts {
        *status.entry(p.status().as_str()).or_default() += 1;
        *product.entry(p.product.as_str()).or_default() += 1;
    }
    let comments: usize = forum.posts.iter().map(|p| p.comments.len()).sum();
    let votes: usize = forum.posts.iter().map(|p| p.voters.len()).sum();
    println!("generate({seed}, {anchor}, {count}) took {took:?}");
    println!("{} users, {} posts, {comments} comments, {votes} votes", forum.users.len(), forum.posts.len());
    println!("status: {status:?}");
    println!("product: {product:?}");

    let step = (forum.posts.len() / show.max(1)).max(1);
    for p in forum.posts.iter().step_by(step).take(show) {
        let u = &forum.users[p.author];
        println!(
            "\n==== [{}] {:?} by {} · {} votes · {:?} · tags {:?}",
            p.product,
            p.kind,
            u.handle,
            p.voters.len(),
            p.status(),
            p.tags
        );
        println!("# {}\n\n{}", p.title, p.body);
        for c in &p.comments {
            let who = &forum.users[c.author].handle;
            println!("  > {}{}: {}", who, if c.official { "（官方）" } else { "" }, c.body);
        }
        for h in &p.history {
            println!("  * {:?} -> {:?} by {} {:?}", h.from, h.to, forum.users[h.by].handle, h.note);
        }
    }
}
