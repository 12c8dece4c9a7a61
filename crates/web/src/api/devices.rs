//! `/me/devices`, `/users/{handle}/devices`, `/products/{slug}/serial-pattern`: 人车家
//! ownership. The rules live in `canyu_app::ownership`.

use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{ApiJson, ProductInPath, WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_app::model::{Claimed, OwnedDevice};
use canyu_app::ownership::{self, DeviceInput};
use canyu_core::time::rfc3339;
use canyu_core::{ErrorCode, Millis};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct OwnedDeviceView {
    pub id: i64,
    /// The product's slug.
    pub product: String,
    pub product_name: String,
    /// The product's ecosystem category (`phone`, `car`, `home`…).
    pub category: String,
    /// As stored (upper case, no spaces); absent for a device delivered from an order whose
    /// serial nobody entered. Only its owner sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Since when the caller has owned it (RFC 3339); absent once released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owned_since: Option<String>,
    /// How the owner got it.
    #[schema(value_type = OwnedVia)]
    pub owned_via: String,
    /// `YYYY-MM-DD` in the site's zone, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchased_on: Option<String>,
    /// When its owner released it (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_at: Option<String>,
    /// The fan the owner named to claim it at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_owner: Option<String>,
}

/// How an owner got a device.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum OwnedVia {
    Order,
    Claim,
    Store,
    Transfer,
}

