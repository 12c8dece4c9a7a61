//! The "hot" ranking.
//!
//! `hot = log10(max(votes, 1)) + created_at_seconds / 45_000`
//!
//! Ten times the votes is worth 45,000 seconds (12.5 hours) of freshness, so a post keeps
//! rising while votes arrive and sinks once they stop, without any periodic job: the score of
//! a post only changes when its vote count changes, so it is stored in the database and the hot
//! board is one index range scan. (The same trade-off Reddit made; a gravity formula such as
//! Hacker News's depends on the reading time and cannot be indexed.)

use crate::Millis;

/// Seconds of freshness that equal a tenfold increase in votes.
pub const HOT_HALF_LIFE_SECONDS: f64 = 45_000.0;

pub fn hot_score(votes: i64, created_at: Millis) -> f64 {
    let v = votes.max(1) as f64;
    let score = v.log10() + (created_at as f64 / 1000.0) / HOT_HALF_LIFE_SECONDS;
    // Rounded so the value survives a round trip through any database's float type and text.
    (score * 1e7).round() / 1e7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_times_the_votes_equals_twelve_and_a_half_hours() {
        let t = 1_700_000_000_000;
        let later = t + 45_000_000;
        assert!((hot_score(10, t) - hot_score(1, later)).abs() < 1e-6);
        assert!(hot_score(5, t) > hot_score(4, t));
        assert!(hot_score(1, later) > hot_score(1, t));
        assert_eq!(hot_score(0, t), hot_score(1, t));
    }
}
