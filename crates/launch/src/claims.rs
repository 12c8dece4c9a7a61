//! One order per person (account and verified identity) and per delivery address in a campaign (the anti-scalper rule a
//! campaign may switch on), decided in memory like the embedded engine's book.
//!
//! A unique index cannot do it: the order is written by the engine's group commit, and one
//! refused row would fail the whole batch of other fans' orders. So a node keeps, per
//! campaign, who holds each person and address; a claim is taken before the engine is asked
//! for a unit and given back if the engine refuses or the order later lets go of its unit.
//! The database stays the truth: a campaign's claims are loaded from its live orders the first
//! time the campaign is used after a start, so a crash loses only claims of orders that were
//! never acknowledged. Like the embedded engine, this serves one node; launch orders are not
//! taken by the Redis engine.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

/// What may be ordered once per campaign.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClaimKey {
    /// A fan account.
    Person(i64),
    /// A verified person (实名), shared by every account verified as them.
    Identity(String),
    /// The digest of a normalised delivery address.
    Address(String),
}

/// Who holds a claim: the order's fan and idempotency key, so a retry of the same order is
/// let through (the engine replays it) while a second order is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub fan_id: i64,
    pub idempotency_key: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Claimed {
    /// Every key is the caller's; `fresh` lists those taken by this call (to give back if the
    /// order is not placed).
    Granted { fresh: Vec<ClaimKey> },
    /// The key is held by another order.
    Taken(ClaimKey),
}

type Holders = HashMap<ClaimKey, Owner>;

#[derive(Default)]
pub struct ClaimBook {
    campaigns: parking_lot::Mutex<HashMap<i64, Arc<tokio::sync::Mutex<Option<Holders>>>>>,
}

impl ClaimBook {
    fn campaign(&self, campaign_id: i64) -> Arc<tokio::sync::Mutex<Option<Holders>>> {
        self.campaigns.lock().entry(campaign_id).or_default().clone()
    }

    /// Takes every key for `owner`, or none of them. `load` reads the campaign's live orders'
    /// claims; it runs once per campaign, under the campaign's lock, so no claim is taken
    /// before the ones already in the database are known.
    pub async fn claim<F, Fut, E>(
        &self,
        campaign_id: i64,
        keys: &[ClaimKey],
        owner: &Owner,
        load: F,
    ) -> Result<Claimed, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<(ClaimKey, Owner)>, E>>,
    {
        if keys.is_empty() {
            return Ok(Claimed::Granted { fresh: Vec::new() });
        }
        let campaign = self.campaign(campaign_id);
        let mut guard = campaign.lock().await;
        if guard.is_none() {
            *guard = Some(load().await?.into_iter().collect());
        }
        let holders = guard.get_or_insert_with(HashMap::new);
        if let Some(key) = keys.iter().find(|k| holders.get(*k).is_some_and(|held| held != owner)) {
            return Ok(Claimed::Taken(key.clone()));
        }
        let fresh: Vec<ClaimKey> = keys.iter().filter(|k| !holders.contains_key(*k)).cloned().collect();
        for key in &fresh {
            holders.insert(key.clone(), owner.clone());
        }
        Ok(Claimed::Granted { fresh })
    }

