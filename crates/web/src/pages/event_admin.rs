//! The forms behind fan events: `/events/new`, where staff (any event) and a city club's
//! organisers (their club's events) create an event with times typed in the venue's zone, and
//! `/admin/clubs`, where staff create city clubs (同城会) and appoint or dismiss their
//! organisers. The rules are the API's (`POST /api/v1/events`, `/api/v1/clubs`): both call
//! `canyu_app::events`.

use super::i18n::T;
use super::{Cx, Layout, form_error, is_fatal, refused, see_other, status_of, url};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::events;
use canyu_app::model::Club;
use canyu_core::event::EventDraft;
use canyu_core::time::{Zone, zone_label};
use canyu_core::{ErrorCode, Locale, Millis, Role};
use serde::Deserialize;

pub const CLUBS_URL: &str = "/admin/clubs";
const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

/// Zones offered besides the site's: where Xiaomi's fans meet most. The API takes any IANA
/// name; a name typed there and shown here again is kept in the list.
const VENUE_ZONES: [&str; 12] = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Jakarta",
    "Asia/Bangkok",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/Moscow",
    "Europe/Paris",
    "Europe/London",
];

pub struct EventFormText {
    pub new_event: &'static str,
    pub intro: &'static str,
    pub title: &'static str,
    pub kind: &'static str,
    pub festival: &'static str,
    pub meetup: &'static str,
    pub club: &'static str,
    pub no_club: &'static str,
    pub club_hint: &'static str,
    pub city: &'static str,
    pub venue: &'static str,
    pub zone: &'static str,
    pub zone_hint: &'static str,
    pub starts_at: &'static str,
    pub ends_at: &'static str,
    pub rsvp_opens_at: &'static str,
    pub rsvp_closes_at: &'static str,
    pub times_hint: &'static str,
    pub capacity: &'static str,
    pub max_guests: &'static str,
    pub max_guests_hint: &'static str,
    pub priority_level: &'static str,
    pub no_priority: &'static str,
    pub priority_hours: &'static str,
    pub priority_hint: &'static str,
    pub offer_hours: &'static str,
    pub offer_hint: &'static str,
    pub description: &'static str,
    pub owners_of: &'static str,
    pub owners_of_hint: &'static str,
    pub everyone: &'static str,
    pub owners_of_prefix: &'static str,
    pub create: &'static str,
    pub cancel: &'static str,
    pub new_club_link: &'static str,
    pub not_a_number: &'static str,
    // The clubs' admin page.
    pub clubs_title: &'static str,
    pub clubs_intro: &'static str,
    pub clubs_empty: &'static str,
    pub new_club: &'static str,
    pub club_city: &'static str,
    pub club_name: &'static str,
    pub create_club: &'static str,
    pub members: &'static str,
    pub organisers: &'static str,
    pub no_organisers: &'static str,
    pub appoint: &'static str,
    pub appoint_hint: &'static str,
    pub dismiss: &'static str,
    pub new_club_event: &'static str,
    pub club_created: &'static str,
    pub appointed: &'static str,
    pub dismissed: &'static str,
}

