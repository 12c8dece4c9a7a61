//! `/me/referral`, `/me/referrals`, `/referrals…`: 口碑 — a fan's referral code and invitees,
//! and staff's review queue, referral trees and word-of-mouth numbers. The rules live in
//! `canyu_app::referrals`.

use crate::api::path_id;
use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::WebResult;
use crate::locale::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use canyu_app::model::Referral;
use canyu_app::referrals;
use canyu_core::referral::ReferralStatus;
use canyu_core::time::rfc3339;
use canyu_core::{ErrorCode, Locale};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct MyReferralView {
    /// Eight letters and digits; case does not matter when typed.
    pub code: String,
    /// `/r/{code}` (after the site's public address when it is configured): opening it
    /// remembers the referrer for 30 days.
    pub link: String,
    /// The share poster: an SVG with the fan's handle, level, the product of the moment and
    /// a QR code of the link.
    pub poster: String,
    /// Fans who signed up with the code.
    pub invited: i64,
    /// Invitees who qualified (their first order past its return window, or locked).
    pub qualified: i64,
    /// Points the caller's referrals earned.
    pub rewarded_points: i64,
}

/// Where a referral stands, as its referrer sees it.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ReferralState {
    Pending,
    Qualified,
    Rewarded,
    Rejected,
}

/// Why a referral earned nothing.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ReferralRejection {
    SameDevice,
    SamePerson,
    SameAddress,
    Refunded,
    StaffRejected,
}

#[derive(Serialize, ToSchema)]
pub struct InviteeView {
    pub id: i64,
    pub handle: String,
    /// When they signed up (RFC 3339).
    pub joined_at: String,
    #[schema(value_type = ReferralState)]
    pub status: String,
    /// Pending while staff review a burst of sign-ups from one network.
    pub under_review: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ReferralRejection>)]
    pub reason: Option<String>,
    /// The reason in the request's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualified_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewarded_at: Option<String>,
}

