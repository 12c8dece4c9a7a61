//! Merging, notifications and points on every configured backend.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::points::{Adjustment, Reason};
use canyu_core::{ErrorCode, PostKind, PostStatus, Role};
use canyu_store::testing::{backends, fresh_store};
use canyu_store::{NewPost, NewProduct, NewUser, NotificationKind, Store, StoreError};

struct World {
    store: Store,
    product: i64,
    other_product: i64,
    staff: i64,
    fans: Vec<i64>,
}

async fn world(backend: canyu_store::Backend) -> World {
    let (store, _) = fresh_store(backend).await.unwrap();
    store.create_category("phone", "手机", "Phones").await.unwrap();
    let mut products = Vec::new();
    for slug in ["xiaomi-15", "redmi-k80"] {
        let p = store
            .create_product(NewProduct {
                slug,
                name: slug,
                category_slug: "phone",
                tagline: "",
                created_at: 1,
            })
            .await
            .unwrap();
        products.push(p.id);
    }
    let user = async |handle: &str, role: Role| {
        store
            .create_user(NewUser { handle, email: None, password_hash: "x", role, bio: "", created_at: 1 })
            .await
            .unwrap()
            .id
    };
    let staff = user("staff", Role::Staff).await;
    let mut fans = Vec::new();
    for i in 0..5 {
        fans.push(user(&format!("fan{i}"), Role::Fan).await);
    }
    World { store, product: products[0], other_product: products[1], staff, fans }
}

async fn post(w: &World, product: i64, author: i64, title: &str) -> i64 {
    w.store
        .create_post(NewPost {
            product_id: product,
            author_id: author,
            kind: PostKind::Idea,
            title,
            body: "正文",
            tags: &[],
            beta: false,
            created_at: 10,
        })
        .await
        .unwrap()
        .id
}

