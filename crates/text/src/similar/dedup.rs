//! Streaming near-duplicate grouping of many texts.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, mpsc};

use super::index::NEAR_DUPLICATE_MIN;
use super::{Prepared, SimilarIndex};

/// Lines handed to a preparing thread at a time.
const CHUNK: usize = 4_096;

/// Groups near-duplicate texts: reads `lines` once, in order; each line is
/// compared with the lines before it through a [`SimilarIndex`], and linked to every
/// earlier line whose combined score is `>= threshold`. Returns the connected groups
/// of size ≥ 2 as 0-based line numbers, each group ascending, groups ordered by
/// their first line. Lines without a letter or digit are never grouped.
///
/// Work is spread over all cores: normalisation, shingles, MinHash and jieba run
/// on preparing threads, a few chunks of lines ahead; each chunk is then queried
/// against the index of all earlier chunks in parallel (the index is read-only
/// meanwhile), then inserted (LSH bands on all cores, words on the calling thread),
/// which also pairs the lines of the chunk with each other (the LSH buckets and
/// word postings they meet on insertion). Candidates are those of
/// [`SimilarIndex::query_min`] with the threshold, and every candidate is scored
/// exactly. The result does not depend on the number of threads. `progress` is
/// called with the number of lines done after each chunk.
///
/// Above a threshold of 0.3 (near-duplicates; the word index then serves texts of
/// at most 32 distinct 3-grams only), jieba runs only where words matter: on those
/// short texts, and on a longer pair only when its characters leave the decision
/// open (LCS ratio between the threshold and its square root, 3-gram Jaccard below
/// it). Word IDF is then jieba's table alone, so two lines are linked exactly when
/// [`similarity`](super::similarity) of the two is at least the threshold. At 0.3 and
/// below every line is segmented and the IDF also learns from the lines before.
///
/// Grouping is transitive (single linkage): if A ≈ B and B ≈ C, A, B and C form one
/// group even when A and C score below the threshold.
pub fn dedup_groups<I, F>(lines: I, threshold: f32, progress: F) -> Vec<Vec<usize>>
where
    I: Iterator<Item = String>,
    F: FnMut(usize),
{
    dedup_groups_with(lines, DedupOptions { threshold, ..DedupOptions::default() }, progress)
}

/// How [`dedup_groups_with`] compares lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupOptions {
    /// Lines whose combined score is at least this are duplicates (default 0.5).
    pub threshold: f32,
    /// Compare characters only (3-gram Jaccard and LCS ratio, no jieba words; see
    /// [`SimilarIndex::chars_only`]). Default false.
    pub chars_only: bool,
}

impl Default for DedupOptions {
    fn default() -> Self {
        DedupOptions { threshold: 0.5, chars_only: false }
    }
}

/// [`dedup_groups`] with options.
pub fn dedup_groups_with<I, F>(lines: I, options: DedupOptions, mut progress: F) -> Vec<Vec<usize>>
where
    I: Iterator<Item = String>,
    F: FnMut(usize),
{
    let DedupOptions { threshold, chars_only } = options;
    let mut lines = lines;
    if !chars_only {
        super::words::warm_up();
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 16);
    // Near-duplicate thresholds need words only for short texts and for the pairs
    // whose characters leave the score undecided (see `SimilarIndex::words_on_demand`).
    let (mut index, prepare): (SimilarIndex, fn(&str) -> Prepared) = if chars_only {
        (SimilarIndex::chars_only(), Prepared::chars_only)
    } else if threshold > NEAR_DUPLICATE_MIN {
        (SimilarIndex::words_on_demand(), Prepared::short_words)
    } else {
        (SimilarIndex::new(), Prepared::new)
    };
    let mut parent: Vec<u32> = Vec::new();

    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Vec<String>)>(threads * 4);
    let work_rx = Mutex::new(work_rx);
    let (done_tx, done_rx) = mpsc::channel::<(usize, Vec<Prepared>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let work_rx = &work_rx;
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    let job = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, chunk)) = job else { return };
                    let prepared: Vec<Prepared> = chunk
                        .iter()
                        .map(|line| catch_unwind(AssertUnwindSafe(|| prepare(line))).unwrap_or_default())
                        .collect();
                    if done_tx.send((seq, prepared)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);

        let mut work_tx = Some(work_tx);
        let (mut sent, mut next) = (0usize, 0usize);
        let mut pending: BTreeMap<usize, Vec<Prepared>> = BTreeMap::new();
        loop {
            // Keep every preparing thread busy, with one chunk queued behind each.
            while let Some(tx) = &work_tx {
                if sent - next >= threads * 4 {
                    break;
                }
                let chunk: Vec<String> = lines.by_ref().take(CHUNK).collect();
                if chunk.is_empty() || tx.send((sent, chunk)).is_err() {
                    work_tx = None;
                    break;
                }
                sent += 1;
            }
            if next == sent {
                break;
            }
            while !pending.contains_key(&next) {
                match done_rx.recv() {
                    Ok((seq, prepared)) => {
                        pending.insert(seq, prepared);
                    }
                    Err(_) => break,
                }
            }
            let Some(batch) = pending.remove(&next) else { break };
            next += 1;

            let first_line = parent.len();
            // Against all earlier chunks, in parallel.
            for (i, hits) in query_all(&index, &batch, threshold, threads).into_iter().enumerate() {
                parent.push((first_line + i) as u32);
                for other in hits {
                    union(&mut parent, first_line + i, other as usize);
                }
            }
            // Insert, and compare with the earlier lines of this chunk.
            let items = batch.into_iter().enumerate().map(|(i, p)| ((first_line + i) as i64, p)).collect();
            let mut pairs = index.insert_batch(items, threads);
            pairs.sort_unstable();
            pairs.dedup();
            for (slot, other) in pairs {
                if let Some((other, _)) = index.score_slots(slot, other, threshold)
                    && let Some(line) = index.id_of(slot)
                {
                    union(&mut parent, line as usize, other as usize);
                }
            }
            progress(parent.len());
        }
        drop(work_tx);
    });

    // Freeing the index (a few allocations per line) is left to another thread: the
    // caller has the groups as soon as they are built.
    // (If no thread can be started, the index is dropped here with the closure.)
    let _ = std::thread::Builder::new().name("dedup-drop".into()).spawn(move || drop(index));
    groups(&mut parent)
}

