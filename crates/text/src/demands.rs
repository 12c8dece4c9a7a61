//! Demands: open posts that ask for the same thing, grouped, and labelled with their
//! keywords.

use std::sync::LazyLock;

use jieba_rs::{KeywordExtract, TfIdf};

use crate::segment::{JIEBA, is_stop_word};
use crate::similar::{DedupOptions, dedup_groups_with};

/// Posts scoring at least this with each other (directly or through a chain) are one
/// demand: lower than the near-duplicate threshold (0.5), since people ask for the same
/// thing in their own words.
pub const DEMAND_THRESHOLD: f32 = 0.3;

/// jieba's TF-IDF keyword extractor with its default stop words.
static KEYWORDS: LazyLock<TfIdf> = LazyLock::new(TfIdf::default);

/// Groups texts into demands: every text is in exactly one group (a text nothing else
/// resembles is a demand of its own). Groups hold indices into `texts`, ascending;
/// groups are ordered by their first index.
pub fn cluster_demands(texts: &[String], threshold: f32) -> Vec<Vec<usize>> {
    let groups =
        dedup_groups_with(texts.iter().cloned(), DedupOptions { threshold, chars_only: false }, |_| {});
    let mut grouped = vec![false; texts.len()];
    for g in &groups {
        for &i in g {
            grouped[i] = true;
        }
    }
    let mut all: Vec<Vec<usize>> = groups;
    all.extend((0..texts.len()).filter(|i| !grouped[*i]).map(|i| vec![i]));
    all.sort_by_key(|g| g[0]);
    all
}

/// The `k` words that best describe `texts` together (TF-IDF against jieba's general
/// corpus; stop words, single characters and numbers left out), best first.
pub fn keywords(texts: &[&str], k: usize) -> Vec<String> {
    let joined = texts.join("\n");
    KEYWORDS
        .extract_keywords(&JIEBA, &joined, k * 3, Vec::new())
        .into_iter()
        .map(|kw| kw.keyword.to_lowercase())
        .filter(|w| {
            w.chars().count() >= 2 && !is_stop_word(w) && !w.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
        .fold(Vec::new(), |mut out, w| {
            if out.len() < k && !out.contains(&w) {
                out.push(w);
            }
            out
        })
}

/// `words` in the order they are read in `title` (those it does not contain keep their
/// order, after it): "防止 相互 唤醒" rather than the extractor's "唤醒 相互 防止".
pub fn in_reading_order(mut words: Vec<String>, title: &str) -> Vec<String> {
    let lower = title.to_lowercase();
    // A stable sort: words missing from the title (usize::MAX) keep their ranking order.
    words.sort_by_key(|w| lower.find(w.as_str()).unwrap_or(usize::MAX));
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_read_in_the_titles_order() {
        let words = vec!["唤醒".to_string(), "相互".to_string(), "防止".to_string(), "音箱".to_string()];
        assert_eq!(in_reading_order(words, "防止多台设备相互唤醒"), ["防止", "相互", "唤醒", "音箱"]);
        assert_eq!(
            in_reading_order(vec!["nfc".into(), "车钥匙".into()], "车钥匙 NFC 失灵"),
            ["车钥匙", "nfc"]
        );
    }

    #[test]
    fn same_need_in_other_words_is_one_demand() {
        let texts: Vec<String> = [
            "希望增加冬季续航预估，冬天续航掉得太快",
            "冬天续航掉得太快了，希望能预估冬季续航",
            "座椅通风噪音太大",
            "冬季续航预估能不能加上，冬天续航掉得太快",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let groups = cluster_demands(&texts, DEMAND_THRESHOLD);
        assert_eq!(groups, vec![vec![0, 1, 3], vec![2]]);
    }

    #[test]
    fn keywords_name_the_demand() {
        let words = keywords(&["希望增加冬季续航预估", "冬天续航掉得太快，希望预估续航", "冬季续航太短"], 3);
        assert_eq!(words.first().map(String::as_str), Some("续航"), "{words:?}");
        assert!(words.len() <= 3);
        assert!(words.iter().all(|w| w.chars().count() >= 2));
        assert!(keywords(&[], 3).is_empty());
    }
}
