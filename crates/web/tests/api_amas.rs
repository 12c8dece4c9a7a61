//! AMAs over HTTP on both backends: staff schedule, fans ask and vote only while questions are
//! open, one vote per fan per question (exact under 300 fans voting at once), never one's own;
//! only the host and staff answer, hide, merge and post; a hidden question never reaches fans;
//! merges carry votes as a union; the live stream shows an answer without a reload.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use common::{TestApp, backends, error_code};
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

const HOUR: i64 = 3_600_000;

async fn put(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    app.call(Method::PUT, path, Some(token), None).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    app.call(Method::DELETE, path, Some(token), None).await
}

fn rfc3339(ms: i64) -> String {
    canyu_core::time::rfc3339(ms)
}

/// An AMA hosted by `host` whose questions open in an hour, starting in two, ending in three.
async fn schedule(app: &TestApp, staff: &str, host: &str) -> i64 {
    let now = canyu_app::now_millis() + app.clock_offset.load(Ordering::Relaxed);
    let (s, r) = app
        .post(
            "/api/v1/amas",
            Some(staff),
            json!({
                "title": "雷军：关于 SU7 的一切", "description": "**今晚八点**，有问必答。", "host": host,
                "questions_open_at": rfc3339(now + HOUR), "starts_at": rfc3339(now + 2 * HOUR),
                "ends_at": rfc3339(now + 3 * HOUR),
            }),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!((r["phase"].as_str(), r["host"].as_str()), (Some("upcoming"), Some(host)), "{r}");
    r["id"].as_i64().unwrap()
}

fn advance(app: &TestApp, ms: i64) {
    app.clock_offset.fetch_add(ms, Ordering::Relaxed);
}

async fn ask(app: &TestApp, ama: i64, token: &str, body: &str) -> i64 {
    let (s, r) = app.post(&format!("/api/v1/amas/{ama}/questions"), Some(token), json!({"body": body})).await;
    assert_eq!(s, 201, "{r}");
    r["id"].as_i64().unwrap()
}

async fn listed(app: &TestApp, ama: i64, token: Option<&str>, sort: &str) -> Vec<(i64, i64, String)> {
    let (s, r) = app.get(&format!("/api/v1/amas/{ama}/questions?sort={sort}&limit=100"), token).await;
    assert_eq!(s, 200, "{r}");
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (q["id"].as_i64().unwrap(), q["votes"].as_i64().unwrap(), q["status"].as_str().unwrap().into())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_ama_takes_questions_votes_and_answers_from_its_host() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let host = app.register("雷军").await;
        let [a, b, c, d] = [
            app.register("米粉甲").await,
            app.register("米粉乙").await,
            app.register("米粉丙").await,
            app.register("米粉丁").await,
        ];

        // Scheduling is for staff, with a real host and times in order.
        let (s, r) = app
            .post(
                "/api/v1/amas",
                Some(&a),
                json!({"title": "我的 AMA", "host": "米粉甲", "questions_open_at": "2026-12-12T19:00",
                       "starts_at": "2026-12-12T20:00", "ends_at": "2026-12-12T21:00"}),
            )
            .await;
        assert_eq!((s, error_code(&r)), (403, "forbidden"), "{r}");
        let res = app
            .client
            .post(app.url("/api/v1/amas"))
            .bearer_auth(&staff)
            .header("accept-language", "zh-CN")
            .json(&json!({"title": "雷军 AMA", "host": "雷军", "questions_open_at": "2026-12-12T21:00",
                          "starts_at": "2026-12-12T20:00", "ends_at": "2026-12-12T22:00"}))
            .send()
            .await
            .unwrap();
        let (s, r) = common::to_json(res).await;
        assert_eq!((s, error_code(&r)), (422, "invalid_ama_schedule"), "{r}");
        assert!(r["error"]["message"].as_str().unwrap().contains("开放提问"), "{r}");
        let (s, r) = app
            .post(
                "/api/v1/amas",
                Some(&staff),
                json!({"title": "雷军 AMA", "host": "nobody_here", "questions_open_at": "2026-12-12T19:00",
                       "starts_at": "2026-12-12T20:00", "ends_at": "2026-12-12T21:00"}),
            )
            .await;
        assert_eq!((s, error_code(&r)), (422, "invalid_ama_host"), "{r}");
        let ama = schedule(&app, &staff, "雷军").await;
        let (_, r) = app.get(&format!("/api/v1/amas/{ama}"), None).await;
        assert!(r["description_html"].as_str().unwrap().contains("<strong>今晚八点</strong>"), "{r}");
        let (s, r) = app.get("/api/v1/amas/999999", None).await;
        assert_eq!((s, error_code(&r)), (404, "ama_not_found"), "{r}");

        // Not before questions open.
        let path = format!("/api/v1/amas/{ama}/questions");
        let (s, r) = app.post(&path, Some(&a), json!({"body": "SU7 冬天续航能打几折？"})).await;
        assert_eq!((s, error_code(&r)), (409, "ama_not_open"), "{r}");
        advance(&app, HOUR);
        let (_, r) = app.get(&format!("/api/v1/amas/{ama}"), None).await;
        assert_eq!(r["phase"], json!("collecting"), "{r}");
        let (s, r) = app.post(&path, Some(&a), json!({"body": "续航"})).await;
        assert_eq!((s, error_code(&r)), (422, "invalid_ama_question"), "{r}");
        let winter = ask(&app, ama, &a, "SU7 冬天续航能打几折？").await;
        let seats = ask(&app, ama, &b, "后排座椅能加通风吗？").await;
        let offtopic = ask(&app, ama, &c, "雷总今晚吃什么？？？").await;
        let winter_again = ask(&app, ama, &d, "北方冬天开 SU7 续航掉多少？").await;
        for i in 0..4 {
            ask(&app, ama, &c, &format!("第 {i} 个问题：车机会开放应用吗？")).await;
        }
        let (s, r) = app.post(&path, Some(&c), json!({"body": "第六个问题：还能问吗？"})).await;
        assert_eq!((s, error_code(&r)), (409, "ama_question_limit"), "{r}");

        // Votes: once per fan, never one's own, taken back idempotently.
        let vote = |q: i64| format!("/api/v1/amas/{ama}/questions/{q}/vote");
        let (s, r) = put(&app, &vote(winter), &a).await;
        assert_eq!((s, error_code(&r)), (422, "cannot_vote_own_question"), "{r}");
        for t in [&b, &b, &c] {
            let (s, r) = put(&app, &vote(winter), t).await;
            assert_eq!(s, 200, "{r}");
        }
        let (_, r) = put(&app, &vote(winter_again), &a).await;
        assert_eq!(r["votes"], json!(1), "{r}");
        let (_, r) = put(&app, &vote(winter_again), &b).await;
        assert_eq!(r["votes"], json!(2), "{r}");
        let (_, r) = delete(&app, &vote(seats), &a).await;
        assert_eq!((&r["votes"], &r["voted"]), (&json!(0), &json!(false)), "{r}");
        let top = listed(&app, ama, None, "top").await;
        assert_eq!(top[0], (winter, 2, "open".into()), "{top:?}");
        assert_eq!(top[1], (winter_again, 2, "open".into()), "{top:?}");
        let (_, r) = app.get(&format!("/api/v1/amas/{ama}/questions?limit=2"), Some(&b)).await;
        assert_eq!(r["items"][0]["voted"], json!(true), "{r}");
        let (s, r) = app.get(&format!("/api/v1/amas/{ama}/questions?sort=hot"), None).await;
        assert_eq!((s, error_code(&r)), (400, "invalid_ama_sort"), "{r}");

        // Only the host and staff answer; the asker and the voters hear of it, once.
        let answer = |q: i64| format!("/api/v1/amas/{ama}/questions/{q}/answer");
        let (s, r) = app.post(&answer(winter), Some(&b), json!({"body": "我来回答"})).await;
        assert_eq!((s, error_code(&r)), (403, "not_ama_host"), "{r}");
        let (s, r) = app.post(&answer(winter), Some(&host), json!({"body": "  "})).await;
        assert_eq!((s, error_code(&r)), (422, "ama_answer_empty"), "{r}");
        let (s, r) = app
            .post(&answer(winter), Some(&host), json!({"body": "零下十度大约**七折**。<script>x</script>"}))
            .await;
        assert_eq!(
            (s, r["status"].as_str(), r["answered_by"].as_str()),
            (200, Some("answered"), Some("雷军"))
        );
        let html = r["answer_html"].as_str().unwrap();
        assert!(html.contains("<strong>七折</strong>") && !html.contains("<script"), "{html}");
        let (s, _) = app.post(&answer(winter), Some(&staff), json!({"body": "补充：热泵标配。"})).await;
        assert_eq!(s, 200, "staff answer too, rewriting the answer");
        for (who, expect) in [(&a, 1), (&b, 1), (&c, 1), (&d, 0), (&host, 0)] {
            let (_, inbox) = app.get("/api/v1/me/notifications", Some(who)).await;
            let got =
                inbox["items"].as_array().unwrap().iter().filter(|n| n["kind"] == "ama.answered").count();
            assert_eq!(got, expect, "{inbox}");
        }

        // Hidden: gone for fans, kept for the host and staff.
        let hidden = format!("/api/v1/amas/{ama}/questions/{offtopic}/hidden");
        let (s, r) = put(&app, &hidden, &a).await;
        assert_eq!((s, error_code(&r)), (403, "not_ama_host"), "{r}");
        let (s, r) = put(&app, &hidden, &host).await;
        assert_eq!((s, r["status"].as_str()), (200, Some("hidden")), "{r}");
        for viewer in [None, Some(c.as_str())] {
            assert!(!listed(&app, ama, viewer, "top").await.iter().any(|q| q.0 == offtopic));
            assert!(!listed(&app, ama, viewer, "new").await.iter().any(|q| q.0 == offtopic));
        }
        assert!(listed(&app, ama, Some(&staff), "top").await.contains(&(offtopic, 0, "hidden".into())));
        let (s, r) = put(&app, &vote(offtopic), &a).await;
        assert_eq!((s, error_code(&r)), (404, "ama_question_not_found"), "{r}");

        // Merging: the duplicate's asker and voters count for the target once each.
        let merge = |q: i64| format!("/api/v1/amas/{ama}/questions/{q}/merge");
        let (s, r) = app.post(&merge(winter), Some(&host), json!({"into": winter_again})).await;
        assert_eq!((s, error_code(&r)), (422, "ama_merge_invalid"), "an answered question stays: {r}");
        let (s, r) = app.post(&merge(winter_again), Some(&host), json!({"into": winter_again})).await;
        assert_eq!((s, error_code(&r)), (422, "ama_merge_invalid"), "{r}");
        // winter_again (asked by d; votes a, b) into seats (asked by b; no votes): a and d
        // count; b asked the target and never votes for their own question.
        let (s, r) = app.post(&merge(winter_again), Some(&host), json!({"into": seats})).await;
        assert_eq!((s, &r["id"], &r["votes"]), (200, &json!(seats), &json!(2)), "{r}");
        let (s, r) = put(&app, &vote(winter_again), &c).await;
        assert_eq!((s, error_code(&r)), (409, "ama_question_merged"), "{r}");
        assert!(!listed(&app, ama, Some(&staff), "top").await.iter().any(|q| q.0 == winter_again));

        // Feedback becomes a post by its asker, carrying its votes; once.
        let to_post = format!("/api/v1/amas/{ama}/questions/{seats}/post");
        let (s, r) = app.post(&to_post, Some(&a), json!({"product": "xiaomi-su7"})).await;
        assert_eq!((s, error_code(&r)), (403, "not_ama_host"), "{r}");
        let (s, r) = app.post(&to_post, Some(&staff), json!({"product": "no-such-product"})).await;
        assert_eq!((s, error_code(&r)), (422, "unknown_product"), "{r}");
        let (s, r) = app.post(&to_post, Some(&staff), json!({"product": "xiaomi-su7"})).await;
        assert_eq!(s, 201, "{r}");
        assert_eq!((r["author"]["handle"].as_str(), &r["votes"]), (Some("米粉乙"), &json!(2)), "{r}");
        assert_eq!(r["title"], json!("后排座椅能加通风吗？"), "{r}");
        let (s, r) = app.post(&to_post, Some(&staff), json!({"product": "xiaomi-su7"})).await;
        assert_eq!((s, error_code(&r)), (409, "ama_question_posted"), "{r}");

        // The transcript pages in answer order.
        advance(&app, HOUR);
        let second = ask(&app, ama, &d, "什么时候能上门店试驾？").await;
        let (s, _) = app.post(&answer(second), Some(&host), json!({"body": "下周起全国门店。"})).await;
        assert_eq!(s, 200);
        let mut transcript = Vec::new();
        let mut cursor = String::new();
        loop {
            let (s, page) = app
                .get(&format!("/api/v1/amas/{ama}/questions?sort=answered&limit=1&cursor={cursor}"), None)
                .await;
            assert_eq!(s, 200, "{page}");
            transcript.extend(page["items"].as_array().unwrap().iter().map(|q| q["id"].as_i64().unwrap()));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = c.to_string(),
                None => break,
            }
        }
        assert_eq!(transcript, vec![winter, second]);
        let (s, r) = app.get(&format!("/api/v1/amas/{ama}/questions?cursor=x_1"), None).await;
        assert_eq!((s, error_code(&r)), (400, "invalid_cursor"), "{r}");

        // Over: no more questions or votes; the page is the transcript.
        advance(&app, HOUR);
        let (s, r) = app.post(&path, Some(&a), json!({"body": "结束了还能问吗？"})).await;
        assert_eq!((s, error_code(&r)), (409, "ama_not_open"), "{r}");
        let (s, r) = put(&app, &vote(second), &a).await;
        assert_eq!((s, error_code(&r)), (409, "ama_not_open"), "{r}");
        let (_, list) = app.get("/api/v1/amas", None).await;
        assert_eq!(
            (list["past"][0]["id"].as_i64(), list["past"][0]["answered"].as_i64()),
            (Some(ama), Some(2))
        );
    }
}

