//! The forum's life over 120 days: who posts what and when, who votes, who replies, and how
//! staff move each post through the workflow.

use crate::catalog::{Group, PRODUCTS, ProductMeta};
use crate::people::{FIRST_FAN, MODERATORS, STAFF};
use crate::rng::Rng;
use crate::text::{self, Change, Ctx};
use crate::topics::{self, Topic};
use crate::{DemoComment, DemoPost, DemoStatusChange, DemoUser};
use canyu_core::{Millis, PostKind, PostStatus};
use std::collections::{HashMap, HashSet};

pub(crate) const MINUTE: Millis = 60_000;
pub(crate) const HOUR: Millis = 60 * MINUTE;
pub(crate) const DAY: Millis = 24 * HOUR;
pub(crate) const WEEK: Millis = 7 * DAY;

/// Vote-count buckets: most posts get a handful, a few get (nearly) everyone.
const VOTE_BUCKETS: [(usize, usize); 6] = [(0, 2), (3, 10), (11, 30), (31, 80), (81, 200), (201, 1000)];
const VOTE_WEIGHTS: [u32; 6] = [40, 35, 15, 7, 2, 1];

struct Meta {
    topic: usize,
    variant: usize,
}

struct World<'a> {
    start: Millis,
    anchor: Millis,
    users: &'a [DemoUser],
    topics: Vec<Topic>,
    /// Topic ids by group and kind.
    by: Vec<[Vec<usize>; 3]>,
    /// Cumulative activity weights of the fans, most active first.
    fan_cum: Vec<u64>,
    /// Everyone who may vote (moderators and fans), shuffled in place by each draw.
    pool: Vec<usize>,
}

fn kind_index(kind: PostKind) -> usize {
    match kind {
        PostKind::Bug => 0,
        PostKind::Idea => 1,
        PostKind::Question => 2,
    }
}

fn group_index(group: Group) -> usize {
    Group::ALL.iter().position(|g| *g == group).unwrap_or(0)
}

/// Month number (1–12, Beijing time) of a moment.
pub(crate) fn month_of(ms: Millis) -> u32 {
    let days = (ms + 8 * HOUR).div_euclid(DAY);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    (if mp < 10 { mp + 3 } else { mp - 9 }) as u32
}

impl World<'_> {
    fn week(&self, t: Millis) -> u32 {
        ((t - self.start).max(0) / WEEK) as u32
    }

    /// A fan who had joined by `t`, active fans more often; never `avoid` if it can be helped.
    fn fan_before(&self, rng: &mut Rng, t: Millis, avoid: Option<usize>) -> usize {
        let total = *self.fan_cum.last().unwrap_or(&1);
        for _ in 0..32 {
            let x = rng.below(total);
            let i = FIRST_FAN + self.fan_cum.partition_point(|&c| c <= x);
            if self.users[i].created_at < t && Some(i) != avoid {
                return i;
            }
        }
        // The day-one fans joined before any post or comment.
        let fallback = FIRST_FAN + usize::from(avoid == Some(FIRST_FAN));
        fallback.min(self.users.len() - 1)
    }

    fn vote_count(&mut self, rng: &mut Rng, kind: PostKind, repeat: bool, age: Millis) -> usize {
        let mut b = rng.weighted(&VOTE_WEIGHTS);
        if (repeat || kind == PostKind::Idea) && b < VOTE_BUCKETS.len() - 1 && rng.pct(20) {
            b += 1;
        }
        if age < 2 * DAY {
            b = b.min(2);
        }
        let cap = self.pool.len();
        let (lo, hi) = VOTE_BUCKETS[b];
        let (lo, hi) = (lo.min(cap * 9 / 10), hi.min(cap));
        rng.between(lo as i64, hi as i64) as usize
    }

    /// `k` distinct voters, by a partial Fisher–Yates shuffle of the pool.
    fn voters(&mut self, rng: &mut Rng, k: usize) -> Vec<usize> {
        let n = self.pool.len();
        let k = k.min(n);
        for i in 0..k {
            let j = i + rng.index(n - i);
            self.pool.swap(i, j);
        }
        let mut v = self.pool[..k].to_vec();
        v.sort_unstable();
        v
    }
}

