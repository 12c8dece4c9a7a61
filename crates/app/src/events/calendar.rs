//! iCalendar (RFC 5545) for fan events: `/events.ics` and `/events/{id}.ics`.
//!
//! Times are written in the venue's zone (`DTSTART;TZID=Asia/Shanghai:…`) with a `VTIMEZONE`
//! that gives the zone's offset. The zone is described by one observance, the offset at the
//! soonest event in it: exact for zones without daylight saving (China's, and most venues a
//! Chinese brand runs), and an event in the same zone at another offset (the other side of a
//! daylight-saving change) is written in UTC instead, so no time in the feed is ever wrong.

use canyu_core::Millis;
use canyu_core::time::Zone;
use canyu_store::Event;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The calendar of `events`; `base_url` makes each event's link (`https://…`, no trailing `/`).
pub fn ics(events: &[Event], base_url: &str, name: &str) -> String {
    let mut zones: BTreeMap<String, (Zone, i32)> = BTreeMap::new();
    for event in events {
        if !zones.contains_key(&event.time_zone)
            && let Ok(zone) = Zone::parse(&event.time_zone)
        {
            let offset = zone.offset_seconds(event.starts_at);
            zones.insert(event.time_zone.clone(), (zone, offset));
        }
    }
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//canyu//fan events//ZH".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", escape(name)),
    ];
    for (name, (_, offset)) in &zones {
        lines.push("BEGIN:VTIMEZONE".into());
        lines.push(format!("TZID:{name}"));
        lines.push("BEGIN:STANDARD".into());
        lines.push("DTSTART:19700101T000000".into());
        lines.push(format!("TZOFFSETFROM:{}", utc_offset(*offset)));
        lines.push(format!("TZOFFSETTO:{}", utc_offset(*offset)));
        lines.push("END:STANDARD".into());
        lines.push("END:VTIMEZONE".into());
    }
    for event in events {
        let url = format!("{base_url}/events/{}", event.id);
        let host = base_url.split("://").nth(1).unwrap_or(base_url).split('/').next().unwrap_or("canyu");
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:event-{}@{host}", event.id));
        lines.push(format!("DTSTAMP:{}", utc(event.created_at)));
        lines.push(time_line("DTSTART", event.starts_at, zones.get(&event.time_zone)));
        lines.push(time_line("DTEND", event.ends_at, zones.get(&event.time_zone)));
        lines.push(format!("SUMMARY:{}", escape(&event.title)));
        lines.push(format!("LOCATION:{}", escape(&format!("{} {}", event.city, event.venue))));
        let description = if event.description.is_empty() {
            url.clone()
        } else {
            format!("{}\n\n{url}", event.description)
        };
        lines.push(format!("DESCRIPTION:{}", escape(&description)));
        lines.push(format!("URL:{url}"));
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

fn time_line(property: &str, at: Millis, zone: Option<&(Zone, i32)>) -> String {
    match zone {
        Some((zone, offset)) if zone.offset_seconds(at) == *offset => {
            format!("{property};TZID={}:{}", zone.name(), local(zone, at))
        }
        _ => format!("{property}:{}", utc(at)),
    }
}

/// `20261127T220000`: the wall clock in `zone`.
fn local(zone: &Zone, at: Millis) -> String {
    // `2026-11-27T22:00:00+08:00` → its first 19 characters without separators.
    zone.rfc3339(at).chars().take(19).filter(|c| *c != '-' && *c != ':').collect()
}

fn utc(at: Millis) -> String {
    format!("{}Z", local(&Zone::utc(), at))
}

fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    format!("{sign}{:02}{:02}", abs / 3600, abs % 3600 / 60)
}

/// TEXT values: backslash, semicolon, comma and newlines escaped (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets are folded (CRLF and a space), never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, zone: &str, starts_at: Millis) -> Event {
        Event {
            id,
            title: "米粉节, 北京站; 2026".into(),
            kind: "festival".into(),
            city: "北京".into(),
            venue: "国家会议中心".into(),
            starts_at,
            ends_at: starts_at + 3 * 3_600_000,
            time_zone: zone.into(),
            capacity: 100,
            rsvp_opens_at: 0,
            rsvp_closes_at: starts_at,
            max_guests: 0,
            priority_min_level: None,
            priority_hours: 0,
            offer_hours: 24,
            club_id: None,
            club_name: None,
            description: "第一行\n".repeat(30),
            held: 0,
            confirmed: 0,
            offered: 0,
            waitlisted: 0,
            checked_in: 0,
            ticket_public_key: String::new(),
            created_at: 0,
            owners_of: None,
        }
    }

    #[test]
    fn a_calendar_names_the_venue_zone_escapes_text_and_folds_long_lines() {
        // 2026-12-12 11:00 UTC = 19:00 in Beijing.
        let at = 1_765_537_200_000;
        let ics = ics(&[event(7, "Asia/Shanghai", at)], "https://fans.example.com", "米粉活动");
        assert!(ics.contains("DTSTART;TZID=Asia/Shanghai:20251212T190000\r\n"), "{ics}");
        assert!(ics.contains("TZOFFSETTO:+0800"));
        assert!(ics.contains("SUMMARY:米粉节\\, 北京站\\; 2026"));
        assert!(ics.contains("UID:event-7@fans.example.com"));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        // Unfolded, the description is whole.
        assert!(ics.replace("\r\n ", "").contains(&"第一行\\n".repeat(30)));
    }

    #[test]
    fn an_event_at_another_offset_of_its_zone_is_written_in_utc() {
        let winter = 1_765_537_200_000; // December
        let summer = winter + 180 * 86_400_000; // June: Berlin is at +02:00
        let ics =
            ics(&[event(1, "Europe/Berlin", winter), event(2, "Europe/Berlin", summer)], "http://x", "n");
        assert!(ics.contains("DTSTART;TZID=Europe/Berlin:20251212T120000"), "{ics}");
        assert!(ics.contains("DTSTART:20260610T110000Z"), "{ics}");
        assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
    }
}
