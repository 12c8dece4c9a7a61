#!/usr/bin/env python3
"""Builds the near-duplicate benchmark input (issue #3) from real reviews.

    python3 bench/dedup_gen.py CORPUS OUT.txt TRUTH.tsv [--lines 200000] [--injected 10000] [--seed 7]

OUT.txt: LINES texts, one per line, in random order:
  * every line of CORPUS once (real reviews, exact duplicates already removed);
  * "repeats" that fill up to LINES - INJECTED lines. Repeating the corpus verbatim
    would make every line an exact duplicate of ten others and turn the benchmark
    into exact-duplicate detection, so each repeat is a new review made of 2-6 real
    clauses (split at punctuation, 2-20 letters/digits each) drawn at random from
    the whole corpus, the count following that of a random real review; no two
    lines are equal after normalisation;
  * INJECTED near-duplicates: a copy of a random line (original or repeat) of at
    least 10 letters/digits with 1-3 characters inserted, deleted or changed
    (characters drawn from the corpus), plus, one time in three, punctuation changed.
TRUTH.tsv: one injected pair per line, `source_line<TAB>copy_line` (0-based line
numbers in OUT.txt).

Deterministic for a given seed. Only the standard library.
"""
import argparse
import random
import re
import sys

PUNCT = re.compile(r"[，。！？、；：,.!?;:~～…\s]+")
ENDINGS = ["", "。", "！", "!", "~", "。。。"]
PUNCT_CHARS = "，。！？,.!?~ "


def normalized(text):
    out = []
    for c in text:
        o = ord(c)
        if 0xFF01 <= o <= 0xFF5E:
            c = chr(o - 0xFEE0)
        if c.isalnum():
            out.append(c.lower())
    return "".join(out)


def normalized_len(text):
    return sum(1 for c in text if c.isalnum())


def edit(text, rng, alphabet):
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(("insert", "delete", "change"))
        if op == "insert" or len(chars) < 2:
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(alphabet))
        elif op == "delete":
            del chars[rng.randrange(len(chars))]
        else:
            i = rng.randrange(len(chars))
            chars[i] = rng.choice(alphabet)
    if rng.random() < 1 / 3:
        spots = [i for i, c in enumerate(chars) if c in PUNCT_CHARS]
        if spots:
            chars[rng.choice(spots)] = rng.choice(PUNCT_CHARS)
        else:
            chars.append(rng.choice("！。!"))
    return "".join(chars)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("truth")
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--injected", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    with open(args.corpus, encoding="utf-8") as f:
        originals = [l.strip() for l in f if l.strip()]
    # Clauses of 2-20 letters/digits: long clauses would make a repeat a near-copy
    # of the review they come from.
    clauses = [c for line in originals for c in PUNCT.split(line) if 2 <= normalized_len(c) <= 20]
    clause_counts = [max(1, len([c for c in PUNCT.split(line) if c])) for line in originals]
    alphabet = [c for line in originals[:5000] for c in line if c.isalnum()]

    base_target = args.lines - args.injected
    if base_target < len(originals):
        originals = rng.sample(originals, base_target)
    base = list(originals)
    seen = {normalized(t) for t in base}
    while len(base) < base_target:
        k = max(2, min(6, rng.choice(clause_counts)))
        text = "，".join(rng.choice(clauses) for _ in range(k)) + rng.choice(ENDINGS)
        key = normalized(text)
        if key not in seen:
            seen.add(key)
            base.append(text)

    eligible = [i for i, t in enumerate(base) if normalized_len(t) >= 10]
    sources = rng.sample(eligible, args.injected)
    copies = []
    for s in sources:
        while True:
            c = edit(base[s], rng, alphabet)
            if c != base[s] and "\n" not in c:
                break
        copies.append((s, c))

    texts = base + [c for _, c in copies]
    order = list(range(len(texts)))
    rng.shuffle(order)
    position = [0] * len(texts)
    for pos, i in enumerate(order):
        position[i] = pos
    with open(args.out, "w", encoding="utf-8") as f:
        for i in order:
            f.write(texts[i].replace("\n", " ") + "\n")
    with open(args.truth, "w", encoding="utf-8") as f:
        for k, (s, _) in enumerate(copies):
            f.write(f"{position[s]}\t{position[len(base) + k]}\n")
    print(
        f"{len(texts)} lines ({len(originals)} real, {len(base) - len(originals)} recombined, "
        f"{len(copies)} injected near-duplicates) -> {args.out}; truth -> {args.truth}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
