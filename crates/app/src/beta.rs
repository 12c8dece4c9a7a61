//! The beta programme: the people who run a product set up its beta group and decide
//! applications; fans apply, see their weekly duties and leave. Beta-board posts and beta
//! releases are for members and the team only; every read and write of them passes
//! [`ensure_post_visible`] or [`can_see_beta`].

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
pub use crate::policy::can_see_beta;
use crate::policy::{can_manage, require_manager};
use crate::ratelimit::limit;
use canyu_core::beta::{BetaRules, DutyTally, IsoWeek, MemberStatus, Motivation};
use canyu_core::points::level_for;
use canyu_core::{ErrorCode, Handle, Millis, Role};
use canyu_store::{BetaGroup, BetaMembership, JudgedWeek, Post, Product};

pub struct BetaSettings {
    pub seats: i64,
    pub min_level: Option<i64>,
    pub removal_cooldown_days: Option<i64>,
    pub leave_cooldown_days: Option<i64>,
    pub open: Option<bool>,
    /// 人车家: a product's slug; only its owners may apply. `None` or empty: anyone.
    pub owners_of: Option<String>,
}

/// What a visitor sees of a product's beta group, and where they stand in it.
pub struct BetaStatus {
    pub group: BetaGroup,
    /// The caller's latest application or membership.
    pub mine: Option<BetaMembership>,
    /// When the caller may apply (again); `None` when they may not at all (a live
    /// application or membership) or are not signed in.
    pub can_apply_at: Option<Millis>,
    /// This week's duties, for members.
    pub week: Option<(IsoWeek, DutyTally)>,
    /// Whether the caller runs the product (sees applications and members).
    pub manager: bool,
}

pub async fn product(app: &App, slug: &str) -> AppResult<Product> {
    app.cache.product(&app.store, slug.trim()).await?.ok_or(AppError::new(ErrorCode::UnknownProduct))
}

pub async fn ensure_post_visible(app: &App, auth: Option<&Auth>, post: &Post) -> AppResult<()> {
    if !crate::policy::can_see_removed(auth, post) {
        return Err(ErrorCode::PostNotFound.into());
    }
    if post.beta && !can_see_beta(app, auth, post.product_id).await? {
        return Err(ErrorCode::BetaMembersOnly.into());
    }
    Ok(())
}

/// For writes by post id (votes, comments): the team may act on any post; a fan only on
/// posts they can see. A missing post is left for the store to report.
pub async fn ensure_post_id_visible(app: &App, auth: &Auth, post_id: i64) -> AppResult<()> {
    if auth.user.role.can_triage() {
        return Ok(());
    }
    match app.store.post(post_id).await? {
        Some(post) => ensure_post_visible(app, Some(auth), &post).await,
        None => Ok(()),
    }
}

pub async fn configure(app: &App, auth: &Auth, slug: &str, settings: BetaSettings) -> AppResult<BetaGroup> {
    let product = product(app, slug).await?;
    require_manager(app, auth, product.id).await?;
    let rules = BetaRules::parse(
        settings.seats,
        settings.min_level,
        settings.removal_cooldown_days,
        settings.leave_cooldown_days,
        settings.open,
    )?;
    let owners_of = match settings.owners_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?.id),
        None => None,
    };
    let rules = rules.with_owners_of(owners_of);
    let group = app.store.configure_beta_group(product.id, rules, app.now()).await?;
    tracing::info!(product = %product.slug, seats = rules.seats, by = auth.user.id, "beta group configured");
    Ok(group)
}

pub async fn status(app: &App, auth: Option<&Auth>, product: &Product) -> AppResult<BetaStatus> {
    let group = app.store.beta_group(product.id).await?.ok_or(ErrorCode::BetaNotFound)?;
    let now = app.now();
    let (mine, manager) = match auth {
        Some(a) => {
            (app.store.beta_membership(product.id, a.user.id).await?, can_manage(app, a, product.id).await?)
        }
        None => (None, false),
    };
    let can_apply_at = match (&mine, auth) {
        (_, None) => None,
        (None, Some(_)) => Some(now),
        (Some(m), Some(_)) if m.status.is_live() => None,
        (Some(m), Some(_)) => {
            let since = m.ended_at.or(m.decided_at).unwrap_or(m.applied_at);
            Some(group.rules.reapply_at(m.status, since).map_or(now, |at| at.max(now)))
        }
    };
    let week = match &mine {
        Some(m) if m.status == MemberStatus::Member => {
            let week = IsoWeek::of(now);
            Some((week, app.store.beta_duty_tally(product.id, m.user_id, week).await?))
        }
        _ => None,
    };
    Ok(BetaStatus { group, mine, can_apply_at, week, manager })
}

