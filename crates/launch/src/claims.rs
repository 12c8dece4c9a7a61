//! One order per person (account and verified identity) and per delivery address in a campaign (the anti-scalper rule a
//! campaign may switch on), decided in memory like the embedded engine's book.
//!
//! A unique index cannot do it: the order is written by the engine's group commit, and one
//! refused row would fail the whole batch of other fans' orders. So a node keeps, per
//! campaign, who holds each person and address; a claim is taken before the engine is asked
//! for a unit and given back if the engine refuses or the order later lets go of its unit.
//! The database stays the truth: a campaign's claims are loaded from its live orders the first
//! time the campaign is used after a start, so a crash loses only claims of orders that were
//! never acknowledged.
//!
//! That book serves one node, like the embedded engine. Nodes sharing a Redis engine share
//! their claims in Redis instead ([`ClaimBook::redis`]): one hash per campaign, claimed and
//! released by Lua scripts, loaded from the database once (the first claim finds it not
//! loaded; until it is, nobody claims). A release that arrives before the load leaves a
//! tombstone, so a load read from the database just before that order let go cannot bring
//! its claim back.

use crate::redis_engine::RedisStock;
use redis::Script;
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

/// Shared claims could not be read or written (Redis unreachable): the order is refused as
/// unavailable, never placed unchecked.
#[derive(Debug, thiserror::Error)]
#[error("claims unavailable: {0}")]
pub struct ClaimsUnavailable(pub String);

type Holders = HashMap<ClaimKey, Owner>;

/// Who holds what in each campaign: in this process (the default), or in Redis for several
/// nodes.
#[derive(Default)]
pub struct ClaimBook {
    shared: Option<RedisClaims>,
    local: LocalClaims,
}

impl ClaimBook {
    /// Claims kept in Redis, shared by every node using the same Redis and key prefix.
    pub fn redis(stock: RedisStock) -> ClaimBook {
        ClaimBook { shared: Some(RedisClaims::new(stock)), local: LocalClaims::default() }
    }

    /// Takes every key for `owner`, or none of them. `load` reads the campaign's live orders'
    /// claims; it runs before any claim of the campaign is taken (once per campaign in this
    /// process, or once for all nodes in Redis).
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
        E: From<ClaimsUnavailable>,
    {
        match &self.shared {
            None => self.local.claim(campaign_id, keys, owner, load).await,
            Some(shared) => shared.claim(campaign_id, keys, owner, load).await,
        }
    }

    /// Gives back the keys `fan_id` holds in the campaign (an order refused by the engine, or
    /// one that let go of its unit). Keys held by someone else stay where they are. A failure
    /// to reach Redis is logged: the claim then stays until a person's order lets go again.
    pub async fn release(&self, campaign_id: i64, keys: &[ClaimKey], fan_id: i64) {
        match &self.shared {
            None => self.local.release(campaign_id, keys, fan_id).await,
            Some(shared) => {
                if let Err(e) = shared.release(campaign_id, keys, fan_id).await {
                    tracing::error!(campaign_id, fan_id, error = %e, "could not give back claims in redis");
                }
            }
        }
    }
}

#[derive(Default)]
struct LocalClaims {
    campaigns: parking_lot::Mutex<HashMap<i64, Arc<tokio::sync::Mutex<Option<Holders>>>>>,
}

impl LocalClaims {
    fn campaign(&self, campaign_id: i64) -> Arc<tokio::sync::Mutex<Option<Holders>>> {
        self.campaigns.lock().entry(campaign_id).or_default().clone()
    }

