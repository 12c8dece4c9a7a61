//! Fan events, city clubs, places and check-ins.
//!
//! Every change of an event's places runs in one transaction that first locks the event row
//! (`FOR UPDATE` on PostgreSQL; SQLite has one writer), reads `held` (people in confirmed and
//! offered units) and writes it back: so `held` never passes `capacity` however many fans press
//! at once, the waitlist's order is the order of the rows' ids (handed out under that lock),
//! and each freed place is offered exactly once. A partial unique index keeps one live place
//! per fan and event.

use crate::notifications::NotificationKind;
use crate::{Store, StoreResult};
use canyu_core::event::{ATTENDANCE_PROMPT_HOURS, EventPlan, RsvpStatus, offer_expires_at};
use canyu_core::points::Reason;
use canyu_core::{ErrorCode, Millis};
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

type Tx = Transaction<'static, Any>;

const HOUR: Millis = 3_600_000;

#[derive(Clone, Debug, PartialEq)]
pub struct Club {
    pub id: i64,
    pub city: String,
    pub name: String,
    pub members: i64,
    pub created_at: Millis,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub city: String,
    pub venue: String,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub time_zone: String,
    pub capacity: i64,
    pub rsvp_opens_at: Millis,
    pub rsvp_closes_at: Millis,
    pub max_guests: i64,
    pub priority_min_level: Option<i64>,
    pub priority_hours: i64,
    pub offer_hours: i64,
    pub club_id: Option<i64>,
    pub club_name: Option<String>,
    pub description: String,
    /// People in confirmed and offered units.
    pub held: i64,
    /// People (guests included) in confirmed units.
    pub confirmed: i64,
    /// People in units a freed place is offered to.
    pub offered: i64,
    /// Units (fans with their guests) on the waitlist.
    pub waitlisted: i64,
    /// People checked in.
    pub checked_in: i64,
    pub ticket_public_key: String,
    pub created_at: Millis,
    /// 车主专场: only owners of this product (id, slug, name) may take places.
    pub owners_of: Option<(i64, String, String)>,
}

impl Event {
    pub fn priority_opens_at(&self) -> Millis {
        self.rsvp_opens_at - self.priority_hours * HOUR
    }

    pub fn free_places(&self) -> i64 {
        (self.capacity - self.held).max(0)
    }
}

/// A fan's place at an event (live or ended).
#[derive(Clone, Debug, PartialEq)]
pub struct Rsvp {
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub handle: String,
    pub guests: i64,
    pub status: RsvpStatus,
    /// 1-based place in the waitlist, for waitlisted units.
    pub position: Option<i64>,
    pub created_at: Millis,
    pub offer_expires_at: Option<Millis>,
    pub confirmed_at: Option<Millis>,
    pub attendance_asked_at: Option<Millis>,
    pub attendance_confirmed_at: Option<Millis>,
    pub checked_in_at: Option<Millis>,
    pub no_show: bool,
}

impl Rsvp {
    pub fn size(&self) -> i64 {
        1 + self.guests
    }
}

/// One change of a place: who (none: the fan or a rule) and why.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceChange {
    pub id: i64,
    pub rsvp_id: i64,
    pub handle: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: Option<String>,
    pub reason: String,
    pub created_at: Millis,
}

/// One scan at the door as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkin {
    pub rsvp_id: i64,
    pub handle: String,
    pub guests: i64,
    pub nonce: String,
    pub door: String,
    pub scanned_at: Millis,
    pub received_at: Millis,
    /// `checked_in`, or `duplicate` for a ticket that was already in.
    pub outcome: String,
}

/// What a scan did: the place it checked in, and whether this was an upload of a scan the
/// server already had (same nonce: nothing changed).
#[derive(Clone, Debug, PartialEq)]
pub struct CheckinOutcome {
    pub rsvp: Rsvp,
    pub checked_in_at: Millis,
    pub repeated: bool,
}

/// A place taken: the row, and whether this call made it (a repeat answers with the same).
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceTaken {
    pub rsvp: Rsvp,
    pub created: bool,
}

pub struct NewEvent<'a> {
    pub plan: &'a EventPlan,
    pub club_id: Option<i64>,
    pub ticket_seed: &'a str,
    pub ticket_public_key: &'a str,
    pub created_by: i64,
    /// Only owners of this product may take places (车主专场).
    pub owners_of: Option<i64>,
}

/// What a round of the event jobs did, for the logs and the tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventRound {
    pub offers_expired: usize,
    pub offers_made: usize,
    pub attendance_asked: usize,
    pub places_released: usize,
    pub no_shows: usize,
}

// The counts are kept on the event row by the transactions that change places (under its
// lock): reading an event is one row however many fans signed up. (Summing the places on every
// read made each sign-up read every earlier one: 696 sign-ups/s on SQLite, 267 on PostgreSQL.)
const EVENT_SELECT: &str = "SELECT e.id, e.title, e.kind, e.city, e.venue, e.starts_at, e.ends_at, e.time_zone, \
     e.capacity, e.rsvp_opens_at, e.rsvp_closes_at, e.max_guests, e.priority_min_level, e.priority_hours, \
     e.offer_hours, e.club_id, c.name AS club_name, e.description, e.held, e.ticket_public_key, e.created_at, \
     e.held - e.offered AS confirmed, e.offered, e.waiting AS waitlisted, e.checked_in, \
     e.owners_of_product_id, op.slug AS owners_of_slug, op.name AS owners_of_name \
     FROM events e LEFT JOIN clubs c ON c.id = e.club_id LEFT JOIN products op ON op.id = e.owners_of_product_id";

