//! Similarity scores, the similar-text index and near-duplicate grouping, on
//! hand-made pairs and on the shared real data (skipped when absent).
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use std::path::PathBuf;

use canyu_text::similar::{self, DedupOptions, SimilarIndex, dedup_groups, dedup_groups_with, similarity};

fn shared(file: &str) -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            println!("skipping: shared data absent ({})", path.display());
            None
        }
    }
}

/// A small deterministic generator (tests must not depend on a seed source).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// `edits` random single-character insertions, deletions or changes.
fn edit(text: &str, edits: usize, rng: &mut Lcg) -> String {
    const ALPHABET: [char; 12] = ['的', '很', '好', '了', '不', '是', '我', '买', '用', '还', 'a', '8'];
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..edits {
        let c = ALPHABET[rng.next(ALPHABET.len())];
        match rng.next(3) {
            0 => chars.insert(rng.next(chars.len() + 1), c),
            1 if chars.len() > 1 => {
                chars.remove(rng.next(chars.len()));
            }
            _ => {
                let i = rng.next(chars.len());
                chars[i] = c;
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn near_identical_edits_score_high() {
    let cases = [
        (
            "这款手机的续航能力非常强，一天重度使用下来还剩百分之三十的电量",
            "这款手机的续航能力非常强，一天重度使用下来还剩百分之二十的电量",
        ),
        ("物流很快，包装也很好，第二天就收到了", "物流很快，包装也很好，第二天就收到了！！"),
        (
            "屏幕显示效果一般，色彩偏黄，希望下个版本能改进",
            "屏幕显示效果一般，色彩有点偏黄，希望下个版本能改进",
        ),
        ("系统更新以后蓝牙经常断开，耳机连不上", "系统更新后蓝牙经常断开，耳机连不上"),
        ("拍照效果很好，夜景模式特别清楚", "拍照效果很好，夜景模式非常清楚"),
        ("ＭＩＵＩ １４ 的桌面卡顿", "miui14的桌面卡顿"),
    ];
    for (a, b) in cases {
        let s = similarity(a, b);
        assert!(s >= 0.7, "{a} / {b}: {s}");
        assert!((similarity(b, a) - s).abs() < 1e-4, "symmetric");
    }
    assert_eq!(similarity("续航很差", "续航很差"), 1.0);
    assert_eq!(similarity("续航很差！", "续航 很差"), 1.0, "punctuation and spaces are ignored");
}

#[test]
fn unrelated_texts_score_low() {
    let cases = [
        (
            "这款手机的续航能力非常强，一天重度使用下来还剩百分之三十的电量",
            "酒店位置不错，离地铁站很近，早餐种类也多",
        ),
        ("物流很快，包装也很好，第二天就收到了", "这本书的翻译质量太差了，很多句子读不通"),
        ("屏幕显示效果一般，色彩偏黄", "客服态度很好，耐心解答了我的问题"),
        ("系统更新以后蓝牙经常断开", "价格便宜量又足，推荐购买"),
    ];
    for (a, b) in cases {
        let s = similarity(a, b);
        assert!(s < 0.3, "{a} / {b}: {s}");
    }
    assert_eq!(similarity("", "续航很差"), 0.0);
    assert_eq!(similarity("，，", "。。"), 1.0, "two texts without letters are equal");
}

#[test]
fn same_words_reordered_beat_unrelated() {
    let pairs = [
        ("续航很差，充电也很慢", "充电很慢，续航也很差"),
        ("希望增加夜间模式和护眼模式", "护眼模式和夜间模式希望能增加"),
        ("建议相机加入专业模式，可以手动调快门", "可以手动调快门的专业模式，建议相机加入"),
    ];
    let unrelated = "酒店位置不错，离地铁站很近，早餐种类也多";
    for (a, b) in pairs {
        let s = similarity(a, b);
        let sa = similarity(a, unrelated);
        let sb = similarity(b, unrelated);
        assert!(s > sa.max(sb) + 0.2, "{a} / {b}: {s} vs unrelated {sa} {sb}");
        let scores = similar::scores(a, b);
        assert!(scores.words > 0.8, "same words: {scores:?}");
    }
}

#[test]
fn index_insert_query_remove() {
    let mut index = SimilarIndex::new();
    assert!(index.is_empty());
    assert!(index.query("续航很差", 5).is_empty());
    index.insert(1, "这款手机的续航能力非常强，一天重度使用下来还剩百分之三十的电量");
    index.insert(2, "物流很快，包装也很好，第二天就收到了");
    index.insert(3, "酒店位置不错，离地铁站很近，早餐种类也多");
    index.insert(4, "，，，");
    assert_eq!(index.len(), 3, "a text without letters is not indexed");
    let hits = index.query("物流很快包装也很好，第二天收到了", 5);
    assert_eq!(hits.first().map(|h| h.0), Some(2), "{hits:?}");
    assert!(hits[0].1 > 0.7 && hits[0].1 <= 1.0);
    assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1));
    // Replacing a text.
    index.insert(2, "屏幕显示效果一般，色彩偏黄");
    assert_eq!(index.len(), 3);
    assert!(index.query("物流很快包装也很好，第二天收到了", 5).iter().all(|h| h.0 != 2));
    assert_eq!(index.query("屏幕显示效果一般，色彩偏黄！", 1).first().map(|h| h.0), Some(2));
    assert!(index.remove(2));
    assert!(!index.remove(2));
    assert!(!index.contains(2));
    assert!(index.query("屏幕显示效果一般，色彩偏黄！", 5).iter().all(|h| h.0 != 2));
    // Compaction keeps every live text findable.
    for i in 100..3_200 {
        index.insert(i, &format!("第{i}号测试文本，内容编号{}", i * 7));
    }
    for i in 100..3_100 {
        index.remove(i);
    }
    assert_eq!(index.len(), 3 + 100 - 1);
    assert_eq!(index.query("第3150号测试文本，内容编号22050", 1).first().map(|h| h.0), Some(3150));
    assert_eq!(index.query("物流很快，包装也很好", 1).len(), 0, "removed texts are gone");
    assert_eq!(index.query("酒店位置不错，离地铁站很近", 1).first().map(|h| h.0), Some(3));
}

#[test]
fn index_finds_paraphrases_through_words() {
    let mut index = SimilarIndex::new();
    let docs = [
        "希望增加夜间模式和护眼模式",
        "建议相机加入专业模式，可以手动调快门",
        "酒店位置不错，离地铁站很近，早餐种类也多",
        "物流很快，包装也很好，第二天就收到了",
    ];
    for (i, d) in docs.iter().enumerate() {
        index.insert(i as i64, d);
    }
    let hits = index.query("护眼模式和夜间模式希望能增加", 3);
    assert_eq!(hits.first().map(|h| h.0), Some(0), "{hits:?}");
    let hits = index.query("能不能手动调快门？相机需要专业模式", 3);
    assert_eq!(hits.first().map(|h| h.0), Some(1), "{hits:?}");
}

fn real_lines(n: usize) -> Option<Vec<String>> {
    let text = shared("reviews-zh.txt")?;
    Some(
        text.lines()
            .map(str::trim)
            .filter(|l| similar::normalize(l).chars().count() >= 10)
            .take(n)
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn index_finds_edited_copies_among_real_reviews() {
    let Some(lines) = real_lines(5_000) else { return };
    let started = std::time::Instant::now();
    let mut index = SimilarIndex::new();
    for (i, l) in lines.iter().enumerate() {
        index.insert(i as i64, l);
    }
    let mut rng = Lcg(42);
    let (mut top1, mut top5, trials) = (0, 0, 200);
    for _ in 0..trials {
        let source = rng.next(lines.len());
        let edits = 1 + rng.next(3);
        let query = edit(&lines[source], edits, &mut rng);
        let hits = index.query(&query, 5);
        if hits.first().map(|h| h.0) == Some(source as i64) {
            top1 += 1;
        }
        if hits.iter().any(|h| h.0 == source as i64) {
            top5 += 1;
        }
    }
    println!(
        "{trials} edited queries over {} reviews: top-1 {top1}, top-5 {top5}, {:?}",
        lines.len(),
        started.elapsed()
    );
    assert!(top5 as f64 >= 0.97 * trials as f64, "top-5 {top5}/{trials}");
    assert!(top1 as f64 >= 0.9 * trials as f64, "top-1 {top1}/{trials}");
}

#[test]
fn dedup_groups_find_injected_duplicates() {
    let Some(base) = real_lines(5_000) else { return };
    let mut rng = Lcg(7);
    // 250 edited copies of distinct random lines, then everything shuffled.
    let mut sources: Vec<usize> = Vec::new();
    while sources.len() < 250 {
        let s = rng.next(base.len());
        if !sources.contains(&s) {
            sources.push(s);
        }
    }
    let mut entries: Vec<(usize, String)> = base.iter().cloned().enumerate().collect();
    for (k, &s) in sources.iter().enumerate() {
        entries.push((base.len() + k, edit(&base[s], 1 + rng.next(3), &mut rng)));
    }
    for i in (1..entries.len()).rev() {
        let j = rng.next(i + 1);
        entries.swap(i, j);
    }
    let mut position = vec![0usize; entries.len()];
    for (pos, (key, _)) in entries.iter().enumerate() {
        position[*key] = pos;
    }
    let truth: Vec<(usize, usize)> =
        sources.iter().enumerate().map(|(k, &s)| (position[s], position[base.len() + k])).collect();
    let is_copy: Vec<bool> = entries.iter().map(|(key, _)| *key >= base.len()).collect();
    let lines: Vec<String> = entries.into_iter().map(|(_, text)| text).collect();
    for chars_only in [false, true] {
        let started = std::time::Instant::now();
        let groups = if chars_only {
            let options = DedupOptions { chars_only, ..DedupOptions::default() };
            dedup_groups_with(lines.iter().cloned(), options, |_| {})
        } else {
            dedup_groups(lines.iter().cloned(), 0.5, |_| {})
        };
        let elapsed = started.elapsed();
        let mut group_of = vec![usize::MAX; lines.len()];
        for (g, members) in groups.iter().enumerate() {
            assert!(members.len() >= 2 && members.windows(2).all(|w| w[0] < w[1]));
            for &m in members {
                group_of[m] = g;
            }
        }
        let found =
            truth.iter().filter(|&&(s, c)| group_of[s] != usize::MAX && group_of[s] == group_of[c]).count();
        let pairs_with_copy: usize = groups
            .iter()
            .map(|g| {
                let n = g.len();
                let rest = g.iter().filter(|&&m| !is_copy[m]).count();
                n * (n - 1) / 2 - rest * rest.saturating_sub(1) / 2
            })
            .sum();
        let recall = found as f64 / truth.len() as f64;
        let precision = found as f64 / pairs_with_copy.max(1) as f64;
        println!(
            "chars_only={chars_only}: {} lines, {} injected: recall {recall:.3}, precision {precision:.3}, {} groups, {elapsed:?}",
            lines.len(),
            truth.len(),
            groups.len()
        );
        assert!(recall >= 0.9, "recall {recall:.3}");
        assert!(precision >= 0.9, "precision {precision:.3}");
    }
}

#[test]
fn pawsx_canyu_beats_jaccard() {
    let Some(text) = shared("pawsx-zh-dev.tsv") else { return };
    let mut combined = Vec::new();
    let mut jaccard = Vec::new();
    let mut labels = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 4 {
            continue;
        }
        let s = similar::scores(f[1], f[2]);
        combined.push(s.combined());
        jaccard.push(s.jaccard);
        labels.push(f[3].trim() == "1");
    }
    let auc_canyu = similar::roc_auc(&combined, &labels);
    let auc_jaccard = similar::roc_auc(&jaccard, &labels);
    let (acc_canyu, _) = similar::best_threshold_accuracy(&combined, &labels);
    let (acc_jaccard, _) = similar::best_threshold_accuracy(&jaccard, &labels);
    println!(
        "PAWS-X zh dev, {} pairs: canyu AUC {auc_canyu:.4} acc {acc_canyu:.4}; 3-gram Jaccard AUC {auc_jaccard:.4} acc {acc_jaccard:.4}",
        labels.len()
    );
    assert!(labels.len() >= 1_900);
    assert!(auc_canyu >= auc_jaccard, "canyu {auc_canyu:.4} < Jaccard {auc_jaccard:.4}");
    // Independent check of the Jaccard baseline: a plain implementation over the
    // same normalisation.
    let first = text.lines().nth(1).map(|l| l.split('\t').collect::<Vec<_>>());
    if let Some(f) = first {
        let grams = |s: &str| -> std::collections::HashSet<String> {
            let c: Vec<char> = similar::normalize(s).chars().collect();
            c.windows(3).map(|w| w.iter().collect()).collect()
        };
        let (a, b) = (grams(f[1]), grams(f[2]));
        let expected = a.intersection(&b).count() as f32 / a.union(&b).count() as f32;
        assert!((jaccard[0] - expected).abs() < 1e-5, "{} vs {expected}", jaccard[0]);
    }
}

/// Timing and quality of `dedup_groups_with` on a benchmark input made by
/// `bench/dedup_gen.py` (`DEDUP_INPUT`, `DEDUP_TRUTH`; `DEDUP_CHARS_ONLY=1`):
/// `cargo test --release -p canyu-text --test similar dedup_bench_file -- --ignored --nocapture`.
#[test]
#[ignore]
fn dedup_bench_file() {
    let (Ok(input), Ok(truth)) = (std::env::var("DEDUP_INPUT"), std::env::var("DEDUP_TRUTH")) else { return };
    let chars_only = std::env::var("DEDUP_CHARS_ONLY").is_ok_and(|v| v == "1");
    let threshold: f32 = std::env::var("DEDUP_THRESHOLD").ok().and_then(|v| v.parse().ok()).unwrap_or(0.5);
    let text = std::fs::read_to_string(input).expect("input");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let truth: Vec<(usize, usize)> = std::fs::read_to_string(truth)
        .expect("truth")
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace().map(|x| x.parse::<usize>());
            Some((f.next()?.ok()?, f.next()?.ok()?))
        })
        .collect();
    let is_copy = {
        let mut v = vec![false; lines.len()];
        for &(_, c) in &truth {
            v[c] = true;
        }
        v
    };
    let started = std::time::Instant::now();
    let groups = dedup_groups_with(lines.iter().cloned(), DedupOptions { threshold, chars_only }, |_| {});
    let elapsed = started.elapsed();
    let mut group_of = vec![usize::MAX; lines.len()];
    for (g, members) in groups.iter().enumerate() {
        for &m in members {
            group_of[m] = g;
        }
    }
    let found =
        truth.iter().filter(|&&(s, c)| group_of[s] != usize::MAX && group_of[s] == group_of[c]).count();
    let (mut pairs, mut pairs_inj) = (0usize, 0usize);
    for g in &groups {
        let n = g.len();
        let rest = g.iter().filter(|&&m| !is_copy[m]).count();
        pairs += n * (n - 1) / 2;
        pairs_inj += n * (n - 1) / 2 - rest * rest.saturating_sub(1) / 2;
    }
    println!(
        "chars_only={chars_only} t={threshold}: {elapsed:?}; recall {:.4} ({found}/{}), precision {:.4}, prec(copy) {:.4}, {} groups, {pairs} pairs",
        found as f64 / truth.len() as f64,
        truth.len(),
        found as f64 / pairs.max(1) as f64,
        found as f64 / pairs_inj.max(1) as f64,
        groups.len()
    );
    if let Ok(out) = std::env::var("DEDUP_OUT") {
        let text: String = groups.iter().map(|g| format!("{g:?}\n")).collect();
        std::fs::write(out, text).expect("write groups");
    }
}
