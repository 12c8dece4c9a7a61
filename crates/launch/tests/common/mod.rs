//! What the Redis tests of this crate share.
#![allow(dead_code)]

/// `CANYU_TEST_REDIS_URL`, or `None` (saying the test skips) when it is unset.
pub fn redis_url() -> Option<String> {
    match std::env::var("CANYU_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipping: CANYU_TEST_REDIS_URL unset");
            None
        }
    }
}

/// A key prefix of its own for a test: tests run in parallel on one Redis, and wave ids
/// restart at 1 in every fresh database.
pub fn random_prefix() -> String {
    format!("canyu-test-{:016x}", rand::random::<u64>())
}
