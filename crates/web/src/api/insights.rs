//! `/insights/{panel}` (staff): the dashboards' numbers as JSON, or one of a panel's tables as
//! CSV; and `/me/demographics`, the optional things a fan says about themselves that the fans
//! panel counts. Panels are assembled by `canyu_app::insights`.

use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult};
use crate::locale::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use canyu_app::insights::{self, Filter};
use canyu_core::ErrorCode;
use canyu_core::insight::Panel;
use canyu_core::profile::Profile;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The panels.
#[derive(ToSchema)]
#[schema(rename_all = "kebab-case")]
#[allow(dead_code)]
pub enum InsightPanelName {
    CoCreation,
    Board,
    Launch,
    Users,
    Channels,
    Events,
    Referrals,
    Ecosystem,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum InsightGranularity {
    Day,
    Week,
    Month,
}

/// How the page draws a table.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum InsightChart {
    None,
    Line,
    Bar,
}

/// One value: a count, a share in [0, 1] (four decimals), text, `"<10"` for a count of fans
/// below the k-anonymity floor, or null for nothing to show.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum InsightValue {
    Number(f64),
    Text(String),
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct InsightColumn {
    /// Stable, for programs.
    pub key: String,
    /// In the request's language; the CSV's header row.
    pub label: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct InsightTable {
    /// Stable; `?format=csv&table={key}` exports this table.
    pub key: String,
    pub title: String,
    #[schema(value_type = InsightChart)]
    pub chart: String,
    pub columns: Vec<InsightColumn>,
    /// One value per column.
    pub rows: Vec<Vec<Option<InsightValue>>>,
}

/// A panel: its filter as applied, notes for reading it right, and its tables.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct InsightPanelView {
    #[schema(value_type = InsightPanelName)]
    pub panel: String,
    /// First day of the range, `YYYY-MM-DD` in `time_zone`.
    pub from: String,
    /// Last day of the range (included).
    pub to: String,
    /// The site's zone (IANA), which days are counted in.
    pub time_zone: String,
    #[schema(value_type = InsightGranularity)]
    pub granularity: String,
    /// The product's slug, when filtered to one.
    pub product: Option<String>,
    /// The launch panel's campaign.
    pub campaign: Option<i64>,
    pub notes: Vec<String>,
    pub tables: Vec<InsightTable>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct InsightQuery {
    /// A product's slug: only its posts, votes, comments and campaigns.
    pub product: Option<String>,
    /// First day, `YYYY-MM-DD` in the site's zone (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Last day, included (default: today). At most 400 days after `from`.
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// `day` (default), `week` or `month`.
    #[param(value_type = Option<InsightGranularity>)]
    pub granularity: Option<String>,
    /// The launch panel's campaign (default: the newest, of `product` if given).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub campaign: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<InsightFormat>)]
    pub format: Option<String>,
    /// With `format=csv`: which table (its `key`; default the panel's first). A key the panel
    /// does not have: 404.
    pub table: Option<String>,
}

/// What a panel is answered as.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum InsightFormat {
    Json,
    Csv,
}

#[derive(Deserialize)]
pub struct PanelPath {
    pub panel: String,
}

/// A panel of the insights dashboards (staff): JSON by default, or one table as CSV (UTF-8
/// with a BOM and a header row; counts of fans below 10 exported as `<10`).
#[utoipa::path(get, path = "/insights/{panel}", operation_id = "getInsightPanel", security(("bearer" = [])), tag = "insights",
    params(("panel" = InsightPanelName, Path), InsightQuery),
    responses(
        (status = 200, description = "The panel as JSON, or a table as CSV", content((InsightPanelView = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A query parameter is invalid; `code` says which", body = ErrorBody),
        (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "No such panel, campaign or table", body = ErrorBody),
        (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn panel(
    State(state): State<AppState>,
    Lang(locale): Lang,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<PanelPath>,
    Query(q): Query<InsightQuery>,
) -> WebResult<Response> {
    canyu_app::policy::require_insights(&auth)?;
    let panel = Panel::parse(&p.panel).ok_or(ErrorCode::NotFound)?;
    let csv = match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(_) => return Err(ErrorCode::InvalidQuery.into()),
    };
    let filter = filter_of(&q)?;
    let result = insights::panel(&state, &auth, panel, &filter, locale).await?;
    if !csv {
        return Ok(Json(result).into_response());
    }
    csv_response(&result, q.table.as_deref())
}

/// The query string as the use case reads it; a campaign that is not a positive number is
/// refused here.
pub(crate) fn filter_of(q: &InsightQuery) -> WebResult<Filter> {
    let campaign = match q.campaign.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(ErrorCode::InvalidQuery)?),
    };
    Ok(Filter {
        product: q.product.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        granularity: q.granularity.clone(),
        campaign,
    })
}

/// One table of `panel` as a CSV download.
pub(crate) fn csv_response(panel: &insights::InsightPanel, table: Option<&str>) -> WebResult<Response> {
    let chosen = match table.map(str::trim) {
        None | Some("") => panel.tables.first(),
        Some(key) => Some(panel.tables.iter().find(|t| t.key == key).ok_or(ErrorCode::NotFound)?),
    };
    let (key, body) = match chosen {
        Some(t) => (t.key, t.csv()),
        // A launch panel before any campaign has no table: an empty file, not an error.
        None => ("empty", "\u{feff}".to_string()),
    };
    let file = format!("canyu-{}-{key}-{}-{}.csv", panel.panel, panel.from, panel.to);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        body,
    )
        .into_response())
}