fn event_from_row(r: &AnyRow) -> StoreResult<Event> {
    Ok(Event {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        kind: r.try_get("kind")?,
        city: r.try_get("city")?,
        venue: r.try_get("venue")?,
        starts_at: r.try_get("starts_at")?,
        ends_at: r.try_get("ends_at")?,
        time_zone: r.try_get("time_zone")?,
        capacity: r.try_get("capacity")?,
        rsvp_opens_at: r.try_get("rsvp_opens_at")?,
        rsvp_closes_at: r.try_get("rsvp_closes_at")?,
        max_guests: r.try_get("max_guests")?,
        priority_min_level: r.try_get("priority_min_level")?,
        priority_hours: r.try_get("priority_hours")?,
        offer_hours: r.try_get("offer_hours")?,
        club_id: r.try_get("club_id")?,
        club_name: r.try_get("club_name")?,
        description: r.try_get("description")?,
        held: r.try_get("held")?,
        confirmed: r.try_get("confirmed")?,
        offered: r.try_get("offered")?,
        waitlisted: r.try_get("waitlisted")?,
        checked_in: r.try_get("checked_in")?,
        ticket_public_key: r.try_get("ticket_public_key")?,
        created_at: r.try_get("created_at")?,
        owners_of: match r.try_get::<Option<i64>, _>("owners_of_product_id")? {
            Some(id) => Some((id, r.try_get("owners_of_slug")?, r.try_get("owners_of_name")?)),
            None => None,
        },
    })
}

const RSVP_SELECT: &str = "SELECT r.id, r.event_id, r.user_id, u.handle, r.guests, r.status, r.created_at, \
     r.offer_expires_at, r.confirmed_at, r.attendance_asked_at, r.attendance_confirmed_at, r.checked_in_at, \
     r.no_show, CASE WHEN r.status = 'waitlisted' THEN (SELECT COUNT(*) FROM event_rsvps w \
      WHERE w.event_id = r.event_id AND w.status = 'waitlisted' AND w.id <= r.id) END AS position \
     FROM event_rsvps r JOIN users u ON u.id = r.user_id";

/// The same without counting the waitlist ahead: for a place whose position is known.
const RSVP_SELECT_UNRANKED: &str = "SELECT r.id, r.event_id, r.user_id, u.handle, r.guests, r.status, r.created_at, \
     r.offer_expires_at, r.confirmed_at, r.attendance_asked_at, r.attendance_confirmed_at, r.checked_in_at, \
     r.no_show, NULL AS position FROM event_rsvps r JOIN users u ON u.id = r.user_id";

