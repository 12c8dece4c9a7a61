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
