//! Fitting and measuring the sentiment scorer on labelled reviews
//! (`text<TAB>label` lines, 1 = positive), for `canyu text sentiment-eval` and
//! `sentiment-fit` and for the tests.
//!
//! Two questions, two protocols:
//!
//! * how good is it on reviews like the labelled ones: a deterministic 80/20
//!   split by a hash of the text ([`is_held_out`]), so every run and every
//!   machine holds out the same reviews;
//! * how good is it on a product domain it never saw, which is how it is used:
//!   leave one domain out ([`Domain`], found by keywords), fit on the others and
//!   measure on it.
//!
//! Both also run a character-bigram naive Bayes ([`NaiveBayes`]), learned from
//! the same reviews: the upper bound of in-domain learning, and a measure of
//! how little of it survives a change of domain. It is not a scorer to ship.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{FEATURE_NAMES, FEATURES, Model, features};
use crate::similar::roc_auc;

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    /// The review.
    pub text: String,
    /// True when the review is positive.
    pub positive: bool,
}

/// Reads `text<TAB>label` lines (the label is the last field, `1` or `0`); a
/// header or a line without a 0/1 label is skipped. Returns the examples and the
/// number of lines skipped.
pub fn parse_tsv(data: &str) -> (Vec<Labelled>, usize) {
    let mut examples = Vec::new();
    let mut skipped = 0;
    for line in data.lines() {
        let line = line.trim_end_matches('\r');
        let Some((text, label)) = line.rsplit_once('\t') else {
            skipped += usize::from(!line.is_empty());
            continue;
        };
        match label.trim() {
            "1" => examples.push(Labelled { text: text.to_owned(), positive: true }),
            "0" => examples.push(Labelled { text: text.to_owned(), positive: false }),
            _ => skipped += 1,
        }
    }
    (examples, skipped)
}

/// Whether `text` belongs to the 20 % test split: FNV-1a of its UTF-8 bytes,
/// modulo 5. The same on every machine and every run, and a duplicated review
/// lands on one side only.
pub fn is_held_out(text: &str) -> bool {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h.is_multiple_of(5)
}

/// The product domain of a review, by keywords: the labelled set mixes hotels,
/// laptops and books without saying which is which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Hotels (酒店, 房间, 前台, 入住 ...).
    Hotel,
    /// Laptops (电脑, 笔记本, 屏幕, 键盘 ...).
    Laptop,
    /// Books (书, 作者, 读, 故事 ...).
    Book,
    /// None of the keywords, or a tie.
    Other,
}

impl Domain {
    /// Every domain, in report order.
    pub const ALL: [Domain; 4] = [Domain::Hotel, Domain::Laptop, Domain::Book, Domain::Other];

    const KEYWORDS: [(Domain, &'static [&'static str]); 3] = [
        (
            Domain::Hotel,
            &[
                "酒店",
                "宾馆",
                "房间",
                "前台",
                "入住",
                "住宿",
                "服务员",
                "早餐",
                "大堂",
                "客房",
                "标准间",
                "床",
                "携程",
                "退房",
                "住",
            ],
        ),
        (
            Domain::Laptop,
            &[
                "电脑",
                "笔记本",
                "本本",
                "屏幕",
                "键盘",
                "系统",
                "驱动",
                "硬盘",
                "内存",
                "散热",
                "电池",
                "显卡",
                "机器",
                "XP",
                "xp",
                "vista",
                "Vista",
                "触摸板",
                "CPU",
                "cpu",
                "接口",
            ],
        ),
        (
            Domain::Book,
            &[
                "书", "作者", "读", "故事", "小说", "文字", "章节", "出版", "印刷", "看完", "作品", "孩子",
                "宝宝", "内容",
            ],
        ),
    ];

    /// The domain with the most keyword hits; [`Domain::Other`] for none or a tie.
    pub fn detect(text: &str) -> Domain {
        let mut best = (Domain::Other, 0usize);
        let mut tie = false;
        for (domain, words) in Self::KEYWORDS {
            let hits: usize = words.iter().map(|w| text.matches(w).count()).sum();
            if hits > best.1 {
                (best, tie) = ((domain, hits), false);
            } else if hits == best.1 && hits > 0 {
                tie = true;
            }
        }
        if tie { Domain::Other } else { best.0 }
    }

    /// Lowercase English name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            Domain::Hotel => "hotel",
            Domain::Laptop => "laptop",
            Domain::Book => "book",
            Domain::Other => "other",
        }
    }
}

