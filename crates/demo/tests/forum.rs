//! Properties of the generated demo forum that `canyu demo` relies on.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::{
    Body, CategorySlug, Handle, PostKind, PostStatus, ProductName, ProductSlug, Role, Tag, Title,
};
use canyu_demo::{DEMO_STAFF_HANDLE, DemoForum, generate};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const DAY: i64 = 86_400_000;
/// 2026-03-01T00:00:00Z.
const ANCHOR: i64 = 1_772_323_200_000;

fn forum() -> &'static DemoForum {
    static F: OnceLock<DemoForum> = OnceLock::new();
    F.get_or_init(|| generate(42, ANCHOR, 2_000))
}

#[test]
fn deterministic() {
    let a = generate(7, ANCHOR, 300);
    let b = generate(7, ANCHOR, 300);
    assert_eq!(a, b);
    assert_ne!(a.posts, generate(8, ANCHOR, 300).posts, "the seed matters");
    assert_eq!(forum(), &generate(42, ANCHOR, 2_000));
}

#[test]
fn counts() {
    let f = forum();
    assert_eq!(f.posts.len(), 2_000);
    assert!(f.products.len() >= 6);
    assert!(f.categories.len() >= 4);
    for n in [0, 1, 7, 50, 120] {
        assert_eq!(generate(1, ANCHOR, n).posts.len(), n);
    }
    let fans = f.users.iter().filter(|u| u.role == Role::Fan).count();
    assert!((100..=140).contains(&fans), "{fans} fans");
    assert_eq!(f.users.iter().filter(|u| u.role == Role::Admin).count(), 1);
    assert_eq!(f.users.iter().filter(|u| u.role == Role::Moderator).count(), 2);
    // Every product has a real share of the board.
    for p in &f.products {
        let n = f.posts.iter().filter(|x| x.product == p.slug).count();
        assert!(n >= 50, "{} has {n} posts", p.slug);
    }
}

#[test]
fn catalog_is_consistent() {
    let f = forum();
    let cats: HashSet<&str> = f.categories.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(cats.len(), f.categories.len());
    for c in &f.categories {
        assert!(CategorySlug::parse(&c.slug).is_ok(), "{}", c.slug);
        assert!(ProductName::parse(&c.name_zh).is_ok() && ProductName::parse(&c.name_en).is_ok());
    }
    for want in ["phone", "car", "smart-home", "wearable", "os"] {
        assert!(cats.contains(want), "{want}");
    }
    let slugs: HashSet<&str> = f.products.iter().map(|p| p.slug.as_str()).collect();
    assert_eq!(slugs.len(), f.products.len());
    for p in &f.products {
        assert!(ProductSlug::parse(&p.slug).is_ok(), "{}", p.slug);
        assert!(ProductName::parse(&p.name).is_ok(), "{}", p.name);
        assert!(cats.contains(p.category.as_str()), "{}", p.category);
        assert!(!p.tagline.is_empty() && p.tagline.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)));
    }
    for want in [
        "xiaomi-15-ultra",
        "redmi-k80",
        "xiaomi-su7",
        "xiaomi-yu7",
        "mijia-robot-vacuum",
        "xiaomi-band-9",
        "hyperos",
    ] {
        assert!(slugs.contains(want), "{want}");
    }
    let used: HashSet<&str> = f.products.iter().map(|p| p.category.as_str()).collect();
    assert!(used.len() >= 4);
    for post in &f.posts {
        assert!(slugs.contains(post.product.as_str()), "{}", post.product);
    }
}

#[test]
fn users() {
    let f = forum();
    let mut seen = HashSet::new();
    for u in &f.users {
        assert_eq!(Handle::parse(&u.handle).map(|h| h.into_inner()).as_deref(), Ok(u.handle.as_str()));
        assert!(seen.insert(u.handle.to_lowercase()), "duplicate handle {}", u.handle);
        assert!(!u.bio.is_empty() && u.bio.chars().count() <= 80, "{}", u.bio);
        assert!(u.created_at >= ANCHOR - 120 * DAY && u.created_at < ANCHOR);
    }
    let staff: Vec<_> = f.users.iter().filter(|u| u.handle == DEMO_STAFF_HANDLE).collect();
    assert_eq!(staff.len(), 1);
    assert_eq!(staff[0].role, Role::Staff);
    // Both pinyin and Chinese handles.
    assert!(f.users.iter().any(|u| u.handle.is_ascii()));
    assert!(f.users.iter().filter(|u| !u.handle.is_ascii()).count() >= 30);
}

