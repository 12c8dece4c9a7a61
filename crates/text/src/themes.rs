//! Themes of feedback for the staff insights area: what a question asks about
//! ([`parse_question`]), the posts it finds grouped into labelled themes with
//! representative quotes ([`themes`], [`quote`]), and the words rising from one
//! week to the next ([`rising_terms`]).
//!
//! Everything here is extractive and explainable: a theme is "the posts that
//! contain this word", its label is words read in those posts, its quotes are
//! sentences of them, and a rising word comes with its document counts and a
//! textbook significance test. Staff can check each claim against the posts.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::segment::{JIEBA, is_stop_word, query_terms};

/// What a question asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Complaints: 抱怨, 吐槽, 缺点 ...
    Negative,
    /// Praise: 好评, 优点, 满意 ...
    Positive,
}

/// A staff question, reduced to what to search for and which side it asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The content words to search for, in the order asked, deduplicated
    /// (lowercased latin).
    pub terms: Vec<String>,
    /// Asked for complaints (抱怨 吐槽 不满 投诉 差评 缺点 毛病 槽点 问题 bug 不好 ...)
    /// or praise (好评 夸 喜欢 满意 优点 表扬 ...): those intent words are removed
    /// from `terms`. `None` when it asks for neither, or for both.
    pub tone: Option<Tone>,
}

impl Question {
    /// The text to hand to the full-text search: the terms joined by spaces.
    pub fn search_text(&self) -> String {
        self.terms.join(" ")
    }
}

/// Words that ask for complaints. They say which posts are wanted, not what the
/// posts are about, so they are never searched for (a complaint rarely contains
/// the word 抱怨).
const NEGATIVE_INTENT: &str = "\
    抱怨 吐槽 不满 不满意 投诉 差评 缺点 毛病 槽点 问题 bug bugs 不好 不行 \
    不足 不足之处 批评 负面 痛点 不喜欢 埋怨 诟病 坑 踩坑 失望 不爽 短板 弊端 劣势 \
    差的 骂";

/// Words that ask for praise (see [`NEGATIVE_INTENT`]).
const POSITIVE_INTENT: &str = "\
    好评 夸 夸奖 夸赞 称赞 赞扬 赞美 表扬 喜欢 满意 优点 亮点 长处 好处 优势 点赞 \
    赞 正面 认可 惊喜 好话";

/// Question words, filler and time frames: they shape the question but no post
/// that answers it needs to contain them.
const QUESTION_FILLER: &str = "\
    什么 啥 有 有没有 没有 哪些 哪 哪个 哪里 哪儿 怎么 怎么样 怎样 咋 咋样 如何 \
    为什么 为何 吗 呢 吧 啊 呀 嘛 么 大家 用户 粉丝 网友 玩家 车主 反馈 意见 \
    建议 关于 对于 对 说 讲 提 提到 谈 谈到 觉得 认为 看 看法 想法 评价 评论 的 \
    了 是 多少 最近 这周 本周 上周 近期 今天 昨天 这几天 本月 这个月 这个 那个 \
    这些 那些 都 还 又 会 能 人 我 我们 你 你们 他们 地方 方面 之处 主要 集中 \
    请问 帮 帮我 看看 总结 一下 列出 统计 情况 怎么回事 是不是 是否 很多 最多 常见 \
    普遍 经常 其他 其它 还有 以及 和 与 跟 及 或 或者 在 把 被 给 让 等 等等 \
    一些 相关 有关 出现 存在 遇到 哪方面 多 最 些 个 呐";

/// Whether `word` is one of the space-separated words of `list`.
fn listed(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

/// The longest run of tokens that [`parse_question`] joins to recognise an intent
/// word jieba split (槽点 may come out as 槽 / 点).
const MAX_INTENT_TOKENS: usize = 3;

/// Characters that state a complaint when they end a word: 速度慢 is 速度 and 慢.
const COMPLAINT_TAILS: &[char] = &[
    '慢', '快', '差', '卡', '烫', '热', '贵', '暗', '吵', '脏', '旧', '短', '小', '低', '重', '薄', '少',
    '响',
];

/// `word`, or its head and complaint character when the dictionary holds the
/// two together (速度慢 is one dictionary word): a search for 速度慢 would miss
/// 速度太慢 and 速度很慢, one for 速度 and 慢 finds them.
fn split_complaint(word: &str) -> Vec<&str> {
    if let Some((at, tail)) = word.char_indices().last() {
        let head = &word[..at];
        if COMPLAINT_TAILS.contains(&tail) && head.chars().nth(1).is_some() && JIEBA.has_word(head) {
            return vec![head, &word[at..]];
        }
    }
    vec![word]
}

/// Strips question words, filler and intent words from a staff question.
///
/// "续航有什么抱怨？" gives terms `["续航"]` and tone `Negative`; "大家觉得相机怎么样"
/// gives `["相机"]` and no tone. Single-character content words stay (慢, 卡, 烫
/// carry the complaint itself). A question made only of intent words
/// ("有什么抱怨？") gives no terms: the caller then takes all recent posts.
pub fn parse_question(q: &str) -> Question {
    // Same words and normalisation as the search side, so that `search_text`
    // asks the index for exactly these terms.
    let tokens = query_terms(q);
    let mut terms: Vec<String> = Vec::new();
    let (mut negative, mut positive) = (false, false);
    let mut i = 0;
    while i < tokens.len() {
        let mut matched = 0;
        for n in (1..=MAX_INTENT_TOKENS.min(tokens.len() - i)).rev() {
            let joined: String = tokens[i..i + n].concat();
            if listed(NEGATIVE_INTENT, &joined) {
                negative = true;
            } else if listed(POSITIVE_INTENT, &joined) {
                positive = true;
            } else {
                continue;
            }
            matched = n;
            break;
        }
        if matched > 0 {
            i += matched;
            continue;
        }
        for part in split_complaint(&tokens[i]) {
            if !listed(QUESTION_FILLER, part) && !is_stop_word(part) && !terms.iter().any(|t| t == part) {
                terms.push(part.to_string());
            }
        }
        i += 1;
    }
    let tone = match (negative, positive) {
        (true, false) => Some(Tone::Negative),
        (false, true) => Some(Tone::Positive),
        _ => None,
    };
    Question { terms, tone }
}

/// One post to group.
#[derive(Clone, Copy, Debug)]
pub struct ThemeDoc<'a> {
    /// The post's title (may be empty).
    pub title: &'a str,
    /// The post's body.
    pub body: &'a str,
    /// votes + 1, say: the weight of a fan-backed post.
    pub weight: f64,
}

