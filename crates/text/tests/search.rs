//! Behaviour of `SearchIndex` through the public API.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use std::sync::Arc;

use canyu_text::{PostDoc, SearchIndex, SearchQuery, SearchResults, SimilarHit, SimilarQuery};

fn post(post_id: i64, product_id: i64, title: &str, body: &str) -> PostDoc {
    PostDoc {
        post_id,
        product_id,
        title: title.to_string(),
        body: body.to_string(),
        created_at: 1_700_000_000_000 + post_id,
    }
}

fn search(index: &SearchIndex, text: &str) -> SearchResults {
    search_in(index, text, None)
}

fn search_in(index: &SearchIndex, text: &str, product_id: Option<i64>) -> SearchResults {
    index.search(&SearchQuery { text, product_id, limit: 20, offset: 0, any: false }).expect("search")
}

fn ids(results: &SearchResults) -> Vec<i64> {
    let mut ids: Vec<i64> = results.hits.iter().map(|h| h.post_id).collect();
    ids.sort_unstable();
    ids
}

fn sample_index() -> SearchIndex {
    let index = SearchIndex::open_in_ram().unwrap();
    let docs = [
        post(1, 10, "续航太差了", "手机用半天就没电了，希望优化电池续航。"),
        post(2, 10, "玩游戏发热严重", "打王者二十分钟机身发热，摸起来烫手。"),
        post(3, 20, "屏幕有绿线", "新买的手机屏幕出现一条绿线，客服让我去售后。"),
        post(4, 20, "物流太慢", "下单一周了物流还没更新，快递一直不动。"),
        post(5, 10, "建议增加Wi-Fi 6E支持", "希望MIUI下个版本支持wifi 6E，现在的WiFi速度不够快。"),
    ];
    for doc in docs {
        index.upsert(doc);
    }
    index.flush().unwrap();
    index
}

#[test]
fn upsert_then_wait_makes_post_searchable() {
    let index = SearchIndex::open_in_ram().unwrap();
    assert_eq!(index.doc_count(), 0);
    index.upsert(post(42, 1, "相机对焦慢", "夜景模式下对焦很慢")).wait().unwrap();
    assert_eq!(index.doc_count(), 1);
    let r = search(&index, "对焦");
    assert_eq!(r.total, 1);
    assert_eq!(ids(&r), vec![42]);
    assert!(r.hits[0].score > 0.0);
}

#[test]
fn reupsert_replaces_without_duplicates() {
    let index = SearchIndex::open_in_ram().unwrap();
    index.upsert(post(7, 1, "充电慢", "充电要三个小时")).wait().unwrap();
    index.upsert(post(7, 1, "充电很快", "现在充电半小时就满了")).wait().unwrap();
    assert_eq!(index.doc_count(), 1);
    let r = search(&index, "充电");
    assert_eq!(r.total, 1);
    assert_eq!(ids(&r), vec![7]);
    assert!(r.hits[0].title_html.contains("很快"), "{:?}", r.hits[0]);
    assert_eq!(search(&index, "三个").total, 0);
    // Two upserts of the same post in one batch: the last one wins.
    index.upsert(post(8, 1, "旧版", "苹果"));
    index.upsert(post(8, 1, "新版", "香蕉"));
    index.flush().unwrap();
    assert_eq!(index.doc_count(), 2);
    assert_eq!(search(&index, "苹果").total, 0);
    assert_eq!(ids(&search(&index, "香蕉")), vec![8]);
}

#[test]
fn delete_removes() {
    let index = sample_index();
    assert_eq!(ids(&search(&index, "物流")), vec![4]);
    index.delete(4).wait().unwrap();
    assert_eq!(search(&index, "物流").total, 0);
    assert_eq!(index.doc_count(), 4);
    // Deleting something absent is fine.
    index.delete(999).wait().unwrap();
}

#[test]
fn product_filter() {
    let index = sample_index();
    assert_eq!(ids(&search(&index, "手机")), vec![1, 3]);
    assert_eq!(ids(&search_in(&index, "手机", Some(10))), vec![1]);
    assert_eq!(ids(&search_in(&index, "手机", Some(20))), vec![3]);
    assert_eq!(search_in(&index, "手机", Some(30)).total, 0);
}

