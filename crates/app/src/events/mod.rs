//! Fan events: the 米粉节 fan festival and 同城会 city meetups, city clubs and their organisers,
//! places with a waitlist, signed tickets and check-in at the door.
//!
//! The rules (who may take a place when, how long an offer lasts, the no-show rule, tickets)
//! are in [`canyu_core::event`]; the places themselves change under the event's lock in the
//! store, so capacity holds on either backend and through any number of nodes.

pub mod calendar;

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::policy::{can_run_event, require_event_runner, require_role};
use crate::ratelimit::limit;
use canyu_core::event::{EventDraft, EventKey, EventPlan, Ticket, may_take_place, parse_public_key};
use canyu_core::points::level_for;
use canyu_core::time::{Zone, parse_rfc3339};
use canyu_core::{ErrorCode, Handle, Millis, Role};
use canyu_store::{
    Checkin, CheckinOutcome, Club, Event, EventRound, NewEvent, PlaceChange, PlaceTaken, Rsvp,
};

/// Unconfirmed places (asked 48 hours before) go to the waitlist this long before the start,
pub const RELEASE_HOURS: i64 = 24;
/// and never less than this long after the fan was asked.
pub const ANSWER_HOURS: i64 = 12;
pub const REASON_MAX_CHARS: usize = 200;

pub async fn event(app: &App, id: i64) -> AppResult<Event> {
    app.store.event(id).await?.ok_or_else(|| ErrorCode::EventNotFound.into())
}

pub struct EventFilter<'a> {
    pub city: Option<&'a str>,
    pub club: Option<i64>,
    pub kind: Option<&'a str>,
}

/// Events that have not ended, soonest first.
pub async fn upcoming(app: &App, filter: EventFilter<'_>) -> AppResult<Vec<Event>> {
    let kind = match filter.kind.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => Some(canyu_core::event::EventKind::parse(k)?.as_str()),
        None => None,
    };
    let city = filter.city.map(str::trim).filter(|c| !c.is_empty());
    Ok(app.store.upcoming_events(app.now(), city, filter.club, kind, 200).await?)
}

pub async fn cities(app: &App) -> AppResult<Vec<String>> {
    Ok(app.store.event_cities(app.now()).await?)
}

/// The venue's zone: an IANA name, or the site's when none is given.
pub fn venue_zone(app: &App, raw: Option<&str>) -> AppResult<Zone> {
    match raw.map(str::trim).filter(|z| !z.is_empty()) {
        Some(z) => Zone::parse(z).map_err(|_| ErrorCode::InvalidTimeZone.into()),
        None => Ok(app.config.time_zone.clone()),
    }
}

/// A time given for an event: RFC 3339, or a wall-clock time (what a `datetime-local` input
/// sends) read in the venue's zone.
pub fn venue_time(raw: &str, zone: &Zone) -> AppResult<Millis> {
    parse_rfc3339(raw).or_else(|| zone.parse_local(raw)).ok_or_else(|| ErrorCode::InvalidTime.into())
}

/// The clubs whose events the caller may create: every club for staff, their own for
/// organisers, none for other fans.
pub async fn clubs_run_by(app: &App, auth: &Auth) -> AppResult<Vec<Club>> {
    if auth.user.role >= Role::Staff {
        Ok(app.store.clubs(None).await?)
    } else {
        Ok(app.store.clubs_organised_by(auth.user.id).await?)
    }
}

/// Whether the caller may create any event at all (the events page offers the form).
pub async fn may_create(app: &App, auth: &Auth) -> AppResult<bool> {
    Ok(auth.user.role >= Role::Staff || !app.store.clubs_organised_by(auth.user.id).await?.is_empty())
}

/// Every club with its organisers (staff: the clubs' admin page).
pub async fn clubs_with_organisers(app: &App, auth: &Auth) -> AppResult<Vec<(Club, Vec<String>)>> {
    require_role(auth, Role::Staff)?;
    let clubs = app.store.clubs(None).await?;
    let mut organisers: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (club, handle) in app.store.all_club_organisers().await? {
        organisers.entry(club).or_default().push(handle);
    }
    Ok(clubs
        .into_iter()
        .map(|c| {
            let theirs = organisers.remove(&c.id).unwrap_or_default();
            (c, theirs)
        })
        .collect())
}