/// What a fan chose to say about themselves. Each field is optional; absent or empty means
/// not said.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DemographicsView {
    /// `female`, `male` or `other`.
    #[schema(value_type = Option<String>, pattern = "^(female|male|other)?$")]
    pub gender: Option<String>,
    /// `under_18`, `18_24`, `25_34`, `35_44`, `45_54` or `55_plus`.
    #[schema(value_type = Option<String>, pattern = "^(under_18|18_24|25_34|35_44|45_54|55_plus)?$")]
    pub age_band: Option<String>,
    /// `tier1`, `new_tier1`, `tier2`, `tier3`, `tier4_plus` or `abroad`.
    #[schema(value_type = Option<String>, pattern = "^(tier1|new_tier1|tier2|tier3|tier4_plus|abroad)?$")]
    pub city_tier: Option<String>,
}

impl From<Profile> for DemographicsView {
    fn from(p: Profile) -> Self {
        DemographicsView {
            gender: p.gender.map(|g| g.as_str().into()),
            age_band: p.age_band.map(|a| a.as_str().into()),
            city_tier: p.city_tier.map(|c| c.as_str().into()),
        }
    }
}

/// The caller's optional, self-declared gender, age band and city tier: seen only by them,
/// counted (never listed) in staff's insights with cells under 10 fans hidden.
#[utoipa::path(get, path = "/me/demographics", operation_id = "getMyDemographics", security(("bearer" = [])), tag = "auth",
    responses((status = 200, description = "OK", body = DemographicsView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn demographics(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<DemographicsView>> {
    Ok(Json(canyu_app::accounts::demographics(&state, &auth).await?.into()))
}

/// Replaces the caller's self-declared fields; a field absent or empty is cleared.
#[utoipa::path(put, path = "/me/demographics", operation_id = "setMyDemographics", security(("bearer" = [])), tag = "auth", request_body = DemographicsView,
    responses((status = 200, description = "OK", body = DemographicsView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn set_demographics(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<DemographicsView>,
) -> WebResult<Json<DemographicsView>> {
    let profile = canyu_app::accounts::parse_demographics(
        req.gender.as_deref(),
        req.age_band.as_deref(),
        req.city_tier.as_deref(),
    )?;
    Ok(Json(canyu_app::accounts::set_demographics(&state, &auth, profile).await?.into()))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AskQuery {
    /// The question, in the words staff would use: "续航有什么抱怨？" (2 to 100 characters).
    #[param(min_length = 2, max_length = 100)]
    pub q: String,
    /// A product's slug: only its feedback (default: every product's).
    pub product: Option<String>,
}

/// A post quoted in an answer or a digest.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FeedbackQuote {
    pub post_id: i64,
    pub title: String,
    /// The post's own sentence that says the theme's word, cut around it (plain text).
    pub quote: String,
    pub votes: i64,
    /// Milliseconds since the epoch.
    pub created_at: Option<i64>,
}

/// Posts sharing a word.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FeedbackTheme {
    /// The words that define the theme, best first; empty for the posts no theme took (其他).
    pub keywords: Vec<String>,
    pub posts: i64,
    /// Votes on its posts.
    pub votes: i64,
    /// Its posts written in each week of `weeks`.
    pub trend: Vec<i64>,
    /// Up to three representative posts.
    pub quotes: Vec<FeedbackQuote>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum FeedbackTone {
    Negative,
    Positive,
}

/// What the feedback says about a question: the matching posts grouped into themes.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FeedbackAnswer {
    pub question: String,
    /// The words searched for: the question without its question words and its tone.
    pub terms: Vec<String>,
    /// Complaints (`negative`) or praise (`positive`) asked for; absent for either.
    #[schema(value_type = Option<FeedbackTone>)]
    pub tone: Option<String>,
    pub product: Option<String>,
    /// Posts matching the words.
    pub matched: i64,
    /// Posts grouped: the best matches (at most 500), of the tone asked for.
    pub grouped: i64,
    /// The Monday (`YYYY-MM-DD`, site time) of each week of the trends, oldest first.
    pub weeks: Vec<String>,
    pub themes: Vec<FeedbackTheme>,
}

/// Asks the feedback a question (staff): the posts matching its words (of the tone it asks
/// for: "抱怨" finds complaints), grouped into themes with counts, weekly trends and quotes.
#[utoipa::path(get, path = "/insights/ask", operation_id = "askFeedback", security(("bearer" = [])), tag = "insights",
    params(AskQuery),
    responses(
        (status = 200, description = "The answer", body = FeedbackAnswer),
        (status = 400, description = "No question, or one too short or long (`invalid_question`)", body = ErrorBody),
        (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 422, description = "No such product (`unknown_product`)", body = ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Query(q): Query<AskQuery>,
) -> WebResult<Json<insights::ask::Answer>> {
    canyu_app::policy::require_insights(&auth)?;
    Ok(Json(insights::ask::ask(&state, &auth, &q.q, q.product.as_deref()).await?))
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DigestDemandView {
    pub keywords: Vec<String>,
    /// Distinct fans who wrote or voted for its posts that week, and the week before.
    pub fans: i64,
    pub fans_last_week: i64,
    /// Its first post was written that week.
    pub new: bool,
    /// Its most voted post.
    pub post_id: i64,
    pub title: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DigestKeywordView {
    pub word: String,
    /// Posts saying it that week, and the week before.
    pub posts: i64,
    pub posts_last_week: i64,
    /// Dunning's log-likelihood ratio of the rise (listed from 10.83, p < 0.001).
    pub g2: f64,
    /// Its three most voted posts that week.
    pub quotes: Vec<FeedbackQuote>,
}

/// A product's weekly digest: made on Monday 09:00 (site time) for the week before.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DigestView {
    pub id: i64,
    /// The product's slug.
    pub product: String,
    pub product_name: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// First and last day of the week reported, `YYYY-MM-DD` in the site's zone.
    pub from: String,
    pub to: String,
    /// Posts written that week, and the week before.
    pub posts: i64,
    pub posts_last_week: i64,
    /// Share of the week's posts read as negative, in [0, 1]; null without posts.
    pub negative_share: Option<f64>,
    pub negative_share_last_week: Option<f64>,
    /// Demands more fans backed that week than the week before (at most 5).
    pub demands: Vec<DigestDemandView>,
    /// Words significantly more common than the week before (at most 8).
    pub keywords: Vec<DigestKeywordView>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct DigestListQuery {
    /// A product's slug: only its digests.
    pub product: Option<String>,
}

/// The latest weekly digests (staff), newest week first, at most 20.
#[utoipa::path(get, path = "/insights/digests", operation_id = "listDigests", security(("bearer" = [])), tag = "insights",
    params(DigestListQuery),
    responses(
        (status = 200, description = "OK", body = Vec<DigestView>),
        (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 422, description = "No such product (`unknown_product`)", body = ErrorBody)))]
pub async fn digests(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Query(q): Query<DigestListQuery>,
) -> WebResult<Json<Vec<insights::digest::Digest>>> {
    Ok(Json(insights::digest::list(&state, &auth, q.product.as_deref(), DIGESTS_LISTED).await?))
}

/// Digests a list answers with.
pub(crate) const DIGESTS_LISTED: i64 = 20;

/// One weekly digest (staff).
#[utoipa::path(get, path = "/insights/digests/{id}", operation_id = "getDigest", security(("bearer" = [])), tag = "insights",
    params(("id" = i64, Path, minimum = 1)),
    responses(
        (status = 200, description = "OK", body = DigestView),
        (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody),
        (status = 403, description = "The caller may not do this", body = ErrorBody),
        (status = 404, description = "No such digest", body = ErrorBody)))]
pub async fn digest(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<insights::digest::Digest>> {
    canyu_app::policy::require_insights(&auth)?;
    let id = crate::api::path_id(&id, ErrorCode::DigestNotFound)?;
    Ok(Json(insights::digest::get(&state, &auth, id).await?))
}
