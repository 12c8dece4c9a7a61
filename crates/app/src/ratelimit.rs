//! In-process token buckets, keyed by what is being limited (e.g. `login:<ip>`).
//! One node's view: several nodes behind one site would share buckets in Redis (later work).

use crate::App;
use crate::error::{AppError, AppResult};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::IpAddr;

/// Takes one token from `key`'s bucket; refused with `rate_limited` and the bucket's real
/// wait, which the HTTP adapter sends as `Retry-After`.
pub(crate) fn limit(app: &App, key: String, per_minute: u32) -> AppResult<()> {
    app.limiter.check(&key, per_minute, app.now()).map_err(|RetryAfter(secs)| AppError::rate_limited(secs))
}

/// The rate-limit key of an address: IPv6 clients usually hold a whole /64, so they count as one.
pub(crate) fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

struct Bucket {
    tokens: f64,
    updated_at: i64,
}

/// A bucket's size and its refill per millisecond.
fn rate(capacity: u32, period_ms: i64) -> (f64, f64) {
    let capacity = f64::from(capacity.max(1));
    (capacity, capacity / period_ms.max(1) as f64)
}

/// The tokens `bucket` holds at `now_ms`.
fn refilled(bucket: &Bucket, capacity: f64, per_ms: f64, now_ms: i64) -> f64 {
    let elapsed = (now_ms - bucket.updated_at).max(0) as f64;
    (bucket.tokens + elapsed * per_ms).min(capacity)
}

#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<Buckets>,
}

#[derive(Default)]
struct Buckets {
    by_key: HashMap<String, Bucket>,
    /// No sweep before this time (ms): a sweep walks every bucket under the lock.
    next_sweep_at: i64,
}

/// Refused: retry after this many seconds.
#[derive(Debug, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

/// Above this many keys, buckets idle for a minute are forgotten, at most once a second. A
/// drop has more fans than this within a minute, all of them live: sweeping on every
/// request then walked 100,000 live buckets per order and cut a drop's throughput to a
/// third (`bench/drop.sh`, second wave after a first one of 100,000 orders).
const SWEEP_ABOVE: usize = 100_000;
const SWEEP_EVERY_MS: i64 = 1_000;
/// A bucket untouched for a minute has refilled completely whatever its size, so forgetting
/// it changes no decision.
const IDLE_MS: i64 = 60_000;
/// Past this many live keys (a flood of distinct keys) memory wins over precision: buckets
/// idle for a few seconds are forgotten too, so their owners start again with full buckets.
const HARD_MAX: usize = 1_000_000;
const FLOOD_IDLE_MS: i64 = 5_000;

