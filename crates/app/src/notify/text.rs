//! What a notification says, in the reader's language, and where it leads: the inbox page,
//! the API and the email and webhook workers all use these.

use canyu_core::Locale;
use canyu_store::{Notification, NotificationKind};

/// A path segment, percent-encoded (handles and slugs may hold any character).
pub fn encode_segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where a notification leads: the post it is about, or for a merge the post it went into.
pub fn notification_url(n: &Notification) -> Option<String> {
    use NotificationKind as K;
    if matches!(n.kind, K::BetaAdmitted | K::BetaRejected | K::BetaRemoved) {
        let slug = n.data.get("product").and_then(|v| v.as_str())?;
        return Some(format!("/products/{}/beta", encode_segment(slug)));
    }
    if matches!(n.kind, K::EventOffer | K::EventOfferExpired | K::EventAttendance | K::EventPlaceReleased) {
        let event = n.data.get("event").and_then(|v| v.as_i64())?;
        return Some(format!("/events/{event}"));
    }
    if matches!(n.kind, K::LaunchOrder | K::HoldExpiring | K::PriceProtected) {
        let order = n.data.get("order").and_then(|v| v.as_i64())?;
        return Some(format!("/launch-orders/{order}"));
    }
    if n.kind == K::OrderPlaced || n.kind == K::DrawWon {
        return Some("/orders".to_string());
    }
    if n.kind == K::DeviceHandedOn {
        return Some("/devices".to_string());
    }
    if matches!(n.kind, K::ReferralJoined | K::ReferralRewarded) {
        return Some("/me/referral".to_string());
    }
    if n.kind == K::Announcement {
        let id = n.data.get("announcement").and_then(|v| v.as_i64())?;
        return Some(format!("/announcements/{id}"));
    }
    if n.kind == K::AmaAnswered {
        let ama = n.data.get("ama").and_then(|v| v.as_i64())?;
        let question = n.data.get("question").and_then(|v| v.as_i64())?;
        return Some(format!("/amas/{ama}#q{question}"));
    }
    if n.kind == K::InsightDigest {
        let digest = n.data.get("digest").and_then(|v| v.as_i64())?;
        return Some(format!("/insights/digests/{digest}"));
    }
    if n.kind == K::WaveCancelled || n.kind == K::DrawEntered || n.kind == K::DrawLost {
        let wave = n.data.get("wave").and_then(|v| v.as_i64())?;
        return Some(format!("/waves/{wave}"));
    }
    if n.kind == K::LaunchReminder {
        if let Some(wave) = n.data.get("wave").and_then(|v| v.as_i64()) {
            return Some(format!("/waves/{wave}"));
        }
        let campaign = n.data.get("campaign").and_then(|v| v.as_i64())?;
        return Some(format!("/campaigns/{campaign}"));
    }
    if n.kind == K::WaveOpen {
        let campaign = n.data.get("campaign").and_then(|v| v.as_i64())?;
        return Some(format!("/campaigns/{campaign}"));
    }
    if matches!(n.kind, K::CommentReply | K::NewComment | K::OfficialReply) {
        let comment = n.data.get("comment").and_then(|v| v.as_i64());
        return n.post_id.map(|post| match comment {
            Some(c) => format!("/posts/{post}#c{c}"),
            None => format!("/posts/{post}"),
        });
    }
    match n.data.get("into").and_then(|v| v.as_i64()) {
        Some(into) if n.kind == NotificationKind::PostMerged => Some(format!("/posts/{into}")),
        _ => n.post_id.map(|id| format!("/posts/{id}")),
    }
}

