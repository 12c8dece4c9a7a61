//! Campaign claims shared in Redis by several nodes: the same rules as the in-process book
//! (one order per person and per address, a retry let through), across nodes, loaded from
//! the database once for all of them, and not brought back by a load that read an order
//! before it let go. Skipped without `CANYU_TEST_REDIS_URL`.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_launch::claims::{ClaimBook, ClaimKey, Claimed, ClaimsUnavailable, Owner};
use canyu_launch::redis_engine::RedisStock;
use common::{random_prefix, redis_url};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Two nodes' books on one Redis under a fresh prefix.
async fn two_nodes(url: &str) -> [Arc<ClaimBook>; 2] {
    let prefix = random_prefix();
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let redis = RedisStock::connect(url).await.expect("redis").with_prefix(&prefix).expect("prefix");
        nodes.push(Arc::new(ClaimBook::redis(redis)));
    }
    [nodes[0].clone(), nodes[1].clone()]
}

fn owner(fan_id: i64, key: &str) -> Owner {
    Owner { fan_id, idempotency_key: key.to_string() }
}

/// A load's failure; these loads never fail, and Redis failing fails the test.
#[derive(Debug)]
struct Failure;

impl From<ClaimsUnavailable> for Failure {
    fn from(e: ClaimsUnavailable) -> Failure {
        panic!("{e}")
    }
}

async fn nothing() -> Result<Vec<(ClaimKey, Owner)>, Failure> {
    Ok(Vec::new())
}

#[tokio::test]
async fn a_second_order_is_refused_on_another_node_and_a_retry_is_not() {
    let Some(url) = redis_url() else { return };
    let [a, b] = two_nodes(&url).await;
    let addr = ClaimKey::Address("flat 1".into());
    let keys = [ClaimKey::Person(1), ClaimKey::Identity("zhang".into()), addr.clone()];
    let first = a.claim(7, &keys, &owner(1, "k:1"), nothing).await.unwrap();
    assert!(matches!(first, Claimed::Granted { ref fresh } if fresh.len() == 3), "{first:?}");
    let retry = b.claim(7, &keys, &owner(1, "k:1"), nothing).await.unwrap();
    assert!(matches!(retry, Claimed::Granted { ref fresh } if fresh.is_empty()), "{retry:?}");
    let second = b.claim(7, &keys, &owner(1, "k:2"), nothing).await.unwrap();
    assert!(matches!(second, Claimed::Taken(ClaimKey::Person(1))), "{second:?}");
    let same_person = [ClaimKey::Person(2), ClaimKey::Identity("zhang".into())];
    let other_account = b.claim(7, &same_person, &owner(2, "k"), nothing).await.unwrap();
    assert!(matches!(other_account, Claimed::Taken(ClaimKey::Identity(_))), "{other_account:?}");
    // A refused claim took nothing: fan 2's account is still free.
    let free = a.claim(7, &[ClaimKey::Person(2)], &owner(2, "k"), nothing).await.unwrap();
    assert!(matches!(free, Claimed::Granted { ref fresh } if fresh.len() == 1), "{free:?}");
    // Another fan cannot give back fan 1's claims; fan 1 can, from any node.
    b.release(7, &keys, 2).await;
    let still = a.claim(7, std::slice::from_ref(&addr), &owner(3, "k"), nothing).await.unwrap();
    assert_eq!(still, Claimed::Taken(addr.clone()));
    b.release(7, &keys, 1).await;
    let now_free = a.claim(7, std::slice::from_ref(&addr), &owner(3, "k"), nothing).await.unwrap();
    assert!(matches!(now_free, Claimed::Granted { .. }), "{now_free:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fans_on_two_nodes_claiming_one_address_at_once_get_it_once_after_one_load() {
    let Some(url) = redis_url() else { return };
    let nodes = two_nodes(&url).await;
    let loads = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for fan in 1..=60i64 {
        let (book, loads) = (nodes[fan as usize % 2].clone(), loads.clone());
        tasks.push(tokio::spawn(async move {
            let load = || async move {
                loads.fetch_add(1, Ordering::SeqCst);
                Ok::<_, Failure>(vec![(ClaimKey::Person(0), owner(0, "before the start"))])
            };
            let keys = [ClaimKey::Person(fan), ClaimKey::Address("one flat".into())];
            book.claim(9, &keys, &owner(fan, "k"), load).await.unwrap()
        }));
    }
    let mut granted = 0;
    for t in tasks {
        if let Claimed::Granted { .. } = t.await.unwrap() {
            granted += 1;
        }
    }
    assert_eq!(granted, 1);
    // However many nodes raced to load, the holder from the database is there.
    assert!(loads.load(Ordering::SeqCst) >= 1);
    let fan0 = nodes[0].claim(9, &[ClaimKey::Person(0)], &owner(0, "new"), nothing).await.unwrap();
    assert_eq!(fan0, Claimed::Taken(ClaimKey::Person(0)));
}

#[tokio::test]
async fn a_release_before_the_load_is_not_undone_by_it() {
    let Some(url) = redis_url() else { return };
    let [a, b] = two_nodes(&url).await;
    // Fan 5's order lets go while no node has loaded the campaign yet...
    a.release(11, &[ClaimKey::Address("x".into())], 5).await;
    // ...and a node's load read the database just before: it still lists fan 5 at "x".
    let stale = || async {
        Ok::<_, Failure>(vec![
            (ClaimKey::Address("x".into()), owner(5, "old")),
            (ClaimKey::Address("y".into()), owner(7, "live")),
        ])
    };
    let x = b.claim(11, &[ClaimKey::Address("x".into())], &owner(6, "k"), stale).await.unwrap();
    assert!(matches!(x, Claimed::Granted { .. }), "the released address is free: {x:?}");
    let y = a.claim(11, &[ClaimKey::Address("y".into())], &owner(8, "k"), nothing).await.unwrap();
    assert_eq!(y, Claimed::Taken(ClaimKey::Address("y".into())), "live holders were loaded");
}