impl RateLimiter {
    /// Takes one token from `key`'s bucket, which holds `per_minute` tokens and refills
    /// continuously; refuses when it is empty.
    pub fn check(&self, key: &str, per_minute: u32, now_ms: i64) -> Result<(), RetryAfter> {
        let capacity = f64::from(per_minute.max(1));
        let per_ms = capacity / 60_000.0;
        let mut buckets = self.buckets.lock();
        let Buckets { by_key, next_sweep_at } = &mut *buckets;
        if by_key.len() >= SWEEP_ABOVE && now_ms >= *next_sweep_at {
            by_key.retain(|_, b| now_ms - b.updated_at < IDLE_MS);
            if by_key.len() >= HARD_MAX {
                by_key.retain(|_, b| now_ms - b.updated_at < FLOOD_IDLE_MS);
            }
            *next_sweep_at = now_ms + SWEEP_EVERY_MS;
        }
        let bucket = match by_key.get_mut(key) {
            Some(bucket) => bucket,
            None => by_key.entry(key.to_string()).or_insert(Bucket { tokens: capacity, updated_at: now_ms }),
        };
        let elapsed = (now_ms - bucket.updated_at).max(0) as f64;
        bucket.tokens = (bucket.tokens + elapsed * per_ms).min(capacity);
        bucket.updated_at = now_ms;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait_ms = (1.0 - bucket.tokens) / per_ms;
            Err(RetryAfter((wait_ms / 1000.0).ceil() as u64))
        }
    }

    /// Whether `key`'s bucket (`capacity` tokens refilled over `period_ms`) has a token,
    /// without taking it: `Err` with the wait when it has none. A key without a bucket has.
    pub fn peek(&self, key: &str, capacity: u32, period_ms: i64, now_ms: i64) -> Result<(), RetryAfter> {
        let (capacity, per_ms) = rate(capacity, period_ms);
        let buckets = self.buckets.lock();
        let Some(bucket) = buckets.by_key.get(key) else { return Ok(()) };
        let tokens = refilled(bucket, capacity, per_ms, now_ms);
        if tokens >= 1.0 { Ok(()) } else { Err(RetryAfter(((1.0 - tokens) / per_ms / 1000.0).ceil() as u64)) }
    }

    /// Whether `key`'s bucket is full: nothing was taken from it within its refill period.
    pub fn is_full(&self, key: &str, capacity: u32, period_ms: i64, now_ms: i64) -> bool {
        let (capacity, per_ms) = rate(capacity, period_ms);
        let buckets = self.buckets.lock();
        buckets.by_key.get(key).is_none_or(|bucket| refilled(bucket, capacity, per_ms, now_ms) >= capacity)
    }

    /// Takes one token from `key`'s bucket (`capacity` tokens refilled over `period_ms`),
    /// whether or not it has one left: for counting what already happened (a failed login).
    pub fn spend(&self, key: &str, capacity: u32, period_ms: i64, now_ms: i64) {
        let (capacity, per_ms) = rate(capacity, period_ms);
        let mut buckets = self.buckets.lock();
        let bucket =
            buckets.by_key.entry(key.to_string()).or_insert(Bucket { tokens: capacity, updated_at: now_ms });
        bucket.tokens = (refilled(bucket, capacity, per_ms, now_ms) - 1.0).max(0.0);
        bucket.updated_at = now_ms;
    }

    #[cfg(test)]
    fn keys(&self) -> usize {
        self.buckets.lock().by_key.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_after_the_fact() {
        let l = RateLimiter::default();
        assert!(l.is_full("f", 2, 60_000, 0));
        assert!(l.peek("f", 2, 60_000, 0).is_ok());
        l.spend("f", 2, 60_000, 0);
        assert!(!l.is_full("f", 2, 60_000, 0));
        assert!(l.peek("f", 2, 60_000, 0).is_ok());
        l.spend("f", 2, 60_000, 0);
        l.spend("f", 2, 60_000, 0);
        assert_eq!(l.peek("f", 2, 60_000, 0), Err(RetryAfter(30)));
        assert!(l.peek("f", 2, 60_000, 30_000).is_ok());
        assert!(l.is_full("f", 2, 60_000, 60_000));
    }

    #[test]
    fn refuses_when_empty_and_refills() {
        let l = RateLimiter::default();
        for _ in 0..3 {
            assert!(l.check("k", 3, 0).is_ok());
        }
        assert_eq!(l.check("k", 3, 0), Err(RetryAfter(20)));
        assert!(l.check("other", 3, 0).is_ok());
        assert!(l.check("k", 3, 20_000).is_ok());
        assert!(l.check("k", 3, 20_000).is_err());
    }

    #[test]
    fn many_live_keys_keep_their_limits_and_idle_ones_are_forgotten() {
        let l = RateLimiter::default();
        assert!(l.check("flooder", 1, 0).is_ok());
        assert!(l.check("flooder", 1, 0).is_err());
        // More fans than the sweep threshold, all within the minute: nobody is forgotten,
        // so the flooder is still refused.
        for i in 0..SWEEP_ABOVE + 50_000 {
            assert!(l.check(&format!("order:{i}"), 30, 1 + (i as i64 % 2_000)).is_ok());
        }
        assert_eq!(l.keys(), SWEEP_ABOVE + 50_001);
        assert!(l.check("flooder", 1, 2_500).is_err());
        // A minute later the idle buckets go at the next sweep; the flooder's limit, refilled
        // by then, is unchanged by being forgotten.
        assert!(l.check("late", 30, 70_000).is_ok());
        assert_eq!(l.keys(), 1, "only the key checked after the sweep is left");
        assert!(l.check("flooder", 1, 70_000).is_ok());
        assert!(l.check("flooder", 1, 70_000).is_err());
    }
}
