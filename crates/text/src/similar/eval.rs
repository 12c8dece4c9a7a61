//! Measures of a scorer on labelled pairs: ROC-AUC and best-threshold accuracy.

/// The area under the ROC curve of `scores` for binary `labels` (the probability
/// that a random positive scores above a random negative, ties counting half).
/// 0.5 when either class is empty. NaN scores rank lowest.
pub fn roc_auc(scores: &[f32], labels: &[bool]) -> f64 {
    let mut pairs: Vec<(f32, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_by(|a, b| nan_low(a.0).total_cmp(&nan_low(b.0)));
    let positives = pairs.iter().filter(|p| p.1).count();
    let negatives = pairs.len() - positives;
    if positives == 0 || negatives == 0 {
        return 0.5;
    }
    // Sum of the (tie-averaged, 1-based) ranks of the positives.
    let mut rank_sum = 0.0f64;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && nan_low(pairs[j + 1].0) == nan_low(pairs[i].0) {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += avg_rank * pairs[i..=j].iter().filter(|p| p.1).count() as f64;
        i = j + 1;
    }
    let p = positives as f64;
    (rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64)
}

fn nan_low(x: f32) -> f32 {
    if x.is_nan() { f32::NEG_INFINITY } else { x }
}

/// The best accuracy of the rule "positive iff score ≥ t" over all thresholds
/// `t`, and that threshold. Predicting everything negative (t = +∞) is one of the
/// rules, so the accuracy is at least the share of the larger class.
pub fn best_threshold_accuracy(scores: &[f32], labels: &[bool]) -> (f64, f32) {
    let mut pairs: Vec<(f32, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    if pairs.is_empty() {
        return (0.0, f32::INFINITY);
    }
    pairs.sort_by(|a, b| nan_low(b.0).total_cmp(&nan_low(a.0)));
    let n = pairs.len();
    let negatives = pairs.iter().filter(|p| !p.1).count();
    let (mut best_correct, mut best_t) = (negatives, f32::INFINITY);
    let (mut tp, mut fp) = (0usize, 0usize);
    for (i, &(s, label)) in pairs.iter().enumerate() {
        if label {
            tp += 1;
        } else {
            fp += 1;
        }
        if i + 1 < n && nan_low(pairs[i + 1].0) == nan_low(s) {
            continue;
        }
        let correct = tp + negatives - fp;
        if correct > best_correct {
            best_correct = correct;
            best_t = s;
        }
    }
    (best_correct as f64 / n as f64, best_t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_perfect_random_and_inverted() {
        let labels = [false, false, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.8, 0.9], &labels), 1.0);
        assert_eq!(roc_auc(&[0.9, 0.8, 0.2, 0.1], &labels), 0.0);
        assert_eq!(roc_auc(&[0.5, 0.5, 0.5, 0.5], &labels), 0.5);
        assert_eq!(roc_auc(&[0.1, 0.6, 0.5, 0.9], &labels), 0.75);
        assert_eq!(roc_auc(&[0.1], &[true]), 0.5);
    }

    #[test]
    fn best_accuracy_and_threshold() {
        let labels = [false, false, true, true, false];
        let (acc, t) = best_threshold_accuracy(&[0.1, 0.2, 0.8, 0.9, 0.3], &labels);
        assert_eq!(acc, 1.0);
        assert_eq!(t, 0.8);
        let (acc, t) = best_threshold_accuracy(&[0.9, 0.9, 0.1, 0.1, 0.9], &labels);
        assert_eq!(acc, 0.6);
        assert!(t.is_infinite());
    }
}
