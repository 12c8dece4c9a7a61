#!/usr/bin/env python3
"""ROC-AUC and best-threshold accuracy of `canyu text pairs --detail` output.

    python3 bench/pairs_auc.py PAIRS.tsv SCORES.tsv

PAIRS.tsv: PAWS-X style (`id, sentence1, sentence2, label`, with a header).
SCORES.tsv: the output of `canyu text pairs --input PAIRS.tsv --detail` (a header
line `score jaccard sequence words`, then one line per pair, in order).
The Jaccard baseline is also computed here, independently of canyu, on the same
normalisation (lowercase, full-width folded, letters and digits only, 3-grams).
"""
import sys


def norm(text):
    out = []
    for c in text:
        o = ord(c)
        if 0xFF01 <= o <= 0xFF5E:
            c = chr(o - 0xFEE0)
        if c.isalnum():
            out.append(c.lower())
    return "".join(out)


def grams(text):
    s = norm(text)
    if len(s) < 3:
        return {s} if s else set()
    return {s[i : i + 3] for i in range(len(s) - 2)}


def jaccard(a, b):
    ga, gb = grams(a), grams(b)
    if not ga and not gb:
        return 1.0
    return len(ga & gb) / len(ga | gb)


def auc(scores, labels):
    pairs = sorted(zip(scores, labels))
    n = len(pairs)
    pos = sum(labels)
    neg = n - pos
    rank_sum, i = 0.0, 0
    while i < n:
        j = i
        while j + 1 < n and pairs[j + 1][0] == pairs[i][0]:
            j += 1
        avg = (i + j) / 2 + 1
        rank_sum += avg * sum(l for _, l in pairs[i : j + 1])
        i = j + 1
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def best_acc(scores, labels):
    pairs = sorted(zip(scores, labels), reverse=True)
    n = len(pairs)
    neg = n - sum(labels)
    best, best_t = neg / n, float("inf")
    tp = fp = 0
    for i, (s, l) in enumerate(pairs):
        tp += l
        fp += 1 - l
        if i + 1 < n and pairs[i + 1][0] == s:
            continue
        acc = (tp + neg - fp) / n
        if acc > best:
            best, best_t = acc, s
    return best, best_t


def main():
    pairs_path, scores_path = sys.argv[1:3]
    rows = []
    with open(pairs_path, encoding="utf-8") as f:
        next(f)
        for line in f:
            p = line.rstrip("\n").split("\t")
            rows.append((p[1], p[2], int(p[3])))
    with open(scores_path) as f:
        header = next(f).split()
        cols = list(zip(*[[float(x) for x in l.split()] for l in f]))
    assert len(cols[0]) == len(rows), f"{len(cols[0])} scores for {len(rows)} pairs"
    labels = [r[2] for r in rows]
    measures = {
        "canyu score": cols[header.index("score")],
        "char-3-gram Jaccard (canyu)": cols[header.index("jaccard")],
        "char-3-gram Jaccard (python)": [jaccard(a, b) for a, b, _ in rows],
        "  sequence (LCS ratio)": cols[header.index("sequence")],
        "  words (TF-IDF cosine)": cols[header.index("words")],
    }
    half = len(rows) // 2
    print(f"{len(rows)} pairs, {sum(labels)} positive; majority class {max(sum(labels), len(rows) - sum(labels)) / len(rows):.4f}")
    print(f"{'scorer':<30} {'ROC-AUC':>8} {'best-acc':>9} {'threshold':>9} {'AUC 1st half':>13} {'AUC 2nd half':>13}")
    for name, s in measures.items():
        s = list(s)
        a = auc(s, labels)
        acc, t = best_acc(s, labels)
        print(
            f"{name:<30} {a:>8.4f} {acc:>9.4f} {t:>9.4f} "
            f"{auc(s[:half], labels[:half]):>13.4f} {auc(s[half:], labels[half:]):>13.4f}"
        )


if __name__ == "__main__":
    main()