/// The earlier lines (ids) matching each prepared text, computed on `threads`
/// threads over contiguous parts of the batch; each part looks its LSH buckets up
/// band by band first (`SimilarIndex::lsh_candidates_batch`).
fn query_all(index: &SimilarIndex, batch: &[Prepared], threshold: f32, threads: usize) -> Vec<Vec<i64>> {
    let query_part = |part: &[Prepared]| -> Vec<Vec<i64>> {
        let mut lsh: Vec<Vec<u32>> = vec![Vec::new(); part.len()];
        if catch_unwind(AssertUnwindSafe(|| index.lsh_candidates_batch(part, &mut lsh))).is_err() {
            return vec![Vec::new(); part.len()];
        }
        part.iter()
            .zip(lsh)
            .map(|(p, lsh)| {
                catch_unwind(AssertUnwindSafe(|| {
                    index.query_prepared_from(p, threshold, Some(lsh)).into_iter().map(|(id, _)| id).collect()
                }))
                .unwrap_or_default()
            })
            .collect()
    };
    if index.is_empty() {
        return vec![Vec::new(); batch.len()];
    }
    if threads <= 1 || batch.len() < 64 {
        return query_part(batch);
    }
    let per = batch.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let query_part = &query_part;
        let handles: Vec<_> = batch
            .chunks(per)
            .skip(1)
            .map(|part| (part.len(), scope.spawn(move || query_part(part))))
            .collect();
        let mut out: Vec<Vec<i64>> = batch.chunks(per).next().map(query_part).unwrap_or_default();
        for (len, h) in handles {
            out.extend(h.join().unwrap_or_else(|_| vec![Vec::new(); len]));
        }
        out
    })
}

fn find(parent: &mut [u32], mut x: usize) -> usize {
    while parent[x] as usize != x {
        let grand = parent[parent[x] as usize];
        parent[x] = grand;
        x = grand as usize;
    }
    x
}

fn union(parent: &mut [u32], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        // The smaller line number is the root, so roots are the groups' first lines.
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi] = lo as u32;
    }
}

/// Connected groups of size ≥ 2, ascending; roots are the groups' first lines, so
/// visiting lines in order yields the groups in order of their first line.
fn groups(parent: &mut [u32]) -> Vec<Vec<usize>> {
    let n = parent.len();
    let mut size = vec![0u32; n];
    for line in 0..n {
        let root = find(parent, line);
        size[root] += 1;
    }
    let mut group_of = vec![u32::MAX; n];
    let mut out: Vec<Vec<usize>> = Vec::new();
    for line in 0..n {
        let root = find(parent, line);
        if size[root] < 2 {
            continue;
        }
        if group_of[root] == u32::MAX {
            group_of[root] = out.len() as u32;
            out.push(Vec::with_capacity(size[root] as usize));
        }
        out[group_of[root] as usize].push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_union_find() {
        let mut parent: Vec<u32> = (0..6).collect();
        union(&mut parent, 4, 1);
        union(&mut parent, 5, 4);
        union(&mut parent, 3, 2);
        assert_eq!(groups(&mut parent), vec![vec![1, 4, 5], vec![2, 3]]);
    }

    #[test]
    fn dedup_finds_edited_copies() {
        let lines = [
            "这款手机的续航能力非常强，一天重度使用下来还剩百分之三十的电量",
            "物流很快，包装也很好，第二天就收到了",
            "这款手机的续航能力非常强，一天重度使用下来还剩百分之二十的电量",
            "",
            "屏幕显示效果一般，色彩偏黄，希望下个版本能改进",
            "物流很快，包装也很好，第二天就收到了！！",
            "，，，",
        ];
        let mut calls = 0;
        let groups = dedup_groups(lines.iter().map(|s| s.to_string()), 0.5, |_| calls += 1);
        assert_eq!(groups, vec![vec![0, 2], vec![1, 5]]);
        assert!(calls >= 1);
        assert!(dedup_groups(std::iter::empty(), 0.5, |_| {}).is_empty());
    }
}