#[test]
fn two_character_words_in_chinese_bodies() {
    let index = sample_index();
    for (word, expected) in [
        ("续航", vec![1]),
        ("发热", vec![2]),
        ("屏幕", vec![3]),
        ("物流", vec![4]),
        ("客服", vec![3]),
        ("电池", vec![1]),
        ("快递", vec![4]),
    ] {
        assert_eq!(ids(&search(&index, word)), expected, "query {word}");
    }
    // A 2-character word inside a longer dictionary word (search mode).
    index.upsert(post(9, 1, "散热", "这台机器的发热量比上一代小多了，续航能力也更强。")).wait().unwrap();
    assert_eq!(ids(&search(&index, "发热")), vec![2, 9]);
    assert_eq!(ids(&search(&index, "续航")), vec![1, 9]);
}

fn search_any(index: &SearchIndex, text: &str) -> SearchResults {
    index.search(&SearchQuery { text, product_id: None, limit: 20, offset: 0, any: true }).expect("search")
}

#[test]
fn all_words_required_any_only_when_asked() {
    let index = sample_index();
    // Both words only in post 1.
    assert_eq!(ids(&search(&index, "电池 续航")), vec![1]);
    // 的 is a stop word: not required.
    assert_eq!(ids(&search(&index, "屏幕的绿线")), vec![3]);
    // No post has both: nothing, and the results say two words were asked for.
    let r = search(&index, "绿线 物流");
    assert_eq!((ids(&r), r.total, r.words), (vec![], 0, 2));
    // Asked for any of them: both posts.
    let r = search_any(&index, "绿线 物流");
    assert_eq!((ids(&r), r.total), (vec![3, 4], 2));
}

#[test]
fn a_word_of_one_character_never_matches_on_its_own() {
    let index = sample_index();
    index.upsert(post(20, 1, "不开心", "不好用，不推荐")).wait().unwrap();
    // Nonsense with one common character finds nothing, in either mode.
    assert!(search(&index, "xyzzy不存在").hits.is_empty());
    assert!(search_any(&index, "xyzzy不存在").hits.is_empty(), "不 alone must not match");
    // The character on its own is a query of its own.
    assert!(ids(&search(&index, "不")).contains(&20));
}

#[test]
fn latin_words_case_insensitive_and_compounds() {
    let index = sample_index();
    for q in ["wifi", "WIFI", "Wi-Fi", "wi-fi", "miui", "MIUI", "6e"] {
        assert_eq!(ids(&search(&index, q)), vec![5], "query {q}");
    }
}

#[test]
fn highlighting_wraps_terms_in_mark() {
    let index = sample_index();
    let r = search(&index, "续航");
    let hit = &r.hits[0];
    assert_eq!(hit.title_html, "<mark>续航</mark>太差了");
    assert_eq!(hit.snippet_html, "手机用半天就没电了，希望优化电池<mark>续航</mark>。");
    // Title-only match: the body snippet is its plain beginning.
    let r = search(&index, "游戏");
    assert_eq!(r.hits[0].title_html, "玩<mark>游戏</mark>发热严重");
    assert_eq!(r.hits[0].snippet_html, "打王者二十分钟机身发热，摸起来烫手。");
    // Title matches rank above body-only matches.
    index.upsert(post(6, 10, "其他问题", "物流很快，但是客服态度差")).wait().unwrap();
    index.upsert(post(11, 10, "客服问题", "打电话没人接")).wait().unwrap();
    let r = search(&index, "客服");
    assert_eq!(r.hits[0].post_id, 11, "{r:?}");
}

#[test]
fn long_body_snippet_is_cut_around_the_match() {
    let index = SearchIndex::open_in_ram().unwrap();
    let body = format!(
        "{}最近发现手机屏幕偶尔闪烁{}",
        "这是一段很长的铺垫文字。".repeat(30),
        "后面还有很多无关的内容。".repeat(30)
    );
    index.upsert(post(1, 1, "反馈", &body)).wait().unwrap();
    let hit = &search(&index, "屏幕").hits[0];
    assert!(hit.snippet_html.contains("<mark>屏幕</mark>"), "{hit:?}");
    assert!(hit.snippet_html.starts_with('…') && hit.snippet_html.ends_with('…'));
    let plain = hit.snippet_html.replace("<mark>", "").replace("</mark>", "");
    assert!(plain.chars().count() <= 122, "{plain}");
}