/// Full-batch gradient-descent steps of [`fit`].
pub const FIT_STEPS: usize = 2_000;

/// Fits a [`Model`] to feature vectors and labels: logistic regression by plain
/// gradient descent on the mean log-loss with a light L2 penalty, on
/// standardised features (so one learning rate suits all), then mapped back to
/// the raw features. Deterministic; an empty input gives the zero model.
pub fn fit(xs: &[[f32; FEATURES]], labels: &[bool]) -> Model {
    const LEARNING_RATE: f64 = 0.5;
    const L2: f64 = 1e-4;
    let n = xs.len().min(labels.len());
    if n == 0 {
        return Model { weights: [0.0; FEATURES], bias: 0.0 };
    }
    let (mut mean, mut sd) = ([0.0f64; FEATURES], [0.0f64; FEATURES]);
    for x in &xs[..n] {
        for (m, &v) in mean.iter_mut().zip(x) {
            *m += f64::from(v) / n as f64;
        }
    }
    for x in &xs[..n] {
        for ((s, &v), m) in sd.iter_mut().zip(x).zip(&mean) {
            *s += (f64::from(v) - m).powi(2) / n as f64;
        }
    }
    for s in &mut sd {
        // A constant feature keeps weight 0 rather than dividing by 0.
        *s = if *s > 1e-12 { s.sqrt() } else { f64::INFINITY };
    }
    let z: Vec<[f64; FEATURES]> =
        xs[..n].iter().map(|x| std::array::from_fn(|j| (f64::from(x[j]) - mean[j]) / sd[j])).collect();
    let (mut w, mut b) = ([0.0f64; FEATURES], 0.0f64);
    for _ in 0..FIT_STEPS {
        let (mut gw, mut gb) = ([0.0f64; FEATURES], 0.0f64);
        for (x, &y) in z.iter().zip(labels) {
            let p = 1.0 / (1.0 + (-(b + w.iter().zip(x).map(|(a, v)| a * v).sum::<f64>())).exp());
            let err = p - f64::from(u8::from(y));
            gb += err;
            for (g, v) in gw.iter_mut().zip(x) {
                *g += err * v;
            }
        }
        b -= LEARNING_RATE * gb / n as f64;
        for (wj, g) in w.iter_mut().zip(&gw) {
            *wj -= LEARNING_RATE * (g / n as f64 + L2 * *wj);
        }
    }
    let weights: [f32; FEATURES] = std::array::from_fn(|j| (w[j] / sd[j]) as f32);
    let bias = b - (0..FEATURES).map(|j| w[j] * mean[j] / sd[j]).sum::<f64>();
    Model { weights, bias: bias as f32 }
}

/// Fits the weights the way [`Model::SHIPPED`] was fitted: on the training
/// split (every text not [`is_held_out`]).
pub fn fit_training_split(examples: &[Labelled]) -> Model {
    let (xs, ys): (Vec<[f32; FEATURES]>, Vec<bool>) =
        examples.iter().filter(|e| !is_held_out(&e.text)).map(|e| (features(&e.text), e.positive)).unzip();
    fit(&xs, &ys)
}

/// Prints `model` as the Rust constant [`Model::SHIPPED`] is written.
pub fn model_source(model: &Model) -> String {
    let mut s = String::from("Model {\n    weights: [\n");
    for (w, name) in model.weights.iter().zip(FEATURE_NAMES) {
        s.push_str(&format!("        {w:.4}, // {name}\n"));
    }
    s.push_str(&format!("    ],\n    bias: {:.4},\n}}", model.bias));
    s
}