    /// Gives back the keys `fan_id` holds in the campaign (an order refused by the engine, or
    /// one that let go of its unit). Keys held by someone else stay where they are.
    pub async fn release(&self, campaign_id: i64, keys: &[ClaimKey], fan_id: i64) {
        if keys.is_empty() {
            return;
        }
        let campaign = self.campaign(campaign_id);
        let mut guard = campaign.lock().await;
        // Not loaded yet: the database (where the order already let go) is read on first use.
        if let Some(holders) = guard.as_mut() {
            for key in keys {
                if holders.get(key).is_some_and(|held| held.fan_id == fan_id) {
                    holders.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn owner(fan_id: i64, key: &str) -> Owner {
        Owner { fan_id, idempotency_key: key.to_string() }
    }

    async fn nothing() -> Result<Vec<(ClaimKey, Owner)>, Infallible> {
        Ok(Vec::new())
    }

    #[tokio::test]
    async fn a_second_order_to_an_address_is_refused_and_a_retry_is_not() {
        let book = ClaimBook::default();
        let addr = ClaimKey::Address("a".into());
        let keys = [ClaimKey::Person(1), addr.clone()];
        let first = book.claim(7, &keys, &owner(1, "k1"), nothing).await.unwrap();
        assert_eq!(first, Claimed::Granted { fresh: keys.to_vec() });
        // The same order again (a retry): granted, nothing new taken.
        let retry = book.claim(7, &keys, &owner(1, "k1"), nothing).await.unwrap();
        assert_eq!(retry, Claimed::Granted { fresh: vec![] });
        // The same fan's second order, and another fan to the same address: refused.
        assert_eq!(
            book.claim(7, &keys, &owner(1, "k2"), nothing).await.unwrap(),
            Claimed::Taken(ClaimKey::Person(1))
        );
        let other = [ClaimKey::Person(2), addr.clone()];
        assert_eq!(
            book.claim(7, &other, &owner(2, "k"), nothing).await.unwrap(),
            Claimed::Taken(addr.clone())
        );
        // A refused claim takes nothing: fan 2's person key is still free.
        assert_eq!(
            book.claim(7, &[ClaimKey::Person(2)], &owner(2, "k"), nothing).await.unwrap(),
            Claimed::Granted { fresh: vec![ClaimKey::Person(2)] }
        );
        // Another campaign is another book.
        assert!(matches!(
            book.claim(8, &keys, &owner(1, "k2"), nothing).await.unwrap(),
            Claimed::Granted { .. }
        ));
        // Someone else cannot give back fan 1's claim; fan 1 can.
        book.release(7, std::slice::from_ref(&addr), 2).await;
        assert_eq!(
            book.claim(7, &other, &owner(2, "k"), nothing).await.unwrap(),
            Claimed::Taken(addr.clone())
        );
        book.release(7, &keys, 1).await;
        assert!(matches!(
            book.claim(7, &other, &owner(2, "k"), nothing).await.unwrap(),
            Claimed::Granted { .. }
        ));
    }

    #[tokio::test]
    async fn claims_in_the_database_are_loaded_once_before_any_is_taken() {
        let book = Arc::new(ClaimBook::default());
        let loads = Arc::new(AtomicUsize::new(0));
        let addr = ClaimKey::Address("flat 1".into());
        let mut tasks = Vec::new();
        for fan in 0..50 {
            let (book, loads, addr) = (book.clone(), loads.clone(), addr.clone());
            tasks.push(tokio::spawn(async move {
                let load = || async move {
                    loads.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Ok::<_, Infallible>(vec![(ClaimKey::Person(0), owner(0, "before the crash"))])
                };
                book.claim(1, &[ClaimKey::Person(fan), addr], &owner(fan, "k"), load).await.unwrap()
            }));
        }
        let mut granted = 0;
        for task in tasks {
            if let Claimed::Granted { .. } = task.await.unwrap() {
                granted += 1;
            }
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        // Fan 0 held its claim before the start: every one of its orders is refused, and of
        // the 49 others exactly one gets the address.
        assert_eq!(granted, 1);
        let fan0 = book.claim(1, &[ClaimKey::Person(0)], &owner(0, "new"), nothing).await.unwrap();
        assert_eq!(fan0, Claimed::Taken(ClaimKey::Person(0)));
    }

    #[tokio::test]
    async fn a_failed_load_takes_nothing_and_is_tried_again() {
        let book = ClaimBook::default();
        let failed = book.claim(1, &[ClaimKey::Person(1)], &owner(1, "k"), || async { Err("db down") }).await;
        assert_eq!(failed, Err("db down"));
        let again =
            book.claim(1, &[ClaimKey::Person(1)], &owner(1, "k"), || async { Ok::<_, &str>(vec![]) }).await;
        assert_eq!(again, Ok(Claimed::Granted { fresh: vec![ClaimKey::Person(1)] }));
    }
}