/// A group of posts that share a word.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// The words that define it, best first (1 to 3): the label shown is them
    /// joined by " · ". Empty for the remainder theme ("其他").
    pub keywords: Vec<String>,
    /// Indices into `docs`, ascending.
    pub members: Vec<usize>,
    /// Up to 3 members that best represent it, best first.
    pub representatives: Vec<usize>,
}

/// Words common to feedback on anything: a theme or a rising word made of them
/// says nothing (every other review 觉得 something is 不错). Sentiment words are
/// here too: the question's tone already picks the side, a theme names a topic.
const GENERIC: &str = "\
    觉得 感觉 认为 知道 没有 可以 可能 应该 需要 一个 一些 一点 一下 有点 这个 \
    那个 这样 那样 这么 那么 什么 怎么 还是 就是 但是 不过 而且 因为 所以 如果 \
    虽然 然后 已经 非常 比较 真的 确实 其实 特别 实在 东西 时候 问题 地方 方面 \
    情况 事情 出来 起来 看到 看看 使用 用户 我们 你们 他们 自己 大家 现在 以后 \
    以前 之前 之后 今天 昨天 时间 开始 希望 建议 反馈 不错 还好 还行 一般 满意 \
    不满 喜欢 失望 很好 不好 不是 不会 不能 不要 只是 只有 还有 一样 总体 总的来说 \
    整体 总之 本来 完全 一直 所有 这种 那种 一次 第一次 有些 有的 可是 并且 然而 \
    毕竟 居然 竟然 终于 简直 太 好 坏 推荐 值得 一定 肯定 当然 好像 似乎 比如 \
    例如 怎么样 为什么 哪里 这里 那里 里面 外面 上面 下面 出现 发现 告诉 只能 能够 \
    如此 不了 算是 原因 不够 结果 办法 部分 进行 表示 以为 根本 还要 而已 左右 \
    影响 正常 实际 怎么办 厉害 有人 请问 求问 各位 大佬 一样吗 是否 \
    到底 还能 不行 能不能 有没有 求助 同样 最近";

/// [`GENERIC`] for lookups: every word of every post is checked.
static GENERIC_SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| GENERIC.split_whitespace().collect());

/// Whether a jieba part-of-speech tag can name a topic. Pronouns, conjunctions,
/// prepositions, particles, modal particles, interjections, onomatopoeia,
/// numerals, measure words and directions cannot (这个, 但是, 对于, 的, 吧, 啊,
/// 一些, 分钟, 以后). Adverbs are kept: the dictionary tags 相机, 更新 and 难度
/// as adverbs, so the common true adverbs are listed in [`GENERIC`] instead.
fn topical_tag(tag: &str) -> bool {
    tag == "eng"
        || !matches!(
            tag.as_bytes().first(),
            Some(b'r' | b'c' | b'p' | b'u' | b'y' | b'e' | b'o' | b'm' | b'q' | b'f')
        )
}

/// Calls `emit(normalised, as written)` with each content word of `text`:
/// topical part of speech, at least two characters, not a stop or generic
/// word, not numbers or symbols only. Normalised as the search index does:
/// lowercase, latin compounds joined (Wi-Fi is wifi, like the question's term).
/// Words may repeat.
fn for_each_content_word(text: &str, mut emit: impl FnMut(&str, &str)) {
    for tag in JIEBA.tag(text, true) {
        let word = tag.word;
        if !topical_tag(tag.tag) || word.chars().nth(1).is_none() || !word.chars().any(char::is_alphabetic) {
            continue;
        }
        let compound = word.bytes().any(|b| matches!(b, b'.' | b'_' | b'-'))
            && word.bytes().any(|b| b.is_ascii_alphabetic());
        let lower: Cow<str> = if compound || word.chars().any(char::is_uppercase) {
            Cow::Owned(
                word.chars()
                    .filter(|c| !compound || !matches!(c, '.' | '_' | '-'))
                    .flat_map(char::to_lowercase)
                    .collect(),
            )
        } else {
            Cow::Borrowed(word)
        };
        if is_stop_word(&lower) || GENERIC_SET.contains(lower.as_ref()) {
            continue;
        }
        emit(&lower, word);
    }
}

/// Words as dense integer ids, so that grouping compares and counts integers.
#[derive(Default)]
struct Vocab {
    ids: HashMap<String, u32>,
    /// The lowercased word of each id.
    words: Vec<String>,
    /// How often each spelling of a word that has letters with case was seen
    /// (LED, led): a label shows the word as people write it.
    spellings: HashMap<u32, Vec<(String, u32)>>,
}

impl Vocab {
    fn id(&mut self, lower: &str, written: &str) -> u32 {
        let id = match self.ids.get(lower) {
            Some(&id) => id,
            None => {
                let id = self.words.len() as u32;
                self.ids.insert(lower.to_string(), id);
                self.words.push(lower.to_string());
                id
            }
        };
        if written.chars().any(|c| c.is_uppercase() || c.is_lowercase()) {
            let seen = self.spellings.entry(id).or_default();
            match seen.iter_mut().find(|(w, _)| w == written) {
                Some((_, n)) => *n += 1,
                None => seen.push((written.to_string(), 1)),
            }
        }
        id
    }

    /// `id`'s word as it is most often written (ties: the first in byte order).
    fn display(&self, id: u32) -> String {
        self.spellings
            .get(&id)
            .and_then(|seen| seen.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))))
            .map_or_else(|| self.words[id as usize].clone(), |(w, _)| w.clone())
    }
}

/// A post's distinct content words, as sorted ids.
struct DocTerms {
    /// Words of title and body.
    all: Vec<u32>,
    /// Words of the title.
    title: Vec<u32>,
}