/// Reads server-sent events until one whose data satisfies `done`.
async fn frame_where(
    res: &mut reqwest::Response,
    buffer: &mut String,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                let v: Value = serde_json::from_str(data).unwrap();
                if done(&v) {
                    return v;
                }
            }
        }
        let chunk = tokio::time::timeout_at(deadline, res.chunk()).await.expect("a frame in time");
        buffer.push_str(std::str::from_utf8(&chunk.unwrap().expect("stream open")).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_live_stream_shows_answers_and_never_hidden_questions() {
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let fan = app.register("米粉").await;
        let ama = schedule(&app, &staff, "staff_lead").await;
        advance(&app, 2 * HOUR);
        let shown = ask(&app, ama, &fan, "小米手环什么时候支持 NFC 公交卡？").await;
        let hidden = ask(&app, ama, &fan, "广告：低价代购，加微信 xxxx").await;
        let (s, _) = put(&app, &format!("/api/v1/amas/{ama}/questions/{hidden}/hidden"), &staff).await;
        assert_eq!(s, 200);

        let mut res = app.client.get(app.url(&format!("/api/v1/amas/{ama}/live"))).send().await.unwrap();
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let mut buffer = String::new();
        let first = frame_where(&mut res, &mut buffer, |_| true).await;
        assert_eq!(
            (first["phase"].as_str(), first["questions"].as_i64()),
            (Some("live"), Some(1)),
            "{first}"
        );
        assert_eq!(first["top"][0]["id"], json!(shown), "{first}");
        assert!(!first.to_string().contains("代购"), "a hidden question never reaches fans: {first}");

        let (s, _) = app
            .post(
                &format!("/api/v1/amas/{ama}/questions/{shown}/answer"),
                Some(&staff),
                json!({"body": "下个月的固件更新就支持。"}),
            )
            .await;
        assert_eq!(s, 200);
        let answered = frame_where(&mut res, &mut buffer, |v| v["answered"] == json!(1)).await;
        assert_eq!(answered["answers"][0]["answer"], json!("下个月的固件更新就支持。"), "{answered}");
        assert_eq!(answered["top"][0]["status"], json!("answered"), "{answered}");
        let (s, r) = app.get("/api/v1/amas/0/live", None).await;
        assert_eq!((s, error_code(&r)), (404, "ama_not_found"), "{r}");
    }
}

