//! At most one log line per interval for refusals an outsider can cause at will (a forged
//! payment notification, say): the first is logged, later ones are counted and the count goes
//! out with the next line. Without it, one client sending forged notifications in a loop writes
//! a warning per request and can fill the disk or drown the lines that matter. A few atomics
//! are enough here; the throttling crates found would add a dependency for these 20 lines.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

pub struct LogThrottle {
    interval_ms: i64,
    next_at_ms: AtomicI64,
    suppressed: AtomicU64,
}

impl LogThrottle {
    pub const fn new(interval: Duration) -> LogThrottle {
        LogThrottle {
            interval_ms: interval.as_millis() as i64,
            next_at_ms: AtomicI64::new(i64::MIN),
            suppressed: AtomicU64::new(0),
        }
    }

    /// `Some(n)`: log this one now, saying that `n` like it were left out since the last
    /// line; `None`: counted, stay quiet.
    pub fn permit(&self, now_ms: i64) -> Option<u64> {
        let next = self.next_at_ms.load(Ordering::Relaxed);
        if now_ms >= next
            && self
                .next_at_ms
                .compare_exchange(
                    next,
                    now_ms.saturating_add(self.interval_ms),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            Some(self.suppressed.swap(0, Ordering::Relaxed))
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_with_the_count_of_the_rest() {
        let throttle = LogThrottle::new(Duration::from_secs(10));
        assert_eq!(throttle.permit(1_000), Some(0), "the first is logged");
        let quiet = (0..10_000).filter(|i| throttle.permit(1_000 + i).is_some()).count();
        assert_eq!(quiet, 0, "a flood within the interval writes nothing");
        assert_eq!(throttle.permit(10_999), None);
        assert_eq!(throttle.permit(11_000), Some(10_001), "the next line counts what was left out");
        assert_eq!(throttle.permit(11_001), None);
        assert_eq!(throttle.permit(21_000), Some(1));
    }

    #[test]
    fn racing_threads_log_once() {
        let throttle = std::sync::Arc::new(LogThrottle::new(Duration::from_secs(60)));
        let logged: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let throttle = throttle.clone();
                    s.spawn(move || (0..1_000).filter(|_| throttle.permit(5).is_some()).count())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(logged, 1);
        assert_eq!(throttle.permit(60_005), Some(3_999));
    }
}