const ZH: EventFormText = EventFormText {
    new_event: "发起活动",
    intro: "时间按场地所在时区填写；报名开放后名额按先来后到，满员后进入候补。",
    title: "活动名称",
    kind: "类型",
    festival: "米粉节",
    meetup: "同城会",
    club: "所属同城会",
    no_club: "不属于同城会（官方活动）",
    club_hint: "同城会的活动由它的组织者签到和管理。",
    city: "城市",
    venue: "场地",
    zone: "场地时区",
    zone_hint: "下面四个时间都按这个时区理解。",
    starts_at: "开始时间",
    ends_at: "结束时间",
    rsvp_opens_at: "报名开始",
    rsvp_closes_at: "报名截止",
    times_hint: "报名须在活动开始前截止。",
    capacity: "名额（人）",
    max_guests: "每人最多带几位同行",
    max_guests_hint: "米粉和同行人作为一个整体：名额够才确认，不够就一起候补。",
    priority_level: "优先报名等级",
    no_priority: "不设优先",
    priority_hours: "提前几小时",
    priority_hint: "达到这个等级的米粉可以提前报名；近期两次以上未到场的不享受优先。",
    offer_hours: "候补确认时限（小时）",
    offer_hint: "有人退出时名额留给排在最前的候补，超时未确认就顺延给下一位；临近开始会自动缩短。",
    description: "活动介绍",
    owners_of: "谁可以报名",
    owners_of_hint: "车主专场只对在「我的设备」绑定了该产品的米粉开放。",
    everyone: "所有米粉",
    owners_of_prefix: "仅限车主/用户：",
    create: "发布活动",
    cancel: "取消",
    new_club_link: "管理同城会",
    not_a_number: "请填写整数。",
    clubs_title: "同城会管理",
    clubs_intro: "创建同城会，任命米粉为组织者：组织者可以为本会发起活动、扫码签到、查看报名名单。",
    clubs_empty: "还没有同城会。",
    new_club: "新建同城会",
    club_city: "城市",
    club_name: "名称",
    create_club: "创建",
    members: "成员",
    organisers: "组织者",
    no_organisers: "还没有组织者",
    appoint: "任命",
    appoint_hint: "米粉的用户名",
    dismiss: "撤销",
    new_club_event: "为本会发起活动",
    club_created: "同城会已创建。",
    appointed: "已任命组织者。",
    dismissed: "已撤销组织者。",
};

const EN: EventFormText = EventFormText {
    new_event: "New event",
    intro: "Times are the venue's wall clock. Places go first come, first served once sign-up opens; a full event keeps a waitlist.",
    title: "Title",
    kind: "Kind",
    festival: "Fan festival",
    meetup: "City meetup",
    club: "City club",
    no_club: "No club (an official event)",
    club_hint: "A club's organisers run its events: check-in and the attendee list.",
    city: "City",
    venue: "Venue",
    zone: "Venue time zone",
    zone_hint: "The four times below are read in this zone.",
    starts_at: "Starts",
    ends_at: "Ends",
    rsvp_opens_at: "Sign-up opens",
    rsvp_closes_at: "Sign-up closes",
    times_hint: "Sign-up closes by the start.",
    capacity: "Places (people)",
    max_guests: "Guests a fan may bring",
    max_guests_hint: "A fan and guests are one unit: confirmed whole or waitlisted whole.",
    priority_level: "Priority from level",
    no_priority: "No priority window",
    priority_hours: "Hours earlier",
    priority_hint: "Fans at this level sign up earlier; fans with two or more recent no-shows lose it.",
    offer_hours: "Hours to accept an offer",
    offer_hint: "A freed place is offered to the first fan waiting; unanswered, it passes on. Shorter close to the start.",
    description: "Description",
    owners_of: "Who may sign up",
    owners_of_hint: "An owners' event is open only to fans who bound that product under My devices.",
    everyone: "Every fan",
    owners_of_prefix: "Owners of ",
    create: "Publish event",
    cancel: "Cancel",
    new_club_link: "Manage city clubs",
    not_a_number: "Enter a whole number.",
    clubs_title: "City clubs",
    clubs_intro: "Create city clubs and appoint fans as organisers: they create their club's events, check fans in and see the attendee list.",
    clubs_empty: "No city clubs yet.",
    new_club: "New city club",
    club_city: "City",
    club_name: "Name",
    create_club: "Create",
    members: "Members",
    organisers: "Organisers",
    no_organisers: "No organisers yet",
    appoint: "Appoint",
    appoint_hint: "The fan's handle",
    dismiss: "Dismiss",
    new_club_event: "New event for this club",
    club_created: "Club created.",
    appointed: "Organiser appointed.",
    dismissed: "Organiser dismissed.",
};

pub fn text(locale: Locale) -> &'static EventFormText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

/// The event form as typed (every field a string, so a refused form comes back as it was).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct EventForm {
    pub title: String,
    pub kind: String,
    pub club: String,
    pub city: String,
    pub venue: String,
    pub time_zone: String,
    pub starts_at: String,
    pub ends_at: String,
    pub rsvp_opens_at: String,
    pub rsvp_closes_at: String,
    pub capacity: String,
    pub max_guests: String,
    pub priority_min_level: String,
    pub priority_hours: String,
    pub offer_hours: String,
    /// A product's slug: owners only (车主专场); empty for everyone.
    pub owners_of: String,
    pub description: String,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "event_new.html")]
