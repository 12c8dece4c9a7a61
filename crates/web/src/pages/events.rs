//! `/events`: fan events by city, an event's page (countdown, places, the fan's place or
//! waitlist position, the ticket's QR code), the door scanner, the organisers' console with
//! its CSV, calendars (`/events.ics`, `/events/{id}.ics`) and city clubs' pages.

use super::i18n::T;
use super::{Cx, Layout, Link, form_error, refused, see_other, status_of, url};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canyu_app::AppError;
use canyu_app::events::{self, EventFilter};
use canyu_app::insights::table::csv_cell;
use canyu_app::model::{Event, Rsvp};
use canyu_core::time::Zone;
use canyu_core::{ErrorCode, Locale, Millis};
use serde::Deserialize;

pub struct EventText {
    pub title: &'static str,
    pub all_cities: &'static str,
    pub empty: &'static str,
    pub festival: &'static str,
    pub meetup: &'static str,
    pub starts_in: &'static str,
    pub started: &'static str,
    pub places: &'static str,
    pub free: &'static str,
    pub full: &'static str,
    pub waitlist: &'static str,
    pub guests: &'static str,
    pub alone: &'static str,
    pub take_place: &'static str,
    pub join_waitlist: &'static str,
    pub opens_at: &'static str,
    pub priority_opens: &'static str,
    pub closes_at: &'static str,
    pub closed: &'static str,
    pub sign_in: &'static str,
    pub your_place: &'static str,
    pub position: &'static str,
    pub offered: &'static str,
    pub confirm_by: &'static str,
    pub accept: &'static str,
    pub decline: &'static str,
    pub cancel: &'static str,
    pub leave_waitlist: &'static str,
    pub still_coming: &'static str,
    pub attending: &'static str,
    pub ticket: &'static str,
    pub ticket_hint: &'static str,
    pub checked_in: &'static str,
    pub ended_place: &'static str,
    pub calendar: &'static str,
    pub club: &'static str,
    pub scan: &'static str,
    pub console: &'static str,
    pub scanner_title: &'static str,
    pub scan_camera: &'static str,
    pub scan_manual: &'static str,
    pub scan_check: &'static str,
    pub scan_queue: &'static str,
    pub scan_offline: &'static str,
    pub scan_online: &'static str,
    pub scan_ok: &'static str,
    pub scan_saved: &'static str,
    pub scan_invalid: &'static str,
    pub scan_again: &'static str,
    pub scan_conflict: &'static str,
    pub scan_uploaded: &'static str,
    pub scan_no_camera: &'static str,
    pub conflicts: &'static str,
    /// The scanner's log of this device's scans.
    pub scans: &'static str,
    pub attendees: &'static str,
    pub export_csv: &'static str,
    pub no_shows: &'static str,
    pub changes: &'static str,
    pub remove: &'static str,
    pub reason: &'static str,
    pub members: &'static str,
    pub organisers: &'static str,
    pub join_club: &'static str,
    pub leave_club: &'static str,
    pub clubs: &'static str,
    pub new_event: &'static str,
    pub owners_only: &'static str,
    pub bind_device: &'static str,
    pub status_names: [(&'static str, &'static str); 9],
    /// What the rules' own reasons for a change are called (a manual change keeps its words).
    pub reason_names: [(&'static str, &'static str); 6],
    pub when: &'static str,
    pub fan: &'static str,
    pub action: &'static str,
}