pub async fn apply(app: &App, auth: &Auth, slug: &str, motivation: &str) -> AppResult<BetaMembership> {
    let motivation = Motivation::parse(motivation)?;
    let product = product(app, slug).await?;
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    if let Some(group) = app.store.beta_group(product.id).await?
        && let Some(owned) = group.rules.owners_of
        && app.store.owner_since(auth.user.id, owned).await?.is_none()
    {
        return Err(ErrorCode::OwnersOnly.into());
    }
    let (level, _) = level_for(auth.user.points);
    let priority = crate::referrals::perks(app, auth.user.id).await?.beta_priority;
    let membership = app
        .store
        .apply_beta_with_priority(product.id, auth.user.id, &motivation, level.number, priority, app.now())
        .await?;
    tracing::info!(product = %product.slug, user = auth.user.id, status = membership.status.as_str(), "beta application");
    Ok(membership)
}

pub async fn decide(app: &App, auth: &Auth, membership_id: i64, admit: bool) -> AppResult<BetaMembership> {
    auth.require(Role::Staff)?;
    let application =
        app.store.beta_membership_by_id(membership_id).await?.ok_or(ErrorCode::BetaApplicationNotFound)?;
    require_manager(app, auth, application.product_id).await?;
    let decided = app.store.decide_beta(membership_id, auth.user.id, admit, app.now()).await?;
    app.cache.invalidate();
    tracing::info!(application = membership_id, admit, by = auth.user.id, "beta application decided");
    Ok(decided)
}

/// The fan leaves the group (or withdraws a pending application).
pub async fn leave(app: &App, auth: &Auth, slug: &str) -> AppResult<BetaMembership> {
    let product = product(app, slug).await?;
    let ended = app
        .store
        .end_beta_membership(product.id, auth.user.id, MemberStatus::Left, auth.user.id, None, app.now())
        .await?;
    app.cache.invalidate();
    Ok(ended)
}

pub const REMOVAL_NOTE_MAX_CHARS: usize = 200;

pub async fn remove(
    app: &App,
    auth: &Auth,
    slug: &str,
    handle: &str,
    note: Option<&str>,
) -> AppResult<BetaMembership> {
    let product = product(app, slug).await?;
    require_manager(app, auth, product.id).await?;
    let handle = Handle::parse(handle).map_err(|_| AppError::new(ErrorCode::UserNotFound))?;
    let fan = app.store.user_by_handle(handle.as_str()).await?.ok_or(ErrorCode::UserNotFound)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > REMOVAL_NOTE_MAX_CHARS) {
        return Err(ErrorCode::NoteTooLong.into());
    }
    let ended = app
        .store
        .end_beta_membership(product.id, fan.user.id, MemberStatus::Removed, auth.user.id, note, app.now())
        .await?;
    app.cache.invalidate();
    tracing::info!(product = %product.slug, user = fan.user.id, by = auth.user.id, "beta member removed");
    Ok(ended)
}

pub async fn applications(
    app: &App,
    auth: &Auth,
    slug: &str,
    status: Option<&str>,
) -> AppResult<Vec<BetaMembership>> {
    let product = product(app, slug).await?;
    require_manager(app, auth, product.id).await?;
    let status = status.map(str::trim).filter(|s| !s.is_empty()).map(MemberStatus::parse).transpose()?;
    Ok(app.store.beta_memberships(product.id, status, 500).await?)
}

/// Judges last week's duties for every group that has not yet: the server calls this
/// periodically; judging a week twice changes nothing, so several nodes may.
pub async fn judge_last_week(app: &App) -> AppResult<Vec<JudgedWeek>> {
    let now = app.now();
    let judged = app.store.judge_beta_duties(IsoWeek::of(now).previous(), now).await?;
    for week in judged.iter().filter(|w| w.fresh) {
        tracing::info!(product = week.product_id, week = %week.week, judged = week.judged, done = week.done, removed = week.removed.len(), "beta duties judged");
    }
    if judged.iter().any(|w| !w.removed.is_empty()) {
        app.cache.invalidate();
    }
    Ok(judged)
}

// ---- reads of beta groups: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn beta_memberships(
    app: &App,
    product_id: i64,
    status: Option<MemberStatus>,
    limit: i64,
) -> AppResult<Vec<BetaMembership>> {
    Ok(app.store.beta_memberships(product_id, status, limit).await?)
}

pub async fn beta_membership_by_id(app: &App, id: i64) -> AppResult<Option<BetaMembership>> {
    Ok(app.store.beta_membership_by_id(id).await?)
}
