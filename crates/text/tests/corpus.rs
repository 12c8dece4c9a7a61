//! Precision and recall of 2-character word search over the shared corpus
//! of 17k Chinese reviews (skipped when the file is absent).
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use std::path::PathBuf;

use canyu_text::{PostDoc, SearchIndex, SearchQuery};

#[test]
fn two_character_words_over_real_reviews() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/reviews-zh.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("skipping: shared data absent ({})", path.display());
        return;
    };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let started = std::time::Instant::now();
    let index = SearchIndex::open_in_ram().unwrap();
    let docs = lines.iter().enumerate().map(|(i, line)| PostDoc {
        post_id: i as i64,
        product_id: (i % 5) as i64,
        title: String::new(),
        body: line.to_string(),
        created_at: i as i64,
    });
    assert_eq!(index.bulk_add(docs).unwrap(), lines.len() as u64);
    assert_eq!(index.doc_count(), lines.len() as u64);
    println!("indexed {} lines in {:?}", lines.len(), started.elapsed());

    let mut worst_recall: f64 = 1.0;
    for word in [
        "质量", "物流", "客服", "屏幕", "续航", "发热", "电池", "快递", "价格", "包装", "内存", "声音",
        "系统", "服务", "发货",
    ] {
        let expected = lines.iter().filter(|l| l.contains(word)).count();
        let mut hits = Vec::new();
        let total = loop {
            let page = index
                .search(&SearchQuery {
                    text: word,
                    product_id: None,
                    limit: 500,
                    offset: hits.len(),
                    any: false,
                })
                .unwrap();
            if page.hits.is_empty() {
                break page.total;
            }
            hits.extend(page.hits);
        };
        assert_eq!(hits.len(), total, "{word}: paging returned every hit");
        for hit in &hits {
            let body = lines[hit.post_id as usize];
            assert!(body.contains(word), "{word}: false hit {body}");
            assert!(hit.snippet_html.contains(&format!("<mark>{word}</mark>")), "{word}: {hit:?}");
        }
        let recall = total as f64 / expected.max(1) as f64;
        worst_recall = worst_recall.min(recall);
        println!(
            "{word}: {total} hits / {expected} lines containing it, recall {recall:.3}, precision 1.000"
        );
        assert!(recall >= 0.9, "{word}: recall {recall:.3} ({total}/{expected})");

        // The product filter keeps exactly the product's share.
        let in_product = index
            .search(&SearchQuery { text: word, product_id: Some(2), limit: 0, offset: 0, any: false })
            .unwrap()
            .total;
        let expected_in_product = hits.iter().filter(|h| h.post_id % 5 == 2).count();
        assert_eq!(in_product, expected_in_product, "{word}: product filter");
    }
    println!("worst recall {worst_recall:.3}; total test time {:?}", started.elapsed());
}
