"""What typos cost: MAP@5 on the Arabic dev tweets with one letter in ten changed.

    python benchmarks/eval_typos.py            # AR 2021 dev: clean, with typos, typos without fuzzy expansion

Each tweet gets, per ten Arabic letters, one letter replaced by a neighbour on
the Arabic keyboard or dropped (seeded, so every run is the same). The archive
is the whole collection, as in benchmarks/eval_retrieval.py. "Without fuzzy
expansion" switches off `Index.similar_terms` (the candidate stage's search for
archive words a letter or two from a word the archive lacks).
"""
from __future__ import annotations

import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import Split, available, copies_of, load_dataset, missing_message  # noqa: E402
from benchmarks.eval_retrieval import build_verifier, evaluate, isnad_rank  # noqa: E402

SEED = 7
EVERY = 10  # letters per typo
# Neighbours on the Arabic keyboard (a typo hits the key beside the right one).
_ROWS = ["ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤرلاىةوزظ"]
_NEAR = {c: row[max(0, i - 1):i] + row[i + 1:i + 2] for row in _ROWS for i, c in enumerate(row)}


def with_typos(text: str, rng: random.Random) -> str:
    letters = [i for i, c in enumerate(text) if c in _NEAR]
    chars = list(text)
    for start in range(0, len(letters), EVERY):
        i = rng.choice(letters[start:start + EVERY])
        if rng.random() < 0.2:
            chars[i] = ""
        else:
            chars[i] = rng.choice(_NEAR[chars[i]] or chars[i])
    return "".join(chars)


def main() -> int:
    if not available():
        print(missing_message())
        return 0
    from verifiers.index import Index

    dataset = load_dataset("ar2021")
    dev = dataset.splits["dev"]
    verifier = build_verifier(dataset)
    copies = copies_of(dataset)
    rng = random.Random(SEED)
    typed = Split("dev-typos", {q: with_typos(t, rng) for q, t in dev.queries.items()}, dev.qrels)
    clean = evaluate(isnad_rank(verifier, dev, copies=copies)[0], dev.qrels).map5
    typos = evaluate(isnad_rank(verifier, typed, copies=copies)[0], dev.qrels).map5
    original = getattr(Index, "similar_terms", None)  # absent before issue 10
    Index.similar_terms = lambda self, terms, **kw: []  # type: ignore[method-assign]
    try:
        plain = evaluate(isnad_rank(verifier, typed, copies=copies)[0], dev.qrels).map5
    finally:
        if original is not None:
            Index.similar_terms = original  # type: ignore[method-assign]
    print(f"AR 2021 dev MAP@5: clean {clean:.3f} | one typo per {EVERY} letters {typos:.3f} "
          f"| the same without fuzzy expansion {plain:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