/// Staff create any event; a club's organisers create events of their club. `owners_of` (a
/// product's slug) makes it 车主专场: only owners of that product take places.
pub async fn create(
    app: &App,
    auth: &Auth,
    draft: EventDraft<'_>,
    club: Option<i64>,
    owners_of: Option<&str>,
) -> AppResult<Event> {
    if let Some(club) = club {
        app.store.club(club).await?.ok_or(ErrorCode::ClubNotFound)?;
    }
    require_event_runner(app, auth, club).await?;
    let owners_of = match owners_of.map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?.id),
        None => None,
    };
    let plan = EventPlan::parse(draft, &app.config.time_zone)?;
    let key = EventKey::from_seed(rand::random::<[u8; 32]>());
    let event = app
        .store
        .create_event(
            NewEvent {
                plan: &plan,
                club_id: club,
                ticket_seed: &key.seed_text(),
                ticket_public_key: &key.public_key_text(),
                created_by: auth.user.id,
                owners_of,
            },
            app.now(),
        )
        .await?;
    tracing::info!(event = event.id, kind = %event.kind, capacity = event.capacity, by = auth.user.id, "event created");
    Ok(event)
}

/// Whether the fan may use the priority window: level high enough, and not barred by the
/// no-show rule.
pub async fn has_priority(app: &App, auth: &Auth, event: &Event) -> AppResult<bool> {
    let Some(min) = event.priority_min_level else { return Ok(false) };
    if i64::from(level_for(auth.user.points).0.number) < min {
        return Ok(false);
    }
    let no_shows = app.store.no_show_times(auth.user.id).await?;
    Ok(app.config.no_show_rule.keeps_priority(&no_shows, app.now()))
}

/// A fan takes a place (with guests, as one unit): confirmed if it fits, else waitlisted.
/// Repeating answers with the same place.
pub async fn take_place(app: &App, auth: &Auth, event_id: i64, guests: Option<i64>) -> AppResult<PlaceTaken> {
    let event = event(app, event_id).await?;
    let guests = guests.unwrap_or(0);
    if !(0..=event.max_guests).contains(&guests) {
        return Err(ErrorCode::TooManyGuests.into());
    }
    let now = app.now();
    let priority = now < event.rsvp_opens_at && has_priority(app, auth, &event).await?;
    if let Err(refusal) =
        may_take_place(now, event.rsvp_opens_at, event.rsvp_closes_at, event.priority_opens_at(), priority)
    {
        // A fan who has a place gets it back whenever they ask (a retry after the close).
        return match app.store.my_rsvp(event_id, auth.user.id).await?.filter(|r| r.status.is_live()) {
            Some(live) => Ok(PlaceTaken { rsvp: live, created: false }),
            None => Err(refusal.into()),
        };
    }
    if let Some((product, _, _)) = &event.owners_of
        && app.store.owner_since(auth.user.id, *product).await?.is_none()
    {
        return Err(ErrorCode::OwnersOnly.into());
    }
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    Ok(app.store.take_place(event_id, auth.user.id, guests, now).await?)
}

/// The fan's place (live, else the latest ended one) and, once confirmed, its ticket.
pub async fn my_place(app: &App, auth: &Auth, event_id: i64) -> AppResult<(Rsvp, Option<String>)> {
    event(app, event_id).await?;
    let rsvp = app.store.my_rsvp(event_id, auth.user.id).await?.ok_or(ErrorCode::RsvpNotFound)?;
    let ticket = ticket(app, &rsvp).await?;
    Ok((rsvp, ticket))
}

/// The signed ticket of a confirmed place (none for any other).
pub async fn ticket(app: &App, rsvp: &Rsvp) -> AppResult<Option<String>> {
    if rsvp.status != canyu_core::event::RsvpStatus::Confirmed {
        return Ok(None);
    }
    let seed = app.store.event_ticket_seed(rsvp.event_id).await?.ok_or(ErrorCode::EventNotFound)?;
    let key = EventKey::parse_seed(&seed).ok_or_else(|| {
        tracing::error!(event = rsvp.event_id, "event ticket key unreadable");
        AppError::new(ErrorCode::Internal)
    })?;
    let guests = u8::try_from(rsvp.guests).map_err(|_| AppError::new(ErrorCode::Internal))?;
    Ok(Some(Ticket { event_id: rsvp.event_id, rsvp_id: rsvp.id, user_id: rsvp.user_id, guests }.sign(&key)))
}