fn rejected<T: std::fmt::Debug>(r: Result<T, StoreError>) -> ErrorCode {
    match r {
        Err(StoreError::Rejected(code)) => code,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[tokio::test]
async fn merge_unions_votes_and_undo_takes_back_only_what_it_moved() {
    for backend in backends() {
        let w = world(backend).await;
        let (s, f) = (&w.store, &w.fans);
        let source = post(&w, w.product, f[0], "希望加入息屏显示").await;
        let target = post(&w, w.product, f[1], "建议增加息屏显示功能").await;
        // fan2 voted for both, fan3 only for the source, fan4 only for the target.
        for (p, fan) in [(source, f[2]), (target, f[2]), (source, f[3]), (target, f[4])] {
            s.vote(p, fan, 20).await.unwrap();
        }

        let out = s.merge_post(source, target, w.staff, 100).await.unwrap();
        assert_eq!((out.moved_votes, out.target_votes), (1, 3), "{backend:?}");
        let merged = s.post(source).await.unwrap().unwrap();
        assert_eq!(
            (merged.status, merged.merged_into, merged.votes),
            (PostStatus::Duplicate, Some(target), 2)
        );
        assert_eq!(s.merged_posts(target).await.unwrap().len(), 1);
        // The source's author and both its voters are told, the staff member is not.
        for fan in [f[0], f[2], f[3]] {
            let inbox = s.notifications(fan, None, 10).await.unwrap();
            assert_eq!(inbox[0].kind, NotificationKind::PostMerged, "{backend:?} fan {fan}");
            assert_eq!(inbox[0].data["into"], target);
        }
        assert!(s.notifications(f[4], None, 10).await.unwrap().is_empty());
        assert!(s.notifications(w.staff, None, 10).await.unwrap().is_empty());

        // Merged posts take no votes, comments or status changes.
        assert_eq!(rejected(s.vote(source, f[4], 101).await), ErrorCode::PostMerged);
        assert_eq!(rejected(s.add_comment(source, f[4], "x", false, None, 101).await), ErrorCode::PostMerged);
        assert_eq!(
            rejected(s.change_status(source, w.staff, PostStatus::Planned, None, 101).await),
            ErrorCode::PostMerged
        );
        assert_eq!(s.post(source).await.unwrap().unwrap().comments, 0);

        // fan3 takes the copied vote back and votes again: that vote is theirs now.
        s.unvote(target, f[3]).await.unwrap();
        s.vote(target, f[3], 150).await.unwrap();
        let undo = s.unmerge_post(source, w.staff, 200).await.unwrap();
        assert_eq!((undo.restored_status, undo.removed_votes, undo.target_votes), (PostStatus::New, 0, 3));
        let restored = s.post(source).await.unwrap().unwrap();
        assert_eq!((restored.status, restored.merged_into, restored.votes), (PostStatus::New, None, 2));
        let inbox = s.notifications(f[0], None, 10).await.unwrap();
        assert_eq!(inbox[0].kind, NotificationKind::PostUnmerged);
        assert_eq!(rejected(s.unmerge_post(source, w.staff, 201).await), ErrorCode::PostNotMerged);

        // Merge again, and this time undo at once: the target is back to its own voters.
        let again = s.merge_post(source, target, w.staff, 300).await.unwrap();
        assert_eq!(again.target_votes, 3, "fan3 already votes for the target");
        let undo = s.unmerge_post(source, w.staff, 301).await.unwrap();
        assert_eq!(undo.target_votes, 3);
        let counts = s.status_counts(Some(w.product)).await.unwrap();
        assert!(counts.iter().all(|(st, n)| *st != PostStatus::Duplicate || *n == 0), "{counts:?}");
        s.close().await;
    }
}

#[tokio::test]
async fn bad_merges_change_nothing() {
    for backend in backends() {
        let w = world(backend).await;
        let (s, f) = (&w.store, &w.fans);
        let a = post(&w, w.product, f[0], "a").await;
        let b = post(&w, w.product, f[1], "b").await;
        let c = post(&w, w.product, f[1], "c").await;
        let elsewhere = post(&w, w.other_product, f[1], "d").await;
        s.vote(a, f[2], 20).await.unwrap();
        assert_eq!(rejected(s.merge_post(a, a, w.staff, 30).await), ErrorCode::MergeIntoSelf);
        assert_eq!(rejected(s.merge_post(a, 9999, w.staff, 30).await), ErrorCode::MergeTargetNotFound);
        assert_eq!(rejected(s.merge_post(9999, a, w.staff, 30).await), ErrorCode::PostNotFound);
        assert_eq!(rejected(s.merge_post(a, elsewhere, w.staff, 30).await), ErrorCode::MergeAcrossProducts);
        s.merge_post(b, c, w.staff, 30).await.unwrap();
        assert_eq!(rejected(s.merge_post(a, b, w.staff, 31).await), ErrorCode::MergeTargetMerged);
        assert_eq!(rejected(s.merge_post(b, a, w.staff, 31).await), ErrorCode::PostAlreadyMerged);
        s.change_status(a, w.staff, PostStatus::Shipped, None, 32).await.unwrap();
        assert_eq!(rejected(s.merge_post(a, c, w.staff, 33).await), ErrorCode::InvalidTransition);
        let a_now = s.post(a).await.unwrap().unwrap();
        assert_eq!(
            (a_now.votes, a_now.merged_into, a_now.status),
            (1, None, PostStatus::Shipped),
            "{backend:?}"
        );
        assert_eq!(s.post(c).await.unwrap().unwrap().votes, 0);
        s.close().await;
    }
}

#[tokio::test]
async fn points_are_a_ledger_with_caps_and_one_award_per_event() {
    for backend in backends() {
        let w = world(backend).await;
        let (s, f) = (&w.store, &w.fans);
        let idea = post(&w, w.product, f[0], "idea").await;
        // Voting, unvoting and voting again pays once.
        s.vote(idea, f[1], 20).await.unwrap();
        s.unvote(idea, f[1]).await.unwrap();
        s.vote(idea, f[1], 21).await.unwrap();
        s.vote(idea, f[2], 21).await.unwrap();
        let fan1 = s.user_by_id(f[1]).await.unwrap().unwrap();
        assert_eq!(fan1.points, Reason::VoteCast.points(), "{backend:?}");

        // Planned, back to acknowledged, planned again: the author is paid once.
        s.change_status(idea, w.staff, PostStatus::Planned, None, 30).await.unwrap();
        s.change_status(idea, w.staff, PostStatus::Acknowledged, None, 31).await.unwrap();
        s.change_status(idea, w.staff, PostStatus::Planned, None, 32).await.unwrap();
        s.change_status(idea, w.staff, PostStatus::Shipped, None, 33).await.unwrap();
        let author = s.user_by_id(f[0]).await.unwrap().unwrap();
        let expected =
            Reason::PostCreated.points() + Reason::PostPlanned.points() + Reason::PostShipped.points();
        assert_eq!(author.points, expected);
        for fan in [f[0], f[1], f[2]] {
            let balance = s.user_by_id(fan).await.unwrap().unwrap().points;
            assert_eq!(balance, s.points_ledger_sum(fan).await.unwrap(), "balance = sum, fan {fan}");
        }
        assert_eq!(
            s.user_by_id(f[2]).await.unwrap().unwrap().points,
            Reason::VoteCast.points() + Reason::VotedPostShipped.points()
        );
        let facts = s.badge_facts(f[0]).await.unwrap();
        assert_eq!(facts.shipped_posts, 1);
        assert_eq!(s.credited_posts(f[0], 10).await.unwrap()[0].post_id, idea);
        let board = s.leaderboard(Some(w.product), 10).await.unwrap();
        assert_eq!(board[0].handle, "fan0");
        assert!(s.leaderboard(Some(w.other_product), 10).await.unwrap().is_empty());

        // The daily vote cap: the 21st vote of the day earns nothing; the next day it does.
        let mut many = Vec::new();
        for i in 0..22 {
            many.push(post(&w, w.product, f[0], &format!("p{i}")).await);
        }
        let day = 1_795_795_200_000; // midnight in Beijing
        let before = s.user_by_id(f[3]).await.unwrap().unwrap().points;
        for p in &many[..21] {
            s.vote(*p, f[3], day + 1000).await.unwrap();
        }
        let capped = s.user_by_id(f[3]).await.unwrap().unwrap().points;
        assert_eq!(capped - before, Reason::VoteCast.daily_cap().unwrap() * Reason::VoteCast.points());
        s.vote(many[21], f[3], day + 86_400_000).await.unwrap();
        assert_eq!(s.user_by_id(f[3]).await.unwrap().unwrap().points, capped + 1);

        // Adjustments append; a deduction below zero is refused and changes nothing.
        let adj = Adjustment::parse(-5, "刷票").unwrap();
        let left = s.adjust_points(f[1], w.staff, &adj, "req-1", 40).await.unwrap();
        assert_eq!(left, fan1.points + Reason::VotedPostShipped.points() - 5);
        assert_eq!(s.adjust_points(f[1], w.staff, &adj, "req-1", 41).await.unwrap(), left, "retried request");
        let too_much = Adjustment::parse(-100_000, "x").unwrap();
        assert_eq!(
            rejected(s.adjust_points(f[1], w.staff, &too_much, "req-2", 42).await),
            ErrorCode::PointsWouldGoNegative
        );
        assert_eq!(s.user_by_id(f[1]).await.unwrap().unwrap().points, left);
        assert_eq!(s.points_ledger_sum(f[1]).await.unwrap(), left);
        let history = s.points_history(f[1], 50).await.unwrap();
        assert_eq!(history[0].reason, Reason::Adjustment);
        assert_eq!(history[0].note.as_deref(), Some("刷票"));
        s.close().await;
    }
}

#[tokio::test]
async fn status_changes_and_official_replies_reach_followers_once() {
    for backend in backends() {
        let w = world(backend).await;
        let (s, f) = (&w.store, &w.fans);
        let idea = post(&w, w.product, f[0], "idea").await;
        s.vote(idea, f[1], 20).await.unwrap();
        s.change_status(idea, w.staff, PostStatus::Planned, Some("下个版本"), 30).await.unwrap();
        s.add_comment(idea, w.staff, "已安排", true, None, 31).await.unwrap();
        s.add_comment(idea, f[1], "好耶", false, None, 32).await.unwrap();
        let author = s.notifications(f[0], None, 10).await.unwrap();
        let kinds: Vec<_> = author.iter().map(|n| n.kind).collect();
        // The author hears of the fan's comment too; the voter of neither comment.
        assert_eq!(
            kinds,
            [NotificationKind::NewComment, NotificationKind::OfficialReply, NotificationKind::PostStatus],
            "{backend:?}"
        );
        assert_eq!(author[2].data["to"], "planned");
        assert_eq!(author[2].actor_handle.as_deref(), Some("staff"));
        let voter = s.notifications(f[1], None, 10).await.unwrap();
        assert_eq!(voter.len(), 1);
        assert_eq!(s.unread_notifications(f[0]).await.unwrap(), 3);
        assert_eq!(s.mark_notifications_read(f[0], Some(author[0].id), 40).await.unwrap(), 1);
        assert_eq!(s.unread_notifications(f[0]).await.unwrap(), 2);
        assert_eq!(
            rejected(s.mark_notifications_read(f[1], Some(author[1].id), 41).await),
            ErrorCode::NotificationNotFound
        );
        assert_eq!(s.mark_notifications_read(f[0], None, 42).await.unwrap(), 2);
        assert_eq!(s.unread_notifications(f[0]).await.unwrap(), 0);
        // Paging.
        let older = s.notifications(f[0], Some(author[1].id), 10).await.unwrap();
        assert_eq!(older.len(), 1);
        s.close().await;
    }
}

#[tokio::test]
async fn publishing_a_release_ships_its_posts_credits_and_pays_once() {
    use canyu_core::release::Channel;
    use canyu_store::{NewRelease, ReleaseStatus};
    for backend in backends() {
        let w = world(backend).await;
        let (s, f) = (&w.store, &w.fans);
        let a = post(&w, w.product, f[0], "锁屏显示续航").await;
        let b = post(&w, w.product, f[1], "哨兵模式").await;
        let not_planned = post(&w, w.product, f[1], "还没计划").await;
        let elsewhere = post(&w, w.other_product, f[1], "别的产品").await;
        s.vote(a, f[2], 20).await.unwrap();
        for p in [a, b, elsewhere] {
            s.change_status(p, w.staff, PostStatus::Planned, None, 21).await.unwrap();
        }
        let new = |version: &'static str, posts: &'static [i64]| NewRelease {
            product_id: w.product,
            version,
            channel: Channel::Stable,
            planned_for: "2026-12-04",
            notes: "冬季更新",
            post_ids: posts,
            created_by: w.staff,
            now: 30,
        };
        // Only this product's planned / in-progress posts go in.
        for bad in [vec![not_planned], vec![elsewhere], vec![99_999]] {
            let posts: &'static [i64] = Box::leak(bad.into_boxed_slice());
            assert_eq!(rejected(s.create_release(new("1.0.0", posts)).await), ErrorCode::ReleasePostInvalid);
        }
        let empty = s.create_release(new("0.9.0", &[])).await.unwrap();
        assert_eq!(rejected(s.publish_release(empty.id, w.staff, 31).await), ErrorCode::ReleaseEmpty);

        let ids: &'static [i64] = Box::leak(vec![a, b, a].into_boxed_slice());
        let draft = s.create_release(new("1.0.0", ids)).await.unwrap();
        assert_eq!((draft.status, draft.posts.len()), (ReleaseStatus::Draft, 2), "{backend:?}");
        assert_eq!(rejected(s.create_release(new("1.0.0", &[])).await), ErrorCode::ReleaseVersionTaken);

        let before = s.user_by_id(f[0]).await.unwrap().unwrap().points;
        let published = s.publish_release(draft.id, w.staff, 40).await.unwrap();
        assert_eq!(published.status, ReleaseStatus::Published);
        assert_eq!(published.published_at, Some(40));
        assert!(published.posts.iter().all(|p| p.status == PostStatus::Shipped));
        let history = s.status_history(a).await.unwrap();
        assert_eq!(history.last().unwrap().note.as_deref(), Some("1.0.0"));
        assert_eq!(s.user_by_id(f[0]).await.unwrap().unwrap().points, before + Reason::PostShipped.points());
        let voter_inbox = s.notifications(f[2], None, 10).await.unwrap();
        assert_eq!(voter_inbox[0].kind, NotificationKind::PostShipped);
        assert_eq!(voter_inbox[0].data["version"], "1.0.0");
        assert_eq!(s.credited_posts(f[0], 5).await.unwrap()[0].version.as_deref(), Some("1.0.0"));
        assert_eq!(s.fan_feature_count(w.product).await.unwrap(), 2);
        assert_eq!(
            rejected(s.publish_release(draft.id, w.staff, 41).await),
            ErrorCode::ReleaseAlreadyPublished
        );
        assert_eq!(s.user_by_id(f[0]).await.unwrap().unwrap().points, before + Reason::PostShipped.points());

        let listed = s.releases_for_product(w.product, &[Channel::Stable], false, 10).await.unwrap();
        assert_eq!(listed.iter().map(|r| r.id).collect::<Vec<_>>(), vec![draft.id]);
        let with_drafts =
            s.releases_for_product(w.product, &[Channel::Stable, Channel::Beta], true, 10).await.unwrap();
        assert_eq!(with_drafts.len(), 2);
        assert!(s.releases_for_product(w.product, &[Channel::Beta], true, 10).await.unwrap().is_empty());

        // Managers.
        assert!(!s.manages_product(w.staff, w.product).await.unwrap());
        s.add_product_manager(w.product, w.staff).await.unwrap();
        s.add_product_manager(w.product, w.staff).await.unwrap();
        assert!(s.manages_product(w.staff, w.product).await.unwrap());
        assert_eq!(s.product_managers(w.product).await.unwrap(), vec!["staff".to_string()]);
        s.close().await;
    }
}

#[tokio::test]
async fn the_daily_vote_cap_holds_under_concurrent_votes() {
    for backend in backends() {
        let w = world(backend).await;
        let s = &w.store;
        let mut posts = Vec::new();
        for i in 0..40 {
            posts.push(post(&w, w.product, w.fans[0], &format!("帖子 {i}")).await);
        }
        let voter = w.fans[1];
        let before = s.user_by_id(voter).await.unwrap().unwrap().points;
        let tasks: Vec<_> = posts
            .iter()
            .map(|&p| {
                let store = s.clone();
                tokio::spawn(async move { store.vote(p, voter, 1_000).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let after = s.user_by_id(voter).await.unwrap().unwrap().points;
        let cap = Reason::VoteCast.daily_cap().unwrap() * Reason::VoteCast.points();
        assert_eq!(after - before, cap, "{backend:?}");
        assert_eq!(s.points_ledger_sum(voter).await.unwrap(), after);
    }
}