const ZH: EventText = EventText {
    title: "米粉活动",
    all_cities: "全部城市",
    empty: "近期没有活动。",
    festival: "米粉节",
    meetup: "同城会",
    starts_in: "距开始",
    started: "活动进行中",
    places: "名额",
    free: "剩余",
    full: "已满，可排候补",
    waitlist: "候补",
    guests: "同行人数",
    alone: "仅我一人",
    take_place: "立即报名",
    join_waitlist: "加入候补",
    opens_at: "报名开始",
    priority_opens: "高等级米粉优先报名",
    closes_at: "报名截止",
    closed: "报名已截止",
    sign_in: "登录后报名",
    your_place: "我的名额",
    position: "候补第",
    offered: "空出了一个名额留给你",
    confirm_by: "请在此之前确认",
    accept: "确认参加",
    decline: "放弃名额",
    cancel: "取消报名",
    leave_waitlist: "退出候补",
    still_coming: "活动快开始了，还来吗？未确认的名额会在开始前 24 小时让给候补。",
    attending: "已确认出席",
    ticket: "电子票",
    ticket_hint: "入场时出示二维码；扫不出时报出下面的票号。",
    checked_in: "已签到",
    ended_place: "名额状态",
    calendar: "加入日历",
    club: "同城会",
    scan: "扫码签到",
    console: "组织者后台",
    scanner_title: "扫码签到",
    scan_camera: "打开摄像头",
    scan_manual: "手动输入票号",
    scan_check: "核验",
    scan_queue: "待上传",
    scan_offline: "离线：扫码照常核验，联网后自动上传",
    scan_online: "在线",
    scan_ok: "有效，请入场",
    scan_saved: "已离线保存",
    scan_invalid: "无效票：签名不对或不是本场活动",
    scan_again: "这张票在本机已经扫过",
    scan_conflict: "冲突：这张票已在别处签到",
    scan_uploaded: "已签到",
    scan_no_camera: "这台设备的浏览器不能识别二维码，请手动输入票号。",
    conflicts: "冲突",
    scans: "本机扫码记录",
    attendees: "报名名单",
    export_csv: "导出 CSV",
    no_shows: "未到场",
    changes: "名额变动记录",
    remove: "取消此名额",
    reason: "原因（必填，会告知米粉）",
    members: "成员",
    organisers: "组织者",
    join_club: "加入同城会",
    leave_club: "退出同城会",
    clubs: "同城会",
    new_event: "发起活动",
    owners_only: "车主专场",
    bind_device: "绑定我的设备",
    status_names: [
        ("confirmed", "已确认"),
        ("offered", "待确认"),
        ("waitlisted", "候补"),
        ("cancelled", "已取消"),
        ("left", "已退出候补"),
        ("declined", "已放弃"),
        ("expired", "确认超时"),
        ("released", "未确认出席，已让出"),
        ("removed", "被活动方取消"),
    ],
    reason_names: [
        ("rsvp", "报名"),
        ("fan", "本人操作"),
        ("place_freed", "名额空出，按候补顺序留给他"),
        ("offer_accepted", "确认了留给他的名额"),
        ("offer_expired", "超时未确认，名额顺延"),
        ("attendance_unconfirmed", "未确认出席，名额让给候补"),
    ],
    when: "时间",
    fan: "米粉",
    action: "操作",
};