/// Sorted, distinct ids of the content words of `text` (none that `skip`s).
fn term_ids(text: &str, vocab: &mut Vocab, skip: &dyn Fn(&str) -> bool) -> Vec<u32> {
    let mut ids = Vec::new();
    for_each_content_word(text, |lower, written| {
        if !skip(lower) {
            ids.push(vocab.id(lower, written));
        }
    });
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Share of the docs above which a word is no theme: a word in nearly every hit
/// (the product's name, 手机 among phone posts) says nothing about any of them.
const MAX_DF_SHARE: f64 = 0.7;

/// Share of the docs a theme must cover (and at least 2): smaller groups stay in
/// the remainder rather than crowd the list with one-off words.
const MIN_THEME_SHARE: f64 = 0.02;

/// How much more a word of the title counts when choosing a theme: a title
/// names what the post is about, the body wanders.
const TITLE_BOOST: f64 = 2.0;

/// How many times more common among a theme's posts than among the others a
/// word must be to join the label. Plain "more common" labelled the theme 房间
/// (room) of real hotel reviews 房间 · 酒店: true, as 酒店 (hotel) is common
/// everywhere in them, and no help to a reader.
const MIN_LABEL_LIFT: f64 = 2.0;

/// At most this many words label a theme.
const MAX_KEYWORDS: usize = 3;

/// At most this many representatives per theme.
const MAX_REPRESENTATIVES: usize = 3;

/// A post's pull on theme choice: votes count, but logarithmically (1 + log10),
/// so that one viral post does not make a theme of its own words: a post with
/// 1000 votes pulls like 4 posts nobody voted on.
fn pull(weight: f64) -> f64 {
    // A weight under 1, or not a finite number, counts as 1.
    if weight.is_finite() && weight > 1.0 { 1.0 + weight.log10() } else { 1.0 }
}

/// Groups `docs` into at most `max_themes` themes plus, when something is left,
/// one last remainder theme with empty keywords. Every doc is in exactly one
/// theme. `exclude`: words never used as a theme's keyword (the question's own
/// terms: every hit contains them), compared case-insensitively; words that
/// contain one or are part of one are left out too (续航能力 when asked about
/// 续航). Themes are ordered by member count (desc), remainder last.
///
/// Greedy cover: the word whose still-unassigned posts pull most (see [`pull`];
/// a title's words count double) becomes a theme of those posts, and again,
/// until `max_themes` or until the best word covers fewer than 2 posts (or 2 %
/// of them). Only words in at least 2 and at most 70 % of the posts compete.
/// Up to two more words, in at least half of a theme's posts and twice as
/// common there as in the other posts, complete its label. Keywords are
/// spelled as most often written (LED, not led).
pub fn themes(docs: &[ThemeDoc], exclude: &[String], max_themes: usize) -> Vec<Theme> {
    let n = docs.len();
    if n == 0 {
        return Vec::new();
    }
    let exclude: Vec<String> = exclude.iter().map(|w| w.to_lowercase()).filter(|w| !w.is_empty()).collect();
    let skip = |w: &str| {
        exclude
            .iter()
            .any(|x| x == w || (x.chars().nth(1).is_some() && (w.contains(x.as_str()) || x.contains(w))))
    };
    let mut vocab = Vocab::default();
    let terms: Vec<DocTerms> = docs
        .iter()
        .map(|d| {
            let title = term_ids(d.title, &mut vocab, &skip);
            let mut all = term_ids(d.body, &mut vocab, &skip);
            all.extend_from_slice(&title);
            all.sort_unstable();
            all.dedup();
            DocTerms { all, title }
        })
        .collect();

    let v = vocab.words.len();
    // postings[t]: (doc, its pull towards t), docs ascending.
    let mut postings: Vec<Vec<(u32, f64)>> = vec![Vec::new(); v];
    for (d, (doc, dt)) in docs.iter().zip(&terms).enumerate() {
        let pull = pull(doc.weight);
        for &t in &dt.all {
            let boost = if dt.title.binary_search(&t).is_ok() { TITLE_BOOST } else { 1.0 };
            postings[t as usize].push((d as u32, pull * boost));
        }
    }
    let df: Vec<usize> = postings.iter().map(Vec::len).collect();
    let max_df = (n as f64 * MAX_DF_SHARE).floor() as usize;
    let min_cover = ((n as f64 * MIN_THEME_SHARE).ceil() as usize).max(2);
    let candidate = |t: u32| df[t as usize] >= 2 && df[t as usize] <= max_df;
    let candidates: Vec<u32> = (0..v as u32).filter(|&t| candidate(t)).collect();

    let mut assigned = vec![false; n];
    let mut picked: Vec<(u32, Vec<usize>)> = Vec::new();
    while picked.len() < max_themes {
        // (pull, df, id) of the best word so far.
        let mut best: Option<(f64, usize, u32)> = None;
        for &t in &candidates {
            let (mut cover, mut score) = (0, 0.0);
            for &(d, pull) in &postings[t as usize] {
                if !assigned[d as usize] {
                    cover += 1;
                    score += pull;
                }
            }
            if cover < min_cover {
                continue;
            }
            let better = best.is_none_or(|(bs, bdf, bt)| {
                score
                    .total_cmp(&bs)
                    .then(df[t as usize].cmp(&bdf))
                    .then(vocab.words[bt as usize].cmp(&vocab.words[t as usize]))
                    .is_gt()
            });
            if better {
                best = Some((score, df[t as usize], t));
            }
        }
        let Some((_, _, t)) = best else { break };
        let members: Vec<usize> =
            postings[t as usize].iter().map(|&(d, _)| d as usize).filter(|&d| !assigned[d]).collect();
        for &d in &members {
            assigned[d] = true;
        }
        picked.push((t, members));
    }

    let mut out: Vec<Theme> = Vec::with_capacity(picked.len() + 1);
    let mut counts = vec![0usize; v];
    for (t, members) in picked {
        let ids = label(t, &members, &terms, &df, &candidate, &vocab.words, &mut counts);
        let representatives = representatives(&members, docs, |d| {
            ids.iter().filter(|t| terms[d].all.binary_search(t).is_ok()).count()
        });
        let keywords = ids.iter().map(|&t| vocab.display(t)).collect();
        out.push(Theme { keywords, members, representatives });
    }
    // A stable sort: equal counts keep the order they were chosen in.
    out.sort_by_key(|t| std::cmp::Reverse(t.members.len()));
    let rest: Vec<usize> = (0..n).filter(|&d| !assigned[d]).collect();
    if !rest.is_empty() {
        let representatives = representatives(&rest, docs, |_| 0);
        out.push(Theme { keywords: Vec::new(), members: rest, representatives });
    }
    out
}

/// The label (word ids) of the theme of `members` chosen for word `t`: `t`, then
/// up to two candidate words in at least half of the members (and 2) and
/// [`MIN_LABEL_LIFT`] times as common among them as among the other docs, the
/// most over-represented first. Words overlapping one already in the label
/// (续航 and 续航时间) are left out. `counts` is all zeros, and is left so.
fn label(
    t: u32,
    members: &[usize],
    terms: &[DocTerms],
    df: &[usize],
    candidate: &dyn Fn(u32) -> bool,
    words: &[String],
    counts: &mut [usize],
) -> Vec<u32> {
    let (m, n) = (members.len(), terms.len());
    let mut seen: Vec<u32> = Vec::new();
    for &d in members {
        for &w in &terms[d].all {
            if counts[w as usize] == 0 {
                seen.push(w);
            }
            counts[w as usize] += 1;
        }
    }
    // (share among members minus share among the others, members with it, id)
    let mut ranked: Vec<(f64, usize, u32)> = Vec::new();
    for &w in &seen {
        let inside = std::mem::take(&mut counts[w as usize]);
        if w == t || !candidate(w) || inside < 2 || inside * 2 < m {
            continue;
        }
        let share_in = inside as f64 / m as f64;
        let share_out = if n > m { (df[w as usize] - inside) as f64 / (n - m) as f64 } else { 0.0 };
        if share_in >= MIN_LABEL_LIFT * share_out {
            ranked.push((share_in - share_out, inside, w));
        }
    }
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)).then(words[a.2 as usize].cmp(&words[b.2 as usize]))
    });
    let mut ids = vec![t];
    for (_, _, w) in ranked {
        if ids.len() == MAX_KEYWORDS {
            break;
        }
        let word = words[w as usize].as_str();
        if ids
            .iter()
            .all(|&k| !words[k as usize].contains(word) && !word.contains(words[k as usize].as_str()))
        {
            ids.push(w);
        }
    }
    ids
}