#[test]
fn text_passes_core_parsers_unchanged() {
    let f = forum();
    for p in &f.posts {
        assert_eq!(Title::parse(&p.title).unwrap().as_str(), p.title);
        assert_eq!(Body::parse(&p.body).unwrap().as_str(), p.body);
        assert!(p.tags.len() <= 3);
        let tags = Tag::parse_list(&p.tags).unwrap();
        assert_eq!(
            tags.iter().map(Tag::as_str).collect::<Vec<_>>(),
            p.tags,
            "tags are canonical and distinct"
        );
        assert!(p.comments.len() <= 8);
        for c in &p.comments {
            assert_eq!(Body::parse_comment(&c.body).unwrap().as_str(), c.body);
        }
        for h in &p.history {
            if let Some(n) = &h.note {
                assert!(!n.trim().is_empty() && n.chars().count() <= 200, "{n}");
            }
        }
        // No template slot left unfilled.
        let all = std::iter::once(p.title.as_str())
            .chain(std::iter::once(p.body.as_str()))
            .chain(p.comments.iter().map(|c| c.body.as_str()))
            .chain(p.history.iter().filter_map(|h| h.note.as_deref()));
        for s in all {
            assert!(!s.contains('{') && !s.contains('}'), "unfilled slot in {s}");
        }
    }
}

#[test]
fn workflow_is_valid() {
    let f = forum();
    for p in &f.posts {
        let mut at = p.created_at;
        let mut status = PostStatus::New;
        for h in &p.history {
            assert_eq!(h.from, status);
            assert!(h.from.can_transition_to(h.to), "{:?} -> {:?}", h.from, h.to);
            assert!(h.at > at, "status changes after the post and in order");
            assert!(f.users[h.by].role.can_triage(), "{} may not triage", f.users[h.by].handle);
            at = h.at;
            status = h.to;
        }
        assert_eq!(p.status(), status);
        if status == PostStatus::Duplicate {
            assert!(p.history.last().unwrap().note.as_deref().is_some_and(|n| n.contains('《')));
        }
    }
}

#[test]
fn statuses_are_distributed_realistically() {
    let f = forum();
    let mut count: HashMap<PostStatus, usize> = HashMap::new();
    for p in &f.posts {
        *count.entry(p.status()).or_default() += 1;
    }
    let n = f.posts.len();
    let share = |s| count.get(&s).copied().unwrap_or(0) * 100 / n;
    eprintln!("{count:?}");
    assert!(
        share(PostStatus::New) + share(PostStatus::Acknowledged) >= 50,
        "most posts are new or acknowledged"
    );
    assert!(share(PostStatus::New) > share(PostStatus::Shipped));
    // Each thing a product's fans ask for is planned and shipped once, through one post; the
    // many posts that restate it are merged into that one (or left open), so shipped posts
    // are fewer and duplicates more than when every restatement could ship on its own.
    assert!(share(PostStatus::Shipped) >= 4, "a good number shipped");
    for s in [PostStatus::Planned, PostStatus::InProgress, PostStatus::Declined] {
        assert!((1..=15).contains(&share(s)), "{s:?}: {}%", share(s));
    }
    assert!(
        (10..=30).contains(&share(PostStatus::Duplicate)),
        "duplicates: {}%",
        share(PostStatus::Duplicate)
    );
    let kinds: HashSet<PostKind> = f.posts.iter().map(|p| p.kind).collect();
    assert_eq!(kinds.len(), 3);
}

