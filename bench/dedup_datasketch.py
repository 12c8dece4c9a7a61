#!/usr/bin/env python3
"""The baseline of the dedup benchmark: datasketch MinHashLSH.

    python3 bench/dedup_datasketch.py INPUT.txt > groups.jsonl

Same task and output as `canyu text dedup --input INPUT.txt --threshold 0.5`: one text
per line; each line is queried against the lines before it and then inserted;
every line the LSH returns is linked to it (union-find); groups of two or more
lines are printed as JSON arrays of 0-based line numbers, ordered by first line.

Features are the same as canyu's: character 3-grams of the normalised text
(lowercase, full-width folded to half-width, only letters and digits kept; a text of
1-2 characters is one shingle, an empty text is skipped). 128 permutations,
threshold 0.5, datasketch's default (optimal) band/row split. MinHashes are built
with `MinHash.bulk` (numpy, a chunk of lines at a time) when available, the fastest
way datasketch offers, else with `update_batch`.
"""
import json
import sys
import time

from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
THRESHOLD = 0.5
CHUNK = 2048


def shingles(text):
    chars = []
    for c in text:
        o = ord(c)
        if 0xFF01 <= o <= 0xFF5E:
            c = chr(o - 0xFEE0)
        if c.isalnum():
            chars.append(c.lower())
    s = "".join(chars)
    if not s:
        return []
    if len(s) < 3:
        return [s.encode("utf-8")]
    return list({s[i : i + 3].encode("utf-8") for i in range(len(s) - 2)})


def find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def main():
    path = sys.argv[1]
    started = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    parent = []
    bulk = hasattr(MinHash, "bulk")

    def process(chunk):
        sets = [shingles(t) for t in chunk]
        nonempty = [s for s in sets if s]
        if bulk:
            hashes = iter(MinHash.bulk(nonempty, num_perm=NUM_PERM))
        else:
            hashes = iter([_one(s) for s in nonempty])
        for s in sets:
            line = len(parent)
            parent.append(line)
            if not s:
                continue
            m = next(hashes)
            for other in lsh.query(m):
                a, b = find(parent, line), find(parent, other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            lsh.insert(line, m, check_duplication=False)

    def _one(s):
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch(s)
        return m

    chunk = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for text in f:
            chunk.append(text.rstrip("\n"))
            if len(chunk) == CHUNK:
                process(chunk)
                chunk = []
    if chunk:
        process(chunk)

    groups = {}
    for line in range(len(parent)):
        groups.setdefault(find(parent, line), []).append(line)
    out = sys.stdout
    n_groups = 0
    for root in sorted(groups):
        g = groups[root]
        if len(g) >= 2:
            out.write(json.dumps(g, separators=(",", ":")) + "\n")
            n_groups += 1
    secs = time.perf_counter() - started
    b, r = lsh.b, lsh.r
    print(
        f"datasketch: {len(parent)} lines, {n_groups} groups, {secs:.2f} s "
        f"({len(parent) / secs:.0f} lines/s), bands={b} rows={r}, bulk={bulk}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