/// Up to [`MAX_REPRESENTATIVES`] of `members`: most of the theme's words (`hits`),
/// then most weight, then first.
fn representatives(members: &[usize], docs: &[ThemeDoc], hits: impl Fn(usize) -> usize) -> Vec<usize> {
    let mut ranked: Vec<(usize, usize)> = members.iter().map(|&d| (hits(d), d)).collect();
    ranked.sort_by(|a, b| {
        b.0.cmp(&a.0).then(votes(docs[b.1].weight).total_cmp(&votes(docs[a.1].weight))).then(a.1.cmp(&b.1))
    });
    ranked.into_iter().take(MAX_REPRESENTATIVES).map(|(_, d)| d).collect()
}

/// `weight` for ranking: NaN (which `total_cmp` puts above infinity) last.
fn votes(weight: f64) -> f64 {
    if weight.is_nan() { f64::NEG_INFINITY } else { weight }
}

/// Where a body splits into sentences for quoting.
fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n')
}

/// `c` lowercased when that is one character (so positions match the original).
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Char index of the first case-insensitive occurrence of `needle` in `hay`.
fn find_folded(hay: &[char], needle: &[char]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w.iter().zip(needle).all(|(a, b)| fold(*a) == fold(*b)))
}

/// A quote for a post: the sentence (split on 。！？!?；;\n) of the body, else the
/// title, that contains `keyword` (case-insensitive; the first keyword of
/// `keywords` that occurs wins), cut to at most `max_chars` characters around the
/// keyword with "…" where cut; with no keyword found, the title (cut likewise;
/// the first sentence of the body when there is no title). Plain text, not
/// escaped.
pub fn quote(title: &str, body: &str, keywords: &[String], max_chars: usize) -> String {
    let sentences: Vec<Vec<char>> = body
        .split(is_sentence_end)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().collect())
        .collect();
    let title: Vec<char> = title.trim().chars().collect();
    for keyword in keywords {
        let needle: Vec<char> = keyword.chars().collect();
        for text in sentences.iter().chain(std::iter::once(&title)) {
            if let Some(at) = find_folded(text, &needle) {
                return cut_around(text, at, needle.len(), max_chars);
            }
        }
    }
    let fallback = if title.is_empty() { sentences.first().map_or(&title, |s| s) } else { &title };
    cut_around(fallback, 0, 0, max_chars)
}