/// The fan cancels their place, declines an offer or leaves the waitlist.
pub async fn give_up(app: &App, auth: &Auth, event_id: i64) -> AppResult<Rsvp> {
    let rsvp = app.store.give_up_place(event_id, auth.user.id, app.now()).await?;
    tracing::info!(
        event = event_id,
        user = auth.user.id,
        status = rsvp.status.as_str(),
        "event place given up"
    );
    Ok(rsvp)
}

/// The fan accepts an offered place, or confirms they still come.
pub async fn confirm(app: &App, auth: &Auth, event_id: i64) -> AppResult<Rsvp> {
    Ok(app.store.confirm_place(event_id, auth.user.id, app.now()).await?)
}

/// The team takes someone's place away, saying why (recorded, and told to the fan).
pub async fn remove_place(
    app: &App,
    auth: &Auth,
    event_id: i64,
    rsvp_id: i64,
    reason: &str,
) -> AppResult<Rsvp> {
    let event = event(app, event_id).await?;
    require_event_runner(app, auth, event.club_id).await?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS || reason.chars().any(char::is_control)
    {
        return Err(ErrorCode::ChangeReasonRequired.into());
    }
    let rsvp = app.store.remove_place(event_id, rsvp_id, auth.user.id, reason, app.now()).await?;
    tracing::info!(event = event_id, rsvp = rsvp_id, by = auth.user.id, "event place removed by the team");
    Ok(rsvp)
}

/// One scan of a ticket at the door.
pub struct Scan<'a> {
    pub ticket: &'a str,
    /// The scanner's id for this scan; `None` for a one-off (a fresh one is made).
    pub nonce: Option<&'a str>,
    pub door: Option<&'a str>,
    /// When the scanner saw it (an offline scanner uploads later); `None`: now.
    pub scanned_at: Option<Millis>,
}

/// Checks a ticket in: staff or the event's organisers. The signature is checked with the
/// event's public key (the same check the scanner page makes offline).
pub async fn check_in(app: &App, auth: &Auth, event_id: i64, scan: Scan<'_>) -> AppResult<CheckinOutcome> {
    let event = event(app, event_id).await?;
    require_event_runner(app, auth, event.club_id).await?;
    let public_key = parse_public_key(&event.ticket_public_key).ok_or_else(|| {
        tracing::error!(event = event_id, "event public key unreadable");
        AppError::new(ErrorCode::Internal)
    })?;
    let ticket = Ticket::verify(scan.ticket, &public_key)?;
    if ticket.event_id != event_id {
        return Err(ErrorCode::InvalidTicket.into());
    }
    let nonce = match scan.nonce.map(str::trim) {
        Some(n) if valid_nonce(n) => n.to_string(),
        Some(_) => return Err(ErrorCode::InvalidScan.into()),
        None => format!("api-{}", hex::encode(rand::random::<[u8; 12]>())),
    };
    let door =
        scan.door.map(str::trim).filter(|d| !d.is_empty()).unwrap_or("").chars().take(40).collect::<String>();
    let now = app.now();
    let scanned_at = scan.scanned_at.unwrap_or(now);
    let outcome = app
        .store
        .check_in(
            event_id,
            ticket.rsvp_id,
            ticket.user_id,
            i64::from(ticket.guests),
            &nonce,
            &door,
            scanned_at,
            auth.user.id,
            now,
        )
        .await?;
    if !outcome.repeated {
        tracing::info!(event = event_id, rsvp = ticket.rsvp_id, by = auth.user.id, "checked in");
    }
    Ok(outcome)
}

