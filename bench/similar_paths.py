"""Request paths for the similar-posts benchmark: drafts made from real reviews.

Usage: similar_paths.py CORPUS OUT [COUNT] [PRODUCTS] [SEED]

Each draft is a review from the corpus (cut to 120 characters, as a title plus the start
of a body would be) with one or two characters changed, the way a fan retypes a complaint
somebody already posted; half of them are scoped to one product, like the new-post form.
"""

import random
import sys
import urllib.parse


def main() -> None:
    corpus, out = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    products = int(sys.argv[4]) if len(sys.argv) > 4 else 6
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 11)
    with open(corpus, encoding="utf-8") as f:
        lines = [line.strip() for line in f if len(line.strip()) >= 8]
    pool = "的了是我不很好用买手机电池屏幕速度快慢"
    with open(out, "w", encoding="utf-8") as f:
        for _ in range(count):
            text = list(rng.choice(lines)[:120])
            for _ in range(rng.randint(1, 2)):
                text[rng.randrange(len(text))] = rng.choice(pool)
            query = {"text": "".join(text), "limit": "5"}
            if rng.random() < 0.5:
                query["product"] = f"imported-{rng.randrange(products)}"
            f.write("/api/v1/posts/similar?" + urllib.parse.urlencode(query) + "\n")


if __name__ == "__main__":
    main()
