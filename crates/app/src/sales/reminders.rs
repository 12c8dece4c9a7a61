//! 提醒我: a fan asks to be told when a wave goes on sale or a campaign opens its
//! reservations; the job sends each reminder once, a few minutes ahead, to the inbox (and by
//! email to fans who take email).

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::ratelimit::limit;
use canyu_core::ErrorCode;
use canyu_store::ReminderTarget;

/// How long before the moment a reminder goes out: time to unlock a phone and open the page.
pub const REMINDER_LEAD_MS: i64 = 5 * 60_000;

/// Asks (`on`) or stops asking to be reminded when the wave goes on sale. Returns whether the
/// caller is now to be reminded.
pub async fn remind_wave(app: &App, auth: &Auth, wave_id: i64, on: bool) -> AppResult<bool> {
    let wave = app.store.wave(wave_id).await?.ok_or(ErrorCode::WaveNotFound)?;
    if wave.cancelled.is_some() {
        return Err(ErrorCode::WaveCancelled.into());
    }
    if on && app.now() >= wave.rules.starts_at {
        return Err(ErrorCode::ReminderTooLate.into());
    }
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    Ok(app.store.set_reminder(auth.user.id, ReminderTarget::Wave(wave_id), on, app.now()).await?)
}

/// Asks (`on`) or stops asking to be reminded when the campaign opens reservations.
pub async fn remind_campaign(app: &App, auth: &Auth, campaign_id: i64, on: bool) -> AppResult<bool> {
    let campaign = app.store.campaign(campaign_id).await?.ok_or(ErrorCode::CampaignNotFound)?;
    if on && app.now() >= campaign.schedule.reserve_opens_at {
        return Err(ErrorCode::ReminderTooLate.into());
    }
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    Ok(app.store.set_reminder(auth.user.id, ReminderTarget::Campaign(campaign_id), on, app.now()).await?)
}

/// Whether the caller waits for a reminder of the wave or campaign.
pub async fn is_reminded(app: &App, auth: &Auth, target: ReminderTarget) -> AppResult<bool> {
    Ok(app.store.has_reminder(auth.user.id, target).await?)
}

/// How many fans asked to be reminded (the team's view of the demand).
pub async fn reminder_count(app: &App, target: ReminderTarget) -> AppResult<i64> {
    Ok(app.store.reminder_count(target).await?)
}

/// The job's round: sends the reminders that are due, each once.
pub async fn send_due(app: &App) -> AppResult<u64> {
    let now = app.now();
    Ok(app.store.send_due_reminders(now + REMINDER_LEAD_MS, now, 500).await?)
}