/// Multinomial naive Bayes over the set of character unigrams and bigrams of
/// each text (binarised: a gram counts once per text, which suits sentiment
/// better than raw counts), Laplace smoothed: the in-domain baseline.
#[derive(Debug, Default)]
pub struct NaiveBayes {
    /// Counts of each gram in negative and positive texts.
    counts: HashMap<(char, char), [u32; 2]>,
    totals: [f64; 2],
    docs: [f64; 2],
}

impl NaiveBayes {
    /// Learns from labelled texts.
    pub fn train<'a>(examples: impl IntoIterator<Item = &'a Labelled>) -> Self {
        let mut nb = NaiveBayes::default();
        let mut seen = HashSet::new();
        for ex in examples {
            let class = usize::from(ex.positive);
            nb.docs[class] += 1.0;
            seen.clear();
            grams(&ex.text, |g| {
                if seen.insert(g) {
                    nb.counts.entry(g).or_default()[class] += 1;
                    nb.totals[class] += 1.0;
                }
            });
        }
        nb
    }

    /// The model's probability that `text` is positive (naive Bayes is sure of
    /// itself: expect probabilities near 0 or 1, and a poor log-loss).
    pub fn probability(&self, text: &str) -> f32 {
        let vocabulary = self.counts.len() as f64 + 1.0;
        let mut log_odds = ((self.docs[1] + 1.0) / (self.docs[0] + 1.0)).ln();
        let mut seen = HashSet::new();
        grams(text, |g| {
            if !seen.insert(g) {
                return;
            }
            let [neg, pos] = self.counts.get(&g).copied().unwrap_or_default();
            log_odds += ((f64::from(pos) + 1.0) / (self.totals[1] + vocabulary)).ln()
                - ((f64::from(neg) + 1.0) / (self.totals[0] + vocabulary)).ln();
        });
        (1.0 / (1.0 + (-log_odds).exp())) as f32
    }
}

/// Calls `f` with each character unigram (`(c, '\0')`) and bigram of `text`,
/// skipping whitespace.
fn grams(text: &str, mut f: impl FnMut((char, char))) {
    let mut prev = None;
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        f((c, '\0'));
        if let Some(p) = prev {
            f((p, c));
        }
        prev = Some(c);
    }
}

/// How well probabilities match labels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Metrics {
    /// Number of texts.
    pub n: usize,
    /// Share of texts on the right side of 0.5.
    pub accuracy: f64,
    /// Area under the ROC curve (ranking, threshold-free).
    pub auc: f64,
    /// Mean negative log-likelihood (nats; 0.693 for a constant 0.5).
    pub log_loss: f64,
    /// Mean squared error of the probability (0.25 for a constant 0.5).
    pub brier: f64,
}

impl Metrics {
    /// Measures probabilities `probs` against `labels`.
    pub fn of(probs: &[f32], labels: &[bool]) -> Metrics {
        let n = probs.len().min(labels.len());
        if n == 0 {
            return Metrics::default();
        }
        let (mut correct, mut log_loss, mut brier) = (0usize, 0.0f64, 0.0f64);
        for (&p, &y) in probs.iter().zip(labels) {
            correct += usize::from((p >= 0.5) == y);
            let p = f64::from(p).clamp(1e-6, 1.0 - 1e-6);
            let t = f64::from(u8::from(y));
            log_loss -= t * p.ln() + (1.0 - t) * (1.0 - p).ln();
            brier += (p - t).powi(2);
        }
        Metrics {
            n,
            accuracy: correct as f64 / n as f64,
            auc: roc_auc(&probs[..n], &labels[..n]),
            log_loss: log_loss / n as f64,
            brier: brier / n as f64,
        }
    }
}

/// One domain left out: both models fitted on the other domains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DomainRow {
    /// The domain measured (and left out of the fit).
    pub domain: Domain,
    /// Share of positive texts in it.
    pub positive_share: f64,
    /// The lexicon model, its weights fitted on the other domains.
    pub lexicon: Metrics,
    /// Naive Bayes trained on the other domains.
    pub naive_bayes: Metrics,
}

