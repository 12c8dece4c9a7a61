#!/usr/bin/env python3
"""Scores a dedup output (JSON-lines groups) against the injected pairs.

    python3 bench/dedup_eval.py INPUT.txt TRUTH.tsv GROUPS.jsonl

Prints `key=value` lines:
  recall            injected (source, copy) pairs whose two lines share a group
  recall_j50        the same, over injected pairs whose exact 3-gram Jaccard is >= 0.5
  recall_jlow       ... and over those below 0.5 (short texts: a few edits remove most 3-grams)
  precision         found injected pairs / all line pairs implied by the groups
  precision_inj     found injected pairs / implied pairs that involve an injected copy
                    (pairs between two base lines are outside the ground truth)
  The truth file holds `source<TAB>copy` line numbers.
  pairs, pairs_inj, other_pairs, other_j50   counts; other_j50 = share of the other
                    pairs (sampled) whose exact 3-gram Jaccard is >= 0.5, i.e. natural
                    near-duplicates of the base text rather than mistakes
"""
import json
import random
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


def main():
    input_path, truth_path, groups_path = sys.argv[1:4]
    with open(input_path, encoding="utf-8", errors="replace") as f:
        lines = [l.rstrip("\n") for l in f]
    truth = []
    with open(truth_path) as f:
        for l in f:
            a, b = l.split()
            truth.append((int(a), int(b)))
    copies = {b for _, b in truth}
    group_of = {}
    pairs = pairs_inj = other = 0
    other_sample = []
    rng = random.Random(1)
    with open(groups_path) as f:
        for gi, l in enumerate(f):
            g = json.loads(l)
            for x in g:
                group_of[x] = gi
            n = len(g)
            c = sum(1 for x in g if x in copies)
            pairs += n * (n - 1) // 2
            pairs_inj += n * (n - 1) // 2 - (n - c) * (n - c - 1) // 2
            rest = [x for x in g if x not in copies]
            other += len(rest) * (len(rest) - 1) // 2
            if len(rest) >= 2 and len(other_sample) < 20000:
                for _ in range(min(50, len(rest))):
                    x, y = rng.sample(rest, 2)
                    other_sample.append((x, y))
    found = [group_of.get(a, -1) == group_of.get(b, -2) for a, b in truth]
    js = [jaccard(lines[a], lines[b]) for a, b in truth]
    hi = [f for f, j in zip(found, js) if j >= 0.5]
    lo = [f for f, j in zip(found, js) if j < 0.5]
    tp = sum(found)
    print(f"injected={len(truth)}")
    print(f"found={tp}")
    print(f"recall={tp / len(truth):.4f}")
    print(f"recall_j50={sum(hi) / max(1, len(hi)):.4f} (of {len(hi)})")
    print(f"recall_jlow={sum(lo) / max(1, len(lo)):.4f} (of {len(lo)})")
    print(f"pairs={pairs}")
    print(f"pairs_inj={pairs_inj}")
    print(f"precision={tp / max(1, pairs):.4f}")
    print(f"precision_inj={tp / max(1, pairs_inj):.4f}")
    print(f"other_pairs={other}")
    j50 = sum(1 for x, y in other_sample if jaccard(lines[x], lines[y]) >= 0.5)
    print(f"other_j50={j50 / max(1, len(other_sample)):.4f} (of {len(other_sample)} sampled)")


if __name__ == "__main__":
    main()