    /// Takes every key for `owner`, or none of them. `load` reads the campaign's live orders'
    /// claims; it runs once per campaign, under the campaign's lock, so no claim is taken
    /// before the ones already in the database are known.
    async fn claim<F, Fut, E>(
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

    async fn release(&self, campaign_id: i64, keys: &[ClaimKey], fan_id: i64) {
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

/// Claims a campaign's keys for an owner. `KEYS`: the campaign's claims hash. `ARGV`: the
/// owner, then the keys. `{'not_loaded'}` before the campaign was loaded, `{'taken', key}`
/// when another owner holds a key (nothing taken), else `{'granted', fresh keys…}`.
const CLAIM_LUA: &str = r#"
if redis.call('HEXISTS', KEYS[1], '!loaded') == 0 then return {'not_loaded'} end
for i = 2, #ARGV do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  if held and held ~= ARGV[1] then return {'taken', ARGV[i]} end
end
local reply = {'granted'}
for i = 2, #ARGV do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[1]) == 1 then table.insert(reply, ARGV[i]) end
end
return reply
"#;

/// Loads a campaign's claims from its live orders, once. `ARGV`: key, owner, key, owner…
/// A key whose holder's fan released it before the load (a tombstone) is skipped: the
/// database was read before that order let go.
const LOAD_LUA: &str = r#"
if redis.call('HEXISTS', KEYS[1], '!loaded') == 1 then return 0 end
for i = 1, #ARGV, 2 do
  local gone = redis.call('HGET', KEYS[1], '~' .. ARGV[i])
  local fan = string.match(ARGV[i + 1], '^([^:]*):')
  if not (gone and gone == fan) then redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('HSET', KEYS[1], '!loaded', '1')
return 1
"#;

/// Gives back the keys a fan holds. `ARGV`: the fan id, then the keys. Before the load, a
/// tombstone records the release instead.
const RELEASE_LUA: &str = r#"
local loaded = redis.call('HEXISTS', KEYS[1], '!loaded') == 1
local mine = ARGV[1] .. ':'
for i = 2, #ARGV do
  local held = redis.call('HGET', KEYS[1], ARGV[i])
  if held and string.sub(held, 1, #mine) == mine then
    redis.call('HDEL', KEYS[1], ARGV[i])
  elseif not loaded then
    redis.call('HSET', KEYS[1], '~' .. ARGV[i], ARGV[1])
  end
end
return 1
"#;

struct RedisClaims {
    stock: RedisStock,
    claim_script: Script,
    load_script: Script,
    release_script: Script,
}

impl ClaimKey {
    fn field(&self) -> String {
        match self {
            ClaimKey::Person(id) => format!("p:{id}"),
            ClaimKey::Identity(key) => format!("i:{key}"),
            ClaimKey::Address(key) => format!("a:{key}"),
        }
    }

    fn from_field(field: &str) -> Option<ClaimKey> {
        match field.split_once(':')? {
            ("p", id) => id.parse().ok().map(ClaimKey::Person),
            ("i", key) => Some(ClaimKey::Identity(key.to_string())),
            ("a", key) => Some(ClaimKey::Address(key.to_string())),
            _ => None,
        }
    }
}

impl Owner {
    /// `<fan>:<idempotency key>`: the fan first, so a release can match it by prefix.
    fn text(&self) -> String {
        format!("{}:{}", self.fan_id, self.idempotency_key)
    }
}

fn unavailable(e: redis::RedisError) -> ClaimsUnavailable {
    ClaimsUnavailable(e.to_string())
}

impl RedisClaims {
    fn new(stock: RedisStock) -> RedisClaims {
        RedisClaims {
            stock,
            claim_script: Script::new(CLAIM_LUA),
            load_script: Script::new(LOAD_LUA),
            release_script: Script::new(RELEASE_LUA),
        }
    }

    fn key(&self, campaign_id: i64) -> String {
        format!("{}:campaign:{{{campaign_id}}}:claims", self.stock.prefix())
    }

    async fn claim<F, Fut, E>(
        &self,
        campaign_id: i64,
        keys: &[ClaimKey],
        owner: &Owner,
        load: F,
    ) -> Result<Claimed, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<(ClaimKey, Owner)>, E>>,
        E: From<ClaimsUnavailable>,
    {
        if keys.is_empty() {
            return Ok(Claimed::Granted { fresh: Vec::new() });
        }
        let hash = self.key(campaign_id);
        let mut load = Some(load);
        loop {
            let mut invocation = self.claim_script.key(&hash);
            invocation.arg(owner.text());
            for key in keys {
                invocation.arg(key.field());
            }
            let reply: Vec<String> =
                invocation.invoke_async(&mut self.stock.connection()).await.map_err(unavailable)?;
            match reply.split_first() {
                Some((outcome, fresh)) if outcome == "granted" => {
                    let fresh = fresh.iter().filter_map(|f| ClaimKey::from_field(f)).collect();
                    return Ok(Claimed::Granted { fresh });
                }
                Some((outcome, [field])) if outcome == "taken" => {
                    let key = ClaimKey::from_field(field)
                        .ok_or_else(|| ClaimsUnavailable(format!("unreadable claim {field}")))?;
                    return Ok(Claimed::Taken(key));
                }
                Some((outcome, [])) if outcome == "not_loaded" => {
                    // Every node that finds the campaign not loaded loads the same rows; the
                    // first load wins and the others change nothing.
                    let Some(load) = load.take() else {
                        return Err(ClaimsUnavailable("claims did not load".into()).into());
                    };
                    let holders = load().await?;
                    let mut invocation = self.load_script.key(&hash);
                    for (key, holder) in &holders {
                        invocation.arg(key.field()).arg(holder.text());
                    }
                    let _: i64 =
                        invocation.invoke_async(&mut self.stock.connection()).await.map_err(unavailable)?;
                }
                _ => return Err(ClaimsUnavailable(format!("unexpected claim reply {reply:?}")).into()),
            }
        }
    }

    async fn release(
        &self,
        campaign_id: i64,
        keys: &[ClaimKey],
        fan_id: i64,
    ) -> Result<(), ClaimsUnavailable> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut invocation = self.release_script.key(self.key(campaign_id));
        invocation.arg(fan_id);
        for key in keys {
            invocation.arg(key.field());
        }
        let _: i64 = invocation.invoke_async(&mut self.stock.connection()).await.map_err(unavailable)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn owner(fan_id: i64, key: &str) -> Owner {
        Owner { fan_id, idempotency_key: key.to_string() }
    }

    /// A load's own failure, or the claims' (never here: these books are local).
    #[derive(Debug, PartialEq)]
    enum Failure {
        Db(&'static str),
        Claims(String),
    }

    impl From<ClaimsUnavailable> for Failure {
        fn from(e: ClaimsUnavailable) -> Failure {
            Failure::Claims(e.0)
        }
    }

    async fn nothing() -> Result<Vec<(ClaimKey, Owner)>, Failure> {
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
                    Ok::<_, Failure>(vec![(ClaimKey::Person(0), owner(0, "before the crash"))])
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
        let failed = book
            .claim(1, &[ClaimKey::Person(1)], &owner(1, "k"), || async { Err(Failure::Db("db down")) })
            .await;
        assert_eq!(failed, Err(Failure::Db("db down")));
        let again = book
            .claim(1, &[ClaimKey::Person(1)], &owner(1, "k"), || async { Ok::<_, Failure>(vec![]) })
            .await;
        assert_eq!(again, Ok(Claimed::Granted { fresh: vec![ClaimKey::Person(1)] }));
    }

    #[test]
    fn claim_keys_round_trip_through_redis_fields() {
        let keys = [ClaimKey::Person(42), ClaimKey::Identity("ab:cd".into()), ClaimKey::Address("ef".into())];
        let fields: Vec<String> = keys.iter().map(ClaimKey::field).collect();
        assert_eq!(fields, ["p:42", "i:ab:cd", "a:ef"]);
        let back: Vec<ClaimKey> = fields.iter().filter_map(|f| ClaimKey::from_field(f)).collect();
        assert_eq!(back, keys);
        assert_eq!(ClaimKey::from_field("x:1"), None);
        assert_eq!(owner(7, "k:1").text(), "7:k:1");
    }
}
