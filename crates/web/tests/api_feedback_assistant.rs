//! The feedback assistant over HTTP on both backends: the weekly digest of a hand-made
//! fixture (posts, rising word, negative share, rising demand, quotes) made once per product
//! and week at Monday 09:00 China time however many nodes race for it, announced in the
//! manager's inbox and to the product's webhook once; and "ask the feedback" grouping a
//! question's complaints into themes with trends and quotes. Staff only, everywhere.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_core::time::parse_rfc3339;
use common::{TestApp, backends, error_code};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

fn clock_at(app: &TestApp, at: &str) {
    let target = parse_rfc3339(at).unwrap();
    app.clock_offset.store(target - canyu_app::now_millis(), Ordering::Relaxed);
}

/// A page as a bearer-token caller sees it: status and HTML.
async fn page(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Winter range complaints: plainly negative, each in its own words.
const WINTER: [(&str, &str); 12] = [
    ("冬天续航掉得太厉害", "冬天开暖气续航直接少了一半，太失望了。"),
    ("冬天续航缩水严重", "零下五度冬天出门，续航只剩标称的六成，很差。"),
    ("冬季续航太差", "冬天早上冷车，续航显示掉得离谱，非常不满。"),
    ("冬天掉电快", "冬天停一晚上掉了十几公里续航，很糟糕。"),
    ("冬天续航虚标", "冬天续航和宣传差太多，感觉被骗了，失望。"),
    ("冬天高速续航崩了", "冬天跑高速，续航掉得飞快，太差劲了。"),
    ("冬天续航焦虑", "冬天每天都在担心续航不够，体验很差。"),
    ("冬天续航不准", "冬天续航预估完全不准，开着开着就没电了，很烦。"),
    ("冬天热泵没用", "冬天开了热泵续航还是掉很多，很失望。"),
    ("冬天续航问题", "冬天续航实在太差了，希望尽快优化，不然很难受。"),
    ("冬天预热耗电", "冬天远程预热太耗电，续航一下子少一截，很差。"),
    ("冬天续航打折", "一到冬天续航就打对折，太让人失望了。"),
];

/// Last week's posts: about the seats, none mentions winter.
const SEATS: [(&str, &str); 10] = [
    ("座椅通风", "座椅通风很好用，夏天很舒服。"),
    ("座椅加热", "座椅加热速度很快，满意。"),
    ("座椅按摩", "希望增加座椅按摩功能。"),
    ("后排座椅", "后排座椅角度可以再调大一点。"),
    ("座椅记忆", "座椅记忆功能很方便，好评。"),
    ("座椅材质", "座椅材质摸起来很高级，喜欢。"),
    ("副驾座椅", "副驾座椅希望有腿托。"),
    ("座椅调节", "座椅电动调节很顺滑，不错。"),
    ("儿童座椅", "儿童座椅接口好找，很贴心。"),
    ("座椅头枕", "头枕音响效果很好，点赞。"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_weekly_digest_reports_last_week_once_across_nodes() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let (s, r) = app
            .post(
                "/api/v1/webhooks",
                Some(&staff),
                json!({"product": "xiaomi-su7", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/x", "format": "feishu"}),
            )
            .await;
        assert_eq!(s, 201, "{r}");
        let mut fans = Vec::new();
        for i in 0..12 {
            fans.push(app.register(&format!("digest_fan_{i:02}")).await);
        }
        // Week of Monday 2026-11-16: seat posts. Week of 2026-11-23: winter complaints, the
        // first posted on Monday 00:00:05 China time (Sunday 16:00 UTC: last week in UTC).
        for (i, (title, body)) in SEATS.iter().enumerate() {
            clock_at(&app, &format!("2026-11-{:02}T12:00:00+08:00", 16 + i % 7));
            app.create_post(&fans[i], title, body).await;
        }
        let mut winter = Vec::new();
        for (i, (title, body)) in WINTER.iter().enumerate() {
            let at = if i == 0 {
                "2026-11-23T00:00:05+08:00".to_string()
            } else {
                format!("2026-11-{:02}T15:00:00+08:00", 23 + i % 7)
            };
            clock_at(&app, &at);
            winter.push(app.create_post(&fans[i], title, body).await);
        }
        // The most voted winter posts are its quotes: post 5 gets three votes, post 2 two.
        clock_at(&app, "2026-11-28T10:00:00+08:00");
        for (post, voters) in [(winter[5], 3), (winter[2], 2)] {
            for fan in fans.iter().rev().take(voters) {
                let (s, r) = app
                    .call(reqwest::Method::PUT, &format!("/api/v1/posts/{post}/vote"), Some(fan), None)
                    .await;
                assert!(s == 200 || s == 204, "{s} {r}");
            }
        }
        clock_at(&app, "2026-11-30T08:00:00+08:00");
        canyu_app::demands::rebuild_all(&app.state).await.unwrap();

        // Monday 08:59 China time: the week before last is the latest due (and is made, since
        // it was never sent); last week's is not due yet.
        clock_at(&app, "2026-11-30T08:59:00+08:00");
        let early = canyu_app::insights::digest::send_due(&app.state).await.unwrap();
        assert_eq!(early.len(), 1);
        let (s, first) = app.get(&format!("/api/v1/insights/digests/{}", early[0]), Some(&staff)).await;
        assert_eq!(s, 200, "{first}");
        assert_eq!((first["from"].as_str(), first["to"].as_str()), (Some("2026-11-16"), Some("2026-11-22")));
        assert_eq!((first["posts"].as_i64(), first["posts_last_week"].as_i64()), (Some(10), Some(0)));
        assert_eq!(first["negative_share_last_week"], Value::Null);

        // 09:00 on two nodes at once: one digest for last week, announced once.
        let other = app.another_node().await;
        clock_at(&app, "2026-11-30T09:00:00+08:00");
        clock_at(&other, "2026-11-30T09:00:00+08:00");
        let (a, b) = tokio::join!(
            canyu_app::insights::digest::send_due(&app.state),
            canyu_app::insights::digest::send_due(&other.state)
        );
        let made: Vec<i64> = a.unwrap().into_iter().chain(b.unwrap()).collect();
        assert_eq!(made.len(), 1, "{made:?}");
        assert!(canyu_app::insights::digest::send_due(&app.state).await.unwrap().is_empty());

        let (s, d) = app.get(&format!("/api/v1/insights/digests/{}", made[0]), Some(&staff)).await;
        assert_eq!(s, 200, "{d}");
        assert_eq!((d["from"].as_str(), d["to"].as_str()), (Some("2026-11-23"), Some("2026-11-29")));
        assert_eq!(d["product"], "xiaomi-su7");
        assert_eq!((d["posts"].as_i64(), d["posts_last_week"].as_i64()), (Some(12), Some(10)));
        // Every winter post complains; of the seat posts only the requests without praise may
        // read as negative, and never more than half of them.
        assert_eq!(d["negative_share"].as_f64(), Some(1.0), "{d}");
        assert!(d["negative_share_last_week"].as_f64().unwrap() < 0.5, "{d}");
        let keywords = d["keywords"].as_array().unwrap();
        let winter_word = keywords.iter().find(|k| k["word"] == "冬天").unwrap_or_else(|| panic!("{d}"));
        assert_eq!(
            (winter_word["posts"].as_i64(), winter_word["posts_last_week"].as_i64()),
            (Some(12), Some(0))
        );
        assert!(winter_word["g2"].as_f64().unwrap() >= 10.83);
        let quotes: Vec<i64> = winter_word["quotes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["post_id"].as_i64().unwrap())
            .collect();
        assert_eq!(quotes.len(), 3);
        assert_eq!(quotes[..2], [winter[5], winter[2]], "most voted first: {d}");
        for q in winter_word["quotes"].as_array().unwrap() {
            assert!(q["quote"].as_str().unwrap().contains("冬"), "{q}");
        }
        // "座椅" fell: it is not rising.
        assert!(keywords.iter().all(|k| k["word"] != "座椅"), "{d}");
        let demands = d["demands"].as_array().unwrap();
        assert!(!demands.is_empty(), "{d}");
        let top = &demands[0];
        assert!(top["fans"].as_i64().unwrap() > top["fans_last_week"].as_i64().unwrap(), "{top}");
        assert_eq!(top["new"], true, "{top}");

        // The manager heard of each digest once; the webhook got one job per digest.
        let (_, inbox) = app.get("/api/v1/me/notifications", Some(&staff)).await;
        let digests: Vec<&Value> =
            inbox["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "insights.digest").collect();
        assert_eq!(digests.len(), 2, "{inbox}");
        assert!(digests[0]["message"].as_str().unwrap().contains("12 new posts"), "{inbox}");
        let jobs = app.store.job_counts().await.unwrap();
        let webhook_jobs: i64 = jobs.iter().filter(|(c, _, _)| c == "webhook").map(|(_, _, n)| n).sum();
        assert_eq!(webhook_jobs, 2 + 22, "one per digest plus one per post: {jobs:?}");

        // The list, newest week first; the pages for staff.
        let (s, list) = app.get("/api/v1/insights/digests?product=xiaomi-su7", Some(&staff)).await;
        assert_eq!(s, 200);
        let ids: Vec<i64> = list.as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, vec![made[0], early[0]]);
        let (s, html) = page(&app, &format!("/insights/digests/{}", made[0]), Some(&staff)).await;
        assert_eq!(s, 200);
        assert!(html.contains("冬天") && html.contains("2026-11-23"), "{html}");

        // Refusals.
        let fan = &fans[0];
        for path in ["/api/v1/insights/digests", &format!("/api/v1/insights/digests/{}", made[0])] {
            let (s, r) = app.get(path, Some(fan)).await;
            assert_eq!((s, error_code(&r)), (403, "forbidden"), "{path} {r}");
            let (s, _) = app.get(path, None).await;
            assert_eq!(s, 401, "{path}");
        }
        for missing in ["999999", "0", "abc"] {
            let (s, r) = app.get(&format!("/api/v1/insights/digests/{missing}"), Some(&staff)).await;
            assert_eq!((s, error_code(&r)), (404, "digest_not_found"), "{r}");
        }
        let (s, r) = app.get("/api/v1/insights/digests?product=nope", Some(&staff)).await;
        assert_eq!((s, error_code(&r)), (422, "unknown_product"), "{r}");
        let (s, _) = page(&app, "/insights/digests", Some(fan)).await;
        assert_eq!(s, 403);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn asking_the_feedback_groups_complaints_into_themes() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let mut fans = Vec::new();
        for i in 0..12 {
            fans.push(app.register(&format!("ask_fan_{i:02}")).await);
        }
        clock_at(&app, "2026-11-25T12:00:00+08:00");
        let mut winter = Vec::new();
        for (i, (title, body)) in WINTER.iter().enumerate().take(8) {
            winter.push(app.create_post(&fans[i], title, body).await);
        }
        let highway = [
            ("高速续航太差", "高速一百二续航掉得很快，很失望。"),
            ("跑高速续航缩水", "高速上续航缩水一半，太差了。"),
            ("高速续航不满", "高速续航和宣传差距太大，很不满。"),
            ("高速电耗高续航短", "高速电耗太高，续航很短，失望。"),
        ];
        let mut fast = Vec::new();
        for (i, (title, body)) in highway.iter().enumerate() {
            fast.push(app.create_post(&fans[8 + i], title, body).await);
        }
        // Praise of the range, and a post that does not mention it.
        app.create_post(&fans[0], "续航很满意", "夏天续航很扎实，非常满意，好评。").await;
        app.create_post(&fans[1], "座椅很舒服", "座椅通风很好用。").await;
        // One winter post is a week older: its theme's trend has two weeks.
        clock_at(&app, "2026-11-18T12:00:00+08:00");
        let older =
            app.create_post(&fans[2], "冬天续航少了好多", "刚入冬续航就少了好多，太差了，很失望。").await;
        clock_at(&app, "2026-11-26T12:00:00+08:00");

        let ask =
            |q: &str| format!("/api/v1/insights/ask?{}", serde_urlencoded::to_string([("q", q)]).unwrap());
        let (s, a) = app.get(&ask("续航有什么抱怨？"), Some(&staff)).await;
        assert_eq!(s, 200, "{a}");
        assert_eq!(a["terms"], json!(["续航"]));
        assert_eq!(a["tone"], "negative");
        assert_eq!(a["matched"], 14, "every post saying 续航, praise included: {a}");
        assert_eq!(a["grouped"], 13, "the complaints: {a}");
        let themes = a["themes"].as_array().unwrap();
        let theme = |word: &str| {
            themes.iter().find(|t| t["keywords"][0] == word).unwrap_or_else(|| panic!("no theme {word}: {a}"))
        };
        assert_eq!(theme("冬天")["posts"], 9, "{a}");
        assert_eq!(theme("高速")["posts"], 4, "{a}");
        let total: i64 = themes.iter().map(|t| t["posts"].as_i64().unwrap()).sum();
        assert_eq!(total, 13);
        // Twelve weeks, this one (of 2026-11-23) last; the older post in the week before.
        let weeks = a["weeks"].as_array().unwrap();
        assert_eq!((weeks.len(), weeks[11].as_str()), (12, Some("2026-11-23")));
        let trend = theme("冬天")["trend"].as_array().unwrap().clone();
        assert_eq!((trend[10].as_i64(), trend[11].as_i64()), (Some(1), Some(8)), "{a}");
        for q in theme("高速")["quotes"].as_array().unwrap() {
            assert!(fast.contains(&q["post_id"].as_i64().unwrap()), "{q}");
            assert!(q["quote"].as_str().unwrap().contains("高速"), "{q}");
        }
        let winter_quotes: Vec<i64> = theme("冬天")["quotes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["post_id"].as_i64().unwrap())
            .collect();
        assert!(winter_quotes.iter().all(|id| winter.contains(id) || *id == older), "{a}");

        // Praise asked for: only the praise.
        let (_, p) = app.get(&ask("续航有哪些好评"), Some(&staff)).await;
        assert_eq!((p["tone"].as_str(), p["grouped"].as_i64()), (Some("positive"), Some(1)), "{p}");

        // The page answers the same, with a sparkline per theme.
        let (s, html) = page(
            &app,
            "/insights/ask?q=%E7%BB%AD%E8%88%AA%E6%9C%89%E4%BB%80%E4%B9%88%E6%8A%B1%E6%80%A8",
            Some(&staff),
        )
        .await;
        assert_eq!(s, 200);
        assert!(html.contains("<polyline") && html.contains("冬天"), "{html}");

        // Refusals: no question, a question of only question words, too long, unknown product.
        for (path, code) in [
            ("/api/v1/insights/ask".to_string(), "invalid_question"),
            (ask("什么"), "invalid_question"),
            (ask(&"续".repeat(101)), "invalid_question"),
        ] {
            let (s, r) = app.get(&path, Some(&staff)).await;
            assert_eq!((s, error_code(&r)), (400, code), "{path} {r}");
        }
        let (s, r) = app.get(&format!("{}&product=nope", ask("续航")), Some(&staff)).await;
        assert_eq!((s, error_code(&r)), (422, "unknown_product"), "{r}");
        let (s, r) = app.get(&ask("续航"), Some(&fans[0])).await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"), "{r}");
        let (s, _) = app.get(&ask("续航"), None).await;
        assert_eq!(s, 401);
        let (s, _) = page(&app, "/insights/ask?q=x", Some(&fans[0])).await;
        assert_eq!(s, 403);
    }
}