#[test]
fn html_is_escaped() {
    let index = SearchIndex::open_in_ram().unwrap();
    index
        .upsert(post(
            1,
            1,
            "<script>alert('屏幕')</script>",
            "屏幕 <b>粗体</b> & \"引号\" <img src=x onerror=alert(1)>",
        ))
        .wait()
        .unwrap();
    let r = search(&index, "屏幕");
    let hit = &r.hits[0];
    assert_eq!(hit.title_html, "&lt;script&gt;alert(&#39;<mark>屏幕</mark>&#39;)&lt;/script&gt;");
    assert_eq!(
        hit.snippet_html,
        "<mark>屏幕</mark> &lt;b&gt;粗体&lt;/b&gt; &amp; &quot;引号&quot; &lt;img src=x onerror=alert(1)&gt;"
    );
    // Searching for markup finds the text, never injects it.
    let r = search(&index, "<script>");
    assert_eq!(r.total, 1);
    assert!(!r.hits[0].title_html.contains("<script"), "{:?}", r.hits[0]);
}

#[test]
fn special_characters_and_empty_queries() {
    let index = sample_index();
    for q in ["a:b (c \"d", "title:屏幕 AND (", "\"", "*", "+-!^~", "屏幕\")(", "[1 TO 2]", "\\"] {
        index
            .search(&SearchQuery { text: q, product_id: None, limit: 10, offset: 0, any: false })
            .unwrap_or_else(|e| panic!("query {q:?}: {e}"));
    }
    assert_eq!(ids(&search(&index, "屏幕\")(")), vec![3]);
    for q in ["", "   ", "\n\t", "，。！？", "()"] {
        let r = search(&index, q);
        assert_eq!(r.total, 0, "query {q:?}");
        assert!(r.hits.is_empty());
    }
}

#[test]
fn pagination_and_count_only() {
    let index = SearchIndex::open_in_ram().unwrap();
    for i in 0..25 {
        index.upsert(post(i, 1, &format!("第{i}个"), "电池不耐用"));
    }
    index.flush().unwrap();
    let page = |offset, limit| {
        index.search(&SearchQuery { text: "电池", product_id: None, limit, offset, any: false }).unwrap()
    };
    let first = page(0, 10);
    assert_eq!(first.total, 25);
    assert_eq!(first.hits.len(), 10);
    let third = page(20, 10);
    assert_eq!(third.total, 25);
    assert_eq!(third.hits.len(), 5);
    let mut all: Vec<i64> = (0..3).flat_map(|p| page(p * 10, 10).hits).map(|h| h.post_id).collect();
    all.sort_unstable();
    assert_eq!(all, (0..25).collect::<Vec<_>>());
    let count_only = page(0, 0);
    assert_eq!((count_only.total, count_only.hits.len()), (25, 0));
    assert_eq!(page(1000, 10).hits.len(), 0);
}

#[test]
fn concurrent_upserts_are_group_committed() {
    let index = Arc::new(SearchIndex::open_in_ram().unwrap());
    let threads: Vec<_> = (0..50)
        .map(|i| {
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                index.upsert(post(i, i % 3, &format!("并发测试{i}"), "群组提交的性能测试")).wait().unwrap();
                // Visible as soon as wait() returns.
                let r = index
                    .search(&SearchQuery {
                        text: "性能",
                        product_id: Some(i % 3),
                        limit: 50,
                        offset: 0,
                        any: false,
                    })
                    .unwrap();
                assert!(r.hits.iter().any(|h| h.post_id == i));
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(index.doc_count(), 50);
    let r = index
        .search(&SearchQuery { text: "性能", product_id: None, limit: 100, offset: 0, any: false })
        .unwrap();
    assert_eq!(r.total, 50);
    assert_eq!(ids(&r), (0..50).collect::<Vec<_>>());
}

#[test]
fn rebuild_replaces_contents() {
    let index = sample_index();
    let mut reports = Vec::new();
    let n = index
        .rebuild((100..2600).map(|i| post(i, 1, "重建", &format!("第{i}条 电池续航"))), &mut |n| {
            reports.push(n)
        })
        .unwrap();
    assert_eq!(n, 2500);
    assert_eq!(reports, vec![1000, 2000, 2500]);
    assert_eq!(index.doc_count(), 2500);
    assert_eq!(search(&index, "物流").total, 0);
    assert_eq!(search(&index, "续航").total, 2500);
    // The normal writer is back.
    index.upsert(post(1, 1, "又来了", "物流")).wait().unwrap();
    assert_eq!(ids(&search(&index, "物流")), vec![1]);
    // bulk_add adds without deleting.
    let added = index.bulk_add((5000..5010).map(|i| post(i, 2, "批量", "物流"))).unwrap();
    assert_eq!(added, 10);
    assert_eq!(search(&index, "物流").total, 11);
    assert_eq!(index.doc_count(), 2511);
    // Empty rebuild empties the index.
    assert_eq!(index.rebuild(std::iter::empty(), &mut |_| {}).unwrap(), 0);
    assert_eq!(index.doc_count(), 0);
}

#[test]
fn ops_queued_before_rebuild_are_committed_first_and_later_ones_after() {
    let index = Arc::new(SearchIndex::open_in_ram().unwrap());
    let before = index.upsert(post(1, 1, "之前", "旧内容"));
    index.rebuild([post(2, 1, "重建", "新内容")], &mut |_| {}).unwrap();
    before.wait().unwrap();
    index.upsert(post(3, 1, "之后", "新内容")).wait().unwrap();
    assert_eq!(ids(&search(&index, "内容")), vec![2, 3]);
}

#[test]
fn reopen_persisted_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open(&path).unwrap();
        index.upsert(post(1, 1, "屏幕", "发黄")).wait().unwrap();
        index.upsert(post(2, 1, "续航", "不行"));
        // Dropping commits what is queued.
    }
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.doc_count(), 2);
    assert_eq!(ids(&search(&index, "屏幕")), vec![1]);
    assert_eq!(ids(&search(&index, "续航")), vec![2]);
    index.delete(1).wait().unwrap();
    drop(index);
    let index = SearchIndex::open(&path).unwrap();
    assert_eq!(index.doc_count(), 1);
}