impl OwnedDeviceView {
    fn new(state: &AppState, d: &OwnedDevice) -> OwnedDeviceView {
        let zone = &state.config().time_zone;
        OwnedDeviceView {
            id: d.id,
            product: d.product_slug.clone(),
            product_name: d.product_name.clone(),
            category: d.category.clone(),
            serial: d.serial.clone(),
            owned_since: d.owned_since.map(rfc3339),
            owned_via: d.owned_via.as_str().into(),
            purchased_on: d.purchased_at.map(|t| zone.date(t)),
            released_at: d.released_at.map(rfc3339),
            next_owner: d.next_owner.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OwnedDevicesView {
    pub items: Vec<OwnedDeviceView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimDeviceRequest {
    /// The product's slug.
    pub product: String,
    /// Spaces are dropped and letters upper-cased; 4–64 of `A-Z 0-9 - /`, in the product's
    /// serial format when it has one.
    #[schema(min_length = 4, max_length = 200)]
    pub serial: String,
    /// `YYYY-MM-DD`, not after today.
    pub purchased_on: Option<String>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReleaseDeviceRequest {
    /// A fan who may claim it at once; anyone else waits for the cooling-off.
    pub next_owner: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SerialPatternRequest {
    /// `#` a digit, `@` a letter, `*` either, anything else itself; alternatives separated by
    /// `|` (`SU7-########|SU7U-@@##`). `null` or empty: any serial.
    #[schema(max_length = 200)]
    pub pattern: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SerialPatternView {
    /// As stored (upper case); absent: any serial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

#[derive(Deserialize)]
pub struct DevicePath {
    pub id: String,
}

fn purchased_at(state: &AppState, raw: Option<&str>) -> Result<Option<Millis>, WebError> {
    match raw.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(None),
        Some(day) => {
            let zone = &state.config().time_zone;
            let at = zone
                .parse_local(&format!("{day}T00:00"))
                .ok_or(WebError::from(ErrorCode::InvalidPurchaseDate))?;
            Ok(Some(at))
        }
    }
}

fn device_input<'a>(state: &AppState, req: &'a ClaimDeviceRequest) -> Result<DeviceInput<'a>, WebError> {
    Ok(DeviceInput {
        product: &req.product,
        serial: &req.serial,
        purchased_at: purchased_at(state, req.purchased_on.as_deref())?,
    })
}

fn claimed(state: &AppState, c: Claimed) -> (StatusCode, Json<OwnedDeviceView>) {
    let status = if c.new { StatusCode::CREATED } else { StatusCode::OK };
    (status, Json(OwnedDeviceView::new(state, &c.device)))
}

/// The devices the caller owns, newest first.
#[utoipa::path(get, path = "/me/devices", operation_id = "listMyDevices", security(("bearer" = [])), tag = "ownership",
    responses((status = 200, description = "OK", body = OwnedDevicesView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<OwnedDevicesView>> {
    let list = ownership::my_devices(&state, &auth).await?;
    Ok(Json(OwnedDevicesView { items: list.iter().map(|d| OwnedDeviceView::new(&state, d)).collect() }))
}

/// Claims a device by its serial: 201, or 200 with the device when the caller already owns
/// it. A serial has one owner at a time (409 `serial_owned`); one its owner released is
/// claimable after the cooling-off (409 `serial_cooling_off`), at once by the fan they named.
#[utoipa::path(post, path = "/me/devices", operation_id = "claimDevice", security(("bearer" = [])), tag = "ownership", request_body = ClaimDeviceRequest,
    responses((status = 201, description = "Claimed", body = OwnedDeviceView), (status = 200, description = "Already the caller's", body = OwnedDeviceView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 409, description = "The serial is someone else's, or cooling off", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<ClaimDeviceRequest>,
) -> WebResult<(StatusCode, Json<OwnedDeviceView>)> {
    Ok(claimed(&state, ownership::claim(&state, &auth, device_input(&state, &req)?).await?))
}

/// The owner releases a device, perhaps naming who may claim it at once.
#[utoipa::path(post, path = "/me/devices/{id}/release", operation_id = "releaseDevice", security(("bearer" = [])), tag = "ownership", params(("id" = i64, Path)), request_body(content = Option<ReleaseDeviceRequest>, description = "Optional: `{\"next_owner\": \"handle\"}`, or nothing."),
    responses((status = 200, description = "Released", body = OwnedDeviceView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<DevicePath>,
    body: axum::body::Bytes,
) -> WebResult<Json<OwnedDeviceView>> {
    let id = crate::api::path_id(&p.id, ErrorCode::DeviceNotFound)?;
    let req: ReleaseDeviceRequest = crate::error::optional_json_object(&body)?;
    let device = ownership::release(&state, &auth, id, req.next_owner.as_deref()).await?;
    Ok(Json(OwnedDeviceView::new(&state, &device)))
}

#[derive(Deserialize)]
pub struct UserPath {
    pub handle: String,
}

/// Staff bind a device to a fan at a store (no cooling-off: they have it in hand).
#[utoipa::path(post, path = "/users/{handle}/devices", operation_id = "bindDevice", security(("bearer" = [])), tag = "ownership", params(("handle" = String, Path)), request_body = ClaimDeviceRequest,
    responses((status = 201, description = "Bound", body = OwnedDeviceView), (status = 200, description = "Already the fan's", body = OwnedDeviceView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "The serial is someone else's", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn bind(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<UserPath>,
    ApiJson(req): ApiJson<ClaimDeviceRequest>,
) -> WebResult<(StatusCode, Json<OwnedDeviceView>)> {
    Ok(claimed(&state, ownership::bind_for(&state, &auth, &p.handle, device_input(&state, &req)?).await?))
}

#[derive(Deserialize)]
pub struct ProductPath {
    pub slug: String,
}

/// Staff who run the product set its serial format (claims must match it).
#[utoipa::path(put, path = "/products/{slug}/serial-pattern", operation_id = "setSerialPattern", security(("bearer" = [])), tag = "ownership", params(("slug" = String, Path)), request_body = SerialPatternRequest,
    responses((status = 200, description = "OK", body = SerialPatternView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn set_pattern(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<ProductPath>,
    ApiJson(req): ApiJson<SerialPatternRequest>,
) -> WebResult<Json<SerialPatternView>> {
    let pattern = ownership::set_serial_pattern(&state, &auth, &p.slug, req.pattern.as_deref())
        .await
        .product_in_path()?;
    Ok(Json(SerialPatternView { pattern }))
}

/// A product's serial format.
#[utoipa::path(get, path = "/products/{slug}/serial-pattern", operation_id = "getSerialPattern", tag = "ownership", params(("slug" = String, Path)),
    responses((status = 200, description = "OK", body = SerialPatternView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn pattern(
    State(state): State<AppState>,
    Path(p): Path<ProductPath>,
) -> WebResult<Json<SerialPatternView>> {
    Ok(Json(SerialPatternView {
        pattern: ownership::serial_pattern(&state, &p.slug).await.product_in_path()?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AlsoOwnedView {
    /// The other product's slug.
    pub product: String,
    pub product_name: String,
    /// Fans who own both (never fewer than five: smaller groups are not shown).
    pub shared_owners: i64,
    /// Share of all owners who own both (0–1).
    pub support: f64,
    /// Share of this product's owners who own the other too (0–1).
    pub confidence: f64,
    /// How much likelier than owners at large (1: no link).
    pub lift: f64,
}

#[derive(Serialize, ToSchema)]
pub struct AlsoOwnedListView {
    pub items: Vec<AlsoOwnedView>,
}

/// "Owners of X also own Y": at most five other products, the strongest links first,
/// recomputed every ten minutes; none where too few fans own both to show without pointing at
/// people.
#[utoipa::path(get, path = "/products/{slug}/also-owned", operation_id = "getAlsoOwned", tag = "ownership", params(("slug" = String, Path)),
    responses((status = 200, description = "OK", body = AlsoOwnedListView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn also_owned(
    State(state): State<AppState>,
    Path(p): Path<ProductPath>,
) -> WebResult<Json<AlsoOwnedListView>> {
    let product = canyu_app::catalog::product_by_slug(&state, &p.slug).await?.ok_or(ErrorCode::NotFound)?;
    let items = ownership::also_owned(&state, product.id)
        .await?
        .into_iter()
        .map(|a| AlsoOwnedView {
            product: a.product_slug,
            product_name: a.product_name,
            shared_owners: a.shared_owners,
            support: a.support,
            confidence: a.confidence,
            lift: a.lift,
        })
        .collect();
    Ok(Json(AlsoOwnedListView { items }))
}