fn final_status(rng: &mut Rng, kind: PostKind, age: Millis, votes: usize, repeat: bool) -> PostStatus {
    use PostStatus::*;
    let maturity = (age * 100 / (30 * DAY)).clamp(0, 100) as u32;
    let mut p = 15 + maturity * 55 / 100;
    if votes > 30 {
        p += 20;
    } else if votes > 10 {
        p += 10;
    }
    if !rng.pct(p.min(95)) {
        return New;
    }
    let dup = if repeat { 55 } else { 0 };
    let hot = if votes > 30 { 2 } else { 1 };
    // Acknowledged, Planned, InProgress, Shipped, Declined, Duplicate
    let w: [u32; 6] = match kind {
        PostKind::Idea => [30, 14 * hot, 7 * hot, 24 * hot, 14, dup],
        PostKind::Bug => [28, 4 * hot, 12 * hot, 34 * hot, 8, dup],
        PostKind::Question => [80, 0, 0, 0, 6, dup],
    };
    let s = [Acknowledged, Planned, InProgress, Shipped, Declined, Duplicate][rng.weighted(&w)];
    let s = if s == Shipped && age < 10 * DAY { InProgress } else { s };
    if matches!(s, Planned | InProgress) && age < 3 * DAY { Acknowledged } else { s }
}

/// The statuses a post goes through after `New`, ending at `last` (empty: still new).
fn path(rng: &mut Rng, kind: PostKind, last: PostStatus) -> Vec<PostStatus> {
    use PostStatus::*;
    match last {
        New if rng.pct(4) => vec![Declined, New],
        New => vec![],
        Acknowledged if rng.pct(5) => vec![Declined, Acknowledged],
        Acknowledged => vec![Acknowledged],
        Planned if rng.pct(70) => vec![Acknowledged, Planned],
        Planned => vec![Planned],
        InProgress => match rng.below(10) {
            0..=4 => vec![Acknowledged, Planned, InProgress],
            5..=8 => vec![Acknowledged, InProgress],
            _ => vec![Acknowledged, Planned, InProgress, Planned, InProgress],
        },
        Shipped if kind == PostKind::Bug => match rng.weighted(&[50, 20, 10, 20]) {
            0 => vec![Acknowledged, InProgress, Shipped],
            1 => vec![Acknowledged, Shipped],
            2 => vec![Shipped],
            _ => vec![Acknowledged, Planned, InProgress, Shipped],
        },
        Shipped => match rng.weighted(&[50, 30, 10, 10]) {
            0 => vec![Acknowledged, Planned, InProgress, Shipped],
            1 => vec![Acknowledged, Planned, Shipped],
            2 => vec![Planned, Shipped],
            _ => vec![Acknowledged, Shipped],
        },
        Declined if kind == PostKind::Question || rng.pct(50) => vec![Declined],
        Declined => vec![Acknowledged, Declined],
        Duplicate if rng.pct(80) => vec![Duplicate],
        Duplicate => vec![Acknowledged, Duplicate],
    }
}

/// Who makes a change: staff own plans and releases, the board's moderator does most triage.
fn actor(rng: &mut Rng, to: PostStatus, product: &ProductMeta) -> usize {
    let staff_pct = match to {
        PostStatus::Planned | PostStatus::InProgress | PostStatus::Shipped => 80,
        _ => 40,
    };
    if rng.pct(staff_pct) { STAFF } else { moderator_of(product) }
}

/// miui_moderator looks after phones, HyperOS and wearables; the other the car and home boards.
fn moderator_of(product: &ProductMeta) -> usize {
    match product.group {
        Group::Car | Group::Vacuum | Group::Aircon => MODERATORS[1],
        _ => MODERATORS[0],
    }
}