const EN: EventText = EventText {
    title: "Fan events",
    all_cities: "All cities",
    empty: "No events coming up.",
    festival: "Fan festival",
    meetup: "City meetup",
    starts_in: "Starts in",
    started: "Happening now",
    places: "Places",
    free: "left",
    full: "Full: join the waitlist",
    waitlist: "waiting",
    guests: "Guests",
    alone: "Just me",
    take_place: "Take a place",
    join_waitlist: "Join the waitlist",
    opens_at: "Sign-up opens",
    priority_opens: "Priority for higher-level fans from",
    closes_at: "Sign-up closes",
    closed: "Sign-up has closed",
    sign_in: "Sign in to sign up",
    your_place: "Your place",
    position: "Position",
    offered: "A place freed up and is offered to you",
    confirm_by: "Confirm by",
    accept: "Take the place",
    decline: "Decline",
    cancel: "Cancel my place",
    leave_waitlist: "Leave the waitlist",
    still_coming: "The event is close: still coming? Unconfirmed places go to the waitlist 24 hours before the start.",
    attending: "Attendance confirmed",
    ticket: "Ticket",
    ticket_hint: "Show the QR code at the door; if it will not scan, read out the code below.",
    checked_in: "Checked in",
    ended_place: "Your place",
    calendar: "Add to calendar",
    club: "City club",
    scan: "Scan tickets",
    console: "Organiser console",
    scanner_title: "Check-in scanner",
    scan_camera: "Open the camera",
    scan_manual: "Type a ticket code",
    scan_check: "Check",
    scan_queue: "to upload",
    scan_offline: "Offline: tickets are still checked, and uploaded when back online",
    scan_online: "Online",
    scan_ok: "Valid: let them in",
    scan_saved: "Saved offline",
    scan_invalid: "Invalid ticket: bad signature or another event",
    scan_again: "Already scanned on this device",
    scan_conflict: "Conflict: already checked in elsewhere",
    scan_uploaded: "Checked in",
    scan_no_camera: "This browser cannot read QR codes; type the ticket code instead.",
    conflicts: "Conflicts",
    scans: "Scans on this device",
    attendees: "Attendees",
    export_csv: "Export CSV",
    no_shows: "No-shows",
    changes: "Changes of places",
    remove: "Remove this place",
    reason: "Reason (required; the fan is told)",
    members: "Members",
    organisers: "Organisers",
    join_club: "Join the club",
    leave_club: "Leave the club",
    clubs: "City clubs",
    new_event: "New event",
    owners_only: "Owners only",
    bind_device: "Bind my device",
    status_names: [
        ("confirmed", "Confirmed"),
        ("offered", "Offered"),
        ("waitlisted", "Waitlisted"),
        ("cancelled", "Cancelled"),
        ("left", "Left the waitlist"),
        ("declined", "Declined"),
        ("expired", "Offer expired"),
        ("released", "Released (attendance not confirmed)"),
        ("removed", "Removed by the organisers"),
    ],
    reason_names: [
        ("rsvp", "Signed up"),
        ("fan", "By the fan"),
        ("place_freed", "A place freed up; offered in waitlist order"),
        ("offer_accepted", "Took the offered place"),
        ("offer_expired", "Offer not answered in time; passed on"),
        ("attendance_unconfirmed", "Attendance not confirmed; place went to the waitlist"),
    ],
    when: "When",
    fan: "Fan",
    action: "Action",
};

pub fn text(locale: Locale) -> &'static EventText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

impl EventText {
    pub fn status(&self, status: &str) -> &'static str {
        self.status_names.iter().find(|(k, _)| *k == status).map_or("", |(_, v)| *v)
    }

    fn reason(&self, reason: &str) -> String {
        self.reason_names
            .iter()
            .find(|(k, _)| *k == reason)
            .map_or_else(|| reason.to_string(), |(_, v)| v.to_string())
    }

    fn kind(&self, kind: &str) -> &'static str {
        if kind == "festival" { self.festival } else { self.meetup }
    }
}

fn zone_of(event: &Event) -> Zone {
    Zone::parse(&event.time_zone).unwrap_or_else(|_| Zone::china())
}

/// An event as a card shows it; times in the venue's zone, named when it is not the site's.
pub struct EventCard {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub kind: &'static str,
    pub is_festival: bool,
    pub city: String,
    pub venue: String,
    pub when: String,
    pub capacity: i64,
    pub taken: i64,
    pub free: i64,
    pub waitlisted: i64,
    pub club_name: Option<String>,
}

fn when(cx: &Cx, event: &Event) -> String {
    let zone = zone_of(event);
    let label = canyu_core::time::zone_label(cx.locale, zone.name());
    let start = zone.datetime(event.starts_at);
    let end = zone.datetime(event.ends_at);
    // The same day: the end's time alone.
    let end = if start.get(..10) == end.get(..10) { end.get(11..).unwrap_or(&end).to_string() } else { end };
    match cx.locale {
        Locale::ZhCn => format!("{start} – {end}（{label}）"),
        Locale::En => format!("{start} – {end} ({label})"),
    }
}

