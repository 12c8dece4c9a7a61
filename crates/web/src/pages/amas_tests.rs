//! AMA pages through the whole router, without script: staff schedule a session with the
//! form (times typed in China time), a fan asks and votes with forms, only the host and staff
//! see and use the host's tools, an answer shows on the page, a hidden question never does,
//! and a question becomes a post.

use super::tests::App;
use axum::http::StatusCode;
use canyu_core::Role;
use canyu_core::time::Zone;

/// A `datetime-local` value in China time, `minutes` from now.
fn local(minutes: i64) -> String {
    Zone::china().datetime(canyu_app::now_millis() + minutes * 60_000).replace(' ', "T")
}

#[tokio::test]
async fn a_session_runs_through_its_pages_without_script() {
    let app = App::new().await;
    let (_, staff) = app.user("运营小米", Role::Staff).await;
    let (_, fan) = app.user("米粉阿强", Role::Fan).await;
    let (_, other) = app.user("米粉阿珍", Role::Fan).await;

    // Staff see the form; fans do not, and cannot post it.
    let list = app.get("/amas", Some(&staff), "zh-CN").await;
    assert!(list.html.contains("data-testid=\"new-ama\""), "{}", list.html);
    assert!(!app.get("/amas", Some(&fan), "zh-CN").await.html.contains("data-testid=\"new-ama\""));
    let fields = [
        ("title", "雷军 AMA"),
        ("host", "运营小米"),
        ("questions_open_at", &local(-60)),
        ("starts_at", &local(-10)),
        ("ends_at", &local(60)),
        ("description", "今晚**有问必答**"),
    ];
    let csrf = app.csrf(&fan).await;
    let refused = app.form("/amas", &fan, &[[("csrf", csrf.as_str())].as_slice(), &fields].concat()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let csrf = app.csrf(&staff).await;
    let made = app.form("/amas", &staff, &[[("csrf", csrf.as_str())].as_slice(), &fields].concat()).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let url = made.location.clone().expect("to the session");
    let page = app.get(&url, Some(&fan), "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.testid("ama-phase").as_deref(), Some("直播回答中"));
    assert!(page.html.contains("<strong>有问必答</strong>") && page.html.contains("北京时间"));
    assert!(page.html.contains("data-ama-live="), "the live page follows the stream");
    assert!(!page.html.contains("data-testid=\"ama-run\""), "no host tools for a fan");

    // A fan asks; another votes; the first cannot vote for their own.
    let csrf = app.csrf(&fan).await;
    let asked = app
        .form(&format!("{url}/questions"), &fan, &[("csrf", &csrf), ("body", "SU7 冬天续航掉多少？")])
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.html);
    let (ama, _) =
        url.trim_start_matches("/amas/").split_once('?').unwrap_or((url.trim_start_matches("/amas/"), ""));
    let ama: i64 = ama.parse().expect("id");
    let q = app
        .store
        .ama_questions(ama, canyu_core::ama::QuestionSort::New, None, false, 10)
        .await
        .expect("read");
    let qid = q[0].id;
    let own =
        app.form(&format!("{url}/questions/{qid}/vote"), &fan, &[("csrf", &csrf), ("action", "vote")]).await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csrf2 = app.csrf(&other).await;
    let voted = app
        .form(&format!("{url}/questions/{qid}/vote"), &other, &[("csrf", &csrf2), ("action", "vote")])
        .await;
    assert_eq!(voted.status, StatusCode::SEE_OTHER);
    let page = app.get(&url, Some(&other), "zh-CN").await;
    assert!(page.html.contains("aria-pressed=\"true\""), "the vote shows as cast");
    assert!(!page.html.contains("data-testid=\"ama-run\""));

    // Only the host and staff answer or moderate; the answer shows, sanitised.
    let tried = app
        .form(&format!("{url}/questions/{qid}/answer"), &other, &[("csrf", &csrf2), ("body", "我替他答")])
        .await;
    assert_eq!(tried.status, StatusCode::FORBIDDEN);
    let tried = app
        .form(&format!("{url}/questions/{qid}/moderate"), &other, &[("csrf", &csrf2), ("action", "hide")])
        .await;
    assert_eq!(tried.status, StatusCode::FORBIDDEN);
    let csrf = app.csrf(&staff).await;
    let host = app.get(&url, Some(&staff), "zh-CN").await;
    assert!(host.html.contains("data-testid=\"ama-run\""), "the host's tools");
    let answered = app
        .form(
            &format!("{url}/questions/{qid}/answer"),
            &staff,
            &[("csrf", &csrf), ("body", "大约**七折**<script>alert(1)</script>")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    let page = app.get(&url, None, "zh-CN").await;
    assert!(page.html.contains("<strong>七折</strong>") && !page.html.contains("<script>alert"));

    // Hidden: gone for fans and visitors, marked for the host.
    let csrf_fan = app.csrf(&fan).await;
    let spam =
        app.form(&format!("{url}/questions"), &fan, &[("csrf", &csrf_fan), ("body", "低价代购加微信")]).await;
    assert_eq!(spam.status, StatusCode::SEE_OTHER);
    let q =
        app.store.ama_questions(ama, canyu_core::ama::QuestionSort::New, None, false, 1).await.expect("read");
    let hidden = app
        .form(
            &format!("{url}/questions/{}/moderate", q[0].id),
            &staff,
            &[("csrf", &csrf), ("action", "hide")],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::SEE_OTHER);
    for who in [None, Some(fan.as_str())] {
        assert!(!app.get(&url, who, "zh-CN").await.html.contains("代购"));
    }
    assert!(app.get(&url, Some(&staff), "zh-CN").await.html.contains("已隐藏"));

    // Into a post on the board, by its asker, with its vote.
    let posted = app
        .form(
            &format!("{url}/questions/{qid}/moderate"),
            &staff,
            &[("csrf", &csrf), ("action", "post"), ("product", "xiaomi-su7")],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.html);
    let post = app.get(posted.location.as_deref().expect("to the post"), None, "zh-CN").await;
    assert!(post.html.contains("SU7 冬天续航掉多少？") && post.html.contains("米粉阿强"));

    // The list and the English page.
    let list = app.get("/amas", None, "en").await;
    assert!(list.html.contains("Answering live") && list.html.contains("雷军 AMA"));
}
