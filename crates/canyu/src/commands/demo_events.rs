//! The demo's fan events (issue #22): city clubs in four cities with fan organisers, the year's
//! 米粉节 with a priority window for higher-level fans, and 同城会 meetups — one of them full,
//! with fans on its waitlist — through the same store calls the site uses.

use crate::error::CliResult;
use canyu_core::event::{EventDraft, EventKey, EventPlan};
use canyu_core::time::Zone;
use canyu_core::{Millis, Role};
use canyu_demo::DemoForum;
use canyu_store::{NewEvent, Store};

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

struct DemoEvent {
    title: &'static str,
    kind: &'static str,
    city: &'static str,
    venue: &'static str,
    /// Days from now to the start, at 19:00 China time.
    in_days: i64,
    hours: i64,
    capacity: i64,
    max_guests: i64,
    priority_level: Option<i64>,
    /// Fans who take places (in turn): more than the capacity leaves a waitlist.
    takers: usize,
    description: &'static str,
}

const EVENTS: [DemoEvent; 5] = [
    DemoEvent {
        title: "2027 米粉节 · 北京主会场",
        kind: "festival",
        city: "北京",
        venue: "国家会议中心 B1 展厅",
        in_days: 21,
        hours: 8,
        capacity: 300,
        max_guests: 1,
        priority_level: Some(3),
        takers: 140,
        description: "一年一度的米粉节：新品首发体验、工程师面对面、共创墙和米粉之夜。资深粉丝（Lv3 及以上）提前 48 小时报名。",
    },
    DemoEvent {
        title: "上海同城会 · SU7 车主夜跑",
        kind: "meetup",
        city: "上海",
        venue: "滨江大道 · 小米之家 前滩太古里店集合",
        in_days: 4,
        hours: 3,
        capacity: 12,
        max_guests: 0,
        priority_level: None,
        takers: 20,
        description: "晚上 7 点集合，沿滨江跑 5 公里，跑完一起聊聊 SU7 的城市 NOA。名额已满时可以排候补，有人退出会按顺序通知。",
    },
    DemoEvent {
        title: "北京同城会 · HyperOS 共创茶话会",
        kind: "meetup",
        city: "北京",
        venue: "小米科技园 C 座 1 层",
        in_days: 7,
        hours: 3,
        capacity: 40,
        max_guests: 1,
        priority_level: None,
        takers: 26,
        description: "和系统团队一起过一遍最近呼声最高的建议，现场投票决定下一个迭代做什么。",
    },
    DemoEvent {
        title: "深圳同城会 · 智能家居开箱日",
        kind: "meetup",
        city: "深圳",
        venue: "小米之家 深圳湾万象城店",
        in_days: 10,
        hours: 2,
        capacity: 25,
        max_guests: 2,
        priority_level: None,
        takers: 12,
        description: "带上你的米家设备清单，现场调一套人车家全生态联动。",
    },
    DemoEvent {
        title: "成都同城会 · 影像扫街",
        kind: "meetup",
        city: "成都",
        venue: "太古里 · 方所门口集合",
        in_days: 13,
        hours: 4,
        capacity: 30,
        max_guests: 1,
        priority_level: None,
        takers: 9,
        description: "用小米 15 Ultra 拍成都的冬天，结束后评选最佳作品。",
    },
];

const CLUBS: [(&str, &str); 4] = [
    ("北京", "北京米粉同城会"),
    ("上海", "上海米粉同城会"),
    ("深圳", "深圳米粉同城会"),
    ("成都", "成都米粉同城会"),
];

pub async fn load(store: &Store, forum: &DemoForum, user_ids: &[i64], staff: i64) -> CliResult<()> {
    let now = canyu_app::now_millis();
    let zone = Zone::china();
    let fans: Vec<i64> =
        forum.users.iter().zip(user_ids).filter(|(u, _)| u.role == Role::Fan).map(|(_, &id)| id).collect();
    if fans.is_empty() {
        return Ok(());
    }
    let mut clubs = Vec::new();
    for (i, (city, name)) in CLUBS.iter().enumerate() {
        let club = store.create_club(city, name, staff, now).await?;
        // Two organisers and a few dozen members each, from the demo's fans.
        for (k, &fan) in fans.iter().skip(i * 40).take(40).enumerate() {
            if k < 2 {
                store.appoint_organiser(club.id, fan, staff, now).await?;
            } else {
                store.join_club(club.id, fan, now).await?;
            }
        }
        clubs.push((*city, club.id));
    }
    for (n, e) in EVENTS.iter().enumerate() {
        // 19:00 China time, `in_days` from today.
        let starts_at = zone.start_of_day(now) + e.in_days * DAY + 19 * HOUR;
        let opens = if e.priority_level.is_some() { now + 2 * DAY } else { now - 3 * DAY };
        let plan = EventPlan::parse(
            EventDraft {
                title: e.title,
                kind: e.kind,
                city: e.city,
                venue: e.venue,
                starts_at,
                ends_at: starts_at + e.hours * HOUR,
                time_zone: None,
                capacity: e.capacity,
                rsvp_opens_at: opens,
                rsvp_closes_at: starts_at - 2 * HOUR,
                max_guests: Some(e.max_guests),
                priority_min_level: e.priority_level,
                priority_hours: e.priority_level.map(|_| 48),
                offer_hours: None,
                description: e.description,
            },
            &zone,
        )
        .map_err(|code| format!("demo event {:?}: {code}", e.title))?;
        let key = EventKey::from_seed(rand::random::<[u8; 32]>());
        let club_id = if e.kind == "meetup" {
            clubs.iter().find(|(c, _)| *c == e.city).map(|(_, id)| *id)
        } else {
            None
        };
        let event = store
            .create_event(
                NewEvent {
                    plan: &plan,
                    club_id,
                    ticket_seed: &key.seed_text(),
                    ticket_public_key: &key.public_key_text(),
                    created_by: staff,
                    owners_of: None,
                },
                now - DAY,
            )
            .await?;
        // Fans take places over the last hours, some with a guest.
        for (k, &fan) in fans.iter().skip(n * 17).take(e.takers).enumerate() {
            let guests = if e.max_guests > 0 && k % 4 == 1 { 1 } else { 0 };
            let at = now - (e.takers - k) as Millis * 60_000;
            store.take_place(event.id, fan, guests, at).await?;
        }
    }
    Ok(())
}