impl EventCard {
    fn new(cx: &Cx, b: &EventText, e: &Event) -> EventCard {
        EventCard {
            id: e.id,
            url: format!("/events/{}", e.id),
            title: e.title.clone(),
            kind: b.kind(&e.kind),
            is_festival: e.kind == "festival",
            city: e.city.clone(),
            venue: e.venue.clone(),
            when: when(cx, e),
            capacity: e.capacity,
            taken: e.held.min(e.capacity),
            free: e.free_places(),
            waitlisted: e.waitlisted,
            club_name: e.club_name.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "events.html")]
pub struct EventsPage {
    pub t: &'static T,
    pub b: &'static EventText,
    pub ctx: Layout,
    pub cities: Vec<Link>,
    pub events: Vec<EventCard>,
    pub mine: Vec<(EventCard, &'static str)>,
    pub can_create: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EventsQuery {
    pub city: String,
}

pub async fn list(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<EventsQuery>,
) -> WebResult<Response> {
    let b = text(cx.locale);
    let city = q.city.trim();
    let list = events::upcoming(&state, EventFilter { city: Some(city), club: None, kind: None }).await?;
    let mut cities =
        vec![Link { label: b.all_cities.into(), url: "/events".into(), active: city.is_empty() }];
    for c in events::cities(&state).await? {
        cities.push(Link { url: url("/events", &[("city", &c)]), active: c == city, label: c });
    }
    let mine = match &cx.auth {
        Some(a) => events::my_upcoming(&state, a)
            .await?
            .iter()
            .map(|(e, r)| (EventCard::new(&cx, b, e), b.status(r.status.as_str())))
            .collect(),
        None => Vec::new(),
    };
    let can_create = match &cx.auth {
        Some(a) => events::may_create(&state, a).await?,
        None => false,
    };
    let events = list.iter().map(|e| EventCard::new(&cx, b, e)).collect();
    Ok(cx.ok(EventsPage { t: cx.t, b, ctx: cx.layout("events"), cities, events, mine, can_create }))
}

pub struct PlaceView {
    pub status: &'static str,
    pub status_label: &'static str,
    pub guests: i64,
    pub position: Option<i64>,
    pub offer_expires: Option<String>,
    pub attending: bool,
    pub asked: bool,
    pub checked_in: Option<String>,
    /// The ticket's QR code (inline SVG) and code, once confirmed.
    pub qr_svg: Option<String>,
    pub ticket: Option<String>,
    pub live: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "event.html")]
pub struct EventPage {
    pub t: &'static T,
    pub b: &'static EventText,
    pub ctx: Layout,
    pub event: EventCard,
    pub description: String,
    pub countdown_iso: String,
    pub now: Millis,
    pub started: bool,
    pub opens: String,
    pub priority_opens: Option<String>,
    pub closes: String,
    pub open_now: bool,
    pub closed: bool,
    pub guest_choices: Vec<i64>,
    pub place: Option<PlaceView>,
    pub has_live_place: bool,
    pub signed_in: bool,
    pub runner: bool,
    pub club_url: Option<String>,
    /// 车主专场: the product whose owners alone sign up, and its board.
    pub owners_of: Option<(String, String)>,
    pub error: Option<String>,
}

fn event_id(raw: &str) -> WebResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::NotFound))
}

fn not_found(e: AppError) -> WebError {
    match e.code {
        ErrorCode::EventNotFound | ErrorCode::ClubNotFound => WebError::from(ErrorCode::NotFound),
        _ => e.into(),
    }
}

/// The ticket as a QR code: inline SVG (no script, no image request; the CSP holds).
fn qr_svg(ticket: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(ticket.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .dark_color(qrcode::render::svg::Color("#000"))
            .light_color(qrcode::render::svg::Color("#fff"))
            .build(),
    )
}

/// `/events/{id}` and `/events/{id}.ics`.
pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> WebResult<Response> {
    if let Some(id) = raw.strip_suffix(".ics") {
        let event = events::event(&state, event_id(id)?).await.map_err(not_found)?;
        let base = super::releases::site_base(&state, &headers);
        return Ok(calendar(
            events::calendar::ics(std::slice::from_ref(&event), &base, &event.title),
            event.id,
        ));
    }
    render_event(&state, &cx, event_id(&raw)?, None, StatusCode::OK).await
}

