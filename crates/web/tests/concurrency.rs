//! One vote per fan under real concurrency: 200 fans voting on one post at once over HTTP.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{backends, spawn_app};
use reqwest::Method;
use std::sync::Arc;

const FANS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_fans_voting_at_once_give_two_hundred_votes() {
    for backend in backends() {
        let app = Arc::new(spawn_app(backend).await);
        app.seed_catalog().await;
        let author = app.register("post_author").await;
        let post = app.create_post(&author, "希望支持 CarPlay", "很多车主需要").await;

        let mut tokens = Vec::with_capacity(FANS);
        for i in 0..FANS {
            let token = app.register(&format!("voter_{i}")).await;
            tokens.push(token);
        }
        // Every fan votes three times at once (double clicks, client retries); all requests
        // are in flight together.
        let barrier = Arc::new(tokio::sync::Barrier::new(FANS * 3));
        let mut tasks = Vec::new();
        for token in &tokens {
            for _ in 0..3 {
                let (app, token, barrier) = (app.clone(), token.clone(), barrier.clone());
                tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    app.call(Method::PUT, &format!("/api/v1/posts/{post}/vote"), Some(&token), None).await
                }));
            }
        }
        for t in tasks {
            let (status, body) = t.await.expect("task");
            assert_eq!(status, 200, "{backend:?}: {body}");
        }
        let (_, got) = app.get(&format!("/api/v1/posts/{post}"), None).await;
        assert_eq!(got["votes"].as_i64(), Some(FANS as i64), "{backend:?}");
        assert_eq!(app.store.vote_count().await.unwrap(), FANS as i64, "{backend:?}: one row per fan");
    }
}

/// A job lease (one node rolls the insights): eight nodes asking at once for a free lease,
/// exactly one gets it; the holder renews it, others wait until it runs out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_node_holds_a_job_lease_however_many_ask_at_once() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let store = app.store.clone();
        let now = canyu_app::now_millis();
        let barrier = Arc::new(tokio::sync::Barrier::new(8));
        let mut tasks = Vec::new();
        for node in 0..8 {
            let (store, barrier) = (store.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                store.take_job_lease("insights.roll", &format!("node-{node}"), now, 90_000).await.unwrap()
            }));
        }
        let mut winners = Vec::new();
        for (node, task) in tasks.into_iter().enumerate() {
            if task.await.unwrap() {
                winners.push(node);
            }
        }
        assert_eq!(winners.len(), 1, "{backend:?}: {winners:?}");
        let holder = format!("node-{}", winners[0]);
        let other = format!("node-{}", (winners[0] + 1) % 8);
        // The holder renews; another node waits until the lease has run out, then takes it.
        assert!(store.take_job_lease("insights.roll", &holder, now + 60_000, 90_000).await.unwrap());
        assert!(!store.take_job_lease("insights.roll", &other, now + 149_999, 90_000).await.unwrap());
        assert!(store.take_job_lease("insights.roll", &other, now + 150_000, 90_000).await.unwrap());
        assert!(!store.take_job_lease("insights.roll", &holder, now + 150_001, 90_000).await.unwrap());
    }
}
