//! 口碑 (word of mouth): every fan's referral code and link, the invitees it brought, the job
//! that vests rewards once an invitee's first order is past its return window, and staff's
//! review queue, referral trees and word-of-mouth coefficient. The rules are in
//! [`canyu_core::referral`]; each status change is one conditional update in the store.

use crate::App;
use crate::accounts::Auth;
use crate::campaigns::launch_orders::device_key;
use crate::error::{AppError, AppResult};
use crate::policy::require_role;
use canyu_core::points::{LEVELS, level_for};
use canyu_core::referral::{
    CODE_LEN, FirstOrder, NOTE_MAX_CHARS, QualifyRule, ReferralCode, ReferralStatus, VEST_AFTER_MS, Vesting,
    vesting,
};
use canyu_core::{ErrorCode, Handle, Millis, Role};
use canyu_store::{MonthSignUps, Referral, ReferralTotals, ReferrerRow, TreeNode, User};

/// A fan's own referral page: the code, the link to share, and how it went.
pub struct MyReferral {
    pub code: String,
    /// `/r/{code}`, after the site's public address when one is configured.
    pub link: String,
    pub totals: ReferralTotals,
}

/// The fan's code, made on first use. Random, so nobody can walk the codes to find fans.
pub async fn code_of(app: &App, user_id: i64) -> AppResult<String> {
    if let Some(code) = app.store.referral_code(user_id).await? {
        return Ok(code);
    }
    // 31^8 ≈ 8.5e11 codes: a collision is rare, four in a row means something is wrong.
    for _ in 0..4 {
        let candidate = ReferralCode::from_random(rand::random::<[u8; CODE_LEN]>());
        if let Some(code) = app.store.offer_referral_code(user_id, candidate.as_str(), app.now()).await? {
            return Ok(code);
        }
    }
    Err(AppError::new(ErrorCode::Internal))
}

pub fn link_for(app: &App, code: &str) -> String {
    format!("{}/r/{code}", app.config.public_url.trim_end_matches('/'))
}

pub async fn mine(app: &App, auth: &Auth) -> AppResult<MyReferral> {
    let code = code_of(app, auth.user.id).await?;
    let totals = app.store.referral_totals(auth.user.id).await?;
    Ok(MyReferral { link: link_for(app, &code), code, totals })
}

/// The fan's invitees, newest first (at most 500).
pub async fn my_invitees(app: &App, auth: &Auth) -> AppResult<Vec<Referral>> {
    Ok(app.store.referrals_by(auth.user.id, 500).await?)
}

/// The fan behind a code, for the landing page and the poster. `None` for a code nobody has.
pub async fn referrer(app: &App, raw: &str) -> AppResult<Option<User>> {
    let Ok(code) = ReferralCode::parse(raw) else { return Ok(None) };
    Ok(app.store.user_by_referral_code(code.as_str()).await?)
}

/// The perks beyond points a rewarded referrer earns, as the site's settings grant them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Perks {
    /// May reserve in a campaign's fan lane, whatever their points.
    pub fan_lane: bool,
    /// Admitted to a beta group as they apply, seats permitting.
    pub beta_priority: bool,
}

/// What `user_id`'s referrals earned them besides points (one read, and none when the site
/// grants no perks).
pub async fn perks(app: &App, user_id: i64) -> AppResult<Perks> {
    let (fan_lane, beta) = (app.config.referral_fan_lane, app.config.referral_beta_priority);
    if !fan_lane && !beta || !app.store.has_rewarded_referral(user_id).await? {
        return Ok(Perks::default());
    }
    Ok(Perks { fan_lane, beta_priority: beta })
}

/// Remembers the device a fan signed in from (browser cookie or app id), for the referral
/// rules. A failure to record it never fails the sign-in.
pub async fn note_device(app: &App, user_id: i64, raw_device: Option<&str>) {
    let Some(raw) = raw_device.and_then(|d| canyu_core::campaign::parse_device_id(d).ok()) else { return };
    if let Err(e) = app.store.record_account_device(user_id, &device_key(raw), app.now()).await {
        tracing::warn!(user = user_id, error = %e, "could not record the sign-in's device");
    }
}

/// What one round of the vesting job did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VestingRound {
    pub qualified: u64,
    pub rejected: u64,
    pub rewarded: u64,
}