/// Moments for `k` changes after `t`, strictly increasing and before `end`; the first
/// response comes within days, later steps spread over the remaining time.
fn change_times(rng: &mut Rng, t: Millis, end: Millis, k: usize) -> Vec<Millis> {
    let mut at = t + 20 * MINUTE;
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        let remaining = (k - i) as i64;
        let budget = (end - at - remaining).max(0);
        let mut share = budget / remaining;
        if i == 0 {
            share = share.min(5 * DAY);
        }
        let gap = 1 + rng.between(0, (share * 3 / 2).max(0)).min(budget);
        at += gap;
        out.push(at);
    }
    out
}

fn official_pct(to: PostStatus) -> u32 {
    match to {
        PostStatus::New => 30,
        PostStatus::Acknowledged => 60,
        PostStatus::Planned => 70,
        PostStatus::InProgress => 40,
        PostStatus::Shipped | PostStatus::Declined => 80,
        PostStatus::Duplicate => 70,
    }
}

pub(crate) fn generate(
    rng: &mut Rng,
    start: Millis,
    anchor: Millis,
    count: usize,
    users: &[DemoUser],
) -> Vec<DemoPost> {
    let topics = topics::all();
    let mut by: Vec<[Vec<usize>; 3]> = Group::ALL.iter().map(|_| Default::default()).collect();
    for (id, t) in topics.iter().enumerate() {
        by[group_index(t.group)][kind_index(t.kind)].push(id);
    }
    let mut acc = 0;
    let fan_cum: Vec<u64> = (0..users.len() - FIRST_FAN)
        .map(|i| {
            acc += 6000 / (i as u64 + 6);
            acc
        })
        .collect();
    let pool: Vec<usize> = MODERATORS.iter().copied().chain(FIRST_FAN..users.len()).collect();
    let mut world = World { start, anchor, users, topics, by, fan_cum, pool };

    // When each post is written: more of them lately (the maximum of two draws), never in the
    // first two days (the day-one fans must exist) nor the last three hours (so that replies fit).
    let lo = start + 2 * DAY;
    let span = (anchor - 3 * HOUR - lo).max(1);
    let mut times: Vec<Millis> =
        (0..count).map(|_| lo + rng.between(0, span - 1).max(rng.between(0, span - 1))).collect();
    times.sort_unstable();

    // A few fans paste markup; spread them over the timeline.
    let n_inj = if count >= 100 { text::INJECTIONS.len() } else { (count / 20).min(5) };
    let inj_at: Vec<usize> =
        (0..n_inj).map(|k| k * count / n_inj + rng.index((count / n_inj).max(1))).collect();

    let weights: Vec<u32> = PRODUCTS.iter().map(|p| p.weight).collect();
    let mut registry: Vec<Vec<usize>> = vec![Vec::new(); PRODUCTS.len()];
    let mut titles: Vec<HashSet<String>> = vec![HashSet::new(); PRODUCTS.len()];
    // Per product, the post of each topic that is planned, in progress or shipped: the one the
    // team works on. Another post of that topic is merged into it rather than planned or
    // shipped again, so the roadmap and the release notes list each thing once.
    let mut carriers: Vec<HashMap<usize, usize>> = vec![HashMap::new(); PRODUCTS.len()];
    let mut metas: Vec<Option<Meta>> = Vec::with_capacity(count);
    let mut posts: Vec<DemoPost> = Vec::with_capacity(count);

    for (i, &t) in times.iter().enumerate() {
        if let Some(k) = inj_at.iter().position(|&x| x == i) {
            posts.push(injection(rng, &world, k, t));
            metas.push(None);
            continue;
        }
        let pi = rng.weighted(&weights);
        let product = &PRODUCTS[pi];

        // One in five posts restates something already on this product's board.
        let (topic_id, variant, orig) = match registry[pi].is_empty() || !rng.pct(20) {
            true => {
                let group = match product.group {
                    Group::Phone if rng.pct(40) => Group::Os,
                    g => g,
                };
                let kind = rng.weighted(&[40, 40, 20]);
                let list = &world.by[group_index(group)][kind];
                let id = rng.pick(list);
                (id, rng.index(world.topics[id].titles.len()), None)
            }
            false => {
                let o = rng.pick(&registry[pi]);
                let m = metas[o].as_ref().expect("registered posts have topics");
                let n = world.topics[m.topic].titles.len();
                (m.topic, (m.variant + 1 + rng.index(n - 1)) % n, Some(o))
            }
        };
        let carrier = carriers[pi].get(&topic_id).copied();
        let post = write_post(
            rng,
            &mut world,
            product,
            (topic_id, variant),
            orig,
            carrier,
            &posts,
            t,
            &mut titles[pi],
        );
        if carrier.is_none()
            && matches!(post.status(), PostStatus::Planned | PostStatus::InProgress | PostStatus::Shipped)
        {
            carriers[pi].insert(topic_id, i);
        }
        if post.history.last().map(|h| h.to) != Some(PostStatus::Duplicate) {
            registry[pi].push(i);
        }
        metas.push(Some(Meta { topic: topic_id, variant }));
        posts.push(post);
    }
    posts
}