fn rsvp_from_row(r: &AnyRow) -> StoreResult<Rsvp> {
    let status: String = r.try_get("status")?;
    let no_show: i64 = r.try_get("no_show")?;
    Ok(Rsvp {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        user_id: r.try_get("user_id")?,
        handle: r.try_get("handle")?,
        guests: r.try_get("guests")?,
        status: RsvpStatus::parse(&status).ok_or_else(|| crate::posts::decode_err(ErrorCode::Internal))?,
        position: r.try_get("position")?,
        created_at: r.try_get("created_at")?,
        offer_expires_at: r.try_get("offer_expires_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        attendance_asked_at: r.try_get("attendance_asked_at")?,
        attendance_confirmed_at: r.try_get("attendance_confirmed_at")?,
        checked_in_at: r.try_get("checked_in_at")?,
        no_show: no_show != 0,
    })
}

/// The event row as its lock reads it: what changing places needs.
struct Locked {
    id: i64,
    title: String,
    starts_at: Millis,
    time_zone: String,
    capacity: i64,
    held: i64,
    /// People in offered places (part of `held`).
    offered: i64,
    /// Units on the waitlist.
    waiting: i64,
    offer_hours: i64,
}

impl Store {
    // ---- clubs ----

    pub async fn create_club(&self, city: &str, name: &str, by: i64, now: Millis) -> StoreResult<Club> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO clubs (city, name, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(city)
        .bind(name)
        .bind(by)
        .bind(now)
        .fetch_one(&self.write)
        .await
        .map_err(crate::error::unique_or(ErrorCode::ClubNameTaken))?;
        self.club(id).await?.ok_or_else(|| ErrorCode::ClubNotFound.into())
    }

    pub async fn club(&self, id: i64) -> StoreResult<Option<Club>> {
        let row = sqlx::query(
            "SELECT c.id, c.city, c.name, c.created_at, \
             (SELECT COUNT(*) FROM club_members m WHERE m.club_id = c.id) AS members FROM clubs c WHERE c.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| club_from_row(&r)).transpose()
    }

    /// Clubs, by city then name; those of `city` only when given.
    pub async fn clubs(&self, city: Option<&str>) -> StoreResult<Vec<Club>> {
        let rows = sqlx::query(
            "SELECT c.id, c.city, c.name, c.created_at, \
             (SELECT COUNT(*) FROM club_members m WHERE m.club_id = c.id) AS members FROM clubs c \
             WHERE ($1 = '' OR c.city = $1) ORDER BY c.city, c.name LIMIT 500",
        )
        .bind(city.unwrap_or(""))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(club_from_row).collect()
    }

    pub async fn club_organisers(&self, club_id: i64) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT u.handle FROM club_organisers o JOIN users u ON u.id = o.user_id \
             WHERE o.club_id = $1 ORDER BY o.appointed_at, u.handle",
        )
        .bind(club_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Every club's organisers in one read, `(club id, handle)` in appointment order: the
    /// clubs' admin page lists them all.
    pub async fn all_club_organisers(&self) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT o.club_id, u.handle FROM club_organisers o JOIN users u ON u.id = o.user_id \
             ORDER BY o.club_id, o.appointed_at, u.handle LIMIT 5000",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("club_id")?, r.try_get("handle")?))).collect()
    }

    /// The clubs a fan organises, by city then name.
    pub async fn clubs_organised_by(&self, user_id: i64) -> StoreResult<Vec<Club>> {
        let rows = sqlx::query(
            "SELECT c.id, c.city, c.name, c.created_at, \
             (SELECT COUNT(*) FROM club_members m WHERE m.club_id = c.id) AS members FROM clubs c \
             JOIN club_organisers o ON o.club_id = c.id WHERE o.user_id = $1 ORDER BY c.city, c.name",
        )
        .bind(user_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(club_from_row).collect()
    }

    pub async fn is_club_organiser(&self, club_id: i64, user_id: i64) -> StoreResult<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM club_organisers WHERE club_id = $1 AND user_id = $2")
                .bind(club_id)
                .bind(user_id)
                .fetch_one(&self.read)
                .await?;
        Ok(n > 0)
    }

    pub async fn is_club_member(&self, club_id: i64, user_id: i64) -> StoreResult<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM club_members WHERE club_id = $1 AND user_id = $2")
                .bind(club_id)
                .bind(user_id)
                .fetch_one(&self.read)
                .await?;
        Ok(n > 0)
    }

    /// Appoints an organiser (who also joins the club). Appointing twice changes nothing.
    pub async fn appoint_organiser(
        &self,
        club_id: i64,
        user_id: i64,
        by: i64,
        now: Millis,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO club_organisers (club_id, user_id, appointed_by, appointed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (club_id, user_id) DO NOTHING",
        )
        .bind(club_id)
        .bind(user_id)
        .bind(by)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Self::join_club_tx(&mut tx, club_id, user_id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn dismiss_organiser(&self, club_id: i64, user_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM club_organisers WHERE club_id = $1 AND user_id = $2")
            .bind(club_id)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn join_club(&self, club_id: i64, user_id: i64, now: Millis) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        Self::join_club_tx(&mut tx, club_id, user_id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn join_club_tx(tx: &mut Tx, club_id: i64, user_id: i64, now: Millis) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO club_members (club_id, user_id, joined_at) VALUES ($1, $2, $3) \
             ON CONFLICT (club_id, user_id) DO NOTHING",
        )
        .bind(club_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Leaves the club (an organiser stops organising too).
    pub async fn leave_club(&self, club_id: i64, user_id: i64) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        for table in ["club_members", "club_organisers"] {
            sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE club_id = $1 AND user_id = $2")))
                .bind(club_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ---- events ----

    pub async fn create_event(&self, new: NewEvent<'_>, now: Millis) -> StoreResult<Event> {
        let p = new.plan;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO events (title, kind, city, venue, starts_at, ends_at, time_zone, capacity, \
             rsvp_opens_at, rsvp_closes_at, max_guests, priority_min_level, priority_hours, offer_hours, \
             club_id, description, ticket_seed, ticket_public_key, created_by, created_at, owners_of_product_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) \
             RETURNING id",
        )
        .bind(&p.title)
        .bind(p.kind.as_str())
        .bind(&p.city)
        .bind(&p.venue)
        .bind(p.starts_at)
        .bind(p.ends_at)
        .bind(p.zone.name())
        .bind(p.capacity)
        .bind(p.rsvp_opens_at)
        .bind(p.rsvp_closes_at)
        .bind(p.max_guests)
        .bind(p.priority_min_level.map(i64::from))
        .bind(p.priority_hours)
        .bind(p.offer_hours)
        .bind(new.club_id)
        .bind(&p.description)
        .bind(new.ticket_seed)
        .bind(new.ticket_public_key)
        .bind(new.created_by)
        .bind(now)
        .bind(new.owners_of)
        .fetch_one(&self.write)
        .await?;
        self.event(id).await?.ok_or_else(|| ErrorCode::EventNotFound.into())
    }

    pub async fn event(&self, id: i64) -> StoreResult<Option<Event>> {
        let row = sqlx::query(AssertSqlSafe(format!("{EVENT_SELECT} WHERE e.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| event_from_row(&r)).transpose()
    }

    /// Events that have not ended by `now`, soonest first; filtered by city, club and kind
    /// when given.
    pub async fn upcoming_events(
        &self,
        now: Millis,
        city: Option<&str>,
        club_id: Option<i64>,
        kind: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<Event>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{EVENT_SELECT} WHERE e.ends_at > $1 AND ($2 = '' OR e.city = $2) AND ($3 = 0 OR e.club_id = $3) \
             AND ($4 = '' OR e.kind = $4) ORDER BY e.starts_at, e.id LIMIT $5"
        )))
        .bind(now)
        .bind(city.unwrap_or(""))
        .bind(club_id.unwrap_or(0))
        .bind(kind.unwrap_or(""))
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The cities with upcoming events, for the city filter.
    pub async fn event_cities(&self, now: Millis) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT city FROM events WHERE ends_at > $1 ORDER BY city")
            .bind(now)
            .fetch_all(&self.read)
            .await?)
    }

    /// The event's ticket seed: only the server that signs reads it.
    pub async fn event_ticket_seed(&self, id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT ticket_seed FROM events WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?)
    }

    /// The fan's live place at the event, else their latest ended one.
    pub async fn my_rsvp(&self, event_id: i64, user_id: i64) -> StoreResult<Option<Rsvp>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{RSVP_SELECT} WHERE r.event_id = $1 AND r.user_id = $2 \
             ORDER BY CASE WHEN r.status IN ('confirmed', 'offered', 'waitlisted') THEN 0 ELSE 1 END, r.id DESC \
             LIMIT 1"
        )))
        .bind(event_id)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| rsvp_from_row(&r)).transpose()
    }

    pub async fn rsvp(&self, id: i64) -> StoreResult<Option<Rsvp>> {
        let row = sqlx::query(AssertSqlSafe(format!("{RSVP_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| rsvp_from_row(&r)).transpose()
    }

    /// Every place of the event, live first (confirmed, offered, then the waitlist in order),
    /// for the organisers' console and its CSV.
    pub async fn event_rsvps(&self, event_id: i64) -> StoreResult<Vec<Rsvp>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{RSVP_SELECT} WHERE r.event_id = $1 ORDER BY CASE r.status WHEN 'confirmed' THEN 0 \
             WHEN 'offered' THEN 1 WHEN 'waitlisted' THEN 2 ELSE 3 END, r.id LIMIT 100000"
        )))
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(rsvp_from_row).collect()
    }

    /// The fan's live places at events that have not ended, soonest first: two reads, the
    /// places and their events, whatever their number.
    pub async fn my_upcoming_rsvps(&self, user_id: i64, now: Millis) -> StoreResult<Vec<(Event, Rsvp)>> {
        const LIVE: &str = "status IN ('confirmed', 'offered', 'waitlisted')";
        let events = sqlx::query(AssertSqlSafe(format!(
            "{EVENT_SELECT} WHERE e.ends_at > $2 AND e.id IN \
             (SELECT event_id FROM event_rsvps WHERE user_id = $1 AND {LIVE}) ORDER BY e.starts_at, e.id LIMIT 50"
        )))
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        let places = sqlx::query(AssertSqlSafe(format!(
            "{RSVP_SELECT} WHERE r.user_id = $1 AND r.{LIVE} AND r.event_id IN \
             (SELECT id FROM events WHERE ends_at > $2)"
        )))
        .bind(user_id)
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        let mut places: Vec<Rsvp> = places.iter().map(rsvp_from_row).collect::<StoreResult<_>>()?;
        let mut out = Vec::with_capacity(events.len());
        for row in &events {
            let event = event_from_row(row)?;
            // One live place per fan and event (a unique index): at most one matches.
            if let Some(at) = places.iter().position(|p| p.event_id == event.id) {
                out.push((event, places.swap_remove(at)));
            }
        }
        Ok(out)
    }

    /// When each of the fan's no-shows happened (the events' end times).
    pub async fn no_show_times(&self, user_id: i64) -> StoreResult<Vec<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT e.ends_at FROM event_rsvps r JOIN events e ON e.id = r.event_id \
             WHERE r.user_id = $1 AND r.no_show = 1 ORDER BY e.ends_at",
        )
        .bind(user_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn place_changes(&self, event_id: i64) -> StoreResult<Vec<PlaceChange>> {
        let rows = sqlx::query(
            "SELECT c.id, c.rsvp_id, u.handle, c.from_status, c.to_status, a.handle AS actor, c.reason, c.created_at \
             FROM event_place_changes c JOIN event_rsvps r ON r.id = c.rsvp_id JOIN users u ON u.id = r.user_id \
             LEFT JOIN users a ON a.id = c.actor_id WHERE c.event_id = $1 ORDER BY c.id DESC LIMIT 1000",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PlaceChange {
                    id: r.try_get("id")?,
                    rsvp_id: r.try_get("rsvp_id")?,
                    handle: r.try_get("handle")?,
                    from_status: r.try_get("from_status")?,
                    to_status: r.try_get("to_status")?,
                    actor: r.try_get("actor")?,
                    reason: r.try_get("reason")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    pub async fn checkins(&self, event_id: i64) -> StoreResult<Vec<Checkin>> {
        let rows = sqlx::query(
            "SELECT k.rsvp_id, u.handle, r.guests, k.nonce, k.door, k.scanned_at, k.received_at, k.outcome \
             FROM event_checkins k JOIN event_rsvps r ON r.id = k.rsvp_id JOIN users u ON u.id = r.user_id \
             WHERE k.event_id = $1 ORDER BY k.id DESC LIMIT 100000",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(checkin_from_row).collect()
    }

    /// A fan takes a place: confirmed when the unit fits in the free places, else at the end of
    /// the waitlist. A fan with a live place gets it back unchanged (`created: false`). Who may
    /// take one when is the caller's check.
    pub async fn take_place(
        &self,
        event_id: i64,
        user_id: i64,
        guests: i64,
        now: Millis,
    ) -> StoreResult<PlaceTaken> {
        // A repeated sign-up (a retry, a second tap) is answered from a read, without queueing
        // for the event's lock behind everyone taking a place.
        let known: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM event_rsvps WHERE event_id = $1 AND user_id = $2 \
             AND status IN ('confirmed', 'offered', 'waitlisted')",
        )
        .bind(event_id)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await?;
        if let Some(id) = known {
            let rsvp = self.rsvp(id).await?.ok_or(ErrorCode::RsvpNotFound)?;
            return Ok(PlaceTaken { rsvp, created: false });
        }
        let mut tx = self.write.begin().await?;
        let mut event = self.lock_event(&mut tx, event_id).await?;
        if let Some(id) = live_rsvp_id(&mut tx, event_id, user_id).await? {
            tx.commit().await?;
            let rsvp = self.rsvp(id).await?.ok_or(ErrorCode::RsvpNotFound)?;
            return Ok(PlaceTaken { rsvp, created: false });
        }
        let size = 1 + guests;
        let status =
            if event.held + size <= event.capacity { RsvpStatus::Confirmed } else { RsvpStatus::Waitlisted };
        let confirmed_at = (status == RsvpStatus::Confirmed).then_some(now);
        // Taking a place inside the prompt window is the answer to the prompt.
        let attending = confirmed_at.filter(|_| now >= event.starts_at - ATTENDANCE_PROMPT_HOURS * HOUR);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO event_rsvps (event_id, user_id, guests, status, created_at, updated_at, confirmed_at, \
             attendance_confirmed_at) VALUES ($1, $2, $3, $4, $5, $5, $6, $7) RETURNING id",
        )
        .bind(event_id)
        .bind(user_id)
        .bind(guests)
        .bind(status.as_str())
        .bind(now)
        .bind(confirmed_at)
        .bind(attending)
        .fetch_one(&mut *tx)
        .await?;
        record_change(&mut tx, event_id, id, None, status, None, "rsvp", now).await?;
        // A new unit waits last: its position is the waitlist's length, known under the lock.
        let position = if status == RsvpStatus::Confirmed {
            event.held += size;
            None
        } else {
            event.waiting += 1;
            Some(event.waiting)
        };
        set_counts(&mut tx, &event).await?;
        tx.commit().await?;
        let row = sqlx::query(AssertSqlSafe(format!("{RSVP_SELECT_UNRANKED} WHERE r.id = $1")))
            .bind(id)
            .fetch_one(&self.read)
            .await?;
        let rsvp = Rsvp { position, ..rsvp_from_row(&row)? };
        Ok(PlaceTaken { rsvp, created: true })
    }

    /// The fan gives up their live place (cancels, declines an offer, leaves the waitlist);
    /// the places it held are offered on. Refused once the event started.
    pub async fn give_up_place(&self, event_id: i64, user_id: i64, now: Millis) -> StoreResult<Rsvp> {
        let mut tx = self.write.begin().await?;
        let mut event = self.lock_event(&mut tx, event_id).await?;
        let id = live_rsvp_id(&mut tx, event_id, user_id).await?.ok_or(ErrorCode::RsvpNotFound)?;
        if now >= event.starts_at {
            return Err(ErrorCode::EventStarted.into());
        }
        self.end_place(&mut tx, &mut event, id, None, None, "fan", now).await?;
        self.offer_freed(&mut tx, &mut event, now).await?;
        tx.commit().await?;
        self.rsvp(id).await?.ok_or_else(|| ErrorCode::RsvpNotFound.into())
    }

    /// The team takes a place away (`reason` recorded with who did it); its places are offered
    /// on.
    pub async fn remove_place(
        &self,
        event_id: i64,
        rsvp_id: i64,
        actor_id: i64,
        reason: &str,
        now: Millis,
    ) -> StoreResult<Rsvp> {
        let mut tx = self.write.begin().await?;
        let mut event = self.lock_event(&mut tx, event_id).await?;
        let (status, _) = rsvp_state(&mut tx, event_id, rsvp_id).await?.ok_or(ErrorCode::RsvpNotFound)?;
        if !status.is_live() {
            return Err(ErrorCode::RsvpNotFound.into());
        }
        self.end_place(&mut tx, &mut event, rsvp_id, Some(RsvpStatus::Removed), Some(actor_id), reason, now)
            .await?;
        Self::tell(
            &mut tx,
            NotificationKind::EventPlaceReleased,
            rsvp_id,
            &event,
            Some(actor_id),
            reason,
            now,
        )
        .await?;
        self.offer_freed(&mut tx, &mut event, now).await?;
        tx.commit().await?;
        self.rsvp(rsvp_id).await?.ok_or_else(|| ErrorCode::RsvpNotFound.into())
    }

    /// The fan confirms: an offered place becomes theirs, a confirmed one is marked as
    /// attending (the answer to the 48-hour prompt). Repeating changes nothing.
    pub async fn confirm_place(&self, event_id: i64, user_id: i64, now: Millis) -> StoreResult<Rsvp> {
        let mut tx = self.write.begin().await?;
        let mut event = self.lock_event(&mut tx, event_id).await?;
        let id = live_rsvp_id(&mut tx, event_id, user_id).await?.ok_or(ErrorCode::RsvpNotFound)?;
        let (status, guests) = rsvp_state(&mut tx, event_id, id).await?.ok_or(ErrorCode::RsvpNotFound)?;
        match status {
            RsvpStatus::Waitlisted => return Err(ErrorCode::NoOffer.into()),
            RsvpStatus::Offered => {
                if now >= event.starts_at {
                    return Err(ErrorCode::EventStarted.into());
                }
                let attending = (now >= event.starts_at - ATTENDANCE_PROMPT_HOURS * HOUR).then_some(now);
                sqlx::query(
                    "UPDATE event_rsvps SET status = 'confirmed', confirmed_at = $1, updated_at = $1, \
                     offer_expires_at = NULL, attendance_confirmed_at = $2 WHERE id = $3",
                )
                .bind(now)
                .bind(attending)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                event.offered -= 1 + guests;
                set_counts(&mut tx, &event).await?;
                record_change(
                    &mut tx,
                    event_id,
                    id,
                    Some(status),
                    RsvpStatus::Confirmed,
                    None,
                    "offer_accepted",
                    now,
                )
                .await?;
            }
            _ => {
                sqlx::query(
                    "UPDATE event_rsvps SET attendance_confirmed_at = COALESCE(attendance_confirmed_at, $1), \
                     updated_at = $1 WHERE id = $2",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        self.rsvp(id).await?.ok_or_else(|| ErrorCode::RsvpNotFound.into())
    }

    /// Records one scan of a ticket already verified by the caller (`rsvp_id`, `user_id` and
    /// `guests` come from its signed payload). The first scan of a confirmed place checks it in
    /// and turns up the fan's points; a later one with another nonce is recorded as a duplicate
    /// (another door) and refused with `already_checked_in`; the same nonce again answers as the
    /// first time did.
    #[allow(clippy::too_many_arguments)]
    pub async fn check_in(
        &self,
        event_id: i64,
        rsvp_id: i64,
        user_id: i64,
        guests: i64,
        nonce: &str,
        door: &str,
        scanned_at: Millis,
        by: i64,
        now: Millis,
    ) -> StoreResult<CheckinOutcome> {
        let mut tx = self.write.begin().await?;
        self.lock_event(&mut tx, event_id).await?;
        let seen =
            sqlx::query("SELECT rsvp_id, outcome FROM event_checkins WHERE event_id = $1 AND nonce = $2")
                .bind(event_id)
                .bind(nonce)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(seen) = seen {
            tx.commit().await?;
            let seen_rsvp: i64 = seen.try_get("rsvp_id")?;
            let outcome: String = seen.try_get("outcome")?;
            if seen_rsvp != rsvp_id {
                return Err(ErrorCode::InvalidScan.into());
            }
            if outcome != "checked_in" {
                return Err(ErrorCode::AlreadyCheckedIn.into());
            }
            let rsvp = self.rsvp(rsvp_id).await?.ok_or(ErrorCode::RsvpNotFound)?;
            let checked_in_at = rsvp.checked_in_at.unwrap_or(now);
            return Ok(CheckinOutcome { rsvp, checked_in_at, repeated: true });
        }
        let row = sqlx::query(
            "SELECT user_id, guests, status, checked_in_at FROM event_rsvps WHERE id = $1 AND event_id = $2",
        )
        .bind(rsvp_id)
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ErrorCode::InvalidTicket)?;
        let (owner, booked): (i64, i64) = (row.try_get("user_id")?, row.try_get("guests")?);
        if owner != user_id || booked != guests {
            return Err(ErrorCode::InvalidTicket.into());
        }
        let status: String = row.try_get("status")?;
        if status != RsvpStatus::Confirmed.as_str() {
            return Err(ErrorCode::PlaceNotConfirmed.into());
        }
        let already: Option<Millis> = row.try_get("checked_in_at")?;
        let outcome = if already.is_some() { "duplicate" } else { "checked_in" };
        sqlx::query(
            "INSERT INTO event_checkins (event_id, rsvp_id, nonce, door, scanned_at, received_at, scanned_by, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event_id)
        .bind(rsvp_id)
        .bind(nonce)
        .bind(door)
        .bind(scanned_at)
        .bind(now)
        .bind(by)
        .bind(outcome)
        .execute(&mut *tx)
        .await?;
        if already.is_some() {
            // The duplicate is kept (organisers see the conflict), then refused.
            tx.commit().await?;
            return Err(ErrorCode::AlreadyCheckedIn.into());
        }
        // The time on the door's clock, not the upload's: an offline scanner uploads later.
        let at = scanned_at.min(now);
        sqlx::query("UPDATE event_rsvps SET checked_in_at = $1, updated_at = $2 WHERE id = $3")
            .bind(at)
            .bind(now)
            .bind(rsvp_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE events SET checked_in = checked_in + $1 WHERE id = $2")
            .bind(1 + guests)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        Self::award(&mut tx, user_id, None, Reason::EventAttended, &format!("event:{event_id}"), now).await?;
        tx.commit().await?;
        let rsvp = self.rsvp(rsvp_id).await?.ok_or(ErrorCode::RsvpNotFound)?;
        Ok(CheckinOutcome { rsvp, checked_in_at: at, repeated: false })
    }

    // ---- the jobs: each is once-only per event or per place, so several nodes may run them ----

    /// Offers whose time ran out pass on to the next unit that fits.
    pub async fn expire_offers(&self, now: Millis) -> StoreResult<EventRound> {
        let events: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT event_id FROM event_rsvps WHERE status = 'offered' AND offer_expires_at <= $1",
        )
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        let mut round = EventRound::default();
        for event_id in events {
            let mut tx = self.write.begin().await?;
            let mut event = self.lock_event(&mut tx, event_id).await?;
            let due: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM event_rsvps WHERE event_id = $1 AND status = 'offered' AND offer_expires_at <= $2 \
                 ORDER BY id",
            )
            .bind(event_id)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            let ended = (RsvpStatus::Expired, "offer_expired", NotificationKind::EventOfferExpired);
            round.offers_made += self.end_and_offer(&mut tx, &mut event, &due, ended, now).await?;
            round.offers_expired += due.len();
            tx.commit().await?;
        }
        Ok(round)
    }

    /// 48 hours before the start, confirmed fans who have not said they still come are asked.
    pub async fn ask_attendance(&self, now: Millis) -> StoreResult<EventRound> {
        let events: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM events WHERE attendance_asked_at IS NULL AND starts_at - $1 <= $2 AND starts_at > $2",
        )
        .bind(ATTENDANCE_PROMPT_HOURS * HOUR)
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        let mut round = EventRound::default();
        for event_id in events {
            let Some((mut tx, event)) = self.claim_step(event_id, "attendance_asked_at", now).await? else {
                continue;
            };
            let ids: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM event_rsvps WHERE event_id = $1 AND status = 'confirmed' \
                 AND attendance_confirmed_at IS NULL ORDER BY id",
            )
            .bind(event_id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE event_rsvps SET attendance_asked_at = $1 WHERE event_id = $2 AND status = 'confirmed' \
                 AND attendance_confirmed_at IS NULL",
            )
            .bind(now)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
            for id in &ids {
                Self::tell(&mut tx, NotificationKind::EventAttendance, *id, &event, None, "", now).await?;
            }
            round.attendance_asked += ids.len();
            tx.commit().await?;
        }
        Ok(round)
    }

    /// `release_hours` before the start, places of fans who were asked and did not confirm go
    /// to the waitlist — once they had `grace_hours` to answer: a node that was down through
    /// the prompt asks late, and nobody loses a place the minute they are asked.
    pub async fn release_unconfirmed(
        &self,
        now: Millis,
        release_hours: i64,
        grace_hours: i64,
    ) -> StoreResult<EventRound> {
        const DUE: &str = "r.status = 'confirmed' AND r.attendance_asked_at IS NOT NULL \
             AND r.attendance_asked_at <= $1 AND r.attendance_confirmed_at IS NULL";
        let events: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT DISTINCT r.event_id FROM event_rsvps r JOIN events e ON e.id = r.event_id \
             WHERE {DUE} AND e.starts_at - $2 <= $3 AND e.starts_at > $3"
        )))
        .bind(now - grace_hours * HOUR)
        .bind(release_hours * HOUR)
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        let mut round = EventRound::default();
        for event_id in events {
            let mut tx = self.write.begin().await?;
            let mut event = self.lock_event(&mut tx, event_id).await?;
            let ids: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT r.id FROM event_rsvps r WHERE {DUE} AND r.event_id = $2 ORDER BY r.id"
            )))
            .bind(now - grace_hours * HOUR)
            .bind(event_id)
            .fetch_all(&mut *tx)
            .await?;
            let ended =
                (RsvpStatus::Released, "attendance_unconfirmed", NotificationKind::EventPlaceReleased);
            round.offers_made += self.end_and_offer(&mut tx, &mut event, &ids, ended, now).await?;
            round.places_released += ids.len();
            tx.commit().await?;
        }
        Ok(round)
    }

    /// After an event ends, confirmed places that never checked in are no-shows.
    pub async fn record_no_shows(&self, now: Millis) -> StoreResult<EventRound> {
        let events: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM events WHERE no_shows_at IS NULL AND ends_at <= $1")
                .bind(now)
                .fetch_all(&self.read)
                .await?;
        let mut round = EventRound::default();
        for event_id in events {
            let Some((mut tx, _)) = self.claim_step(event_id, "no_shows_at", now).await? else { continue };
            let n = sqlx::query(
                "UPDATE event_rsvps SET no_show = 1, updated_at = $1 WHERE event_id = $2 AND status = 'confirmed' \
                 AND checked_in_at IS NULL",
            )
            .bind(now)
            .bind(event_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            round.no_shows += n as usize;
            tx.commit().await?;
        }
        Ok(round)
    }

    /// Begins a once-per-event step of a job: the event locked and its marker `column` set, or
    /// `None` when another node (or an earlier round) already took it.
    async fn claim_step(
        &self,
        event_id: i64,
        column: &'static str,
        now: Millis,
    ) -> StoreResult<Option<(Tx, Locked)>> {
        let mut tx = self.write.begin().await?;
        let event = self.lock_event(&mut tx, event_id).await?;
        if !mark_once(&mut tx, event_id, column, now).await? {
            return Ok(None);
        }
        Ok(Some((tx, event)))
    }

    // ---- inside a transaction holding the event's lock ----

    async fn lock_event(&self, tx: &mut Tx, event_id: i64) -> StoreResult<Locked> {
        // A write first: it takes the event's row lock on PostgreSQL, and on SQLite the write
        // lock before the transaction has read anything. A transaction that read first and
        // wrote later fails at once with "database is locked" (busy_timeout does not apply)
        // whenever another connection committed in between: 1 sign-up in 29,000 got a 500 in
        // bench/events.sh before this.
        let locked = sqlx::query("UPDATE events SET held = held WHERE id = $1")
            .bind(event_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if locked == 0 {
            return Err(ErrorCode::EventNotFound.into());
        }
        let row = sqlx::query(
            "SELECT id, title, starts_at, time_zone, capacity, held, offered, waiting, offer_hours FROM events \
             WHERE id = $1",
        )
        .bind(event_id)
        .fetch_one(&mut **tx)
        .await?;
        Ok(Locked {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            starts_at: row.try_get("starts_at")?,
            time_zone: row.try_get("time_zone")?,
            capacity: row.try_get("capacity")?,
            held: row.try_get("held")?,
            offered: row.try_get("offered")?,
            waiting: row.try_get("waiting")?,
            offer_hours: row.try_get("offer_hours")?,
        })
    }

    /// Ends a live place: `to` or, when `None`, what giving it up is called for its status.
    #[allow(clippy::too_many_arguments)]
    async fn end_place(
        &self,
        tx: &mut Tx,
        event: &mut Locked,
        rsvp_id: i64,
        to: Option<RsvpStatus>,
        actor: Option<i64>,
        reason: &str,
        now: Millis,
    ) -> StoreResult<()> {
        let row = sqlx::query("SELECT status, guests FROM event_rsvps WHERE id = $1")
            .bind(rsvp_id)
            .fetch_one(&mut **tx)
            .await?;
        let status: String = row.try_get("status")?;
        let guests: i64 = row.try_get("guests")?;
        let from = RsvpStatus::parse(&status).ok_or(ErrorCode::Internal)?;
        let to = to.or(from.given_up()).ok_or(ErrorCode::RsvpNotFound)?;
        sqlx::query(
            "UPDATE event_rsvps SET status = $1, updated_at = $2, offer_expires_at = NULL WHERE id = $3",
        )
        .bind(to.as_str())
        .bind(now)
        .bind(rsvp_id)
        .execute(&mut **tx)
        .await?;
        record_change(tx, event.id, rsvp_id, Some(from), to, actor, reason, now).await?;
        match from {
            RsvpStatus::Waitlisted => event.waiting -= 1,
            RsvpStatus::Offered => {
                event.held -= 1 + guests;
                event.offered -= 1 + guests;
            }
            _ => event.held -= 1 + guests,
        }
        set_counts(tx, event).await
    }

    /// Ends the places `ids` as a rule decided (`to`, its reason, the notice that tells each
    /// fan), then offers what they held to the waitlist. Returns the offers made.
    async fn end_and_offer(
        &self,
        tx: &mut Tx,
        event: &mut Locked,
        ids: &[i64],
        (to, reason, notice): (RsvpStatus, &str, NotificationKind),
        now: Millis,
    ) -> StoreResult<usize> {
        for id in ids {
            self.end_place(tx, event, *id, Some(to), None, reason, now).await?;
            Self::tell(tx, notice, *id, event, None, "", now).await?;
        }
        self.offer_freed(tx, event, now).await
    }

    /// Offers the free places to the waitlist in order: each unit that fits whole gets an offer,
    /// told in the inbox and by email. Returns how many offers were made.
    async fn offer_freed(&self, tx: &mut Tx, event: &mut Locked, now: Millis) -> StoreResult<usize> {
        let mut free = event.capacity - event.held;
        let Some(expires) = offer_expires_at(now, event.starts_at, event.offer_hours) else { return Ok(0) };
        if free <= 0 {
            return Ok(0);
        }
        let waiting = sqlx::query(
            "SELECT id, guests FROM event_rsvps WHERE event_id = $1 AND status = 'waitlisted' ORDER BY id",
        )
        .bind(event.id)
        .fetch_all(&mut **tx)
        .await?;
        let mut made = 0;
        for row in waiting {
            let (id, guests): (i64, i64) = (row.try_get("id")?, row.try_get("guests")?);
            if 1 + guests > free {
                continue;
            }
            sqlx::query(
                "UPDATE event_rsvps SET status = 'offered', offer_expires_at = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(expires)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
            record_change(
                tx,
                event.id,
                id,
                Some(RsvpStatus::Waitlisted),
                RsvpStatus::Offered,
                None,
                "place_freed",
                now,
            )
            .await?;
            Self::tell(tx, NotificationKind::EventOffer, id, event, None, "", now).await?;
            free -= 1 + guests;
            event.held += 1 + guests;
            event.offered += 1 + guests;
            event.waiting -= 1;
            made += 1;
            if free == 0 {
                break;
            }
        }
        if made > 0 {
            set_counts(tx, event).await?;
        }
        Ok(made)
    }

    /// Tells the fan of a place what happened to it, inbox and email, once per place and kind.
    async fn tell(
        tx: &mut Tx,
        kind: NotificationKind,
        rsvp_id: i64,
        event: &Locked,
        actor: Option<i64>,
        note: &str,
        now: Millis,
    ) -> StoreResult<()> {
        let row = sqlx::query("SELECT user_id, offer_expires_at FROM event_rsvps WHERE id = $1")
            .bind(rsvp_id)
            .fetch_one(&mut **tx)
            .await?;
        let user_id: i64 = row.try_get("user_id")?;
        let expires: Option<Millis> = row.try_get("offer_expires_at")?;
        let data = serde_json::json!({
            "event": event.id,
            "title": event.title,
            "starts_at": event.starts_at,
            "time_zone": event.time_zone,
            "expires_at": expires,
            "note": note,
        });
        let key = format!("{}:{rsvp_id}", kind.as_str());
        Self::notify_fan(tx, user_id, kind, &key, actor, &data, now).await
    }
}

async fn live_rsvp_id(tx: &mut Tx, event_id: i64, user_id: i64) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM event_rsvps WHERE event_id = $1 AND user_id = $2 \
         AND status IN ('confirmed', 'offered', 'waitlisted')",
    )
    .bind(event_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// A place's status and guests, read under the event's lock.
async fn rsvp_state(tx: &mut Tx, event_id: i64, rsvp_id: i64) -> StoreResult<Option<(RsvpStatus, i64)>> {
    let row = sqlx::query("SELECT status, guests FROM event_rsvps WHERE id = $1 AND event_id = $2")
        .bind(rsvp_id)
        .bind(event_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let status: String = row.try_get("status")?;
    Ok(RsvpStatus::parse(&status).map(|s| Ok::<_, sqlx::Error>((s, row.try_get("guests")?))).transpose()?)
}

/// Writes back the counts of the locked event.
async fn set_counts(tx: &mut Tx, event: &Locked) -> StoreResult<()> {
    sqlx::query("UPDATE events SET held = $1, offered = $2, waiting = $3 WHERE id = $4")
        .bind(event.held)
        .bind(event.offered)
        .bind(event.waiting)
        .bind(event.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets an event's once-only marker; false when another node already did.
async fn mark_once(tx: &mut Tx, event_id: i64, column: &'static str, now: Millis) -> StoreResult<bool> {
    let n = sqlx::query(AssertSqlSafe(format!(
        "UPDATE events SET {column} = $1 WHERE id = $2 AND {column} IS NULL"
    )))
    .bind(now)
    .bind(event_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n == 1)
}

#[allow(clippy::too_many_arguments)]
async fn record_change(
    tx: &mut Tx,
    event_id: i64,
    rsvp_id: i64,
    from: Option<RsvpStatus>,
    to: RsvpStatus,
    actor: Option<i64>,
    reason: &str,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO event_place_changes (event_id, rsvp_id, from_status, to_status, actor_id, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(event_id)
    .bind(rsvp_id)
    .bind(from.map(RsvpStatus::as_str))
    .bind(to.as_str())
    .bind(actor)
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn club_from_row(r: &AnyRow) -> StoreResult<Club> {
    Ok(Club {
        id: r.try_get("id")?,
        city: r.try_get("city")?,
        name: r.try_get("name")?,
        members: r.try_get("members")?,
        created_at: r.try_get("created_at")?,
    })
}

fn checkin_from_row(r: &AnyRow) -> StoreResult<Checkin> {
    Ok(Checkin {
        rsvp_id: r.try_get("rsvp_id")?,
        handle: r.try_get("handle")?,
        guests: r.try_get("guests")?,
        nonce: r.try_get("nonce")?,
        door: r.try_get("door")?,
        scanned_at: r.try_get("scanned_at")?,
        received_at: r.try_get("received_at")?,
        outcome: r.try_get("outcome")?,
    })
}