pub struct NewEventPage {
    pub t: &'static T,
    pub f: &'static EventFormText,
    pub ctx: Layout,
    pub form: EventForm,
    pub clubs: Vec<Choice>,
    /// Staff may leave the club out; an organiser's event is always one of their clubs'.
    pub club_optional: bool,
    pub zones: Vec<Choice>,
    pub levels: Vec<Choice>,
    /// Everyone, or the owners of one product.
    pub owner_choices: Vec<Choice>,
    pub staff: bool,
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewEventQuery {
    /// A club's page links here with its id.
    pub club: String,
}

/// `2026-12-19T14:00`: what a `datetime-local` input shows for `at` in `zone`.
fn local_input(zone: &Zone, at: Millis) -> String {
    zone.datetime(at).replacen(' ', "T", 1)
}

/// A fresh form: a meetup two weeks out on an afternoon, sign-up from tomorrow morning to the
/// evening before. Staff change what they need; nothing here is hidden.
fn fresh_form(state: &AppState, cx: &Cx, club: Option<&Club>) -> EventForm {
    let zone = &state.config().time_zone;
    let today = zone.start_of_day(cx.now);
    let starts = today + 14 * DAY + 14 * HOUR;
    EventForm {
        kind: if club.is_some() { "meetup" } else { "festival" }.into(),
        club: club.map(|c| c.id.to_string()).unwrap_or_default(),
        city: club.map(|c| c.city.clone()).unwrap_or_default(),
        time_zone: zone.name().to_string(),
        starts_at: local_input(zone, starts),
        ends_at: local_input(zone, starts + 3 * HOUR),
        rsvp_opens_at: local_input(zone, today + DAY + 10 * HOUR),
        rsvp_closes_at: local_input(zone, starts - 16 * HOUR),
        capacity: "100".into(),
        max_guests: "1".into(),
        offer_hours: "24".into(),
        ..EventForm::default()
    }
}

async fn render_new(
    state: &AppState,
    cx: &Cx,
    clubs: &[Club],
    form: EventForm,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let f = text(cx.locale);
    let staff = cx.role().is_some_and(|r| r >= Role::Staff);
    let chosen_zone = form.time_zone.trim();
    let site_zone = state.config().time_zone.name().to_string();
    let mut zone_names: Vec<String> = vec![site_zone];
    for z in VENUE_ZONES.iter().map(|z| z.to_string()).chain([chosen_zone.to_string()]) {
        if !z.is_empty() && !zone_names.contains(&z) {
            zone_names.push(z);
        }
    }
    let zones = zone_names
        .into_iter()
        .map(|z| Choice {
            label: match zone_label(cx.locale, &z) {
                label if label == z => z.clone(),
                label => format!("{label} · {z}"),
            },
            selected: z == chosen_zone,
            value: z,
        })
        .collect();
    let levels = std::iter::once(Choice {
        value: String::new(),
        label: f.no_priority.into(),
        selected: form.priority_min_level.trim().is_empty(),
    })
    .chain((1..=6).map(|l| Choice {
        value: l.to_string(),
        label: format!("Lv{l}+"),
        selected: form.priority_min_level.trim() == l.to_string(),
    }))
    .collect();
    let clubs = clubs
        .iter()
        .map(|c| Choice {
            value: c.id.to_string(),
            label: format!("{} · {}", c.city, c.name),
            selected: form.club.trim() == c.id.to_string(),
        })
        .collect();
    let owner_choices = std::iter::once(Choice {
        value: String::new(),
        label: f.everyone.into(),
        selected: form.owners_of.trim().is_empty(),
    })
    .chain(canyu_app::catalog::list_products(state).await?.into_iter().map(|p| Choice {
        selected: form.owners_of.trim() == p.slug,
        label: format!("{}{}", f.owners_of_prefix, p.name),
        value: p.slug,
    }))
    .collect();
    let page = NewEventPage {
        t: cx.t,
        f,
        ctx: cx.layout("events"),
        owner_choices,
        form,
        clubs,
        club_optional: staff,
        zones,
        levels,
        staff,
        error,
    };
    Ok(cx.respond(status, page))
}

/// The clubs the caller may create events for, or a refusal: staff may create any event, an
/// organiser only their clubs', anyone else nothing.
async fn runnable_clubs(state: &AppState, cx: &Cx) -> WebResult<Vec<Club>> {
    let auth = cx.user()?;
    let clubs = events::clubs_run_by(state, auth).await?;
    if clubs.is_empty() && auth.user.role < Role::Staff {
        return Err(WebError::from(ErrorCode::Forbidden));
    }
    Ok(clubs)
}

pub async fn new_form(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<NewEventQuery>,
) -> WebResult<Response> {
    let clubs = runnable_clubs(&state, &cx).await?;
    let club = clubs.iter().find(|c| c.id.to_string() == q.club.trim());
    // An organiser with one club has nothing to choose.
    let club = club.or(if cx.role().is_some_and(|r| r >= Role::Staff) { None } else { clubs.first() });
    let form = fresh_form(&state, &cx, club);
    render_new(&state, &cx, &clubs, form, None, StatusCode::OK).await
}

/// An optional whole number: empty is `None`; anything else must parse.
fn number(raw: &str) -> Result<Option<i64>, ()> {
    match raw.trim() {
        "" => Ok(None),
        n => n.parse::<i64>().map(Some).map_err(drop),
    }
}

pub async fn create(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<EventForm>,
) -> WebResult<Response> {
    let clubs = runnable_clubs(&state, &cx).await?;
    let auth = cx.user()?;
    let numbers = [
        &form.capacity,
        &form.max_guests,
        &form.priority_min_level,
        &form.priority_hours,
        &form.offer_hours,
        &form.club,
    ]
    .map(|raw| number(raw));
    let [capacity, max_guests, level, hours, offer, club] = match numbers {
        [Ok(a), Ok(b), Ok(c), Ok(d), Ok(e), Ok(f)] => [a, b, c, d, e, f],
        _ => {
            let error = Some(text(cx.locale).not_a_number.to_string());
            return render_new(&state, &cx, &clubs, form, error, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let created = async {
        let zone = events::venue_zone(&state, Some(&form.time_zone))?;
        let time = |raw: &str| events::venue_time(raw, &zone);
        let draft = EventDraft {
            title: &form.title,
            kind: &form.kind,
            city: &form.city,
            venue: &form.venue,
            starts_at: time(&form.starts_at)?,
            ends_at: time(&form.ends_at)?,
            time_zone: Some(zone.name()),
            capacity: capacity.unwrap_or(0),
            rsvp_opens_at: time(&form.rsvp_opens_at)?,
            rsvp_closes_at: time(&form.rsvp_closes_at)?,
            max_guests,
            priority_min_level: level,
            // The hours field means nothing without a level; it is sent with its default.
            priority_hours: if level.is_some() { hours } else { None },
            offer_hours: offer,
            description: &form.description,
        };
        events::create(&state, auth, draft, club, Some(&form.owners_of)).await
    }
    .await;
    match created {
        Ok(event) => Ok(see_other(&format!("/events/{}", event.id))),
        Err(e) if matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated) => Err(e.into()),
        Err(e) => {
            let error = Some(form_error(&cx, &e));
            refused(&e, render_new(&state, &cx, &clubs, form, error, status_of(&e)).await)
        }
    }
}

// ---- /admin/clubs ----

pub struct ClubRow {
    pub id: i64,
    pub city: String,
    pub name: String,
    pub members: i64,
    pub organisers: Vec<String>,
    pub page_url: String,
    pub new_event_url: String,
    /// A refused appointment for this club: why, and the handle as typed.
    pub error: Option<String>,
    pub typed: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "clubs_admin.html")]
pub struct ClubsPage {
    pub t: &'static T,
    pub f: &'static EventFormText,
    pub ctx: Layout,
    pub clubs: Vec<ClubRow>,
    pub notice: Option<&'static str>,
    pub club_form: ClubForm,
    pub club_error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClubsQuery {
    /// What just succeeded: `club_created`, `appointed` or `dismissed`.
    pub done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClubForm {
    pub city: String,
    pub name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrganiserForm {
    pub handle: String,
}

#[derive(Default)]
struct ClubsView {
    notice: Option<&'static str>,
    club_form: ClubForm,
    club_error: Option<String>,
    organiser_error: Option<RefusedAppointment>,
}

struct RefusedAppointment {
    club: i64,
    handle: String,
    message: String,
}

async fn render_clubs(state: &AppState, cx: &Cx, view: ClubsView, status: StatusCode) -> WebResult<Response> {
    let auth = cx.user()?;
    let clubs = events::clubs_with_organisers(state, auth).await?;
    let page = ClubsPage {
        t: cx.t,
        f: text(cx.locale),
        ctx: cx.layout("clubs"),
        clubs: clubs
            .into_iter()
            .map(|(c, organisers)| {
                let refused = view.organiser_error.as_ref().filter(|r| r.club == c.id);
                ClubRow {
                    error: refused.map(|r| r.message.clone()),
                    typed: refused.map(|r| r.handle.clone()).unwrap_or_default(),
                    page_url: format!("/clubs/{}", c.id),
                    new_event_url: url("/events/new", &[("club", &c.id.to_string())]),
                    id: c.id,
                    city: c.city,
                    name: c.name,
                    members: c.members,
                    organisers,
                }
            })
            .collect(),
        notice: view.notice,
        club_form: view.club_form,
        club_error: view.club_error,
    };
    Ok(cx.respond(status, page))
}

pub async fn clubs(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<ClubsQuery>,
) -> WebResult<Response> {
    let f = text(cx.locale);
    let notice = match q.done.as_str() {
        "club_created" => Some(f.club_created),
        "appointed" => Some(f.appointed),
        "dismissed" => Some(f.dismissed),
        _ => None,
    };
    render_clubs(&state, &cx, ClubsView { notice, ..ClubsView::default() }, StatusCode::OK).await
}

/// Errors that are no refusal of the input: the generic error page answers them.
pub async fn create_club(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<ClubForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    match events::create_club(&state, auth, &form.city, &form.name).await {
        Ok(club) => Ok(see_other(&format!("{CLUBS_URL}?done=club_created#club-{}", club.id))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let view =
                ClubsView { club_error: Some(form_error(&cx, &e)), club_form: form, ..ClubsView::default() };
            refused(&e, render_clubs(&state, &cx, view, status_of(&e)).await)
        }
    }
}

fn club_id(raw: &str) -> WebResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::NotFound))
}

async fn change_organiser(
    state: &AppState,
    cx: &Cx,
    raw: &str,
    handle: &str,
    appoint: bool,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = club_id(raw)?;
    let handle = handle.trim().trim_start_matches('@');
    let done = if appoint {
        events::appoint(state, auth, id, handle).await
    } else {
        events::dismiss(state, auth, id, handle).await
    };
    match done {
        Ok(_) => Ok(see_other(&format!(
            "{CLUBS_URL}?done={}#club-{id}",
            if appoint { "appointed" } else { "dismissed" }
        ))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) if e.code == ErrorCode::ClubNotFound => Err(WebError::from(ErrorCode::NotFound)),
        Err(e) => {
            let view = ClubsView {
                organiser_error: Some(RefusedAppointment {
                    club: id,
                    handle: handle.to_string(),
                    message: form_error(cx, &e),
                }),
                ..ClubsView::default()
            };
            refused(&e, render_clubs(state, cx, view, status_of(&e)).await)
        }
    }
}

pub async fn appoint(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<OrganiserForm>,
) -> WebResult<Response> {
    change_organiser(&state, &cx, &id, &form.handle, true).await
}

pub async fn dismiss(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<OrganiserForm>,
) -> WebResult<Response> {
    change_organiser(&state, &cx, &id, &form.handle, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_whole_or_absent() {
        assert_eq!(number(""), Ok(None));
        assert_eq!(number(" 12 "), Ok(Some(12)));
        assert_eq!(number("1.5"), Err(()));
        assert_eq!(number("十"), Err(()));
    }

    #[test]
    fn a_local_input_reads_back_to_the_same_minute() {
        let zone = Zone::parse("Asia/Shanghai").expect("zone");
        let at = 1_796_000_400_000; // a whole minute
        assert_eq!(zone.parse_local(&local_input(&zone, at)), Some(at));
    }

    #[test]
    fn english_texts_are_ascii() {
        for s in [EN.intro, EN.offer_hint, EN.clubs_intro, EN.priority_hint, EN.max_guests_hint] {
            assert!(s.is_ascii(), "{s}");
        }
    }
}