#[allow(clippy::too_many_arguments)]
fn write_post(
    rng: &mut Rng,
    world: &mut World,
    product: &ProductMeta,
    (topic_id, variant): (usize, usize),
    orig: Option<usize>,
    carrier: Option<usize>,
    earlier: &[DemoPost],
    t: Millis,
    seen_titles: &mut HashSet<String>,
) -> DemoPost {
    let anchor = world.anchor;
    let author = world.fan_before(rng, t, None);
    let device = product.device(rng);
    let topic = &world.topics[topic_id];
    let kind = topic.kind;
    let ctx = Ctx::new(rng, product, &device, topic.area, world.week(t));

    let mut title = text::title(rng, topic, variant, &ctx);
    for _ in 0..4 {
        if !seen_titles.contains(&title) {
            break;
        }
        title = text::title(rng, topic, variant, &ctx);
    }
    if seen_titles.contains(&title) {
        title = text::fill(&format!("{title}{}", rng.pick(&text::TITLE_SUFFIXES)), &ctx, &[]);
    }
    seen_titles.insert(title.clone());
    let body = text::body(rng, topic, variant, &ctx, product);

    let n_tags = rng.weighted(&[25, 40, 25, 10]).min(topic.tags.len());
    let mut tags: Vec<String> = topic.tags.iter().map(|s| s.to_string()).collect();
    for k in (1..tags.len()).rev() {
        let j = rng.index(k + 1);
        tags.swap(k, j);
    }
    tags.truncate(n_tags);

    // Votes and the workflow.
    let age = anchor - t;
    let n_votes = world.vote_count(rng, kind, orig.is_some(), age);
    let voters = world.voters(rng, n_votes);
    let last = final_status(rng, kind, age, voters.len(), orig.is_some());
    let (last, orig) = match carrier {
        Some(c) if matches!(last, PostStatus::Planned | PostStatus::InProgress | PostStatus::Shipped) => {
            (PostStatus::Duplicate, Some(c))
        }
        _ => (last, orig),
    };
    let steps = path(rng, kind, last);
    let when = change_times(rng, t, anchor - 1, steps.len());
    let orig_title = orig.map(|o| earlier[o].title.as_str());
    let topic = &world.topics[topic_id];

    let mut history: Vec<DemoStatusChange> = Vec::with_capacity(steps.len());
    let mut comments: Vec<DemoComment> = Vec::new();
    let mut from = PostStatus::New;
    let mut replied: Option<(Millis, PostStatus)> = None;
    for (&to, &at) in steps.iter().zip(&when) {
        let by = actor(rng, to, product);
        let (ver, _) = product.version(world.week(at), device.code);
        let month = month_of(at + 35 * DAY).to_string();
        let change = Change { from, to, ver: &ver, month: &month, orig: orig_title };
        let note = text::note(rng, topic, &change, &ctx);
        // A question is acknowledged by answering it.
        let pct =
            if kind == PostKind::Question && to == PostStatus::Acknowledged { 100 } else { official_pct(to) };
        let official = comments.len() < 3 && rng.pct(pct);
        if official {
            let created_at = (at + rng.between(MINUTE, 45 * MINUTE)).min(anchor - 1);
            comments.push(DemoComment {
                author: by,
                body: text::official_reply(rng, topic, &change, &ctx),
                created_at,
                official: true,
            });
            replied = Some((created_at, to));
        }
        history.push(DemoStatusChange { from, to, by, note, at });
        from = to;
    }

    // The author thanks staff, sometimes.
    if let Some((replied_at, status)) = replied
        && rng.pct(35)
    {
        comments.push(DemoComment {
            author,
            body: text::author_reply(rng, kind, status),
            created_at: (replied_at + rng.between(10 * MINUTE, 2 * DAY)).min(anchor - 1),
            official: false,
        });
    }

    // Fans chime in, mostly in the first days; busier posts get more replies.
    let wanted = match voters.len() {
        0..=2 => rng.between(0, 2),
        3..=10 => rng.between(0, 4),
        11..=30 => rng.between(1, 5),
        _ => rng.between(3, 8),
    } as usize;
    let n_fan = wanted.min(8 - comments.len());
    let from_t = t + 5 * MINUTE;
    let span = anchor - 1 - from_t;
    for _ in 0..n_fan {
        let at = from_t + rng.between(0, span).min(rng.between(0, span));
        let status = history.iter().take_while(|h| h.at <= at).last().map_or(PostStatus::New, |h| h.to);
        let who = world.fan_before(rng, at, Some(author));
        let theirs = product.device(rng);
        let (_, build) = product.version(world.week(at), theirs.code);
        comments.push(DemoComment {
            author: who,
            body: text::fan_comment(rng, topic, status, &ctx, &theirs.line, &build),
            created_at: at,
            official: false,
        });
    }
    comments.sort_by_key(|c| c.created_at);

    DemoPost {
        product: product.slug.to_string(),
        author,
        kind,
        title,
        body,
        tags,
        created_at: t,
        voters,
        comments,
        history,
    }
}