/// One line for an inbox entry, from what was stored with it.
pub fn notification_text(locale: Locale, n: &Notification) -> String {
    use NotificationKind as K;
    let field = |key: &str| n.data.get(key).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let title = field("title");
    match n.kind {
        K::PostMerged => {
            let into = field("into_title");
            match locale {
                Locale::ZhCn => format!("帖子「{title}」已合并到「{into}」，投票已一并转过去。"),
                Locale::En => format!("“{title}” was merged into “{into}”; its votes moved with it."),
            }
        }
        K::PostUnmerged => match locale {
            Locale::ZhCn => format!("帖子「{title}」的合并已撤销，它重新开放了。"),
            Locale::En => format!("The merge of “{title}” was undone; it is open again."),
        },
        K::PostStatus => {
            let to = canyu_core::PostStatus::parse(&field("to")).map(|s| s.label(locale)).unwrap_or_default();
            match locale {
                Locale::ZhCn => format!("帖子「{title}」的状态变为「{to}」。"),
                Locale::En => format!("“{title}” is now {to}."),
            }
        }
        K::PostShipped => {
            let version = field("version");
            match locale {
                Locale::ZhCn => format!("「{title}」已在 {version} 版本上线，感谢你的参与！"),
                Locale::En => format!("“{title}” shipped in {version}. Thank you for taking part!"),
            }
        }
        K::OfficialReply => match locale {
            Locale::ZhCn => format!("官方回复了你的帖子「{title}」。"),
            Locale::En => format!("The team replied to your post “{title}”."),
        },
        K::BetaAdmitted => {
            let product = field("product_name");
            match locale {
                Locale::ZhCn => {
                    format!("欢迎加入 {product} 内测！每周记得提交至少 1 个问题反馈和 1 条建议。")
                }
                Locale::En => format!(
                    "Welcome to the {product} beta! Each week, post at least one bug report and one suggestion."
                ),
            }
        }
        K::BetaRejected => {
            let product = field("product_name");
            match locale {
                Locale::ZhCn => format!("你的 {product} 内测申请这次没有通过。"),
                Locale::En => format!("Your application to the {product} beta was not accepted this time."),
            }
        }
        K::BetaRemoved => {
            let product = field("product_name");
            match locale {
                Locale::ZhCn => format!("你已被移出 {product} 内测（未完成每周任务或由管理员移出）。"),
                Locale::En => {
                    format!(
                        "You were removed from the {product} beta (weekly duties missed, or by the team)."
                    )
                }
            }
        }
        K::LaunchOrder => {
            let order = n.data.get("order").and_then(|v| v.as_i64()).unwrap_or(0);
            let (zh, en) = match field("state").as_str() {
                "paid" => ("已支付", "is paid"),
                "deposited" => ("定金已支付", "has its deposit paid"),
                "locked" => ("已锁单，进入排产队列", "is locked and in the production queue"),
                "refunded" => {
                    ("已退订，定金将原路退回", "was refunded; the deposit goes back the way it came")
                }
                "expired" => (
                    "未在时限内支付，已取消并释放库存",
                    "was not paid in time; it is cancelled and its unit is back on sale",
                ),
                "cancelled" => ("已取消", "was cancelled"),
                "returned" => {
                    ("已办理退货，货款将原路退回", "was returned; the money goes back the way it came")
                }
                "in_production" => ("已开始生产", "is being built"),
                "delivered" => ("已交付，感谢支持！", "was delivered; thank you!"),
                _ => ("状态已更新", "changed"),
            };
            match locale {
                Locale::ZhCn => format!("你的订单 #{order} {zh}。"),
                Locale::En => format!("Your order #{order} {en}."),
            }
        }
        K::PriceProtected => {
            let order = n.data.get("order").and_then(|v| v.as_i64()).unwrap_or(0);
            let yuan = |key: &str| {
                canyu_core::campaign::format_yuan(n.data.get(key).and_then(|v| v.as_i64()).unwrap_or(0))
            };
            let (credit, price) = (yuan("credit_fen"), yuan("price_fen"));
            match locale {
                Locale::ZhCn => format!(
                    "价保：{sku} 降价到 {price}，你的订单 #{order} 获得差价补偿 {credit}。",
                    sku = field("sku")
                ),
                Locale::En => format!(
                    "Price protection: {sku} now costs {price}; your order #{order} is credited the difference, {credit}.",
                    sku = field("sku")
                ),
            }
        }
        K::EventOffer | K::EventOfferExpired | K::EventAttendance | K::EventPlaceReleased => {
            event_text(locale, n, &title)
        }
        K::ReferralJoined => {
            let invitee = field("invitee");
            match locale {
                Locale::ZhCn => format!(
                    "{invitee} 接受你的邀请加入了：TA 的首单过了 7 天无理由退货期（或锁单）后，你将获得邀请奖励。"
                ),
                Locale::En => format!(
                    "{invitee} joined with your invitation: your reward vests once their first order is past the 7-day return window (or locked)."
                ),
            }
        }
        K::ReferralRewarded => {
            let invitee = field("invitee");
            let points = n.data.get("points").and_then(|v| v.as_i64()).unwrap_or(0);
            match locale {
                Locale::ZhCn => {
                    format!("你邀请的 {invitee} 已达标，你获得 {points} 积分，谢谢你把米粉带进来。")
                }
                Locale::En => format!(
                    "{invitee}, whom you invited, qualified: you earned {points} points. Thank you for bringing them."
                ),
            }
        }
        K::InsightDigest => digest_text(locale, n),
        K::Announcement => {
            let (handle, title, excerpt) = (field("handle"), field("title"), field("excerpt"));
            match locale {
                Locale::ZhCn => format!("{handle}（{title}）发布了动态：{excerpt}"),
                Locale::En => format!("{handle} ({title}) posted an announcement: {excerpt}"),
            }
        }
        K::AmaAnswered => {
            let (host, title, excerpt) = (field("host"), field("title"), field("excerpt"));
            match locale {
                Locale::ZhCn => format!("{host} 在 AMA「{title}」里回答了你关心的问题：{excerpt}"),
                Locale::En => {
                    format!("{host} answered a question you care about in the AMA \"{title}\": {excerpt}")
                }
            }
        }
        K::DeviceHandedOn => {
            let (from, product) = (field("from"), field("product_name"));
            match locale {
                Locale::ZhCn => format!(
                    "{from} 把 {product} 转给了你：在「我的设备」输入它的序列号即可绑定，无需等待冷静期。"
                ),
                Locale::En => format!(
                    "{from} handed their {product} on to you: bind it under My devices with its serial number, no cooling-off."
                ),
            }
        }
        K::HoldExpiring => {
            let order = n.data.get("order").and_then(|v| v.as_i64()).unwrap_or(0);
            let left =
                n.data.get("expires_at").and_then(|v| v.as_i64()).unwrap_or(n.created_at) - n.created_at;
            let minutes = (left.max(0) as u64).div_ceil(60_000).max(1);
            match locale {
                Locale::ZhCn => {
                    format!("你的订单 #{order} 还有约 {minutes} 分钟支付时间，逾期将自动取消并释放库存。")
                }
                Locale::En => format!(
                    "Your order #{order} has about {minutes} minutes left to be paid; after that it is cancelled and its unit goes back on sale."
                ),
            }
        }
        K::LaunchReminder => {
            let product = field("product_name");
            if n.data.get("wave").is_some_and(|w| !w.is_null()) {
                let wave = format!("{product} {}", field("sku"));
                let wave = wave.trim();
                match locale {
                    Locale::ZhCn => format!("你预约提醒的「{wave}」马上开售，数量有限，先到先得。"),
                    Locale::En => format!(
                        "“{wave}”, which you asked to be reminded of, goes on sale now. Stock is limited."
                    ),
                }
            } else {
                let title = field("title");
                match locale {
                    Locale::ZhCn => format!("「{title}」开始预约了，预约后才能参与首发。"),
                    Locale::En => {
                        format!("“{title}” opens reservations now: reserve to take part in the launch.")
                    }
                }
            }
        }
        K::CommentReply => {
            let who = n.actor_handle.clone().unwrap_or_default();
            match locale {
                Locale::ZhCn => format!("{who} 回复了你在「{title}」下的评论。"),
                Locale::En => format!("{who} replied to your comment on “{title}”."),
            }
        }
        K::NewComment => {
            let who = n.actor_handle.clone().unwrap_or_default();
            match locale {
                Locale::ZhCn => format!("{who} 评论了「{title}」。"),
                Locale::En => format!("{who} commented on “{title}”."),
            }
        }
        K::WaveCancelled => {
            let (product, sku, reason) = (field("product_name"), field("sku"), field("reason"));
            let reason = reason.trim_end_matches(['。', '.']);
            let wave = format!("{product} {sku}");
            let wave = wave.trim();
            match (locale, reason.is_empty()) {
                (Locale::ZhCn, true) => {
                    format!("「{wave}」这一轮发售已撤销，不会开售；你的 F 码或预约随之作废。")
                }
                (Locale::ZhCn, false) => {
                    format!("「{wave}」这一轮发售已撤销，不会开售：{reason}。你的 F 码或预约随之作废。")
                }
                (Locale::En, true) => {
                    format!(
                        "The “{wave}” wave was cancelled and will not go on sale; your F-code or reservation for it lapses."
                    )
                }
                (Locale::En, false) => format!(
                    "The “{wave}” wave was cancelled and will not go on sale: {reason}. Your F-code or reservation for it lapses."
                ),
            }
        }
        K::OrderPlaced => {
            let order = n.data.get("order").and_then(|v| v.as_i64()).unwrap_or(0);
            let item = wave_item(n);
            let price = n.data.get("price_fen").and_then(|v| v.as_i64());
            match (locale, price) {
                (Locale::ZhCn, Some(fen)) => {
                    format!(
                        "下单成功：{item}，订单 #{order}，价格 {}。",
                        canyu_core::campaign::format_yuan(fen)
                    )
                }
                (Locale::ZhCn, None) => format!("下单成功：{item}，订单 #{order}。"),
                (Locale::En, Some(fen)) => {
                    format!("Order #{order} placed: {item}, {}.", canyu_core::campaign::format_yuan(fen))
                }
                (Locale::En, None) => format!("Order #{order} placed: {item}."),
            }
        }
        K::DrawEntered => {
            let item = wave_item(n);
            let at = field("draws_at_local");
            let zone = field("zone");
            let when = format!("{at} {}", canyu_core::time::zone_label(locale, &zone));
            match locale {
                Locale::ZhCn => format!("你已参与「{item}」抽签，开奖时间 {}。", when.trim()),
                Locale::En => format!("You entered the “{item}” draw; it is drawn at {}.", when.trim()),
            }
        }
        K::DrawWon => {
            let item = wave_item(n);
            let order = n.data.get("order").and_then(|v| v.as_i64()).unwrap_or(0);
            match locale {
                Locale::ZhCn => format!("恭喜！你在「{item}」抽签中签，订单 #{order} 已为你保留。"),
                Locale::En => format!("You won the “{item}” draw! Order #{order} is yours."),
            }
        }
        K::DrawLost => {
            let item = wave_item(n);
            match locale {
                Locale::ZhCn => format!("「{item}」已开奖，这次没有中签，感谢参与。"),
                Locale::En => format!(
                    "The “{item}” draw was made; you were not picked this time. Thank you for taking part."
                ),
            }
        }
        K::WaveOpen => {
            let lane_zh = if field("lane") == "fan" { "粉丝通道" } else { "普通通道" };
            let lane_en = if field("lane") == "fan" { "fan lane" } else { "general lane" };
            match locale {
                Locale::ZhCn => format!("「{title}」开售了：你预约的{lane_zh}现在可以下单。"),
                Locale::En => format!("“{title}” is on sale: your {lane_en} can order now."),
            }
        }
    }
}

