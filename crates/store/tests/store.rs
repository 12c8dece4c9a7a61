//! The store's queries on every configured backend.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::{ErrorCode, PostKind, PostStatus, Role};
use canyu_store::testing::{backends, fresh_store};
use canyu_store::{NewPost, NewProduct, NewUser, PostFilter, Sort, Store, StoreError};

async fn seed(store: &Store) -> (i64, i64, i64) {
    store.create_category("phone", "手机", "Phones").await.unwrap();
    let product = store
        .create_product(NewProduct {
            slug: "xiaomi-15",
            name: "小米 15",
            category_slug: "phone",
            tagline: "",
            created_at: 1,
        })
        .await
        .unwrap();
    let fan = store
        .create_user(NewUser {
            handle: "米粉",
            email: None,
            password_hash: "x",
            role: Role::Fan,
            bio: "",
            created_at: 1,
        })
        .await
        .unwrap();
    let staff = store
        .create_user(NewUser {
            handle: "Staff",
            email: None,
            password_hash: "x",
            role: Role::Staff,
            bio: "",
            created_at: 1,
        })
        .await
        .unwrap();
    (product.id, fan.id, staff.id)
}

#[tokio::test]
async fn posts_votes_comments_and_status_on_every_backend() {
    for backend in backends() {
        let (store, _) = fresh_store(backend).await.unwrap();
        let (product, fan, staff) = seed(&store).await;

        let dup = store
            .create_user(NewUser {
                handle: "staff",
                email: None,
                password_hash: "x",
                role: Role::Fan,
                bio: "",
                created_at: 1,
            })
            .await;
        assert!(matches!(dup, Err(StoreError::Rejected(ErrorCode::HandleTaken))), "{backend:?}");

        let tags = vec!["续航".to_string(), "充电".to_string()];
        let mut ids = Vec::new();
        for i in 0..5 {
            let p = store
                .create_post(NewPost {
                    product_id: product,
                    author_id: fan,
                    kind: PostKind::Idea,
                    title: &format!("建议 {i}"),
                    body: "续航再长一点",
                    tags: &tags,
                    beta: false,
                    created_at: 1_700_000_000_000 + i,
                })
                .await
                .unwrap();
            assert_eq!(p.tags, vec!["充电", "续航"]);
            ids.push(p.id);
        }
        let v = store.vote(ids[0], fan, 5).await.unwrap();
        assert_eq!((v.votes, v.changed), (1, true));
        let v = store.vote(ids[0], fan, 6).await.unwrap();
        assert_eq!((v.votes, v.changed), (1, false));
        assert_eq!(store.vote(ids[0], staff, 6).await.unwrap().votes, 2);
        assert_eq!(store.unvote(ids[0], staff).await.unwrap().votes, 1);
        assert!(matches!(store.vote(9999, fan, 1).await, Err(StoreError::Rejected(ErrorCode::PostNotFound))));

        // Keyset pagination walks every post exactly once in each order.
        for sort in [Sort::Hot, Sort::New, Sort::Top, Sort::Oldest] {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let page = store
                    .list_posts(&PostFilter {
                        product_id: Some(product),
                        sort,
                        cursor: cursor.as_deref(),
                        limit: 2,
                        ..Default::default()
                    })
                    .await
                    .unwrap();
                seen.extend(page.items.iter().map(|p| p.id));
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            seen.sort();
            assert_eq!(seen, ids, "{backend:?} {sort:?}");
        }
        let top =
            store.list_posts(&PostFilter { sort: Sort::Top, limit: 1, ..Default::default() }).await.unwrap();
        assert_eq!(top.items[0].id, ids[0]);
        let tagged = store
            .list_posts(&PostFilter { tag: Some("续航"), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(tagged.items.len(), 5);
        let bad =
            store.list_posts(&PostFilter { cursor: Some("nonsense"), limit: 10, ..Default::default() }).await;
        assert!(matches!(bad, Err(StoreError::Rejected(ErrorCode::InvalidCursor))));

        let c = store.add_comment(ids[1], staff, "已收到", true, None, 10).await.unwrap();
        assert!(c.official);
        assert_eq!(store.post(ids[1]).await.unwrap().unwrap().comments, 1);

        let change =
            store.change_status(ids[1], staff, PostStatus::Planned, Some("排期中"), 20).await.unwrap();
        assert_eq!((change.from, change.to), (PostStatus::New, PostStatus::Planned));
        let refused = store.change_status(ids[1], staff, PostStatus::New, None, 21).await;
        assert!(matches!(refused, Err(StoreError::Rejected(ErrorCode::InvalidTransition))));
        assert_eq!(store.status_history(ids[1]).await.unwrap().len(), 1);
        let planned = store
            .list_posts(&PostFilter { status: Some(PostStatus::Planned), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(planned.items.len(), 1);
        store.close().await;
    }
}

#[tokio::test]
async fn concurrent_votes_count_once_per_fan() {
    for backend in backends() {
        let (store, _) = fresh_store(backend).await.unwrap();
        let (product, fan, _) = seed(&store).await;
        let post = store
            .create_post(NewPost {
                product_id: product,
                author_id: fan,
                kind: PostKind::Bug,
                title: "发热",
                body: "发热严重",
                tags: &[],
                beta: false,
                created_at: 1,
            })
            .await
            .unwrap();
        let mut fans = Vec::new();
        for i in 0..50 {
            let u = store
                .create_user(NewUser {
                    handle: &format!("fan{i}"),
                    email: None,
                    password_hash: "x",
                    role: Role::Fan,
                    bio: "",
                    created_at: 1,
                })
                .await
                .unwrap();
            fans.push(u.id);
        }
        let mut tasks = Vec::new();
        for &f in &fans {
            for _ in 0..3 {
                let s = store.clone();
                tasks.push(tokio::spawn(async move { s.vote(post.id, f, 2).await.map(|v| v.changed) }));
            }
        }
        let mut changed = 0;
        for t in tasks {
            if t.await.unwrap().unwrap() {
                changed += 1;
            }
        }
        assert_eq!(changed, 50, "{backend:?}");
        assert_eq!(store.post(post.id).await.unwrap().unwrap().votes, 50);
        assert_eq!(store.vote_count().await.unwrap(), 50);
        store.close().await;
    }
}

#[tokio::test]
async fn per_status_counters_follow_every_write() {
    for backend in backends() {
        let (store, _) = fresh_store(backend).await.unwrap();
        let (product, fan, staff) = seed(&store).await;
        let mut ids = Vec::new();
        for i in 0..3 {
            let p = store
                .create_post(NewPost {
                    product_id: product,
                    author_id: fan,
                    kind: PostKind::Bug,
                    title: &format!("问题 {i}"),
                    body: "正文",
                    tags: &[],
                    beta: false,
                    created_at: i,
                })
                .await
                .unwrap();
            ids.push(p.id);
        }
        store
            .insert_posts_bulk(&[canyu_store::BulkPost {
                product_id: product,
                author_id: fan,
                kind: PostKind::Idea,
                title: "批量".into(),
                body: "正文".into(),
                status: PostStatus::New,
                created_at: 9,
            }])
            .await
            .unwrap();
        store.change_status(ids[0], staff, PostStatus::Planned, None, 10).await.unwrap();
        assert!(store.change_status(ids[0], staff, PostStatus::New, None, 11).await.is_err());
        // A beta-board post is for members only: the public counters do not see it.
        let beta = store
            .create_post(NewPost {
                product_id: product,
                author_id: fan,
                kind: PostKind::Bug,
                title: "内测问题",
                body: "正文",
                tags: &[],
                beta: true,
                created_at: 12,
            })
            .await
            .unwrap();
        store.change_status(beta.id, staff, PostStatus::Planned, None, 13).await.unwrap();
        let mut counts = store.status_counts(Some(product)).await.unwrap();
        counts.sort_by_key(|(s, _)| s.as_str());
        assert_eq!(counts, vec![(PostStatus::New, 3), (PostStatus::Planned, 1)], "{backend:?}");
        assert_eq!(store.post_count().await.unwrap(), 4);
        assert_eq!(store.product_by_slug("xiaomi-15").await.unwrap().unwrap().post_count, 4);
        // The counters are a projection: recounting from the rows gives the same numbers.
        store.recount_products().await.unwrap();
        let mut again = store.status_counts(Some(product)).await.unwrap();
        again.sort_by_key(|(s, _)| s.as_str());
        assert_eq!(again, counts);
        store.close().await;
    }
}

#[tokio::test]
async fn token_uses_are_recorded_in_chunks_and_never_go_back_in_time() {
    for backend in backends() {
        let (store, _) = fresh_store(backend).await.unwrap();
        // More tokens than one statement takes (500), so the chunk boundaries are crossed.
        let handles: Vec<String> = (0..1_200).map(|i| format!("buyer{i}")).collect();
        let users: Vec<NewUser> = handles
            .iter()
            .map(|h| NewUser {
                handle: h,
                email: None,
                password_hash: "x",
                role: Role::Fan,
                bio: "",
                created_at: 1,
            })
            .collect();
        let hashes: Vec<String> = (0..users.len()).map(|i| format!("digest-{i}")).collect();
        let ids =
            store.create_users_with_api_tokens_bulk(&users, &hashes, "load", 1, 1_000_000).await.unwrap();
        let mut tokens = Vec::new();
        for id in &ids {
            tokens.push(store.list_api_tokens(*id).await.unwrap()[0].id);
        }

        let uses: Vec<(i64, i64)> = tokens.iter().enumerate().map(|(i, t)| (*t, 100 + i as i64)).collect();
        store.touch_api_tokens(&uses).await.unwrap();
        // A late flush of an older use does not move "last used" back; a newer one moves it on.
        let late = vec![(tokens[0], 50), (tokens[1_199], 5_000), (i64::MAX, 7)];
        store.touch_api_tokens(&late).await.unwrap();
        store.touch_api_tokens(&[]).await.unwrap();

        for (i, id) in ids.iter().enumerate() {
            let tokens = store.list_api_tokens(*id).await.unwrap();
            let expected = if i == 1_199 { 5_000 } else { 100 + i as i64 };
            assert_eq!(tokens[0].last_used_at, Some(expected), "{backend:?}: token {i}");
        }
    }
}

/// `serve` checkpoints SQLite's log in the background so the order writer never does it
/// inside a commit: a passive checkpoint moves every committed frame into the database file
/// and loses nothing. PostgreSQL has no such log to tend.
#[tokio::test]
async fn a_background_checkpoint_moves_the_log_into_the_database() {
    for backend in backends() {
        let (store, url) = fresh_store(backend).await.unwrap();
        seed(&store).await;
        for i in 0..50 {
            store.set_meta(&format!("k{i}"), &"x".repeat(2_000)).await.unwrap();
        }
        match (backend, store.checkpoint().await.unwrap()) {
            (canyu_store::Backend::Postgres, None) => {}
            (canyu_store::Backend::Sqlite, Some((log, moved))) => {
                assert!(log > 0, "the writes went through the log first");
                assert_eq!(moved, log, "with no reader in the way, every frame is moved");
            }
            (b, got) => panic!("{b:?}: {got:?}"),
        }
        store.close().await;
        // What was checkpointed is there for a new connection.
        let again = Store::connect(&url).await.unwrap();
        assert_eq!(again.meta("k49").await.unwrap().map(|v| v.len()), Some(2_000), "{backend:?}");
        again.close().await;
    }
}

/// The lookups behind every authenticated request see each committed change at once: a new
/// token or session, a role change, a revocation, an expiry, a signed-out session. On SQLite
/// they are answered on the caller's thread (`inline.rs`), and this checks they were.
#[tokio::test]
async fn auth_lookups_see_every_committed_change_at_once() {
    use canyu_store::TokenLookup;
    for backend in backends() {
        let (store, _) = fresh_store(backend).await.unwrap();
        let (_, fan, _) = seed(&store).await;
        let before = store.inline_reads();

        assert!(matches!(store.token_user("nope", 10).await.unwrap(), TokenLookup::Invalid));
        let token = store.create_api_token(fan, "app", "digest-1", 10, 1_000).await.unwrap();
        match store.token_user("digest-1", 10).await.unwrap() {
            TokenLookup::Valid { user, token_id, .. } => {
                assert_eq!(
                    (user.id, user.handle.as_str(), user.role, token_id),
                    (fan, "米粉", Role::Fan, token.id),
                    "{backend:?}"
                );
            }
            _ => panic!("{backend:?}: a new token is valid"),
        }
        store.set_role(fan, Role::Staff).await.unwrap();
        match store.token_user("digest-1", 10).await.unwrap() {
            TokenLookup::Valid { user, .. } => assert_eq!(user.role, Role::Staff, "{backend:?}"),
            _ => panic!("{backend:?}: still valid after a role change"),
        }
        assert!(
            matches!(store.token_user("digest-1", 1_000).await.unwrap(), TokenLookup::Expired),
            "{backend:?}"
        );
        assert!(store.revoke_api_token(fan, token.id, 20).await.unwrap());
        assert!(
            matches!(store.token_user("digest-1", 20).await.unwrap(), TokenLookup::Invalid),
            "{backend:?}"
        );
        // Finished tokens (expired or revoked) go once old enough; live ones stay.
        let live = store.create_api_token(fan, "login", "digest-2", 10, 10_000).await.unwrap();
        let expired = store.create_api_token(fan, "login", "digest-3", 10, 30).await.unwrap();
        assert_eq!(
            store.delete_finished_api_tokens(15).await.unwrap(),
            0,
            "{backend:?}: nothing finished before 15"
        );
        assert_eq!(
            store.delete_finished_api_tokens(100).await.unwrap(),
            2,
            "{backend:?}: revoked at 20, expired at 30"
        );
        let left: Vec<i64> = store.list_api_tokens(fan).await.unwrap().iter().map(|t| t.id).collect();
        assert_eq!(left, [live.id], "{backend:?}: {expired:?} gone");

        assert!(store.session_user("session-1", 10).await.unwrap().is_none());
        store.create_session("session-1", fan, "csrf-1", 10, 500).await.unwrap();
        let (user, csrf) = store.session_user("session-1", 10).await.unwrap().expect("a new session");
        assert_eq!((user.id, csrf.as_str()), (fan, "csrf-1"), "{backend:?}");
        assert!(store.session_user("session-1", 500).await.unwrap().is_none(), "{backend:?}: expired");
        store.delete_session("session-1").await.unwrap();
        assert!(store.session_user("session-1", 10).await.unwrap().is_none(), "{backend:?}: signed out");

        let inline = store.inline_reads() - before;
        match backend {
            canyu_store::Backend::Sqlite => assert_eq!(inline, 9, "every lookup answered inline"),
            canyu_store::Backend::Postgres => assert_eq!(inline, 0),
        }
    }
}
