//! In-process token buckets, keyed by what is being limited (e.g. `login:<ip>`).
//! One node's view: several nodes behind one site would share buckets in Redis (later work).

use parking_lot::Mutex;
use std::collections::HashMap;

struct Bucket {
    tokens: f64,
    updated_at: i64,
}

#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Refused: retry after this many seconds.
#[derive(Debug, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

const MAX_KEYS: usize = 100_000;

impl RateLimiter {
    /// Takes one token from `key`'s bucket, which holds `per_minute` tokens and refills
    /// continuously; refuses when it is empty.
    pub fn check(&self, key: &str, per_minute: u32, now_ms: i64) -> Result<(), RetryAfter> {
        let capacity = f64::from(per_minute.max(1));
        let per_ms = capacity / 60_000.0;
        let mut buckets = self.buckets.lock();
        if buckets.len() >= MAX_KEYS {
            // A bucket untouched for a minute has refilled completely whatever its size, so
            // forgetting it changes no decision; this bounds memory under a flood of keys.
            buckets.retain(|_, b| now_ms - b.updated_at < 60_000);
        }
        let bucket =
            buckets.entry(key.to_string()).or_insert(Bucket { tokens: capacity, updated_at: now_ms });
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
