//! Who may do what, in one place. Every use case asks here before it acts; the adapters never
//! decide permissions themselves.

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use canyu_core::{ErrorCode, Role};

/// Refuses callers whose role is below `role`.
pub fn require_role(auth: &Auth, role: Role) -> AppResult<()> {
    if auth.user.role >= role { Ok(()) } else { Err(AppError::new(ErrorCode::Forbidden)) }
}

/// Insights (dashboards, digests, asking the feedback) are for staff and admins.
pub fn require_insights(auth: &Auth) -> AppResult<()> {
    require_role(auth, Role::Staff)
}

/// Whether the caller runs this product's releases, waves and campaigns: admins manage every
/// product, staff the products they were made managers of.
pub async fn can_manage(app: &App, auth: &Auth, product_id: i64) -> AppResult<bool> {
    Ok(match auth.user.role {
        Role::Admin => true,
        Role::Staff => app.store.manages_product(auth.user.id, product_id).await?,
        _ => false,
    })
}

/// Staff who manage the product; `forbidden` below staff, `not_product_manager` for staff of
/// other products.
pub async fn require_manager(app: &App, auth: &Auth, product_id: i64) -> AppResult<()> {
    require_role(auth, Role::Staff)?;
    if can_manage(app, auth, product_id).await? { Ok(()) } else { Err(ErrorCode::NotProductManager.into()) }
}

/// Who runs an event (its check-in, its console, manual changes of places): staff and admins
/// any; a city club's organisers the events of their club.
pub async fn can_run_event(app: &App, auth: &Auth, club_id: Option<i64>) -> AppResult<bool> {
    if auth.user.role >= Role::Staff {
        return Ok(true);
    }
    match club_id {
        Some(club) => Ok(app.store.is_club_organiser(club, auth.user.id).await?),
        None => Ok(false),
    }
}

pub async fn require_event_runner(app: &App, auth: &Auth, club_id: Option<i64>) -> AppResult<()> {
    if can_run_event(app, auth, club_id).await? { Ok(()) } else { Err(AppError::new(ErrorCode::Forbidden)) }
}

/// Who runs an AMA (answers, merges, hides, turns questions into posts): its host, and staff.
pub fn can_run_ama(auth: &Auth, host_id: i64) -> bool {
    auth.user.id == host_id || auth.user.role >= Role::Staff
}

/// Beta members of the product and the team (moderators and up) see its beta board and
/// beta releases.
pub async fn can_see_beta(app: &App, auth: Option<&Auth>, product_id: i64) -> AppResult<bool> {
    Ok(match auth {
        None => false,
        Some(a) if a.user.role.can_triage() => true,
        Some(a) => app.store.is_beta_member(product_id, a.user.id).await?,
    })
}

/// Who may read a post, beyond the beta board: a deleted post only moderators; a hidden one
/// its author and moderators. Everyone else is told it does not exist.
pub fn can_see_removed(auth: Option<&Auth>, post: &canyu_store::Post) -> bool {
    let moderator = auth.is_some_and(|a| a.user.role.can_triage());
    if post.deleted_at.is_some() {
        return moderator;
    }
    if post.hidden_at.is_some() {
        return moderator || auth.is_some_and(|a| a.user.id == post.author_id);
    }
    true
}

/// Authors edit their own posts unless locked; moderators edit any.
pub fn can_edit_post(auth: &Auth, post: &canyu_store::Post) -> bool {
    auth.user.role.can_triage() || (auth.user.id == post.author_id && post.locked_at.is_none())
}

/// Authors withdraw their own posts; moderators any.
pub fn can_delete_post(auth: &Auth, post: &canyu_store::Post) -> bool {
    auth.user.role.can_triage() || auth.user.id == post.author_id
}

/// Authors edit and withdraw their own comments (not on a locked post); moderators any.
pub fn can_change_comment(auth: &Auth, post: &canyu_store::Post, comment: &canyu_store::Comment) -> bool {
    auth.user.role.can_triage() || (auth.user.id == comment.author_id && post.locked_at.is_none())
}

/// Comments on a locked post come from moderators only; a hidden or deleted post takes none
/// but theirs.
pub fn ensure_can_comment(auth: &Auth, post: &canyu_store::Post) -> AppResult<()> {
    if auth.user.role.can_triage() {
        return Ok(());
    }
    if !post.is_listed() {
        return Err(ErrorCode::PostHidden.into());
    }
    if post.locked_at.is_some() {
        return Err(ErrorCode::PostLocked.into());
    }
    Ok(())
}