/// Everything `canyu text sentiment-eval` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Labelled texts read.
    pub total: usize,
    /// Of which positive.
    pub positives: usize,
    /// Texts in the training split.
    pub train: usize,
    /// Held-out split: the shipped model.
    pub shipped: Metrics,
    /// Held-out split: the lexicon model refitted on the training split (equal
    /// to `shipped` while [`Model::SHIPPED`] is up to date).
    pub refitted: Metrics,
    /// The weights refitted on the training split.
    pub refitted_model: Model,
    /// Held-out split: the lexicon sums alone, positive iff praise outweighs
    /// complaint, no fitted weight (probability σ(net)).
    pub rule: Metrics,
    /// Held-out split: naive Bayes trained on the training split.
    pub naive_bayes: Metrics,
    /// Held-out split: always answering the larger class of the training split.
    pub majority: f64,
    /// Leave-one-domain-out, one row per domain with texts.
    pub domains: Vec<DomainRow>,
}

/// Runs both protocols on `examples` (see the module docs).
pub fn evaluate(examples: &[Labelled]) -> Report {
    let xs: Vec<[f32; FEATURES]> = examples.iter().map(|e| features(&e.text)).collect();
    let labels: Vec<bool> = examples.iter().map(|e| e.positive).collect();
    let held: Vec<bool> = examples.iter().map(|e| is_held_out(&e.text)).collect();
    let pick = |keep: &dyn Fn(usize) -> bool| -> (Vec<[f32; FEATURES]>, Vec<bool>) {
        (0..examples.len()).filter(|&i| keep(i)).map(|i| (xs[i], labels[i])).unzip()
    };
    let (train_x, train_y) = pick(&|i| !held[i]);
    let (test_x, test_y) = pick(&|i| held[i]);
    let refitted_model = fit(&train_x, &train_y);
    let probs = |m: &Model, xs: &[[f32; FEATURES]]| xs.iter().map(|x| m.probability(x)).collect::<Vec<_>>();
    let rule: Vec<f32> = test_x
        .iter()
        .map(|x| {
            // The raw net sum, undoing the log of each feature.
            let net = x[0].exp_m1() - x[1].exp_m1() - x[2].exp_m1() + x[3].exp_m1();
            super::sigmoid(net)
        })
        .collect();
    let nb = NaiveBayes::train(examples.iter().zip(&held).filter(|(_, h)| !**h).map(|(e, _)| e));
    let nb_probs: Vec<f32> =
        examples.iter().zip(&held).filter(|(_, h)| **h).map(|(e, _)| nb.probability(&e.text)).collect();
    let train_pos = train_y.iter().filter(|&&y| y).count();
    let majority_class = train_pos * 2 >= train_y.len();
    let majority =
        test_y.iter().filter(|&&y| y == majority_class).count() as f64 / test_y.len().max(1) as f64;

    let domain_of: Vec<Domain> = examples.iter().map(|e| Domain::detect(&e.text)).collect();
    let mut domains = Vec::new();
    for domain in Domain::ALL {
        let (in_x, in_y) = pick(&|i| domain_of[i] == domain);
        if in_x.is_empty() {
            continue;
        }
        let (out_x, out_y) = pick(&|i| domain_of[i] != domain);
        let model = fit(&out_x, &out_y);
        let nb =
            NaiveBayes::train(examples.iter().zip(&domain_of).filter(|(_, d)| **d != domain).map(|(e, _)| e));
        let nb_probs: Vec<f32> = examples
            .iter()
            .zip(&domain_of)
            .filter(|(_, d)| **d == domain)
            .map(|(e, _)| nb.probability(&e.text))
            .collect();
        domains.push(DomainRow {
            domain,
            positive_share: in_y.iter().filter(|&&y| y).count() as f64 / in_y.len() as f64,
            lexicon: Metrics::of(&probs(&model, &in_x), &in_y),
            naive_bayes: Metrics::of(&nb_probs, &in_y),
        });
    }
    Report {
        total: examples.len(),
        positives: labels.iter().filter(|&&y| y).count(),
        train: train_x.len(),
        shipped: Metrics::of(&probs(&Model::SHIPPED, &test_x), &test_y),
        refitted: Metrics::of(&probs(&refitted_model, &test_x), &test_y),
        refitted_model,
        rule: Metrics::of(&rule, &test_y),
        naive_bayes: Metrics::of(&nb_probs, &test_y),
        majority,
        domains,
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let test = self.total - self.train;
        writeln!(
            f,
            "{} labelled texts ({} positive, {} negative); split by FNV-1a of the text: {} train / {} held out",
            self.total,
            self.positives,
            self.total - self.positives,
            self.train,
            test
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "held-out 20 %{:>27} {:>8} {:>8} {:>9} {:>7}",
            "", "accuracy", "ROC-AUC", "log-loss", "Brier"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, m: &Metrics| {
            writeln!(f, "{name:<40} {:>8.4} {:>8.4} {:>9.4} {:>7.4}", m.accuracy, m.auc, m.log_loss, m.brier)
        };
        row(f, "lexicon, shipped weights", &self.shipped)?;
        row(f, "lexicon, weights refitted on train", &self.refitted)?;
        row(f, "lexicon sums alone (no fitted weight)", &self.rule)?;
        row(f, "char-bigram naive Bayes (in-domain)", &self.naive_bayes)?;
        writeln!(f, "{:<40} {:>8.4}", "majority class", self.majority)?;
        writeln!(f)?;
        writeln!(f, "leave one domain out (fit on the other domains, measure on this one)")?;
        writeln!(
            f,
            "{:<8} {:>6} {:>6} | {:>8} {:>8} {:>8} | {:>8} {:>8} {:>8}",
            "domain", "texts", "pos%", "lex-acc", "lex-AUC", "lex-LL", "NB-acc", "NB-AUC", "NB-LL"
        )?;
        for d in &self.domains {
            writeln!(
                f,
                "{:<8} {:>6} {:>6.1} | {:>8.4} {:>8.4} {:>8.4} | {:>8.4} {:>8.4} {:>8.4}",
                d.domain.name(),
                d.lexicon.n,
                d.positive_share * 100.0,
                d.lexicon.accuracy,
                d.lexicon.auc,
                d.lexicon.log_loss,
                d.naive_bayes.accuracy,
                d.naive_bayes.auc,
                d.naive_bayes.log_loss
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_header_and_labels() {
        let (ex, skipped) = parse_tsv("text\tlabel\n很好用\t1\n太差了\t0\n坏行\n\n有\ttab\t1\n");
        assert_eq!(skipped, 2);
        assert_eq!(ex.len(), 3);
        assert!(ex[0].positive && !ex[1].positive);
        assert_eq!(ex[2].text, "有\ttab");
    }

    #[test]
    fn fit_recovers_a_separable_direction() {
        let xs: Vec<[f32; FEATURES]> = (0..200)
            .map(|i| std::array::from_fn(|j| if j == 0 { (i % 10) as f32 / 10.0 } else { 0.0 }))
            .collect();
        let ys: Vec<bool> = xs.iter().map(|x| x[0] >= 0.5).collect();
        let m = fit(&xs, &ys);
        assert!(m.weights[0] > 0.0);
        assert!(m.weights[1..].iter().all(|&w| w == 0.0));
        let acc = Metrics::of(&xs.iter().map(|x| m.probability(x)).collect::<Vec<_>>(), &ys).accuracy;
        assert!(acc > 0.85, "{acc}");
    }

    #[test]
    fn domains_by_keyword() {
        assert_eq!(Domain::detect("房间很干净，前台热情"), Domain::Hotel);
        assert_eq!(Domain::detect("键盘手感好，屏幕清晰"), Domain::Laptop);
        assert_eq!(Domain::detect("这本书的作者写得真好"), Domain::Book);
        assert_eq!(Domain::detect("续航很差"), Domain::Other);
    }

    #[test]
    fn metrics_of_perfect_and_constant() {
        let m = Metrics::of(&[0.9, 0.1], &[true, false]);
        assert_eq!((m.accuracy, m.auc), (1.0, 1.0));
        let c = Metrics::of(&[0.5, 0.5], &[true, false]);
        assert!((c.brier - 0.25).abs() < 1e-9 && (c.log_loss - std::f64::consts::LN_2).abs() < 1e-6);
    }
}