pub async fn calendar_feed(State(state): State<AppState>, cx: Cx, headers: HeaderMap) -> WebResult<Response> {
    let list = events::upcoming(&state, EventFilter { city: None, club: None, kind: None }).await?;
    let base = super::releases::site_base(&state, &headers);
    Ok(calendar(events::calendar::ics(&list, &base, text(cx.locale).title), 0))
}

fn calendar(body: String, id: i64) -> Response {
    let name = if id > 0 { format!("event-{id}.ics") } else { "events.ics".to_string() };
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

async fn render_event(
    state: &AppState,
    cx: &Cx,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let b = text(cx.locale);
    let event = events::event(state, id).await.map_err(not_found)?;
    let zone = zone_of(&event);
    let place = match &cx.auth {
        Some(a) => match events::my_place(state, a, id).await {
            Ok((rsvp, ticket)) => Some(place_view(b, &zone, &rsvp, ticket)),
            Err(e) if e.code == ErrorCode::RsvpNotFound => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let runner = events::may_run(state, cx.auth.as_ref(), &event).await?;
    let now = cx.now;
    let priority_opens = (event.priority_opens_at() < event.rsvp_opens_at).then(|| {
        format!("{} · Lv{}+", zone.datetime(event.priority_opens_at()), event.priority_min_level.unwrap_or(0))
    });
    let page = EventPage {
        t: cx.t,
        b,
        ctx: cx.layout("events"),
        description: event.description.clone(),
        countdown_iso: zone.rfc3339(event.starts_at),
        now,
        started: now >= event.starts_at,
        opens: zone.datetime(event.rsvp_opens_at),
        priority_opens,
        closes: zone.datetime(event.rsvp_closes_at),
        open_now: now >= event.priority_opens_at() && now < event.rsvp_closes_at,
        closed: now >= event.rsvp_closes_at,
        guest_choices: (0..=event.max_guests).collect(),
        has_live_place: place.as_ref().is_some_and(|p| p.live),
        place,
        signed_in: cx.auth.is_some(),
        runner,
        club_url: event.club_id.map(|c| format!("/clubs/{c}")),
        owners_of: event.owners_of.as_ref().map(|(_, slug, name)| (name.clone(), super::product_url(slug))),
        event: EventCard::new(cx, b, &event),
        error,
    };
    Ok(cx.respond(status, page))
}

fn place_view(b: &EventText, zone: &Zone, r: &Rsvp, ticket: Option<String>) -> PlaceView {
    PlaceView {
        status: r.status.as_str(),
        status_label: b.status(r.status.as_str()),
        guests: r.guests,
        position: r.position,
        offer_expires: r.offer_expires_at.map(|t| zone.datetime(t)),
        attending: r.attendance_confirmed_at.is_some(),
        asked: r.attendance_asked_at.is_some(),
        checked_in: r.checked_in_at.map(|t| zone.datetime(t)),
        qr_svg: ticket.as_deref().and_then(qr_svg),
        ticket,
        live: r.status.is_live(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RsvpForm {
    pub guests: i64,
}

/// After a form on an event's page: back to it, or the page again saying what was refused.
async fn back_to_event(
    state: &AppState,
    cx: &Cx,
    id: i64,
    done: Result<(), AppError>,
) -> WebResult<Response> {
    match done {
        Ok(()) => Ok(see_other(&format!("/events/{id}"))),
        Err(e)
            if matches!(
                e.code,
                ErrorCode::Internal | ErrorCode::Unauthenticated | ErrorCode::EventNotFound
            ) =>
        {
            Err(not_found(e))
        }
        Err(e) => {
            let msg = form_error(cx, &e);
            refused(&e, render_event(state, cx, id, Some(msg), status_of(&e)).await)
        }
    }
}

pub async fn take_place(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<RsvpForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = event_id(&id)?;
    let done = events::take_place(&state, auth, id, Some(form.guests)).await.map(drop);
    back_to_event(&state, &cx, id, done).await
}

pub async fn give_up(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = event_id(&id)?;
    let done = events::give_up(&state, auth, id).await.map(drop);
    back_to_event(&state, &cx, id, done).await
}

pub async fn confirm(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = event_id(&id)?;
    let done = events::confirm(&state, auth, id).await.map(drop);
    back_to_event(&state, &cx, id, done).await
}

#[derive(Template, WebTemplate)]
#[template(path = "event_scan.html")]
pub struct ScanPage {
    pub t: &'static T,
    pub b: &'static EventText,
    pub ctx: Layout,
    pub event: EventCard,
    pub public_key: String,
    pub confirmed: i64,
    pub checked_in: i64,
}

/// The door scanner: checks signatures offline with the event's public key, keeps scans while
/// offline and uploads them when back (`/assets/scan.js`).
pub async fn scanner(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let console = events::console(&state, auth, event_id(&id)?).await.map_err(not_found)?;
    let b = text(cx.locale);
    let e = &console.event;
    Ok(cx.ok(ScanPage {
        t: cx.t,
        b,
        ctx: cx.layout("events"),
        public_key: e.ticket_public_key.clone(),
        confirmed: e.confirmed,
        checked_in: e.checked_in,
        event: EventCard::new(&cx, b, e),
    }))
}

pub struct AttendeeRow {
    pub id: i64,
    pub handle: String,
    pub guests: i64,
    pub status: &'static str,
    pub status_label: &'static str,
    pub position: Option<i64>,
    pub checked_in: Option<String>,
    pub no_show: bool,
    pub live: bool,
}

pub struct ChangeRow {
    pub at: String,
    pub handle: String,
    pub from: &'static str,
    pub to: &'static str,
    pub actor: Option<String>,
    pub reason: String,
}

pub struct ConflictRow {
    pub at: String,
    pub handle: String,
    pub door: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "event_console.html")]
pub struct ConsolePage {
    pub t: &'static T,
    pub b: &'static EventText,
    pub ctx: Layout,
    pub event: EventCard,
    pub confirmed: i64,
    pub checked_in: i64,
    pub no_shows: usize,
    pub rows: Vec<AttendeeRow>,
    pub changes: Vec<ChangeRow>,
    pub conflicts: Vec<ConflictRow>,
    pub error: Option<String>,
}

pub async fn console(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    render_console(&state, &cx, event_id(&id)?, None, StatusCode::OK).await
}

async fn render_console(
    state: &AppState,
    cx: &Cx,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let c = events::console(state, auth, id).await.map_err(not_found)?;
    let b = text(cx.locale);
    let zone = zone_of(&c.event);
    let rows: Vec<AttendeeRow> = c
        .places
        .iter()
        .map(|r| AttendeeRow {
            id: r.id,
            handle: r.handle.clone(),
            guests: r.guests,
            status: r.status.as_str(),
            status_label: b.status(r.status.as_str()),
            position: r.position,
            checked_in: r.checked_in_at.map(|t| zone.datetime(t)),
            no_show: r.no_show,
            live: r.status.is_live(),
        })
        .collect();
    let page = ConsolePage {
        t: cx.t,
        b,
        ctx: cx.layout("events"),
        confirmed: c.event.confirmed,
        checked_in: c.event.checked_in,
        no_shows: rows.iter().filter(|r| r.no_show).count(),
        rows,
        changes: c
            .changes
            .iter()
            .take(200)
            .map(|ch| ChangeRow {
                at: zone.datetime(ch.created_at),
                handle: ch.handle.clone(),
                from: ch.from_status.as_deref().map_or("", |s| b.status(s)),
                to: b.status(&ch.to_status),
                actor: ch.actor.clone(),
                reason: if ch.actor.is_some() { ch.reason.clone() } else { b.reason(&ch.reason) },
            })
            .collect(),
        conflicts: c
            .checkins
            .iter()
            .filter(|k| k.outcome == "duplicate")
            .map(|k| ConflictRow {
                at: zone.datetime(k.scanned_at),
                handle: k.handle.clone(),
                door: k.door.clone(),
            })
            .collect(),
        event: EventCard::new(cx, b, &c.event),
        error,
    };
    Ok(cx.respond(status, page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemoveForm {
    pub reason: String,
}

pub async fn remove_place(
    State(state): State<AppState>,
    cx: Cx,
    Path((id, rsvp)): Path<(String, String)>,
    Form(form): Form<RemoveForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let (id, rsvp) = (event_id(&id)?, event_id(&rsvp)?);
    match events::remove_place(&state, auth, id, rsvp, &form.reason).await {
        Ok(_) => Ok(see_other(&format!("/events/{id}/console"))),
        Err(e) if matches!(e.code, ErrorCode::Internal | ErrorCode::Forbidden | ErrorCode::EventNotFound) => {
            Err(not_found(e))
        }
        Err(e) => {
            let msg = form_error(&cx, &e);
            refused(&e, render_console(&state, &cx, id, Some(msg), status_of(&e)).await)
        }
    }
}

/// The attendee list as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
/// Chinese right). Cells that a spreadsheet would run as a formula are quoted with a `'`.
pub async fn attendees_csv(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let c = events::console(&state, auth, event_id(&id)?).await.map_err(not_found)?;
    let zone = zone_of(&c.event);
    let mut out = String::from("\u{feff}handle,guests,status,position,checked_in_at,no_show\r\n");
    for r in &c.places {
        let row = [
            csv_cell(&r.handle),
            r.guests.to_string(),
            r.status.as_str().to_string(),
            r.position.map(|p| p.to_string()).unwrap_or_default(),
            r.checked_in_at.map(|t| zone.rfc3339(t)).unwrap_or_default(),
            if r.no_show { "1".into() } else { "0".into() },
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"event-{}-attendees.csv\"", c.event.id),
            ),
        ],
        out,
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "club.html")]
pub struct ClubPage {
    pub t: &'static T,
    pub b: &'static EventText,
    pub ctx: Layout,
    pub name: String,
    pub city: String,
    pub id: i64,
    pub members: i64,
    pub organisers: Vec<String>,
    pub member: Option<bool>,
    pub runner: bool,
    pub events: Vec<EventCard>,
}

pub async fn club(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let b = text(cx.locale);
    let club = events::club(&state, event_id(&id)?).await.map_err(not_found)?;
    let member = match &cx.auth {
        Some(a) => Some(events::is_member(&state, a, club.id).await?),
        None => None,
    };
    let runner = match &cx.auth {
        Some(a) => canyu_app::policy::can_run_event(&state, a, Some(club.id)).await?,
        None => false,
    };
    let list = events::upcoming(&state, EventFilter { city: None, club: Some(club.id), kind: None }).await?;
    Ok(cx.ok(ClubPage {
        runner,
        t: cx.t,
        b,
        ctx: cx.layout("events"),
        organisers: events::organisers(&state, club.id).await?,
        events: list.iter().map(|e| EventCard::new(&cx, b, e)).collect(),
        name: club.name,
        city: club.city,
        id: club.id,
        members: club.members,
        member,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MembershipForm {
    /// `1` to join, `0` to leave.
    pub on: String,
}

pub async fn membership(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<MembershipForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = event_id(&id)?;
    if form.on == "1" {
        events::join(&state, auth, id).await.map_err(not_found)?;
    } else {
        events::leave(&state, auth, id).await.map_err(not_found)?;
    }
    Ok(see_other(&format!("/clubs/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use canyu_core::event::RsvpStatus;

    #[test]
    fn csv_cells_cannot_smuggle_formulas_or_break_rows() {
        assert_eq!(csv_cell("mi_fan"), "mi_fan");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn every_status_has_a_label_in_both_languages() {
        for status in [
            RsvpStatus::Confirmed,
            RsvpStatus::Offered,
            RsvpStatus::Waitlisted,
            RsvpStatus::Cancelled,
            RsvpStatus::Left,
            RsvpStatus::Declined,
            RsvpStatus::Expired,
            RsvpStatus::Released,
            RsvpStatus::Removed,
        ] {
            assert!(!ZH.status(status.as_str()).is_empty() && EN.status(status.as_str()).is_ascii());
            assert!(!EN.status(status.as_str()).is_empty());
        }
    }
}