#[test]
fn second_open_of_same_dir_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let first = SearchIndex::open(dir.path()).unwrap();
    assert!(SearchIndex::open(dir.path()).is_err());
    drop(first);
    SearchIndex::open(dir.path()).unwrap();
}

#[test]
fn search_index_is_send_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SearchIndex>();
    assert_send_sync::<Arc<SearchIndex>>();
    fn assert_send<T: Send>() {}
    assert_send::<canyu_text::CommitTicket>();
}

#[test]
fn failed_rebuild_leaves_old_contents_and_writer_usable() {
    let index = sample_index();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let docs = (0..10).map(|i| {
            if i == 5 {
                panic!("source failed");
            }
            post(100 + i, 1, "新", "新内容")
        });
        index.rebuild(docs, &mut |_| {})
    }));
    assert!(result.is_err());
    assert_eq!(index.doc_count(), 5);
    assert_eq!(ids(&search(&index, "物流")), vec![4]);
    assert_eq!(search(&index, "新内容").total, 0);
    index.upsert(post(6, 1, "之后", "还能写入")).wait().unwrap();
    assert_eq!(ids(&search(&index, "写入")), vec![6]);
}

fn similar(
    index: &SearchIndex,
    text: &str,
    product_id: Option<i64>,
    exclude: Option<i64>,
) -> Vec<SimilarHit> {
    index.similar(&SimilarQuery { text, product_id, limit: 5, min_score: 0.1, exclude }).expect("similar")
}

#[test]
fn similar_finds_reworded_and_edited_posts_first() {
    let index = sample_index();
    index.upsert(post(6, 10, "电池续航太短", "半天就没电，希望优化一下续航。")).wait().unwrap();
    let hits = similar(&index, "续航太差，半天就没电了", Some(10), None);
    let ids: Vec<i64> = hits.iter().map(|h| h.post_id).collect();
    assert!(ids.len() >= 2, "{hits:?}");
    assert!(ids[..2].contains(&1) && ids[..2].contains(&6), "{hits:?}");
    assert!(!ids.contains(&2), "an unrelated post of the product scored above the minimum: {hits:?}");
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits.iter().all(|h| (0.0..=1.0).contains(&h.score)));
    assert_eq!(hits[0].title, if ids[0] == 1 { "续航太差了" } else { "电池续航太短" });
}

#[test]
fn similar_scores_an_identical_post_one_and_respects_product_and_exclude() {
    let index = sample_index();
    let hits = similar(&index, "屏幕有绿线", None, None);
    assert_eq!(hits[0].post_id, 3);
    assert!((hits[0].score - 1.0).abs() < 1e-6, "{hits:?}");
    assert!(similar(&index, "屏幕有绿线", Some(10), None).iter().all(|h| h.post_id != 3));
    assert!(similar(&index, "屏幕有绿线", None, Some(3)).iter().all(|h| h.post_id != 3));
}

#[test]
fn similar_with_nothing_to_match_is_empty() {
    let index = sample_index();
    assert!(similar(&index, "", None, None).is_empty());
    assert!(similar(&index, "，。！？  ", None, None).is_empty());
    assert!(similar(&index, "的了吗", None, None).is_empty());
    let none = index.similar(&SimilarQuery {
        text: "续航",
        product_id: None,
        limit: 0,
        min_score: 0.0,
        exclude: None,
    });
    assert!(none.unwrap().is_empty());
}