/// What a wave notice is about: `产品名 SKU名` (either may be missing in old rows).
fn wave_item(n: &Notification) -> String {
    let field = |key: &str| n.data.get(key).and_then(|v| v.as_str()).unwrap_or("").trim().to_string();
    let (product, sku) = (field("product_name"), field("sku"));
    format!("{product} {sku}").trim().to_string()
}

/// What a fan-event notice says; times in the venue's zone.
fn event_text(locale: Locale, n: &Notification, title: &str) -> String {
    use NotificationKind as K;
    let zone = n
        .data
        .get("time_zone")
        .and_then(|v| v.as_str())
        .and_then(|z| canyu_core::time::Zone::parse(z).ok())
        .unwrap_or_else(canyu_core::time::Zone::china);
    let at =
        |key: &str| n.data.get(key).and_then(|v| v.as_i64()).map(|t| zone.datetime(t)).unwrap_or_default();
    let zone_name = canyu_core::time::zone_label(locale, zone.name());
    let (starts, expires) = (at("starts_at"), at("expires_at"));
    let note = n.data.get("note").and_then(|v| v.as_str()).unwrap_or("");
    match (n.kind, locale) {
        (K::EventOffer, Locale::ZhCn) => format!(
            "「{title}」空出了名额，留给了你：请在 {expires}（{zone_name}）前确认，逾期名额会顺延给下一位。"
        ),
        (K::EventOffer, Locale::En) => format!(
            "A place at “{title}” freed up and is offered to you: confirm by {expires} ({zone_name}) or it passes to the next fan."
        ),
        (K::EventOfferExpired, Locale::ZhCn) => {
            format!("「{title}」留给你的名额已过确认时限，顺延给了下一位。你可以重新报名候补。")
        }
        (K::EventOfferExpired, Locale::En) => format!(
            "The place offered to you at “{title}” was not confirmed in time and passed on. You may join the waitlist again."
        ),
        (K::EventAttendance, Locale::ZhCn) => format!(
            "「{title}」将于 {starts}（{zone_name}）开始。还来吗？请确认出席；未确认的名额会在开始前 24 小时让给候补的米粉。"
        ),
        (K::EventAttendance, Locale::En) => format!(
            "“{title}” starts at {starts} ({zone_name}). Still coming? Confirm; unconfirmed places go to the waitlist 24 hours before the start."
        ),
        (K::EventPlaceReleased, Locale::ZhCn) if !note.is_empty() => {
            format!("你在「{title}」的名额已被活动方取消：{note}")
        }
        (K::EventPlaceReleased, Locale::En) if !note.is_empty() => {
            format!("Your place at “{title}” was cancelled by the organisers: {note}")
        }
        (_, Locale::ZhCn) => format!("你没有确认出席「{title}」，名额已让给候补的米粉。"),
        (_, Locale::En) => {
            format!("You did not confirm you would come to “{title}”, so your place went to the waitlist.")
        }
    }
}