/// 300 fans vote at once on the same three questions, each vote sent twice, then half of them
/// take both votes back at once: every count is exact, one row per fan per question.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_hundred_fans_voting_at_once_count_exactly() {
    const FANS: usize = 300;
    for backend in backends() {
        let app = common::spawn_app(backend).await;
        let staff = app.seed_catalog().await;
        let asker = app.register("提问的米粉").await;
        let ama = schedule(&app, &staff, "staff_lead").await;
        advance(&app, HOUR);
        let mut questions = Vec::new();
        for body in ["SU7 Ultra 什么时候交付？", "小米 15 会有 mini 版吗？", "澎湃 OS 会开源吗？"]
        {
            questions.push(ask(&app, ama, &asker, body).await);
        }
        let mut fans = Vec::with_capacity(FANS);
        for i in 0..FANS {
            fans.push(app.register(&format!("ama_voter_{i}")).await);
        }
        let votes = |method: Method, fans: &[String]| {
            let calls: Vec<_> = fans
                .iter()
                .flat_map(|t| questions.iter().flat_map(move |q| [(t.clone(), *q), (t.clone(), *q)]))
                .map(|(t, q)| {
                    let (app, method) = (&app, method.clone());
                    async move {
                        app.call(method, &format!("/api/v1/amas/{ama}/questions/{q}/vote"), Some(&t), None)
                            .await
                    }
                })
                .collect();
            // 300 requests in flight at a time: every fan's votes race each other and everyone's.
            futures_util::stream::iter(calls).buffer_unordered(FANS).collect::<Vec<_>>()
        };
        let results = votes(Method::PUT, &fans).await;
        assert!(
            results.iter().all(|(s, _)| *s == 200),
            "{backend:?}: {:?}",
            results.iter().find(|r| r.0 != 200)
        );
        for (_, votes, _) in listed(&app, ama, None, "top").await {
            assert_eq!(votes, FANS as i64, "{backend:?}");
        }
        let results = votes(Method::DELETE, &fans[..FANS / 2]).await;
        assert!(results.iter().all(|(s, _)| *s == 200), "{backend:?}");
        let top = listed(&app, ama, None, "top").await;
        assert_eq!(top.len(), 3);
        for (_, votes, _) in top {
            assert_eq!(votes, (FANS / 2) as i64, "{backend:?}");
        }
    }
}