/// Vests what is due: pending referrals whose invitee qualified (checked once more against
/// the referrer's person, devices and addresses) or whose first order was undone, then pays
/// qualified ones as each referrer's monthly cap allows. Every step is once-only, so every
/// node runs it.
pub async fn vest(app: &App) -> AppResult<VestingRound> {
    let now = app.now();
    let rule = QualifyRule { level: app.config.referral_qualify_level };
    let min_points = rule.level.and_then(|l| LEVELS.iter().find(|x| x.number == l)).map(|x| x.min_points);
    let mut round = VestingRound::default();
    // Each batch moves every row it read (a new status, or a later or no `due_at`), so the
    // next batch reads new rows; a bounded number per round, the rest next round.
    for _ in 0..VEST_BATCHES {
        let mut batch = app.store.due_referrals(now, VEST_BATCH).await?;
        if let Some(points) = min_points {
            for p in app.store.pending_referrals_with_points(points, VEST_BATCH).await? {
                if !batch.iter().any(|d| d.id == p.id) {
                    batch.push(p);
                }
            }
        }
        if batch.is_empty() {
            break;
        }
        for p in &batch {
            let level = level_for(p.invitee_points).0.number;
            match vesting(p.first_order.map(|(_, f)| f), level, rule, now) {
                // Paid, in its return window: look again when the window ends; otherwise
                // when the invitee's order moves again.
                Vesting::Wait => {
                    let next = match p.first_order {
                        Some((_, FirstOrder::Paid { at })) => Some(at + VEST_AFTER_MS),
                        _ => None,
                    };
                    app.store.set_referral_due(p.id, next).await?;
                }
                Vesting::Reject(reason) => {
                    round.rejected += u64::from(app.store.reject_pending_referral(p.id, reason, now).await?);
                }
                Vesting::Qualify => {
                    if let Some(reason) = app.store.referral_fraud(p.referrer_id, p.invitee_id).await? {
                        round.rejected +=
                            u64::from(app.store.reject_pending_referral(p.id, reason, now).await?);
                    } else {
                        let order = p.first_order.map(|(id, _)| id);
                        round.qualified += u64::from(app.store.qualify_referral(p.id, order, now).await?);
                    }
                }
            }
        }
    }
    let cap = app.config.referral_monthly_cap;
    if cap > 0 {
        let month_start = app.config.time_zone.month_of(now).0;
        for _ in 0..VEST_BATCHES {
            let batch = app.store.qualified_referrals(cap, month_start, VEST_BATCH).await?;
            let mut paid = 0;
            for (id, _, _) in &batch {
                paid += u64::from(app.store.reward_referral(*id, cap, month_start, now).await?);
            }
            round.rewarded += paid;
            // Nothing paid: the rest belong to referrers at their cap (or another node paid them).
            if paid == 0 {
                break;
            }
        }
    }
    if round != VestingRound::default() {
        tracing::info!(?round, "referrals vested");
    }
    Ok(round)
}

/// Rows per batch, and batches per round, of the vesting job.
const VEST_BATCH: i64 = 500;
const VEST_BATCHES: usize = 20;

// ---- staff ----

/// Held referrals (the review queue, oldest first) and the latest rejections.
pub async fn flagged(app: &App, auth: &Auth) -> AppResult<(Vec<Referral>, Vec<Referral>)> {
    require_role(auth, Role::Staff)?;
    let held = app.store.referrals_in(ReferralStatus::Held, 200).await?;
    let rejected = app.store.referrals_in(ReferralStatus::Rejected, 50).await?;
    Ok((held, rejected))
}

/// Staff approve a held referral (it is pending again) or reject it with a reason.
pub async fn review(app: &App, auth: &Auth, id: i64, approve: bool, note: &str) -> AppResult<Referral> {
    require_role(auth, Role::Staff)?;
    let note = note.trim();
    if note.chars().count() > NOTE_MAX_CHARS
        || note.chars().any(char::is_control)
        || (!approve && note.is_empty())
    {
        return Err(ErrorCode::ReferralNoteRequired.into());
    }
    let referral = app.store.review_referral(id, approve, note, auth.user.id, app.now()).await?;
    tracing::info!(referral = id, approve, staff = auth.user.id, "referral reviewed");
    Ok(referral)
}

/// The fans who brought the most invitees.
pub async fn top_referrers(app: &App, auth: &Auth, limit: i64) -> AppResult<Vec<ReferrerRow>> {
    require_role(auth, Role::Staff)?;
    Ok(app.store.top_referrers(limit.clamp(1, 200)).await?)
}

/// How deep a referral tree is shown.
pub const TREE_DEPTH: i64 = 6;
const TREE_NODES: i64 = 2000;

/// Who `handle` brought, and whom they brought, down to [`TREE_DEPTH`] levels.
pub async fn tree(app: &App, auth: &Auth, handle: &str) -> AppResult<(User, Vec<TreeNode>)> {
    require_role(auth, Role::Staff)?;
    let handle = Handle::parse(handle.trim().trim_start_matches('@'))
        .map_err(|_| AppError::new(ErrorCode::UserNotFound))?;
    let root = app.store.user_by_handle(handle.as_str()).await?.ok_or(ErrorCode::UserNotFound)?.user;
    let nodes = app.store.referral_tree(root.id, TREE_DEPTH, TREE_NODES).await?;
    Ok((root, nodes))
}

/// A month of growth: new fans, those who came by referral, and the word-of-mouth
/// coefficient (the share of new fans whose referral qualified).
pub struct MonthGrowth {
    /// `YYYY-MM` in the site's zone.
    pub month: String,
    pub signups: MonthSignUps,
    pub coefficient: Option<f64>,
}

/// The last `months` calendar months (this one included), oldest first.
pub async fn growth(app: &App, auth: &Auth, months: usize) -> AppResult<Vec<MonthGrowth>> {
    require_role(auth, Role::Staff)?;
    let zone = &app.config.time_zone;
    let months = months.clamp(1, 36);
    let (this_month, next) = zone.month_of(app.now());
    let mut bounds: Vec<Millis> = vec![next, this_month];
    while bounds.len() <= months {
        let Some(&earliest) = bounds.last() else { break };
        bounds.push(zone.month_of(earliest - 1).0);
    }
    bounds.reverse();
    let rows = app.store.sign_ups_by_month(&bounds).await?;
    Ok(rows
        .into_iter()
        .map(|signups| MonthGrowth {
            month: zone.month_label(signups.from),
            coefficient: canyu_core::referral::word_of_mouth(signups.new_fans, signups.qualified),
            signups,
        })
        .collect())
}

/// What the poster and the landing page advertise: the product of the newest campaign whose
/// teaser is public, or `None` before the first.
pub async fn product_of_the_moment(app: &App) -> AppResult<Option<String>> {
    let now = app.now();
    Ok(app
        .store
        .campaigns(10)
        .await?
        .into_iter()
        .find(|c| c.schedule.teaser_at <= now)
        .map(|c| c.product_name))
}