/// The `k`-th post in which a fan pastes markup.
fn injection(rng: &mut Rng, world: &World, k: usize, t: Millis) -> DemoPost {
    let inj = &text::INJECTIONS[k % text::INJECTIONS.len()];
    let author = world.fan_before(rng, t, None);
    let span = world.anchor - 1 - (t + 10 * MINUTE);
    let mut times: Vec<Millis> = (0..3).map(|_| t + 10 * MINUTE + rng.between(0, span)).collect();
    times.sort_unstable();
    let moderator = PRODUCTS.iter().find(|p| p.slug == inj.product).map_or(MODERATORS[0], moderator_of);
    let comments = vec![
        DemoComment {
            author: moderator,
            body: text::INJECTION_OFFICIAL.to_string(),
            created_at: times[0],
            official: true,
        },
        DemoComment {
            author: world.fan_before(rng, times[1], Some(author)),
            body: text::INJECTION_FANS[k % 3].to_string(),
            created_at: times[1],
            official: false,
        },
        DemoComment {
            author: world.fan_before(rng, times[2], Some(author)),
            body: text::INJECTION_FANS[(k + 1) % 3].to_string(),
            created_at: times[2],
            official: false,
        },
    ];
    let mut pool = world.pool.clone();
    let n = rng.num(1, 6) as usize;
    for i in 0..n {
        let j = i + rng.index(pool.len() - i);
        pool.swap(i, j);
    }
    let mut voters = pool[..n].to_vec();
    voters.sort_unstable();
    DemoPost {
        product: inj.product.to_string(),
        author,
        kind: inj.kind,
        title: inj.title.to_string(),
        body: inj.body.to_string(),
        tags: Vec::new(),
        created_at: t,
        voters,
        comments,
        history: Vec::new(),
    }
}