fn valid_nonce(n: &str) -> bool {
    (8..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What the organisers' console shows.
pub struct Console {
    pub event: Event,
    pub places: Vec<Rsvp>,
    pub changes: Vec<PlaceChange>,
    pub checkins: Vec<Checkin>,
}

pub async fn console(app: &App, auth: &Auth, event_id: i64) -> AppResult<Console> {
    let event = event(app, event_id).await?;
    require_event_runner(app, auth, event.club_id).await?;
    Ok(Console {
        places: app.store.event_rsvps(event_id).await?,
        changes: app.store.place_changes(event_id).await?,
        checkins: app.store.checkins(event_id).await?,
        event,
    })
}

pub async fn may_run(app: &App, auth: Option<&Auth>, event: &Event) -> AppResult<bool> {
    match auth {
        Some(a) => can_run_event(app, a, event.club_id).await,
        None => Ok(false),
    }
}

pub async fn my_upcoming(app: &App, auth: &Auth) -> AppResult<Vec<(Event, Rsvp)>> {
    Ok(app.store.my_upcoming_rsvps(auth.user.id, app.now()).await?)
}

// ---- city clubs ----

fn club_text(raw: &str, max: usize) -> AppResult<String> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(ErrorCode::InvalidClub.into());
    }
    Ok(t.to_string())
}

pub async fn create_club(app: &App, auth: &Auth, city: &str, name: &str) -> AppResult<Club> {
    require_role(auth, Role::Staff)?;
    let (city, name) = (club_text(city, 40)?, club_text(name, 60)?);
    let club = app.store.create_club(&city, &name, auth.user.id, app.now()).await?;
    tracing::info!(club = club.id, by = auth.user.id, "club created");
    Ok(club)
}

pub async fn club(app: &App, id: i64) -> AppResult<Club> {
    app.store.club(id).await?.ok_or_else(|| ErrorCode::ClubNotFound.into())
}

pub async fn clubs(app: &App, city: Option<&str>) -> AppResult<Vec<Club>> {
    Ok(app.store.clubs(city.map(str::trim).filter(|c| !c.is_empty())).await?)
}

pub async fn organisers(app: &App, club_id: i64) -> AppResult<Vec<String>> {
    Ok(app.store.club_organisers(club_id).await?)
}

pub async fn is_member(app: &App, auth: &Auth, club_id: i64) -> AppResult<bool> {
    Ok(app.store.is_club_member(club_id, auth.user.id).await?)
}

async fn fan(app: &App, handle: &str) -> AppResult<i64> {
    let handle = Handle::parse(handle).map_err(|_| AppError::new(ErrorCode::UserNotFound))?;
    Ok(app.store.user_by_handle(handle.as_str()).await?.ok_or(ErrorCode::UserNotFound)?.user.id)
}

/// Staff appoint a fan as one of the club's organisers.
pub async fn appoint(app: &App, auth: &Auth, club_id: i64, handle: &str) -> AppResult<Vec<String>> {
    require_role(auth, Role::Staff)?;
    club(app, club_id).await?;
    let user = fan(app, handle).await?;
    app.store.appoint_organiser(club_id, user, auth.user.id, app.now()).await?;
    organisers(app, club_id).await
}

pub async fn dismiss(app: &App, auth: &Auth, club_id: i64, handle: &str) -> AppResult<Vec<String>> {
    require_role(auth, Role::Staff)?;
    club(app, club_id).await?;
    let user = fan(app, handle).await?;
    app.store.dismiss_organiser(club_id, user).await?;
    organisers(app, club_id).await
}

pub async fn join(app: &App, auth: &Auth, club_id: i64) -> AppResult<Club> {
    club(app, club_id).await?;
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    app.store.join_club(club_id, auth.user.id, app.now()).await?;
    club(app, club_id).await
}

pub async fn leave(app: &App, auth: &Auth, club_id: i64) -> AppResult<Club> {
    club(app, club_id).await?;
    app.store.leave_club(club_id, auth.user.id).await?;
    club(app, club_id).await
}

/// The jobs: offers that ran out pass on, the 48-hour prompt, unconfirmed places released,
/// no-shows recorded. Each step is once-only, so every node may run it.
pub async fn run_jobs(app: &App) -> AppResult<EventRound> {
    let now = app.now();
    let expired = app.store.expire_offers(now).await?;
    let asked = app.store.ask_attendance(now).await?;
    let released = app.store.release_unconfirmed(now, RELEASE_HOURS, ANSWER_HOURS).await?;
    let no_shows = app.store.record_no_shows(now).await?;
    Ok(EventRound {
        offers_expired: expired.offers_expired,
        offers_made: expired.offers_made + released.offers_made,
        attendance_asked: asked.attendance_asked,
        places_released: released.places_released,
        no_shows: no_shows.no_shows,
    })
}
