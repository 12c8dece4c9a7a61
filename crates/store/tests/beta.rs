//! The beta programme on every configured backend: applications, the level rule, seats
//! under concurrency, cooldowns, weekly duties and the beta board's privacy.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::beta::{BetaRules, IsoWeek, MemberStatus, Motivation};
use canyu_core::points::Reason;
use canyu_core::release::PlanDate;
use canyu_core::{ErrorCode, Millis, PostKind, Role};
use canyu_store::testing::{TestWorld, backends};
use canyu_store::{NewPost, NewUser, NotificationKind, PostFilter, StoreError};

const DAY: Millis = 86_400_000;

type World = TestWorld;

async fn world(backend: canyu_store::Backend, fans: usize) -> World {
    canyu_store::testing::world(backend, ("phone", "xiaomi-15", "Xiaomi 15"), fans).await.unwrap()
}

fn rules(seats: i64, min_level: Option<i64>) -> BetaRules {
    BetaRules::parse(seats, min_level, None, None, None).unwrap()
}

fn motivation() -> Motivation {
    Motivation::parse("想第一时间体验新系统").unwrap()
}

fn rejected<T: std::fmt::Debug>(r: Result<T, StoreError>) -> ErrorCode {
    match r {
        Err(StoreError::Rejected(code)) => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

/// Wednesday noon of the ISO week 2026-W48 (China time).
fn wednesday() -> Millis {
    PlanDate::parse("2026-11-25").unwrap().start_millis() + 12 * 3_600_000
}

async fn beta_post(w: &World, author: i64, kind: PostKind, at: Millis) -> i64 {
    w.store
        .create_post(NewPost {
            product_id: w.product,
            author_id: author,
            kind,
            title: "内测反馈",
            body: "正文",
            tags: &[],
            beta: true,
            created_at: at,
        })
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn applications_follow_the_rules_and_cooldowns() {
    for backend in backends() {
        let w = world(backend, 4).await;
        let (s, f) = (&w.store, &w.fans);
        let now = wednesday();
        assert_eq!(
            rejected(s.apply_beta(w.product, f[0], &motivation(), 1, now).await),
            ErrorCode::BetaNotFound
        );
        s.configure_beta_group(w.product, rules(2, Some(3)), now).await.unwrap();

        // Level 3 meets the rule: admitted at once, and told so.
        let auto = s.apply_beta(w.product, f[0], &motivation(), 3, now).await.unwrap();
        assert_eq!(auto.status, MemberStatus::Member);
        assert_eq!(auto.decided_by, None);
        assert!(s.is_beta_member(w.product, f[0]).await.unwrap());
        let inbox = s.notifications(f[0], None, 10).await.unwrap();
        assert_eq!(inbox[0].kind, NotificationKind::BetaAdmitted);
        assert_eq!(inbox[0].data["product"], "xiaomi-15");
        assert_eq!(
            rejected(s.apply_beta(w.product, f[0], &motivation(), 3, now).await),
            ErrorCode::BetaAlreadyMember
        );

        // Level 1 waits for staff.
        let pending = s.apply_beta(w.product, f[1], &motivation(), 1, now).await.unwrap();
        assert_eq!(pending.status, MemberStatus::Pending);
        assert_eq!(
            rejected(s.apply_beta(w.product, f[1], &motivation(), 1, now).await),
            ErrorCode::BetaAlreadyApplied
        );
        let admitted = s.decide_beta(pending.id, w.staff, true, now).await.unwrap();
        assert_eq!(admitted.status, MemberStatus::Member);
        assert_eq!(admitted.decided_by.as_deref(), Some("staff"));
        assert_eq!(
            rejected(s.decide_beta(pending.id, w.staff, false, now).await),
            ErrorCode::BetaApplicationDecided
        );

        // The group is full: the rule no longer admits, and staff cannot either.
        let waiting = s.apply_beta(w.product, f[2], &motivation(), 6, now).await.unwrap();
        assert_eq!(waiting.status, MemberStatus::Pending);
        assert_eq!(rejected(s.decide_beta(waiting.id, w.staff, true, now).await), ErrorCode::BetaFull);
        assert_eq!(s.beta_membership(w.product, f[2]).await.unwrap().unwrap().status, MemberStatus::Pending);
        let declined = s.decide_beta(waiting.id, w.staff, false, now).await.unwrap();
        assert_eq!(declined.status, MemberStatus::Rejected);
        // A declined fan waits the leave cooldown (14 days).
        assert_eq!(
            rejected(s.apply_beta(w.product, f[2], &motivation(), 6, now + 13 * DAY).await),
            ErrorCode::BetaCooldown
        );

        // Leaving frees the seat; reapplying waits 14 days.
        let left =
            s.end_beta_membership(w.product, f[1], MemberStatus::Left, f[1], None, now + DAY).await.unwrap();
        assert_eq!(left.status, MemberStatus::Left);
        assert_eq!(s.beta_group(w.product).await.unwrap().unwrap().members, 1);
        assert_eq!(
            rejected(s.apply_beta(w.product, f[1], &motivation(), 1, now + 14 * DAY).await),
            ErrorCode::BetaCooldown
        );
        let back = s.apply_beta(w.product, f[1], &motivation(), 1, now + 15 * DAY).await.unwrap();
        assert_eq!(back.status, MemberStatus::Pending);
        let staff_rejects = s.apply_beta(w.product, f[2], &motivation(), 6, now + 14 * DAY).await.unwrap();
        assert_eq!(
            staff_rejects.status,
            MemberStatus::Member,
            "a free seat and level 6: admitted by the rule"
        );

        // Staff remove a member: 30 days before they may apply again.
        let removed = s
            .end_beta_membership(
                w.product,
                f[0],
                MemberStatus::Removed,
                w.staff,
                Some("leaked builds"),
                now + 15 * DAY,
            )
            .await
            .unwrap();
        assert_eq!(removed.status, MemberStatus::Removed);
        assert_eq!(removed.end_note.as_deref(), Some("leaked builds"));
        assert_eq!(
            rejected(s.apply_beta(w.product, f[0], &motivation(), 3, now + 44 * DAY).await),
            ErrorCode::BetaCooldown
        );
        assert_eq!(
            rejected(s.end_beta_membership(w.product, f[3], MemberStatus::Left, f[3], None, now).await),
            ErrorCode::BetaNotMember
        );

        // A closed group takes no applications.
        s.configure_beta_group(w.product, BetaRules::parse(2, None, None, None, Some(false)).unwrap(), now)
            .await
            .unwrap();
        assert_eq!(
            rejected(s.apply_beta(w.product, f[3], &motivation(), 6, now).await),
            ErrorCode::BetaClosed
        );
    }
}

#[tokio::test]
async fn concurrent_admissions_never_exceed_the_seats() {
    for backend in backends() {
        let w = world(backend, 40).await;
        let now = wednesday();
        w.store.configure_beta_group(w.product, rules(10, Some(1)), now).await.unwrap();
        // 40 fans who all meet the rule apply at the same moment for 10 seats.
        let tasks: Vec<_> = w
            .fans
            .iter()
            .map(|&fan| {
                let store = w.store.clone();
                let product = w.product;
                tokio::spawn(async move { store.apply_beta(product, fan, &motivation(), 2, now).await })
            })
            .collect();
        let mut members = 0;
        for t in tasks {
            match t.await.unwrap().unwrap().status {
                MemberStatus::Member => members += 1,
                MemberStatus::Pending => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(members, 10, "{backend:?}");
        let group = w.store.beta_group(w.product).await.unwrap().unwrap();
        assert_eq!((group.members, group.pending), (10, 30));

        // One fan applying twice at once gets one live application.
        let fan = w
            .store
            .create_user(NewUser {
                handle: "twice",
                email: None,
                password_hash: "x",
                role: Role::Fan,
                bio: "",
                created_at: 1,
            })
            .await
            .unwrap()
            .id;
        let why = motivation();
        let (a, b) = tokio::join!(
            w.store.apply_beta(w.product, fan, &why, 1, now),
            w.store.apply_beta(w.product, fan, &why, 1, now)
        );
        assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
        assert_eq!(
            w.store.beta_memberships(w.product, Some(MemberStatus::Pending), 100).await.unwrap().len(),
            31
        );
    }
}

#[tokio::test]
async fn weekly_duties_award_points_or_remove_once() {
    for backend in backends() {
        let w = world(backend, 4).await;
        let (s, f) = (&w.store, &w.fans);
        let week = IsoWeek::of(wednesday());
        let before = week.start_millis() - DAY;
        s.configure_beta_group(w.product, rules(10, Some(1)), before).await.unwrap();
        for &fan in &f[..3] {
            s.apply_beta(w.product, fan, &motivation(), 1, before).await.unwrap();
        }
        // fan3 joins mid-week: not held to this week.
        s.apply_beta(w.product, f[3], &motivation(), 1, wednesday()).await.unwrap();
        // fan0 does both duties; fan1 only reports a bug; fan2 posts nothing. A suggestion of
        // fan1's on the public board does not count.
        beta_post(&w, f[0], PostKind::Bug, wednesday()).await;
        beta_post(&w, f[0], PostKind::Idea, wednesday() + DAY).await;
        beta_post(&w, f[1], PostKind::Bug, wednesday()).await;
        s.create_post(NewPost {
            product_id: w.product,
            author_id: f[1],
            kind: PostKind::Idea,
            title: "公开建议",
            body: "正文",
            tags: &[],
            beta: false,
            created_at: wednesday(),
        })
        .await
        .unwrap();
        // Posts from the week before do not count either.
        beta_post(&w, f[2], PostKind::Idea, week.start_millis() - 1).await;
        beta_post(&w, f[2], PostKind::Bug, week.start_millis() - 1).await;
        let tally = s.beta_duty_tally(w.product, f[0], week).await.unwrap();
        assert!(tally.done());

        let judged_at = week.end_millis() + 3_600_000;
        let points_before = s.user_by_id(f[0]).await.unwrap().unwrap().points;
        let out = s.judge_beta_duties(week, judged_at).await.unwrap();
        assert_eq!(out.len(), 1);
        assert!(out[0].fresh);
        assert_eq!((out[0].judged, out[0].done), (3, 1));
        assert_eq!(out[0].removed, vec!["fan1".to_string(), "fan2".to_string()]);
        assert_eq!(
            s.user_by_id(f[0]).await.unwrap().unwrap().points,
            points_before + Reason::BetaDutyDone.points()
        );
        assert_eq!(
            s.points_ledger_sum(f[0]).await.unwrap(),
            s.user_by_id(f[0]).await.unwrap().unwrap().points
        );
        assert_eq!(s.badge_facts(f[0]).await.unwrap().beta_weeks, 1);
        assert!(s.is_beta_member(w.product, f[0]).await.unwrap());
        assert!(s.is_beta_member(w.product, f[3]).await.unwrap());
        let removed = s.beta_membership(w.product, f[1]).await.unwrap().unwrap();
        assert_eq!(removed.status, MemberStatus::Removed);
        assert_eq!(removed.end_note.as_deref(), Some("missed_duties:2026-W48"));
        assert_eq!(s.notifications(f[1], None, 10).await.unwrap()[0].kind, NotificationKind::BetaRemoved);
        // Removed for missed duties: 30 days before reapplying.
        assert_eq!(
            rejected(s.apply_beta(w.product, f[1], &motivation(), 1, judged_at + 29 * DAY).await),
            ErrorCode::BetaCooldown
        );

        // Judging again (another node, a restart) changes nothing.
        let again = s.judge_beta_duties(week, judged_at + 1).await.unwrap();
        assert!(again.is_empty());
        let again = s.judge_beta_week(w.product, week, judged_at + 1).await.unwrap();
        assert!(!again.fresh);
        assert_eq!(
            s.user_by_id(f[0]).await.unwrap().unwrap().points,
            points_before + Reason::BetaDutyDone.points()
        );
    }
}

#[tokio::test]
async fn beta_posts_stay_off_public_listings_and_the_index() {
    for backend in backends() {
        let w = world(backend, 1).await;
        let s = &w.store;
        let id = beta_post(&w, w.fans[0], PostKind::Bug, wednesday()).await;
        assert!(s.post(id).await.unwrap().unwrap().beta);
        let public = s
            .list_posts(&PostFilter { product_id: Some(w.product), limit: 50, ..Default::default() })
            .await
            .unwrap();
        assert!(public.items.is_empty());
        let board = s
            .list_posts(&PostFilter {
                product_id: Some(w.product),
                beta: true,
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(board.items.iter().map(|p| p.id).collect::<Vec<_>>(), vec![id]);
        assert!(s.posts_for_index(0, 100).await.unwrap().is_empty());
        assert!(s.open_posts(w.product, 0, 100).await.unwrap().is_empty());
    }
}