/// At most `max` characters of `text` around `text[at..at + len]`, with "…"
/// (counted in `max`) on each side that was cut. Context is split evenly on
/// both sides of the keyword; what one side does not need goes to the other.
fn cut_around(text: &[char], at: usize, len: usize, max: usize) -> String {
    if text.len() <= max {
        return text.iter().collect();
    }
    if max < 3 {
        return text[..max].iter().collect();
    }
    // Room left once both ellipses are paid for; one comes back if a side is whole.
    let room = max - 2;
    let mut start = at.saturating_sub(room.saturating_sub(len) / 2);
    let mut end = (start + room).min(text.len());
    start = end.saturating_sub(room);
    if start == 0 {
        end = max - 1;
    } else if end == text.len() {
        start = text.len() - (max - 1);
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.extend(&text[start..end]);
    if end < text.len() {
        out.push('…');
    }
    out
}

/// A word more common this period than last.
#[derive(Clone, Debug, PartialEq)]
pub struct RisingTerm {
    /// The word, lowercased: a substring of the lowercased text of each post
    /// counted in `this`.
    pub word: String,
    /// Documents containing it this period.
    pub this: u32,
    /// Documents containing it last period.
    pub last: u32,
    /// Dunning's log-likelihood ratio G^2 of the 2x2 table.
    pub g2: f64,
}

/// G^2 a rise must reach: 10.83 is p < 0.001 with one degree of freedom. Weekly
/// digests test thousands of words, so a lax floor (3.84, p < 0.05) would report
/// dozens of chance rises every week.
pub const G2_FLOOR: f64 = 10.83;

/// Dunning's log-likelihood ratio G^2 of the 2x2 table (a of n1 docs this
/// period, b of n2 last period): 2 * sum(O * ln(O / E)) with 0 * ln 0 = 0. Unlike
/// a ratio of shares it stays finite when b is 0, and unlike chi-squared it
/// holds up for small counts.
fn g2(a: u32, n1: u32, b: u32, n2: u32) -> f64 {
    let total = f64::from(n1) + f64::from(n2);
    if total == 0.0 {
        return 0.0;
    }
    let with = f64::from(a) + f64::from(b);
    let cells = [
        (f64::from(a), f64::from(n1) * with / total),
        (f64::from(n1 - a), f64::from(n1) * (total - with) / total),
        (f64::from(b), f64::from(n2) * with / total),
        (f64::from(n2 - b), f64::from(n2) * (total - with) / total),
    ];
    2.0 * cells.iter().filter(|(o, _)| *o > 0.0).map(|(o, e)| o * (o / e).ln()).sum::<f64>()
}

/// Document frequency of each content word of `docs`.
fn doc_freq(docs: &[&str]) -> HashMap<String, u32> {
    let mut df: HashMap<String, u32> = HashMap::new();
    let mut words: Vec<String> = Vec::new();
    for doc in docs {
        words.clear();
        // Lowercased as written (Wi-Fi is wi-fi, not wifi): the word is then in
        // the lowercased text of every post counted.
        for_each_content_word(doc, |_, written| words.push(written.to_lowercase()));
        words.sort_unstable();
        words.dedup();
        for w in &words {
            *df.entry(w.clone()).or_default() += 1;
        }
    }
    df
}

/// Words whose document frequency rose from `last` to `this` significantly: in at
/// least `min_docs` docs this period, a higher share of docs than last period,
/// and G^2 >= [`G2_FLOOR`]. Best (highest G^2) first, at most `max`. Stop words,
/// single characters, numbers left out. A word absent last period can rise (no
/// division by zero, no infinite scores).
pub fn rising_terms(this: &[&str], last: &[&str], min_docs: u32, max: usize) -> Vec<RisingTerm> {
    let (n1, n2) = (this.len() as u32, last.len() as u32);
    let df_this = doc_freq(this);
    let df_last = doc_freq(last);
    let mut out: Vec<RisingTerm> = df_this
        .into_iter()
        .filter_map(|(word, a)| {
            let b = df_last.get(&word).copied().unwrap_or(0);
            // a/n1 > b/n2, cross-multiplied to stay in integers.
            let higher = u64::from(a) * u64::from(n2) > u64::from(b) * u64::from(n1);
            if a < min_docs.max(1) || !higher {
                return None;
            }
            let g2 = g2(a, n1, b, n2);
            (g2 >= G2_FLOOR).then_some(RisingTerm { word, this: a, last: b, g2 })
        })
        .collect();
    out.sort_by(|x, y| y.g2.total_cmp(&x.g2).then(y.this.cmp(&x.this)).then(x.word.cmp(&y.word)));
    out.truncate(max);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    fn docs<'a>(bodies: &[&'a str]) -> Vec<ThemeDoc<'a>> {
        bodies.iter().map(|b| ThemeDoc { title: "", body: b, weight: 1.0 }).collect()
    }

    #[test]
    fn questions_keep_their_content_words_and_tone() {
        let q = parse_question("续航有什么抱怨？");
        assert_eq!(q, Question { terms: words(&["续航"]), tone: Some(Tone::Negative) });
        assert_eq!(q.search_text(), "续航");
        assert_eq!(parse_question("大家觉得相机怎么样"), Question { terms: words(&["相机"]), tone: None });
        // 速度慢 is one dictionary word: searched as 速度 and 慢 it also finds 速度很慢.
        let q = parse_question("充电速度慢的反馈");
        assert_eq!(q, Question { terms: words(&["充电", "速度", "慢"]), tone: None });
        assert_eq!(q.search_text(), "充电 速度 慢");
        assert_eq!(parse_question("有什么抱怨？"), Question { terms: vec![], tone: Some(Tone::Negative) });
        // jieba splits 槽点 into 槽 / 点: the pieces are joined back.
        assert_eq!(parse_question("最近有哪些槽点"), Question { terms: vec![], tone: Some(Tone::Negative) });
        assert_eq!(
            parse_question("用户对屏幕有哪些好评"),
            Question { terms: words(&["屏幕"]), tone: Some(Tone::Positive) }
        );
        assert_eq!(
            parse_question("大家不满意相机吗"),
            Question { terms: words(&["相机"]), tone: Some(Tone::Negative) }
        );
        // Both sides asked: no tone.
        assert_eq!(parse_question("屏幕有什么优点和缺点"), Question { terms: words(&["屏幕"]), tone: None });
        // Latin is lowercased and joined like the search index does; terms are deduplicated.
        assert_eq!(
            parse_question("Wi-Fi 断流的BUG，wifi 卡"),
            Question { terms: words(&["wifi", "断流", "卡"]), tone: Some(Tone::Negative) }
        );
        assert_eq!(parse_question("发热烫手"), Question { terms: words(&["发热", "烫手"]), tone: None });
        assert_eq!(parse_question(""), Question { terms: vec![], tone: None });
        assert_eq!(parse_question("？！"), Question { terms: vec![], tone: None });
    }

    /// Six posts about battery life in the cold, four about slow charging; every
    /// post says 手机, which is in too many posts to mean anything.
    const BATTERY_AND_CHARGING: [&str; 10] = [
        "冬天手机续航太差，掉电特别快",
        "手机充电太慢了，充满要三个小时",
        "手机到了冬天续航明显缩水，户外掉电严重",
        "冬天出门手机续航撑不过半天，掉电飞快",
        "充电速度太慢，手机的快充形同虚设",
        "降温以后手机续航变短，冬天掉电很明显",
        "手机充电很慢，晚上要充电一整夜",
        "冬天在室外拍照，手机掉电快，续航焦虑",
        "东北冬天零下二十度，手机续航掉电到关机",
        "充电慢得离谱，手机充电时还发烫",
    ];

    #[test]
    fn posts_group_into_their_themes() {
        let docs = docs(&BATTERY_AND_CHARGING);
        let got = themes(&docs, &[], 5);
        assert_eq!(got.len(), 2, "{got:?}");
        // 冬天, 续航 and 掉电 are in the same six posts: the tie goes to the word
        // that sorts first, the other two complete the label.
        assert_eq!(got[0].keywords, words(&["冬天", "掉电", "续航"]));
        assert_eq!(got[0].members, vec![0, 2, 3, 5, 7, 8]);
        assert_eq!(got[0].representatives, vec![0, 2, 3]);
        assert_eq!(got[1].keywords[0], "充电");
        assert_eq!(got[1].members, vec![1, 4, 6, 9]);
        assert!(got.iter().all(|t| !t.keywords.iter().any(|k| k == "手机")), "{got:?}");

        // Asked about 续航: it labels nothing, the other two words still do.
        let got = themes(&docs, &words(&["续航"]), 5);
        assert_eq!(got[0].keywords, words(&["冬天", "掉电"]));
        assert_eq!(got[0].members, vec![0, 2, 3, 5, 7, 8]);
        assert_eq!(got[1].members, vec![1, 4, 6, 9]);

        // One theme at most: the rest is the remainder, last, without keywords.
        let got = themes(&docs, &[], 1);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].members, vec![0, 2, 3, 5, 7, 8]);
        assert!(got[1].keywords.is_empty());
        assert_eq!(got[1].members, vec![1, 4, 6, 9]);
        assert_eq!(got[1].representatives, vec![1, 4, 6]);

        let got = themes(&docs, &[], 0);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].members, (0..10).collect::<Vec<_>>());
        assert!(themes(&[], &[], 5).is_empty());
    }

    #[test]
    fn votes_count_but_one_viral_post_makes_no_theme() {
        let mut docs = docs(&[
            "蓝牙耳机老是断连",
            "蓝牙信号不稳定",
            "信号太弱，地下车库没信号",
            "电梯里信号很差",
            "信号经常只有一格",
            "高铁上信号断断续续",
            "信号满格却上不了网",
            "外观配色好看",
            "系统更新以后耗电",
            "相机夜景清晰",
        ]);
        // Without damping, the 1000 votes of post 0 would make 蓝牙 (posts 0 and 1)
        // outweigh 信号 (posts 1 to 6).
        docs[0].weight = 1000.0;
        let got = themes(&docs, &[], 5);
        assert_eq!(got[0].keywords[0], "信号");
        assert_eq!(got[0].members, vec![1, 2, 3, 4, 5, 6]);
        // Post 0 alone is left with 蓝牙: no theme of one post.
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[1].keywords.is_empty());
        assert_eq!(got[1].members, vec![0, 7, 8, 9]);
        // The remainder's representatives: the most voted first.
        assert_eq!(got[1].representatives, vec![0, 7, 8]);
    }

    #[test]
    fn title_words_weigh_double_and_keep_their_spelling() {
        let posts = [
            ("LED 屏幕闪烁", "晚上看视频，屏幕闪烁"),
            ("LED 灯太亮", "晚上开着影响睡觉"),
            ("LED 刺眼", "晚上看久了眼睛疼"),
            ("夜间模式", "晚上用led屏刺眼"),
            ("睡眠", "晚上戴着不舒服"),
            ("表带", "表带晚上勒手"),
            ("表带过敏", "表带材质过敏"),
            ("续航", "续航一般"),
            ("充电", "充电很快"),
            ("外观", "外观好看"),
            ("音质", "音质清楚"),
        ];
        let docs: Vec<ThemeDoc> =
            posts.iter().map(|&(title, body)| ThemeDoc { title, body, weight: 1.0 }).collect();
        let got = themes(&docs, &[], 5);
        // LED: three titles (2 each) and one body = 7 beats 晚上 in six bodies.
        // Written LED three times and led once. 晚上 is in all four posts of
        // the theme and two of the seven others, 刺眼 in two and none.
        assert_eq!(got[0].keywords, words(&["LED", "晚上", "刺眼"]), "{got:?}");
        assert_eq!(got[0].members, vec![0, 1, 2, 3]);
        assert_eq!(got[1].keywords, words(&["表带"]), "{got:?}");
        assert_eq!(got[1].members, vec![5, 6]);
        assert_eq!(got[2].members, vec![4, 7, 8, 9, 10]);
        assert_eq!(got.len(), 3);

        // The same words in the body only: 晚上 (6 posts) beats LED (4), which
        // is in four of them and none of the rest.
        let joined: Vec<String> = posts.iter().map(|(title, body)| format!("{title} {body}")).collect();
        let docs: Vec<ThemeDoc> =
            joined.iter().map(|b| ThemeDoc { title: "", body: b, weight: 1.0 }).collect();
        let got = themes(&docs, &[], 5);
        assert_eq!(got[0].keywords, words(&["晚上", "LED"]), "{got:?}");
        assert_eq!(got[0].members, vec![0, 1, 2, 3, 4, 5]);
    }

    fn shared(file: &str) -> Option<String> {
        let path =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(file);
        let text = std::fs::read_to_string(&path).ok();
        if text.is_none() {
            println!("skipping: shared data absent ({})", path.display());
        }
        text
    }

    /// Labelled real reviews (text, positive), or None (and a note) when the
    /// shared data is absent.
    fn labelled_reviews() -> Option<Vec<(String, bool)>> {
        let text = shared("reviews-zh-sentiment.tsv")?;
        Some(
            text.lines()
                .skip(1)
                .filter_map(|l| l.rsplit_once('\t'))
                .filter(|(t, _)| !t.trim().is_empty())
                .map(|(t, label)| (t.to_string(), label == "1"))
                .collect(),
        )
    }

    /// Asks real reviews (hotels, laptops, books) a few questions the way the
    /// insights page does: the hits of the question's terms, on its side when it
    /// has one (by the sentiment score, as the server does), grouped. Prints the
    /// themes (`--nocapture`) to judge them; asserts what must always hold.
    #[test]
    fn themes_of_real_reviews() {
        let Some(reviews) = labelled_reviews() else { return };
        for question in
            ["屏幕有什么抱怨", "酒店服务怎么样", "早餐有什么不满", "电池", "键盘有哪些好评", "有什么抱怨"]
        {
            let q = parse_question(question);
            let hits: Vec<&str> = reviews
                .iter()
                .map(|(t, _)| t.as_str())
                .filter(|t| {
                    let lower = t.to_lowercase();
                    q.terms.iter().all(|term| lower.contains(term.as_str()))
                })
                .filter(|t| match q.tone {
                    Some(Tone::Negative) => crate::sentiment::positive_probability(t) < 0.5,
                    Some(Tone::Positive) => crate::sentiment::positive_probability(t) >= 0.5,
                    None => true,
                })
                .step_by(if q.terms.is_empty() { 17 } else { 1 })
                .take(500)
                .collect();
            let docs: Vec<ThemeDoc> = hits
                .iter()
                .enumerate()
                .map(|(i, b)| ThemeDoc { title: "", body: b, weight: (i % 5) as f64 + 1.0 })
                .collect();
            let groups = themes(&docs, &q.terms, 8);
            println!("\n== {question} {:?} {:?}: {} posts", q.terms, q.tone, docs.len());
            assert!(docs.len() >= 100, "{question}: {} hits", docs.len());
            assert!(groups.len() >= 4 && groups.len() <= 9, "{question}: {groups:?}");
            let mut seen = vec![0; docs.len()];
            for (k, theme) in groups.iter().enumerate() {
                let remainder = theme.keywords.is_empty();
                assert_eq!(
                    remainder,
                    k == groups.len() - 1 && remainder,
                    "{question}: only the last is the remainder"
                );
                if k > 0 && !remainder {
                    assert!(groups[k - 1].members.len() >= theme.members.len(), "{question}: by size");
                }
                assert!(!theme.members.is_empty() && theme.members.windows(2).all(|w| w[0] < w[1]));
                for &m in &theme.members {
                    seen[m] += 1;
                }
                assert!(theme.keywords.len() <= 3);
                for word in &theme.keywords {
                    let lower = word.to_lowercase();
                    assert!(
                        !q.terms.iter().any(|t| lower.contains(t.as_str())),
                        "{question}: {word} excluded"
                    );
                    assert!(
                        word.chars().count() >= 2
                            && !is_stop_word(&lower)
                            && !GENERIC_SET.contains(lower.as_str())
                    );
                }
                assert!(!theme.representatives.is_empty() && theme.representatives.len() <= 3);
                let label = if remainder { "其他".to_string() } else { theme.keywords.join(" · ") };
                println!("  {label} ({})", theme.members.len());
                for &r in &theme.representatives {
                    assert!(theme.members.contains(&r));
                    let lower = docs[r].body.to_lowercase();
                    if let Some(first) = theme.keywords.first() {
                        assert!(lower.contains(&first.to_lowercase()), "{first}: {}", docs[r].body);
                    }
                    let quoted = quote(docs[r].title, docs[r].body, &theme.keywords, 40);
                    assert!(quoted.chars().count() <= 40);
                    if let Some(first) = theme.keywords.first() {
                        assert!(quoted.to_lowercase().contains(&first.to_lowercase()), "{first}: {quoted}");
                    }
                    println!("      「{quoted}」");
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "{question}: every post in exactly one theme");
        }
    }

    /// A real complaint made to rise: reviews about 散热 (heat) added to one of two
    /// samples of the same reviews. It must come out on top, and chance alone
    /// (two halves of one corpus) must make almost nothing rise.
    #[test]
    fn rising_terms_of_real_reviews() {
        let Some(reviews) = labelled_reviews() else { return };
        let texts: Vec<&str> = reviews.iter().map(|(t, _)| t.as_str()).collect();
        let last: Vec<&str> = texts.iter().step_by(8).copied().take(1500).collect();
        let mut this: Vec<&str> = texts.iter().skip(4).step_by(8).copied().take(1500).collect();
        let steady = rising_terms(&this, &last, 5, 20);
        println!("same corpus, two samples: {steady:?}");
        // p < 0.001 per word, thousands of words: a chance rise or two is expected.
        assert!(steady.len() <= 3, "{steady:?}");
        this.extend(texts.iter().skip(1).filter(|t| t.contains("散热")).step_by(3).take(40));
        let rising = rising_terms(&this, &last, 5, 10);
        for r in &rising {
            println!("  {} {} <- {} (G2 {:.1})", r.word, r.this, r.last, r.g2);
        }
        assert_eq!(rising.first().map(|r| r.word.as_str()), Some("散热"), "{rising:?}");
        assert!(rising.iter().all(|r| r.g2 >= G2_FLOOR && r.this >= 5));
        // Callers find a word's posts by searching their lowercased text for it.
        for r in &rising {
            let with = this.iter().filter(|t| t.to_lowercase().contains(&r.word)).count();
            assert!(with >= r.this as usize, "{r:?}: in {with} posts");
        }
    }

    /// A quote is the body's sentence with the keyword, else the title's.
    #[test]
    fn quotes_cut_around_the_keyword() {
        let kw = words(&["续航"]);
        let body = "外观很好看。但是续航太差了，一天两充！客服态度也不错";
        assert_eq!(quote("标题", body, &kw, 40), "但是续航太差了，一天两充");
        // Too long: cut on both sides, the keyword kept, at most max_chars.
        let q = quote(
            "",
            "这台手机我用了半年多，整体来说还可以，就是冬天的时候续航掉得非常厉害，出门必须带充电宝",
            &kw,
            14,
        );
        assert!(q.contains("续航") && q.starts_with('…') && q.ends_with('…'), "{q}");
        assert!(q.chars().count() <= 14, "{q}");
        assert_eq!(q, "…冬天的时候续航掉得非常厉…");
        // Near the start: only the end is cut.
        assert_eq!(quote("", "续航掉得非常厉害，出门必须带充电宝才行", &kw, 10), "续航掉得非常厉害，…");
        // Near the end: only the start is cut.
        assert_eq!(quote("", "出门必须带充电宝才行，因为续航", &kw, 8), "…才行，因为续航");
        // Case-insensitive, and the first keyword of the list that occurs wins.
        assert_eq!(
            quote("", "屏幕很亮。连接WiFi经常断开", &words(&["蓝牙", "wifi", "屏幕"]), 40),
            "连接WiFi经常断开"
        );
        // Only the title has it.
        assert_eq!(quote("续航焦虑", "一天两充", &kw, 40), "续航焦虑");
        // No keyword anywhere: the title, cut like the rest.
        assert_eq!(quote("一个很长很长很长的标题", "正文", &kw, 6), "一个很长很…");
        assert_eq!(quote("", "正文第一句。第二句", &kw, 40), "正文第一句");
        assert_eq!(quote("", "", &kw, 40), "");
        assert_eq!(quote("标题", "正文", &kw, 0), "");
    }

    #[test]
    fn g2_matches_a_hand_computed_table() {
        // 15 of 100 docs this week, 0 of 100 last week. Expected counts: 7.5 and
        // 92.5 in each row. G^2 = 2 * (15 ln(15/7.5) + 85 ln(85/92.5) + 0
        // + 100 ln(100/92.5)) = 2 * (10.3972 - 7.1874 + 7.7962) = 22.0120.
        assert!((g2(15, 100, 0, 100) - 22.0120).abs() < 1e-3, "{}", g2(15, 100, 0, 100));
        // The same share in both periods: nothing to explain.
        assert!(g2(10, 100, 10, 100).abs() < 1e-12);
        // 10 vs 2 in 100: suggestive (p ~ 0.013), under the floor.
        assert!((g2(10, 100, 2, 100) - 6.1626).abs() < 1e-3);
        assert_eq!(g2(0, 0, 0, 0), 0.0);
        assert!(g2(5, 5, 0, 5).is_finite());
    }

    /// 100 docs a week: `n` of them say `text`, the rest `filler`.
    fn week<'a>(parts: &[(&'a str, usize)], filler: &'a str) -> Vec<&'a str> {
        let mut docs: Vec<&str> = parts.iter().flat_map(|&(t, n)| std::iter::repeat_n(t, n)).collect();
        docs.resize(100, filler);
        docs
    }

    #[test]
    fn rising_terms_need_a_significant_rise() {
        let this = week(
            &[("新系统升级后掉电严重", 15), ("客服回复及时", 10), ("蓝牙耳机连接断开", 3)],
            "物流包装完好",
        );
        let last = week(&[("客服回复及时", 10)], "物流包装完好");
        let rising = rising_terms(&this, &last, 5, 10);
        let names: Vec<&str> = rising.iter().map(|r| r.word.as_str()).collect();
        // Absent last week, in 15 % of posts now: rises, with a finite score.
        let drain = rising.iter().find(|r| r.word == "掉电").expect("掉电 rises");
        assert_eq!((drain.this, drain.last), (15, 0));
        assert!(drain.g2 >= G2_FLOOR && drain.g2.is_finite());
        assert!((drain.g2 - 22.0120).abs() < 1e-3);
        // 10 of 100 in both weeks: steady. 3 of 100 from 0: under min_docs. The
        // filler fell from 90 to 72 %: falling is not rising.
        for steady in ["客服", "回复", "蓝牙", "耳机", "物流", "包装"] {
            assert!(!names.contains(&steady), "{steady} in {names:?}");
        }
        // Best first; ties in G^2 by word.
        assert!(rising.windows(2).all(|w| w[0].g2 >= w[1].g2), "{rising:?}");
        // The three words of the new complaint tie, and are ordered by word.
        assert_eq!(names, ["严重", "掉电", "系统升级"]);
        assert_eq!(rising_terms(&this, &last, 5, 1).len(), 1);
        // With a lower min_docs, 3 of 100 against 0 is still not significant.
        assert!(!rising_terms(&this, &last, 1, 50).iter().any(|r| r.word == "蓝牙"));
        assert!(rising_terms(&[], &[], 1, 10).is_empty());
        // Nothing last period to compare with: nothing can be shown to rise.
        assert!(rising_terms(&this, &[], 1, 10).is_empty());
    }

    /// Timing for the insights page: 500 posts of about 300 characters grouped,
    /// and a quote for each. Run with `cargo test --release -p canyu-text
    /// themes_timing -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing; run in release by hand"]
    fn themes_timing() {
        let Some(reviews) = labelled_reviews() else { return };
        // Posts of about 300 characters: consecutive laptop reviews run together,
        // none used twice.
        let mut bodies: Vec<String> = Vec::new();
        let mut body = String::new();
        let laptop = reviews.iter().filter(|(t, _)| {
            crate::sentiment::eval::Domain::detect(t) == crate::sentiment::eval::Domain::Laptop
        });
        for (t, _) in laptop {
            body.push_str(t);
            if body.chars().count() >= 300 {
                bodies.push(std::mem::take(&mut body));
                if bodies.len() == 500 {
                    break;
                }
            }
        }
        assert_eq!(bodies.len(), 500);
        let docs: Vec<ThemeDoc> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| ThemeDoc { title: "", body: b, weight: (i % 7) as f64 + 1.0 })
            .collect();
        let exclude: Vec<String> = Vec::new();
        themes(&docs[..10], &exclude, 8); // loads the dictionary
        let chars: usize = bodies.iter().map(|b| b.chars().count()).sum();
        let mut best = std::time::Duration::MAX;
        let mut got = Vec::new();
        for _ in 0..5 {
            let started = std::time::Instant::now();
            got = themes(&docs, &exclude, 8);
            best = best.min(started.elapsed());
        }
        let started = std::time::Instant::now();
        let mut quoted = 0;
        for theme in &got {
            for &m in &theme.members {
                quoted += quote(docs[m].title, docs[m].body, &theme.keywords, 60).len();
            }
        }
        let quotes = started.elapsed();
        println!("themes of {} posts ({chars} chars): best of 5 {best:?}", docs.len());
        println!("a quote for each post: {quotes:?} ({quoted} bytes)");
        for theme in &got {
            println!("  {} ({})", theme.keywords.join(" · "), theme.members.len());
        }
    }
}