#[test]
fn timestamps_are_in_the_window_and_ordered() {
    let f = forum();
    let start = ANCHOR - 120 * DAY;
    let within = |t: i64| (start..ANCHOR).contains(&t);
    let mut last = i64::MIN;
    for p in &f.posts {
        assert!(within(p.created_at));
        assert!(p.created_at >= last, "posts come in time order");
        last = p.created_at;
        assert!(f.users[p.author].created_at < p.created_at, "authors join before posting");
        let mut prev = p.created_at;
        for c in &p.comments {
            assert!(within(c.created_at));
            assert!(c.created_at > p.created_at, "comments after their post");
            assert!(c.created_at >= prev, "comments in time order");
            prev = c.created_at;
            assert!(f.users[c.author].created_at < c.created_at);
        }
        for h in &p.history {
            assert!(within(h.at));
        }
    }
}

#[test]
fn votes_are_distinct_and_heavy_tailed() {
    let f = forum();
    let mut small = 0;
    let mut max = 0;
    for p in &f.posts {
        let set: HashSet<usize> = p.voters.iter().copied().collect();
        assert_eq!(set.len(), p.voters.len(), "voters distinct");
        assert!(p.voters.iter().all(|&v| v < f.users.len()));
        if p.voters.len() <= 10 {
            small += 1;
        }
        max = max.max(p.voters.len());
    }
    assert!(small * 100 / f.posts.len() >= 65, "most posts have 0–10 voters");
    assert!(max >= f.users.len() * 3 / 4, "hot posts reach most of the community: {max}");
    assert!(f.posts.iter().filter(|p| p.voters.len() > 80).count() >= 10);
}

#[test]
fn official_flag_matches_role() {
    let f = forum();
    let mut officials = 0;
    for p in &f.posts {
        assert_eq!(f.users[p.author].role, Role::Fan);
        for c in &p.comments {
            assert!(c.author < f.users.len());
            assert_eq!(c.official, f.users[c.author].role >= Role::Moderator, "{}", c.body);
            officials += usize::from(c.official);
        }
    }
    assert!(officials >= 300, "{officials} official replies");
}

#[test]
fn content_is_varied_and_has_the_showcase_posts() {
    let f = forum();
    // Titles are unique within a product's board (two boards may share a common complaint).
    let titles: HashSet<(&str, &str)> =
        f.posts.iter().map(|p| (p.product.as_str(), p.title.as_str())).collect();
    assert_eq!(titles.len(), f.posts.len());
    let global: HashSet<&str> = f.posts.iter().map(|p| p.title.as_str()).collect();
    assert!(global.len() * 100 / f.posts.len() >= 80, "{} distinct titles", global.len());
    let injections = f
        .posts
        .iter()
        .filter(|p| p.body.contains("<script") || p.body.contains("onerror=") || p.body.contains("onload="))
        .count();
    assert!((3..=5).contains(&injections), "{injections} injection posts");
    assert!(f.posts.iter().any(|p| p.body.contains("\n1. ")), "numbered reproduction steps");
    assert!(f.posts.iter().any(|p| p.body.contains("**")), "bold");
    assert!(f.posts.iter().any(|p| p.body.contains('`')), "code spans");
    let paragraphs = |b: &str| b.split("\n\n").count();
    assert!(f.posts.iter().any(|p| paragraphs(&p.body) == 1));
    assert!(f.posts.iter().any(|p| paragraphs(&p.body) >= 4));
    // Intentional near-duplicates: same product, same complaint, different words.
    let dups = f.posts.iter().filter(|p| p.status() == PostStatus::Duplicate).count();
    assert!(dups >= 40, "{dups} duplicates");
}

#[test]
fn fast_enough() {
    if cfg!(debug_assertions) {
        return; // measured in release: `cargo test -p canyu-demo --release`
    }
    let t = std::time::Instant::now();
    let f = generate(3, ANCHOR, 2_000);
    let took = t.elapsed();
    assert_eq!(f.posts.len(), 2_000);
    assert!(took.as_millis() < 100, "generate(2000) took {took:?}");
    let big = generate(3, ANCHOR, 20_000);
    assert_eq!(big.posts.len(), 20_000);
}