impl InviteeView {
    fn new(locale: Locale, r: &Referral) -> InviteeView {
        InviteeView {
            id: r.id,
            handle: r.invitee_handle.clone(),
            joined_at: rfc3339(r.created_at),
            status: r.status.public().as_str().into(),
            under_review: r.status == ReferralStatus::Held,
            reason: r.reason.map(|x| x.as_str().into()),
            reason_label: r.reason.map(|x| x.label(locale).into()),
            qualified_at: r.qualified_at.map(rfc3339),
            rewarded_at: r.rewarded_at.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InviteesView {
    pub items: Vec<InviteeView>,
}

/// The caller's referral code and link, and how many joined, qualified and earned.
#[utoipa::path(get, path = "/me/referral", operation_id = "getMyReferral", security(("bearer" = [])), tag = "referrals",
    responses((status = 200, description = "OK", body = MyReferralView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<MyReferralView>> {
    let mine = referrals::mine(&state, &auth).await?;
    Ok(Json(MyReferralView {
        poster: format!("{}/poster.svg", mine.link),
        code: mine.code,
        link: mine.link,
        invited: mine.totals.invited,
        qualified: mine.totals.qualified,
        rewarded_points: mine.totals.rewarded_points,
    }))
}

/// The fans who signed up with the caller's code, newest first (at most 500).
#[utoipa::path(get, path = "/me/referrals", operation_id = "listMyReferrals", security(("bearer" = [])), tag = "referrals",
    responses((status = 200, description = "OK", body = InviteesView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn invitees(
    State(state): State<AppState>,
    Lang(locale): Lang,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<InviteesView>> {
    let list = referrals::my_invitees(&state, &auth).await?;
    Ok(Json(InviteesView { items: list.iter().map(|r| InviteeView::new(locale, r)).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct StaffReferralView {
    pub id: i64,
    pub referrer: String,
    pub invitee: String,
    /// `held` is the review queue.
    #[schema(value_type = ReferralStatusAll)]
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<ReferralRejection>)]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_label: Option<String>,
    /// Staff's words when they decided it.
    pub note: String,
    /// The sign-up's network (`/24` or `/64`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    pub joined_at: String,
}

/// Every state a referral may be in, `held` (waiting for staff) included.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ReferralStatusAll {
    Pending,
    Held,
    Qualified,
    Rewarded,
    Rejected,
}

impl StaffReferralView {
    fn new(locale: Locale, r: &Referral) -> StaffReferralView {
        StaffReferralView {
            id: r.id,
            referrer: r.referrer_handle.clone(),
            invitee: r.invitee_handle.clone(),
            status: r.status.as_str().into(),
            reason: r.reason.map(|x| x.as_str().into()),
            reason_label: r.reason.map(|x| x.label(locale).into()),
            note: r.note.clone(),
            network: r.network.clone(),
            joined_at: rfc3339(r.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FlaggedReferralsView {
    /// Bursts from one network, waiting for staff: oldest first.
    pub held: Vec<StaffReferralView>,
    /// The latest rejections, with their reasons.
    pub rejected: Vec<StaffReferralView>,
}

/// Flagged referrals: the review queue and the latest rejections (staff).
#[utoipa::path(get, path = "/referrals/flagged", operation_id = "listFlaggedReferrals", security(("bearer" = [])), tag = "referrals",
    responses((status = 200, description = "OK", body = FlaggedReferralsView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody)))]
pub async fn flagged(
    State(state): State<AppState>,
    Lang(locale): Lang,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<FlaggedReferralsView>> {
    let (held, rejected) = referrals::flagged(&state, &auth).await?;
    Ok(Json(FlaggedReferralsView {
        held: held.iter().map(|r| StaffReferralView::new(locale, r)).collect(),
        rejected: rejected.iter().map(|r| StaffReferralView::new(locale, r)).collect(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReviewReferralRequest {
    /// Why (up to 200 characters; 1–200 required to reject).
    #[schema(max_length = 200)]
    pub note: Option<String>,
}

#[derive(Deserialize)]
pub struct ReferralPath {
    pub id: String,
}

async fn decide(
    state: &AppState,
    locale: Locale,
    auth: &canyu_app::accounts::Auth,
    raw_id: &str,
    body: &[u8],
    approve: bool,
) -> WebResult<Json<StaffReferralView>> {
    let id = path_id(raw_id, ErrorCode::ReferralNotFound)?;
    let req: ReviewReferralRequest = crate::error::optional_json_object(body)?;
    let decided = referrals::review(state, auth, id, approve, req.note.as_deref().unwrap_or("")).await?;
    Ok(Json(StaffReferralView::new(locale, &decided)))
}

/// Staff approve a referral held for review: it is pending again, and its reward still waits
/// for the invitee's first order.
#[utoipa::path(post, path = "/referrals/{id}/approve", operation_id = "approveReferral", security(("bearer" = [])), tag = "referrals", params(("id" = i64, Path)), request_body(content = Option<ReviewReferralRequest>, description = "Optional: `{\"note\": \"…\"}`, or nothing."),
    responses((status = 200, description = "Approved", body = StaffReferralView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "`referral_decided`: not waiting for review", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    Lang(locale): Lang,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<ReferralPath>,
    body: axum::body::Bytes,
) -> WebResult<Json<StaffReferralView>> {
    decide(&state, locale, &auth, &p.id, &body, true).await
}

/// Staff reject a referral held for review, saying why (`note`, 1–200 characters).
#[utoipa::path(post, path = "/referrals/{id}/reject", operation_id = "rejectReferral", security(("bearer" = [])), tag = "referrals", params(("id" = i64, Path)), request_body(content = Option<ReviewReferralRequest>, description = "`{\"note\": \"why\"}`: the note is required."),
    responses((status = 200, description = "Rejected", body = StaffReferralView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "`referral_decided`: not waiting for review", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Lang(locale): Lang,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<ReferralPath>,
    body: axum::body::Bytes,
) -> WebResult<Json<StaffReferralView>> {
    decide(&state, locale, &auth, &p.id, &body, false).await
}

#[derive(Serialize, ToSchema)]
pub struct TreeNodeView {
    pub handle: String,
    /// Who brought them.
    pub referrer: String,
    /// 1: the root's own invitee.
    pub depth: i64,
    #[schema(value_type = ReferralStatusAll)]
    pub status: String,
    pub joined_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralTreeView {
    pub root: String,
    /// Breadth first, at most six levels and 2,000 fans.
    pub nodes: Vec<TreeNodeView>,
}

#[derive(Deserialize)]
pub struct HandlePath {
    pub handle: String,
}

/// Who a fan brought, and whom they brought, six levels down (staff).
#[utoipa::path(get, path = "/referrals/tree/{handle}", operation_id = "getReferralTree", security(("bearer" = [])), tag = "referrals", params(("handle" = String, Path)),
    responses((status = 200, description = "OK", body = ReferralTreeView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn tree(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<HandlePath>,
) -> WebResult<Json<ReferralTreeView>> {
    let (root, nodes) = referrals::tree(&state, &auth, &p.handle).await?;
    let view = nodes
        .iter()
        .map(|n| TreeNodeView {
            handle: n.handle.clone(),
            referrer: n.referrer_handle.clone(),
            depth: n.depth,
            status: n.status.as_str().into(),
            joined_at: rfc3339(n.created_at),
        })
        .collect();
    Ok(Json(ReferralTreeView { root: root.handle.clone(), nodes: view }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Calendar months back, this one included (1–36, default 12).
    #[param(minimum = 1, maximum = 36)]
    pub months: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct MonthView {
    /// `YYYY-MM` in the site's zone.
    pub month: String,
    pub new_fans: i64,
    /// New fans who came with a referral code.
    pub referred: i64,
    /// Of those, the ones whose referral qualified.
    pub qualified: i64,
    /// The word-of-mouth coefficient: qualified ÷ new fans (0–1); absent when nobody joined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coefficient: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferrerView {
    pub handle: String,
    pub invited: i64,
    pub qualified: i64,
    pub rejected: i64,
    /// Waiting for review.
    pub held: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralStatsView {
    /// Oldest first.
    pub months: Vec<MonthView>,
    /// The 20 fans who brought the most invitees.
    pub top_referrers: Vec<ReferrerView>,
}

/// Word of mouth per month and the top referrers (staff).
#[utoipa::path(get, path = "/referrals/stats", operation_id = "getReferralStats", security(("bearer" = [])), tag = "referrals", params(StatsQuery),
    responses((status = 200, description = "OK", body = ReferralStatsView), (status = 400, description = "`invalid_query`", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Query(q): Query<StatsQuery>,
) -> WebResult<Json<ReferralStatsView>> {
    let months = match q.months {
        None => 12,
        Some(m @ 1..=36) => m as usize,
        Some(_) => return Err(ErrorCode::InvalidQuery.into()),
    };
    let growth = referrals::growth(&state, &auth, months).await?;
    let top = referrals::top_referrers(&state, &auth, 20).await?;
    Ok(Json(ReferralStatsView {
        months: growth
            .into_iter()
            .map(|g| MonthView {
                month: g.month,
                new_fans: g.signups.new_fans,
                referred: g.signups.referred,
                qualified: g.signups.qualified,
                coefficient: g.coefficient,
            })
            .collect(),
        top_referrers: top
            .into_iter()
            .map(|r| ReferrerView {
                handle: r.handle,
                invited: r.invited,
                qualified: r.qualified,
                rejected: r.rejected,
                held: r.held,
            })
            .collect(),
    }))
}
