"""Learn the re-ranker's weights on the CheckThat! train splits.

    python benchmarks/train_rerank.py            # writes verifiers/data/rerank_weights.json

Reproducible: fixed candidate depth, a deterministic solver and a fixed seed.
For every train tweet, the engine's own BM25 candidates (Verifier's index,
CANDIDATES deep) get the features of verifiers/rerank.py; a logistic
regression learns relevant-or-not. EN 2021 train holds every EN 2020 tweet
(train and dev), so any tweet whose text is in a dev split is left out of
training. The dev splits are used only to place the decision point (the
"cut", shifted to score 50): the logit that best balances "the relevant claim
stays among the matches" against "nothing matches once the relevant claims are
gone" (approximated by leaving them out of the candidate list).
"""
from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import DATASETS, available, load_dataset, missing_message  # noqa: E402
from benchmarks.eval_retrieval import build_verifier  # noqa: E402

SEED = 0
C = 1.0
DEPTH = 100  # candidates per tweet, as the engine re-ranks


def candidate_features(verifier, text: str, *, depth: int = DEPTH) -> list[tuple[str, dict[str, float]]]:
    """(source id, features) of the engine's BM25 candidates, as Verifier._ranked sees them."""
    from verifiers import rerank
    from verifiers.claim import clean_claim
    from verifiers.normalize import is_arabic

    claim = clean_claim(text)
    query_terms = getattr(verifier, "query_terms", None)  # an engine that adds the author's name
    terms = query_terms(claim) if query_terms else verifier.terms(claim.text)
    if not terms:
        return []
    result = verifier._index.search(terms, k=depth)
    out = []
    for hit in result.hits:
        item = verifier._items.get(hit.key.item_id)
        if item is None:
            continue
        if item.tokens_cache is None:
            item.tokens_cache = verifier.terms(item.match.text)
        if is_arabic(claim.text) != is_arabic(item.match.text):
            continue  # scored by the cross-lingual rule, not the model
        f = rerank.features(claim, terms, item.match.text, item.tokens_cache, hit.bm25, result.bm25_max,
                            title=item.match.title if getattr(verifier, "rerank_title", False) else "")
        if f is not None:
            out.append((hit.key.source_id, f))
    return out


def collect(verifier, queries: dict[str, str], qrels: dict[str, set[str]]):
    """Feature matrix, labels and query ids over every candidate of every tweet."""
    from verifiers.rerank import FEATURES

    X, y, groups = [], [], []
    for qid, text in queries.items():
        for source_id, f in candidate_features(verifier, text):
            X.append([f[name] for name in FEATURES])
            y.append(source_id in qrels[qid])
            groups.append((qid, source_id))
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=bool), groups


def best_per_query(z: np.ndarray, y: np.ndarray, groups) -> tuple[list[float], list[float]]:
    """Per tweet: best logit of a relevant candidate, and best of the others."""
    rel: dict[str, float] = {}
    other: dict[str, float] = {}
    for value, label, (qid, _sid) in zip(z, y, groups):
        table = rel if label else other
        table[qid] = max(table.get(qid, -np.inf), float(value))
    qids = set(rel) | set(other)
    return [rel.get(q, -np.inf) for q in qids], [other.get(q, -np.inf) for q in qids]


def calibrate(kept: list[float], empty: list[float]) -> tuple[float, float, float]:
    """The cut maximizing min(kept rate, empty rate); returns (cut, kept, empty)."""
    kept_a, empty_a = np.asarray(kept), np.asarray(empty)
    best = (0.0, 0.0, 0.0)
    for cut in np.linspace(-8, 8, 641):
        k = float((kept_a >= cut).mean())
        e = float((empty_a < cut).mean())
        if min(k, e) > min(best[1], best[2]):
            best = (float(cut), k, e)
    return best


def main() -> int:
    if not available():
        print(missing_message())
        return 0
    from sklearn.linear_model import LogisticRegression

    from verifiers.rerank import FEATURES, WEIGHTS_PATH

    started = time.perf_counter()
    dev_texts = set()
    data = {key: load_dataset(key) for key in DATASETS}
    for d in data.values():
        dev_texts |= {" ".join(t.split()) for t in d.splits["dev"].queries.values()}
    train_X, train_y, dev_sets = [], [], {}
    for key, d in data.items():
        verifier = build_verifier(d)
        split = d.splits["train"]
        queries = {q: t for q, t in split.queries.items() if " ".join(t.split()) not in dev_texts}
        X, y, _ = collect(verifier, queries, split.qrels)
        print(f"{d.label}: {len(queries)} train tweets, {len(y)} candidates, {int(y.sum())} relevant", flush=True)
        train_X.append(X)
        train_y.append(y)
        dev_sets[key] = collect(verifier, d.splits["dev"].queries, d.splits["dev"].qrels)
    X, y = np.vstack(train_X), np.concatenate(train_y)
    lr = LogisticRegression(C=C, max_iter=5000, random_state=SEED).fit(X, y)
    kept, empty = [], []
    for key, (Xd, yd, gd) in dev_sets.items():
        k, e = best_per_query(lr.decision_function(Xd), yd, gd)
        kept += k
        empty += e
    cut, k_rate, e_rate = calibrate(kept, empty)
    model = {
        "features": list(FEATURES),
        "weights": {name: round(float(w), 5) for name, w in zip(FEATURES, lr.coef_[0])},
        "bias": round(float(lr.intercept_[0]), 5),
        "cut_logit": round(cut, 3),
        "trained": {
            "by": "benchmarks/train_rerank.py", "date": date.today().isoformat(), "C": C, "seed": SEED,
            "depth": DEPTH, "train_candidates": int(len(y)), "train_relevant": int(y.sum()),
            "dev_cut_kept": round(k_rate, 3), "dev_cut_empty": round(e_rate, 3),
        },
    }
    WEIGHTS_PATH.parent.mkdir(exist_ok=True)
    WEIGHTS_PATH.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model, indent=2))
    print(f"wrote {WEIGHTS_PATH} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
