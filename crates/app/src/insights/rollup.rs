//! Keeping the rollups current. Every minute each node recomputes today and yesterday (votes,
//! posts and comments land on the day they happen), the days whose posts changed status since
//! the last round (the funnel counts posts by the day they were posted), the days of sales
//! recorded late (a partner's report, a refund) and of referrals that changed status (counted
//! on the invitee's sign-up day), this week and last,
//! and the snapshot of who the fans are. Each recomputation replaces its rows in one
//! transaction, so rounds on several nodes, or a round cut short by a restart, leave the same
//! counts. `canyu insights rebuild` recomputes every day from the first account on.
//!
//! What the rollups do not follow: a post deleted or merged later still counts on the day it
//! was written (a rollup counts what happened), until a rebuild.

use crate::App;
use crate::error::AppResult;
use canyu_core::Millis;
use canyu_core::time::Zone;
use canyu_store::{RollDay, RollWeek};
use std::collections::BTreeSet;

/// `instance_meta` keys: the zone the rollups' days are in, and when the last round started.
const ZONE_KEY: &str = "insights.zone";
const ROLLED_AT_KEY: &str = "insights.rolled_at";

/// How far back a round looks for status changes: its period and a margin for transactions
/// that committed late with an earlier timestamp.
const LOOK_BACK_MS: Millis = 5 * 60_000;

/// At most this many past days are recomputed in one round (a bulk status change of thousands
/// of old posts is caught up over the next rounds' look-back instead of in one long round).
const MAX_PAST_DAYS_PER_ROUND: usize = 60;

const DAY_MS: Millis = 86_400_000;

pub fn roll_day_of(zone: &Zone, day_start: Millis) -> RollDay {
    RollDay {
        start: day_start,
        end: zone.next_day(day_start),
        week_window_start: zone.start_of_day(day_start - 6 * DAY_MS + DAY_MS / 2),
        month_window_start: zone.start_of_day(day_start - 29 * DAY_MS + DAY_MS / 2),
    }
}

pub fn roll_week_of(zone: &Zone, monday: Millis) -> RollWeek {
    RollWeek { start: monday, end: zone.next_week(monday), previous: zone.week_of(monday - 3 * DAY_MS) }
}

/// The local days an hour since the epoch (UTC) falls on: both ends, since in a zone with a
/// half-hour offset an hour spans two days; nothing after `now` (a sale dated in the future).
fn days_of_hour(zone: &Zone, hour: i64, now: Millis) -> [Millis; 2] {
    [hour * 3_600_000, hour * 3_600_000 + 3_599_999].map(|at| zone.start_of_day(at.min(now)))
}

/// What one round recomputed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rolled {
    pub days: usize,
    pub weeks: usize,
}

/// One round of the insights job (see the module's comment).
pub async fn roll(app: &App) -> AppResult<Rolled> {
    let zone = &app.config.time_zone;
    if app.store.meta(ZONE_KEY).await?.as_deref() != Some(zone.name()) {
        // First round ever, or the site moved zone: every day's edges moved.
        return rebuild(app, |_, _| {}).await;
    }
    let started = app.now();
    let since = match app.store.meta(ROLLED_AT_KEY).await? {
        Some(at) => at.parse::<Millis>().unwrap_or(started) - LOOK_BACK_MS,
        None => started - LOOK_BACK_MS,
    };
    let today = zone.start_of_day(started);
    let yesterday = zone.start_of_day(today - DAY_MS / 2);
    let mut days: BTreeSet<Millis> = [yesterday, today].into();
    let mut changed: BTreeSet<Millis> = app
        .store
        .days_with_status_changes(since)
        .await?
        .into_iter()
        .map(|at| zone.start_of_day(at))
        .collect();
    let mut hours = app.store.hours_with_late_sales(since).await?;
    hours.extend(app.store.hours_with_referral_changes(since).await?);
    for hour in hours {
        changed.extend(days_of_hour(zone, hour, started));
    }
    days.extend(changed.into_iter().rev().take(MAX_PAST_DAYS_PER_ROUND));
    for &day in &days {
        app.store.roll_day(roll_day_of(zone, day)).await?;
    }
    let weeks: BTreeSet<Millis> = [zone.week_of(yesterday), zone.week_of(today)].into();
    for &week in &weeks {
        app.store.roll_week(roll_week_of(zone, week), |at| zone.week_of(at)).await?;
    }
    app.store.roll_snapshot().await?;
    app.store.set_meta(ROLLED_AT_KEY, &started.to_string()).await?;
    Ok(Rolled { days: days.len(), weeks: weeks.len() })
}

/// Recomputes every rollup: each day something happened on, and the 29 days after it (whose
/// 30-day active counts it is part of), each week of those days and the week after (dormant
/// fans), up to today; `progress(done, total)` hears after each day and week.
pub async fn rebuild(app: &App, mut progress: impl FnMut(usize, usize)) -> AppResult<Rolled> {
    let zone = &app.config.time_zone;
    let started = app.now();
    app.store.clear_rollups().await?;
    let today = zone.start_of_day(started);
    let mut active_days = BTreeSet::new();
    for hour in app.store.activity_hours().await? {
        active_days.extend(days_of_hour(zone, hour, started));
    }
    active_days.insert(today);
    let mut days = BTreeSet::new();
    for &first in &active_days {
        let mut day = first;
        for _ in 0..30 {
            if day > today {
                break;
            }
            days.insert(day);
            day = zone.next_day(day);
        }
    }
    let mut weeks = BTreeSet::new();
    for &day in &days {
        let week = zone.week_of(day);
        weeks.insert(week);
        let next = zone.next_week(week);
        if next <= today {
            weeks.insert(next);
        }
    }
    let total = days.len() + weeks.len();
    // Days first: the weeks are counted from the days' active fans.
    for (i, &day) in days.iter().enumerate() {
        app.store.roll_day(roll_day_of(zone, day)).await?;
        progress(i + 1, total);
    }
    for (i, &week) in weeks.iter().enumerate() {
        app.store.roll_week(roll_week_of(zone, week), |at| zone.week_of(at)).await?;
        progress(days.len() + i + 1, total);
    }
    app.store.roll_snapshot().await?;
    app.store.set_meta(ZONE_KEY, zone.name()).await?;
    app.store.set_meta(ROLLED_AT_KEY, &started.to_string()).await?;
    Ok(Rolled { days: days.len(), weeks: weeks.len() })
}