/// The weekly digest's line: enough to act on from a phone's lock screen or a group chat.
fn digest_text(locale: Locale, n: &Notification) -> String {
    let field = |key: &str| n.data.get(key).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let (product, from, to) = (field("product_name"), field("from"), field("to"));
    let posts = n.data.get("posts").and_then(|v| v.as_i64()).unwrap_or(0);
    let negative = n.data.get("negative_share").and_then(|v| v.as_f64()).map(|s| (s * 100.0).round() as i64);
    let words: Vec<&str> = n
        .data
        .get("keywords")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|w| w.as_str()).collect())
        .unwrap_or_default();
    match locale {
        Locale::ZhCn => {
            let mut line = format!("{product} 反馈周报（{from} 至 {to}）：新反馈 {posts} 条");
            if let Some(p) = negative {
                line.push_str(&format!("，负面占 {p}%"));
            }
            if !words.is_empty() {
                line.push_str(&format!("；上升关键词：{}", words.join("、")));
            }
            line.push('。');
            line
        }
        Locale::En => {
            let mut line = format!("{product} feedback digest ({from} to {to}): {posts} new posts");
            if let Some(p) = negative {
                line.push_str(&format!(", {p}% negative"));
            }
            if !words.is_empty() {
                line.push_str(&format!("; rising: {}", words.join(", ")));
            }
            line.push('.');
            line
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canyu_core::Locale;
    use serde_json::json;

    fn notice(kind: NotificationKind, data: serde_json::Value) -> Notification {
        Notification { id: 1, kind, post_id: None, actor_handle: None, data, created_at: 0, read_at: None }
    }

    #[test]
    fn an_order_state_reads_with_a_space_after_its_number() {
        let n = notice(NotificationKind::LaunchOrder, json!({"order": 1, "state": "paid"}));
        assert_eq!(notification_text(Locale::ZhCn, &n), "你的订单 #1 已支付。");
        assert_eq!(notification_text(Locale::En, &n), "Your order #1 is paid.");
    }

    #[test]
    fn an_order_notice_names_the_product_and_sku_and_the_price_when_there_is_one() {
        let priced = notice(
            NotificationKind::OrderPlaced,
            json!({"order": 12, "wave": 3, "product_name": "小米 SU7", "sku": "标准版", "price_fen": 21_590_000}),
        );
        assert_eq!(
            notification_text(Locale::ZhCn, &priced),
            "下单成功：小米 SU7 标准版，订单 #12，价格 ¥215,900。"
        );
        assert_eq!(notification_text(Locale::En, &priced), "Order #12 placed: 小米 SU7 标准版, ¥215,900.");
        assert_eq!(notification_url(&priced).as_deref(), Some("/orders"));
        let plain = notice(
            NotificationKind::OrderPlaced,
            json!({"order": 7, "wave": 3, "product_name": "小米 15", "sku": "", "price_fen": null}),
        );
        assert_eq!(notification_text(Locale::ZhCn, &plain), "下单成功：小米 15，订单 #7。");
    }

    #[test]
    fn draw_notices_say_when_it_is_drawn_on_the_sites_clock_and_how_it_went() {
        let facts = json!({"wave": 5, "product_name": "小米 SU7", "sku": "米粉专享",
                           "draws_at_local": "2026-12-07 20:00", "zone": "Asia/Shanghai"});
        let entered = notice(NotificationKind::DrawEntered, facts.clone());
        assert_eq!(
            notification_text(Locale::ZhCn, &entered),
            "你已参与「小米 SU7 米粉专享」抽签，开奖时间 2026-12-07 20:00 北京时间。"
        );
        assert!(notification_text(Locale::En, &entered).ends_with("2026-12-07 20:00 China time."));
        assert_eq!(notification_url(&entered).as_deref(), Some("/waves/5"));
        let mut won = facts.clone();
        won["order"] = json!(9);
        let won = notice(NotificationKind::DrawWon, won);
        assert!(notification_text(Locale::ZhCn, &won).contains("中签，订单 #9"));
        assert_eq!(notification_url(&won).as_deref(), Some("/orders"));
        let lost = notice(NotificationKind::DrawLost, facts);
        assert!(notification_text(Locale::ZhCn, &lost).contains("没有中签"));
        assert_eq!(notification_url(&lost).as_deref(), Some("/waves/5"));
    }

    #[test]
    fn each_beta_welcome_names_its_product() {
        let su7 = notice(
            NotificationKind::BetaAdmitted,
            json!({"product": "xiaomi-su7", "product_name": "小米 SU7"}),
        );
        let band = notice(
            NotificationKind::BetaAdmitted,
            json!({"product": "band-9", "product_name": "小米手环 9"}),
        );
        let (a, b) = (notification_text(Locale::ZhCn, &su7), notification_text(Locale::ZhCn, &band));
        assert!(a.contains("小米 SU7") && b.contains("小米手环 9") && a != b, "{a} / {b}");
    }
}
