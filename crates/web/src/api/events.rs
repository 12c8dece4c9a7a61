//! `/api/v1/events` and `/api/v1/clubs`: the fan festival, city meetups, places, the waitlist,
//! tickets and check-in, and city clubs.

use crate::api::path_id;
use crate::api::views::ErrorBody;
use crate::auth::{MaybeAuth, RequireAuth};
use crate::error::{ApiJson, WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use canyu_app::events::{self, EventFilter, Scan};
use canyu_app::model::{CheckinOutcome, Club, Event, PlaceChange, Rsvp};
use canyu_core::ErrorCode;
use canyu_core::event::EventDraft;
use canyu_core::time::{Zone, parse_rfc3339, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn zone_of(event: &Event) -> Zone {
    Zone::parse(&event.time_zone).unwrap_or_else(|_| Zone::china())
}

/// What kind of event: the 米粉节 or a 同城会 meetup.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Festival,
    Meetup,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: i64,
    pub title: String,
    /// `festival` (米粉节) or `meetup` (同城会).
    pub kind: String,
    pub city: String,
    pub venue: String,
    /// Times are RFC 3339 with the venue's offset.
    pub starts_at: String,
    pub ends_at: String,
    /// The venue's IANA time zone.
    pub time_zone: String,
    /// Places, in people (a fan's guests take places too).
    pub capacity: i64,
    pub rsvp_opens_at: String,
    pub rsvp_closes_at: String,
    /// When fans with priority may take places (the same as `rsvp_opens_at` without).
    pub priority_opens_at: String,
    pub max_guests: i64,
    pub priority_min_level: Option<i64>,
    pub priority_hours: i64,
    /// How long a freed place waits for the answer of the fan it is offered to (shorter close
    /// to the start).
    pub offer_hours: i64,
    pub club: Option<i64>,
    pub club_name: Option<String>,
    pub description: String,
    /// People in confirmed places.
    pub confirmed: i64,
    /// People in places offered to the waitlist and not yet answered.
    pub offered: i64,
    /// Fans (each with their guests) on the waitlist.
    pub waitlisted: i64,
    /// Places nobody holds.
    pub free: i64,
    /// People checked in at the door.
    pub checked_in: i64,
    /// The Ed25519 public key tickets are signed with (base64url, 32 bytes): a scanner checks
    /// tickets offline with it.
    pub ticket_public_key: String,
    /// 车主专场: the product whose owners alone take places (its slug).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners_of: Option<String>,
}

impl EventView {
    pub fn new(e: &Event) -> EventView {
        let zone = zone_of(e);
        EventView {
            id: e.id,
            title: e.title.clone(),
            kind: e.kind.clone(),
            city: e.city.clone(),
            venue: e.venue.clone(),
            starts_at: zone.rfc3339(e.starts_at),
            ends_at: zone.rfc3339(e.ends_at),
            time_zone: e.time_zone.clone(),
            capacity: e.capacity,
            rsvp_opens_at: zone.rfc3339(e.rsvp_opens_at),
            rsvp_closes_at: zone.rfc3339(e.rsvp_closes_at),
            priority_opens_at: zone.rfc3339(e.priority_opens_at()),
            max_guests: e.max_guests,
            priority_min_level: e.priority_min_level,
            priority_hours: e.priority_hours,
            offer_hours: e.offer_hours,
            club: e.club_id,
            club_name: e.club_name.clone(),
            description: e.description.clone(),
            confirmed: e.confirmed,
            offered: e.offered,
            waitlisted: e.waitlisted,
            free: e.free_places(),
            checked_in: e.checked_in,
            ticket_public_key: e.ticket_public_key.clone(),
            owners_of: e.owners_of.as_ref().map(|(_, slug, _)| slug.clone()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventsView {
    pub items: Vec<EventView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEventRequest {
    /// 1–80 characters.
    #[schema(min_length = 1, max_length = 80)]
    pub title: String,
    #[schema(value_type = EventKind)]
    pub kind: String,
    #[schema(min_length = 1, max_length = 40)]
    pub city: String,
    #[schema(min_length = 1, max_length = 120)]
    pub venue: String,
    /// RFC 3339 (`2026-12-12T19:00:00+08:00`), or a wall-clock time (`2026-12-12T19:00`)
    /// read in `time_zone`.
    pub starts_at: String,
    pub ends_at: String,
    /// The venue's IANA zone (default the site's).
    pub time_zone: Option<String>,
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: i64,
    pub rsvp_opens_at: String,
    /// By the start at the latest.
    pub rsvp_closes_at: String,
    /// Guests a fan may bring (0–10, default 0); a fan and guests fit whole or wait whole.
    #[schema(minimum = 0, maximum = 10)]
    pub max_guests: Option<i64>,
    /// Fans at this level (1–6) or above take places `priority_hours` before everyone else.
    #[schema(minimum = 1, maximum = 6)]
    pub priority_min_level: Option<i64>,
    /// 0–336 (default 24 with a level).
    #[schema(minimum = 0, maximum = 336)]
    pub priority_hours: Option<i64>,
    /// 1–168 (default 24).
    #[schema(minimum = 1, maximum = 168)]
    pub offer_hours: Option<i64>,
    /// A city club's event: its organisers run it.
    pub club: Option<i64>,
    /// A product's slug: only its owners take places (车主专场; `owners_only` for others).
    pub owners_of: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
}

/// Creates an event (staff; a city club's organisers for their club).
#[utoipa::path(post, path = "/events", operation_id = "createEvent", security(("bearer" = [])), tag = "events", request_body = NewEventRequest,
    responses((status = 201, description = "Created", body = EventView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewEventRequest>,
) -> WebResult<(StatusCode, Json<EventView>)> {
    let zone = events::venue_zone(&state, req.time_zone.as_deref())?;
    let time = |raw: &str| events::venue_time(raw, &zone);
    let draft = EventDraft {
        title: &req.title,
        kind: &req.kind,
        city: &req.city,
        venue: &req.venue,
        starts_at: time(&req.starts_at)?,
        ends_at: time(&req.ends_at)?,
        time_zone: Some(zone.name()),
        capacity: req.capacity,
        rsvp_opens_at: time(&req.rsvp_opens_at)?,
        rsvp_closes_at: time(&req.rsvp_closes_at)?,
        max_guests: req.max_guests,
        priority_min_level: req.priority_min_level,
        priority_hours: req.priority_hours,
        offer_hours: req.offer_hours,
        description: req.description.as_deref().unwrap_or(""),
    };
    let event = events::create(&state, &auth, draft, req.club, req.owners_of.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(EventView::new(&event))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsParams {
    pub city: Option<String>,
    pub club: Option<i64>,
    #[param(value_type = Option<EventKind>)]
    pub kind: Option<String>,
}

/// Upcoming events (not yet ended), soonest first.
#[utoipa::path(get, path = "/events", operation_id = "listEvents", security((), ("bearer" = [])), tag = "events", params(EventsParams),
    responses((status = 200, description = "OK", body = EventsView), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Query(p): Query<EventsParams>,
) -> WebResult<Json<EventsView>> {
    let list = events::upcoming(
        &state,
        EventFilter { city: p.city.as_deref(), club: p.club, kind: p.kind.as_deref() },
    )
    .await?;
    Ok(Json(EventsView { items: list.iter().map(EventView::new).collect() }))
}

/// One event, with its places counted.
#[utoipa::path(get, path = "/events/{id}", operation_id = "getEvent", security((), ("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = EventView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> WebResult<Json<EventView>> {
    let event = events::event(&state, path_id(&id, ErrorCode::EventNotFound)?).await?;
    Ok(Json(EventView::new(&event)))
}

#[derive(Serialize, ToSchema)]
pub struct RsvpView {
    pub id: i64,
    pub event: i64,
    pub handle: String,
    pub guests: i64,
    /// `confirmed`, `offered` or `waitlisted` (live); `cancelled`, `left`, `declined`,
    /// `expired`, `released` or `removed` (ended).
    pub status: String,
    /// 1-based place on the waitlist, while waitlisted.
    pub position: Option<i64>,
    pub created_at: String,
    /// For an offered place: confirm by then or it passes on.
    pub offer_expires_at: Option<String>,
    pub confirmed_at: Option<String>,
    /// When the fan said they still come (asked 48 hours before the start).
    pub attendance_confirmed_at: Option<String>,
    pub checked_in_at: Option<String>,
    pub no_show: bool,
    /// The signed ticket a QR code carries, once confirmed (`CY1.…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

impl RsvpView {
    pub fn new(r: &Rsvp, ticket: Option<String>) -> RsvpView {
        RsvpView {
            id: r.id,
            event: r.event_id,
            handle: r.handle.clone(),
            guests: r.guests,
            status: r.status.as_str().to_string(),
            position: r.position,
            created_at: rfc3339(r.created_at),
            offer_expires_at: r.offer_expires_at.map(rfc3339),
            confirmed_at: r.confirmed_at.map(rfc3339),
            attendance_confirmed_at: r.attendance_confirmed_at.map(rfc3339),
            checked_in_at: r.checked_in_at.map(rfc3339),
            no_show: r.no_show,
            ticket,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RsvpRequest {
    /// Guests coming with the caller (up to the event's `max_guests`).
    #[schema(minimum = 0, maximum = 10)]
    pub guests: Option<i64>,
}

/// Takes a place: `confirmed` when the caller and guests fit, else `waitlisted` with a
/// position. 201 when taken now, 200 with the same place when the caller already has one.
#[utoipa::path(post, path = "/events/{id}/rsvps", operation_id = "takeEventPlace", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)), request_body(content = Option<RsvpRequest>, description = "Optional: `{\"guests\": 2}`, or nothing for the caller alone."),
    responses((status = 201, description = "Created", body = RsvpView), (status = 200, description = "The caller's place, unchanged", body = RsvpView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn take_place(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> WebResult<(StatusCode, Json<RsvpView>)> {
    let req: RsvpRequest = crate::error::optional_json_object(&body)?;
    let taken =
        events::take_place(&state, &auth, path_id(&id, ErrorCode::EventNotFound)?, req.guests).await?;
    let ticket = events::ticket(&state, &taken.rsvp).await?;
    let status = if taken.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(RsvpView::new(&taken.rsvp, ticket))))
}

/// The caller's place (live, else the latest ended one), with the ticket once confirmed.
#[utoipa::path(get, path = "/events/{id}/rsvps/me", operation_id = "getMyEventPlace", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = RsvpView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn mine(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<RsvpView>> {
    let (rsvp, ticket) = events::my_place(&state, &auth, path_id(&id, ErrorCode::EventNotFound)?).await?;
    Ok(Json(RsvpView::new(&rsvp, ticket)))
}

/// Gives the caller's place up: cancels a confirmed place, declines an offer or leaves the
/// waitlist. The freed places are offered to the waitlist.
#[utoipa::path(delete, path = "/events/{id}/rsvps/me", operation_id = "giveUpEventPlace", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = RsvpView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn give_up(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<RsvpView>> {
    let rsvp = events::give_up(&state, &auth, path_id(&id, ErrorCode::EventNotFound)?).await?;
    Ok(Json(RsvpView::new(&rsvp, None)))
}

/// Accepts a place offered to the caller, or confirms a confirmed place's attendance (the
/// answer to the 48-hour prompt). Idempotent.
#[utoipa::path(post, path = "/events/{id}/rsvps/me/confirm", operation_id = "confirmEventPlace", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = RsvpView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<RsvpView>> {
    let rsvp = events::confirm(&state, &auth, path_id(&id, ErrorCode::EventNotFound)?).await?;
    let ticket = events::ticket(&state, &rsvp).await?;
    Ok(Json(RsvpView::new(&rsvp, ticket)))
}

#[derive(Serialize, ToSchema)]
pub struct PlaceChangeView {
    pub rsvp: i64,
    pub handle: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// Who made the change; null for the fan or a rule (the reason names it).
    pub actor: Option<String>,
    /// `rsvp`, `fan`, `place_freed`, `offer_accepted`, `offer_expired`,
    /// `attendance_unconfirmed`, or the team's words for a manual change.
    pub reason: String,
    pub at: String,
}

impl PlaceChangeView {
    fn new(c: &PlaceChange) -> PlaceChangeView {
        PlaceChangeView {
            rsvp: c.rsvp_id,
            handle: c.handle.clone(),
            from_status: c.from_status.clone(),
            to_status: c.to_status.clone(),
            actor: c.actor.clone(),
            reason: c.reason.clone(),
            at: rfc3339(c.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttendeesView {
    /// Confirmed, offered, the waitlist in order, then ended places.
    pub items: Vec<RsvpView>,
    /// Every change of a place, newest first.
    pub changes: Vec<PlaceChangeView>,
}

/// Every place of the event and their history (staff and the event's organisers).
#[utoipa::path(get, path = "/events/{id}/rsvps", operation_id = "listEventPlaces", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = AttendeesView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn attendees(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<AttendeesView>> {
    let console = events::console(&state, &auth, path_id(&id, ErrorCode::EventNotFound)?).await?;
    Ok(Json(AttendeesView {
        items: console.places.iter().map(|r| RsvpView::new(r, None)).collect(),
        changes: console.changes.iter().map(PlaceChangeView::new).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemovePlaceRequest {
    /// Why, 1–200 characters: recorded with who did it, and told to the fan.
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PlacePath {
    #[param(value_type = i64)]
    pub id: String,
    #[param(value_type = i64)]
    pub rsvp: String,
}

/// Takes a fan's place away (staff and the event's organisers), with a reason; the places are
/// offered to the waitlist.
#[utoipa::path(post, path = "/events/{id}/rsvps/{rsvp}/remove", operation_id = "removeEventPlace", security(("bearer" = [])), tag = "events", params(PlacePath), request_body = RemovePlaceRequest,
    responses((status = 200, description = "OK", body = RsvpView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn remove_place(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(PlacePath { id, rsvp }): Path<PlacePath>,
    ApiJson(req): ApiJson<RemovePlaceRequest>,
) -> WebResult<Json<RsvpView>> {
    let event = path_id(&id, ErrorCode::EventNotFound)?;
    let rsvp = path_id(&rsvp, ErrorCode::RsvpNotFound)?;
    let removed = events::remove_place(&state, &auth, event, rsvp, &req.reason).await?;
    Ok(Json(RsvpView::new(&removed, None)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinRequest {
    /// The ticket the QR code carries (`CY1.…`).
    #[schema(max_length = 200)]
    pub ticket: String,
    /// The scanner's id for this scan (8–64 of `A-Za-z0-9-_`): an upload repeated with the same
    /// nonce is counted once. Absent: a one-off scan.
    #[schema(min_length = 8, max_length = 64)]
    pub nonce: Option<String>,
    /// Which door or scanner (up to 40 characters), to tell conflicts apart.
    #[schema(max_length = 40)]
    pub door: Option<String>,
    /// When the scanner saw the ticket (RFC 3339); an offline scanner uploads later.
    pub scanned_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckinView {
    pub handle: String,
    pub guests: i64,
    pub checked_in_at: String,
    /// True when this nonce had been uploaded before (nothing changed).
    pub repeated: bool,
}

impl CheckinView {
    fn new(o: &CheckinOutcome) -> CheckinView {
        CheckinView {
            handle: o.rsvp.handle.clone(),
            guests: o.rsvp.guests,
            checked_in_at: rfc3339(o.checked_in_at),
            repeated: o.repeated,
        }
    }
}

/// Checks a ticket in at the door (staff and the event's organisers): 409 `already_checked_in`
/// when it was already in (the scan is kept as a conflict), 422 `invalid_ticket` for a forged,
/// altered or other event's ticket.
#[utoipa::path(post, path = "/events/{id}/checkins", operation_id = "checkInTicket", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)), request_body = CheckinRequest,
    responses((status = 200, description = "OK", body = CheckinView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CheckinRequest>,
) -> WebResult<Json<CheckinView>> {
    let event = path_id(&id, ErrorCode::EventNotFound)?;
    let scanned_at = match req.scanned_at.as_deref() {
        Some(raw) => Some(parse_rfc3339(raw).ok_or(WebError::from(ErrorCode::InvalidTime))?),
        None => None,
    };
    let outcome = events::check_in(
        &state,
        &auth,
        event,
        Scan { ticket: &req.ticket, nonce: req.nonce.as_deref(), door: req.door.as_deref(), scanned_at },
    )
    .await?;
    Ok(Json(CheckinView::new(&outcome)))
}

#[derive(Serialize, ToSchema)]
pub struct ScanView {
    pub rsvp: i64,
    pub handle: String,
    pub guests: i64,
    pub nonce: String,
    pub door: String,
    pub scanned_at: String,
    pub received_at: String,
    /// `checked_in`, or `duplicate`: the ticket was already in (a conflict, e.g. two doors).
    pub outcome: String,
}

#[derive(Serialize, ToSchema)]
pub struct ScansView {
    pub items: Vec<ScanView>,
}

/// Every scan at the door, newest first, conflicts included (staff and the event's organisers).
#[utoipa::path(get, path = "/events/{id}/checkins", operation_id = "listCheckins", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ScansView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn checkins(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ScansView>> {
    let console = events::console(&state, &auth, path_id(&id, ErrorCode::EventNotFound)?).await?;
    Ok(Json(ScansView {
        items: console
            .checkins
            .iter()
            .map(|c| ScanView {
                rsvp: c.rsvp_id,
                handle: c.handle.clone(),
                guests: c.guests,
                nonce: c.nonce.clone(),
                door: c.door.clone(),
                scanned_at: rfc3339(c.scanned_at),
                received_at: rfc3339(c.received_at),
                outcome: c.outcome.clone(),
            })
            .collect(),
    }))
}

// ---- city clubs ----

#[derive(Serialize, ToSchema)]
pub struct ClubView {
    pub id: i64,
    pub city: String,
    pub name: String,
    pub members: i64,
    /// Handles of the organisers (on a single club's answers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisers: Option<Vec<String>>,
    /// Whether the caller is a member (signed-in callers, single club).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<bool>,
}

impl ClubView {
    fn new(c: &Club) -> ClubView {
        ClubView {
            id: c.id,
            city: c.city.clone(),
            name: c.name.clone(),
            members: c.members,
            organisers: None,
            member: None,
        }
    }
}

async fn club_view(
    state: &AppState,
    auth: Option<&canyu_app::accounts::Auth>,
    club: &Club,
) -> WebResult<ClubView> {
    let mut view = ClubView::new(club);
    view.organisers = Some(events::organisers(state, club.id).await?);
    if let Some(a) = auth {
        view.member = Some(events::is_member(state, a, club.id).await?);
    }
    Ok(view)
}

#[derive(Serialize, ToSchema)]
pub struct ClubsView {
    pub items: Vec<ClubView>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClubRequest {
    #[schema(min_length = 1, max_length = 40)]
    pub city: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
}

/// Creates a city club, 同城会 (staff).
#[utoipa::path(post, path = "/clubs", operation_id = "createClub", security(("bearer" = [])), tag = "events", request_body = NewClubRequest,
    responses((status = 201, description = "Created", body = ClubView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create_club(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewClubRequest>,
) -> WebResult<(StatusCode, Json<ClubView>)> {
    let club = events::create_club(&state, &auth, &req.city, &req.name).await?;
    Ok((StatusCode::CREATED, Json(club_view(&state, Some(&auth), &club).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClubsParams {
    pub city: Option<String>,
}

/// City clubs, by city then name.
#[utoipa::path(get, path = "/clubs", operation_id = "listClubs", security((), ("bearer" = [])), tag = "events", params(ClubsParams),
    responses((status = 200, description = "OK", body = ClubsView)))]
pub async fn clubs(
    State(state): State<AppState>,
    Query(p): Query<ClubsParams>,
) -> WebResult<Json<ClubsView>> {
    let list = events::clubs(&state, p.city.as_deref()).await?;
    Ok(Json(ClubsView { items: list.iter().map(ClubView::new).collect() }))
}

/// One club with its organisers.
#[utoipa::path(get, path = "/clubs/{id}", operation_id = "getClub", security((), ("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ClubView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn club(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ClubView>> {
    let club = events::club(&state, path_id(&id, ErrorCode::ClubNotFound)?).await?;
    Ok(Json(club_view(&state, auth.0.as_ref(), &club).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct OrganiserPath {
    #[param(value_type = i64)]
    pub id: String,
    pub handle: String,
}

/// Appoints a fan as one of the club's organisers (staff). Idempotent.
#[utoipa::path(put, path = "/clubs/{id}/organisers/{handle}", operation_id = "appointClubOrganiser", security(("bearer" = [])), tag = "events", params(OrganiserPath),
    responses((status = 200, description = "OK", body = ClubView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn appoint(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(OrganiserPath { id, handle }): Path<OrganiserPath>,
) -> WebResult<Json<ClubView>> {
    let id = path_id(&id, ErrorCode::ClubNotFound)?;
    events::appoint(&state, &auth, id, &handle).await?;
    let club = events::club(&state, id).await?;
    Ok(Json(club_view(&state, Some(&auth), &club).await?))
}

/// Ends a fan's appointment as organiser (staff). Idempotent.
#[utoipa::path(delete, path = "/clubs/{id}/organisers/{handle}", operation_id = "dismissClubOrganiser", security(("bearer" = [])), tag = "events", params(OrganiserPath),
    responses((status = 200, description = "OK", body = ClubView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn dismiss(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(OrganiserPath { id, handle }): Path<OrganiserPath>,
) -> WebResult<Json<ClubView>> {
    let id = path_id(&id, ErrorCode::ClubNotFound)?;
    events::dismiss(&state, &auth, id, &handle).await?;
    let club = events::club(&state, id).await?;
    Ok(Json(club_view(&state, Some(&auth), &club).await?))
}

/// Joins the club. Idempotent.
#[utoipa::path(put, path = "/clubs/{id}/membership", operation_id = "joinClub", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ClubView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ClubView>> {
    let club = events::join(&state, &auth, path_id(&id, ErrorCode::ClubNotFound)?).await?;
    Ok(Json(club_view(&state, Some(&auth), &club).await?))
}

/// Leaves the club (an organiser stops organising). Idempotent.
#[utoipa::path(delete, path = "/clubs/{id}/membership", operation_id = "leaveClub", security(("bearer" = [])), tag = "events", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ClubView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ClubView>> {
    let club = events::leave(&state, &auth, path_id(&id, ErrorCode::ClubNotFound)?).await?;
    Ok(Json(club_view(&state, Some(&auth), &club).await?))
}
