"""Learn the re-ranker's weights on the CheckThat! train splits.

    python benchmarks/train_rerank.py            # writes verifiers/data/rerank_weights.json

Reproducible: fixed candidate depth, a deterministic solver and a fixed seed.
For every train tweet, the engine's own BM25 candidates (the same query,
index and candidate terms as Verifier._ranked) get the features of
verifiers/rerank.py. One model per language (English: both EN sets; Arabic):

1. ranking: a logistic regression on pairwise differences (each relevant
   candidate against the tweet's top non-relevant ones) learns weights w; the
   candidates are ordered by w.x. It starts from the BM25 order (rank and
   score relative to the first are features) and moves a candidate only when
   the other measures agree;
2. probability: a one-feature logistic regression of relevant-or-not on w.x
   (train candidates) turns it into P(same claim);
3. the cut: on the dev splits, the probability that best balances "the
   relevant claim stays among the matches" against "nothing matches once the
   relevant claims are gone" (approximated by leaving them out of the
   candidate list, the others' rank and relative BM25 recomputed); scores are
   shifted so that it lands on THRESHOLD;
4. same claim: a logistic on (that logit, lead over the best other
   candidate) learned on train (archived vs removed relevant claims), its
   cut placed on dev the same way (rerank.same_claim).

EN 2021 train holds every EN 2020 tweet (train and dev), so any tweet whose
text is in a dev split is left out of training. Dev is used only for the cut.
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

from benchmarks.benchdata import DATASETS, available, duplicates, load_dataset, missing_message  # noqa: E402
from benchmarks.eval_retrieval import build_verifier  # noqa: E402

SEED = 0
C = 0.3  # pairwise model's regularization (0.1..10 measured; little difference)
DEPTH = 100  # candidates per tweet, as the engine re-ranks
HARD_NEGATIVES = 30  # non-relevant candidates paired with each relevant one: the top BM25 ones
THRESHOLD = 50.0
LANGS = {"en": ("en2020", "en2021"), "ar": ("ar2021",)}
# The Arabic train split is small (294 tweets): its ranking model also learns
# from the English pairs, its own counting OWN_WEIGHT times (train MAP@5 0.870
# alone, 0.881 pooled; measured on train).
BORROW = {"ar": ("en2020", "en2021")}
OWN_WEIGHT = 3.0
# Features a language's model leaves out (none now: the claim and candidate
# lengths were dropped from rerank.FEATURES after cross-validation on train,
# EN 0.831 -> 0.835, AR 0.877 -> 0.884 MAP@5).
LEFT_OUT: dict[str, tuple[str, ...]] = {}


def candidate_features(verifier, text: str, *, depth: int = DEPTH) -> list[tuple[str, dict[str, float]]]:
    """(source id, features) of the engine's BM25 candidates, as Verifier._ranked sees them."""
    from verifiers import rerank
    from verifiers.claim import clean_claim
    from verifiers.normalize import is_arabic

    claim = clean_claim(text)
    claim_terms = verifier.terms(claim.text)
    if not claim_terms:
        return []
    query = verifier.query_terms(claim, claim_terms)
    result = verifier._index.search(query, k=depth)
    top = result.hits[0].bm25 if result.hits else 0.0
    out = []
    for rank, hit in enumerate(result.hits):
        match = verifier._template(hit.key.item_id)
        if match is None or is_arabic(claim.text) != is_arabic(match.text):
            continue  # other language: scored by the cross-lingual rule, not the model
        terms = verifier._candidate_terms(hit.doc, match)
        f = rerank.features(claim, claim_terms, match.text, terms, hit.bm25, result.bm25_max,
                            title=match.title, rank=rank, bm25_top=top)
        if f is not None:
            out.append((hit.key.source_id, f))
    return out


def collect(verifier, queries: dict[str, str], qrels: dict[str, set[str]], copies: dict[str, list[str]]):
    """Feature matrix, labels and query numbers over every candidate of every tweet.
    A claim the importer kept for an identical later copy stands for it (`copies`)."""
    from verifiers.rerank import FEATURES

    X, y, groups = [], [], []
    for number, (qid, text) in enumerate(queries.items()):
        for source_id, f in candidate_features(verifier, text):
            X.append([f[name] for name in FEATURES])
            y.append(source_id in qrels[qid] or any(c in qrels[qid] for c in copies.get(source_id, ())))
            groups.append(number)
    return (np.asarray(X, dtype=np.float64).reshape(-1, len(FEATURES)), np.asarray(y, dtype=bool),
            np.asarray(groups, dtype=np.int64))


def pairs(X: np.ndarray, y: np.ndarray, groups: np.ndarray, rng: np.random.RandomState):
    """Differences relevant - non-relevant within each tweet, randomly signed."""
    diffs, labels = [], []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        pos, neg = idx[y[idx]], idx[~y[idx]][:HARD_NEGATIVES]
        for p in pos:
            d = X[p] - X[neg]
            sign = np.where(rng.rand(len(neg)) < 0.5, 1.0, -1.0)
            diffs.append(d * sign[:, None])
            labels.append(sign > 0)
    return np.vstack(diffs), np.concatenate(labels)


def best_per_query(z: np.ndarray, y: np.ndarray, groups: np.ndarray) -> tuple[list[float], list[float]]:
    """Per tweet: best value of a relevant candidate, and best of the others."""
    rel: dict[int, float] = {}
    other: dict[int, float] = {}
    for value, label, g in zip(z, y, groups):
        table = rel if label else other
        table[g] = max(table.get(g, -np.inf), float(value))
    qids = sorted(set(rel) | set(other))
    return [rel.get(q, -np.inf) for q in qids], [other.get(q, -np.inf) for q in qids]


def without_relevant(X: np.ndarray, y: np.ndarray, groups: np.ndarray):
    """The candidates as the engine would see them with the relevant claims
    removed from the archive: the others move up, so their BM25 rank and score
    relative to the (new) first candidate are recomputed."""
    from verifiers.rerank import FEATURES

    i_rank, i_top = FEATURES.index("rank"), FEATURES.index("rel_top")
    keep = ~y
    X, groups = X[keep].copy(), groups[keep]
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        order = idx[np.argsort(X[idx, i_rank], kind="stable")]
        X[order, i_rank] = np.log1p(np.arange(len(order)))
        best = X[idx, i_top].max()
        if best > 0:
            X[idx, i_top] = X[idx, i_top] / best
    return X, np.zeros(len(X), dtype=bool), groups


def calibrate(kept: list[float], empty: list[float]) -> tuple[float, float, float]:
    """The cut maximizing min(kept rate, empty rate); returns (cut, kept, empty)."""
    kept_a, empty_a = np.asarray(kept), np.asarray(empty)
    best = (0.0, 0.0, 0.0)
    for cut in np.linspace(-12, 12, 961):
        k = float((kept_a >= cut).mean())
        e = float((empty_a < cut).mean())
        if min(k, e) > min(best[1], best[2]):
            best = (float(cut), k, e)
    return best


def train_language(train, dev, rng, borrowed=(), left_out=()) -> dict:
    from sklearn.linear_model import LogisticRegression

    from verifiers.rerank import FEATURES

    used = np.asarray([name not in left_out for name in FEATURES], dtype=float)
    train = [(t[0] * used, t[1], t[2]) for t in train]  # a left-out feature is 0, so its weight is 0
    dev = [(t[0] * used, t[1], t[2]) for t in dev]
    borrowed = [(t[0] * used, t[1], t[2]) for t in borrowed]
    X = np.vstack([t[0] for t in train])
    y = np.concatenate([t[1] for t in train])
    offsets = np.cumsum([0] + [t[2].max() + 1 for t in train[:-1]])
    groups = np.concatenate([t[2] + o for t, o in zip(train, offsets)])
    D, L = pairs(X, y, groups, rng)
    weight = np.ones(len(L))
    if borrowed:
        Xb = np.vstack([t[0] for t in borrowed])
        yb = np.concatenate([t[1] for t in borrowed])
        offsets = np.cumsum([0] + [t[2].max() + 1 for t in borrowed[:-1]])
        Db, Lb = pairs(Xb, yb, np.concatenate([t[2] + o for t, o in zip(borrowed, offsets)]), rng)
        D, L, weight = np.vstack([D, Db]), np.concatenate([L, Lb]), np.r_[np.full(len(L), OWN_WEIGHT), np.ones(len(Lb))]
    ranker = LogisticRegression(C=C, max_iter=5000, fit_intercept=False).fit(D, L, sample_weight=weight)
    w = ranker.coef_[0]
    s = (X @ w)[:, None]
    prob = LogisticRegression(C=1.0, max_iter=5000).fit(s, y)
    scale, bias = float(prob.coef_[0][0]), float(prob.intercept_[0])
    kept, empty = [], []
    for Xd, yd, gd in dev:
        kept += best_per_query(scale * (Xd @ w) + bias, yd, gd)[0]
        Xr, yr, gr = without_relevant(Xd, yd, gd)
        empty += best_per_query(scale * (Xr @ w) + bias, yr, gr)[1]
    cut, k_rate, e_rate = calibrate(kept, empty)
    same = same_claim_model([(scale * (t[0] @ w) + bias - cut, t[1], t[2], t[0]) for t in train],
                            [(scale * (t[0] @ w) + bias - cut, t[1], t[2], t[0]) for t in dev], w, scale, bias - cut)
    return {
        "weights": {name: round(float(v), 5) for name, v in zip(FEATURES, w) if name not in left_out},
        "scale": round(scale, 5), "bias": round(bias, 5), "cut_logit": round(cut, 3),
        "train_candidates": int(len(y)), "train_relevant": int(y.sum()),
        "dev_cut_kept": round(k_rate, 3), "dev_cut_empty": round(e_rate, 3),
        "same_claim": same,
    }


def margin_rows(z: np.ndarray, y: np.ndarray, groups: np.ndarray, X: np.ndarray, w, scale, shift):
    """Per tweet, (logit, margin over the best other) of the relevant claim
    while archived, and of the first candidate once the relevant ones are gone."""
    from verifiers.rerank import MARGIN_CLIP

    kept, empty = [], []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        pos, neg = idx[y[idx]], idx[~y[idx]]
        if len(pos):
            best = z[pos].max()
            other = z[neg].max() if len(neg) else best - MARGIN_CLIP
            kept.append((best, np.clip(best - other, -MARGIN_CLIP, MARGIN_CLIP)))
    Xr, _, gr = without_relevant(X, y, groups)
    zr = scale * (Xr @ w) + shift
    for g in np.unique(groups):
        values = np.sort(zr[gr == g])[::-1]
        if not len(values):
            empty.append((-40.0, MARGIN_CLIP))
            continue
        second = values[1] if len(values) > 1 else values[0] - MARGIN_CLIP
        empty.append((values[0], np.clip(values[0] - second, -MARGIN_CLIP, MARGIN_CLIP)))
    return np.asarray(kept).reshape(-1, 2), np.asarray(empty).reshape(-1, 2)


def same_claim_model(train, dev, w, scale, shift) -> dict:
    """final logit = a*z + b*margin + c (rerank.same_claim): a and b learned on
    train (archived vs removed relevant claims), c placing the cut on dev."""
    from sklearn.linear_model import LogisticRegression

    rows = [margin_rows(z, y, g, X, w, scale, shift) for z, y, g, X in train]
    kept, empty = np.vstack([r[0] for r in rows]), np.vstack([r[1] for r in rows])
    lr = LogisticRegression(C=1.0, max_iter=5000).fit(np.vstack([kept, empty]),
                                                      np.r_[np.ones(len(kept)), np.zeros(len(empty))])
    a, b = (float(v) for v in lr.coef_[0])
    b = max(b, 0.0)  # a lead never counts against a candidate
    rows = [margin_rows(z, y, g, X, w, scale, shift) for z, y, g, X in dev]
    kd, ed = np.vstack([r[0] for r in rows]), np.vstack([r[1] for r in rows])
    cut, k_rate, e_rate = calibrate(list(kd @ [a, b]), list(ed @ [a, b]))
    # Divided by a: the same cut, with scores spread as the first model's are.
    return {"a": 1.0, "b": round(b / a, 5), "c": round(-cut / a, 3),
            "dev_kept": round(k_rate, 3), "dev_empty": round(e_rate, 3)}


def main() -> int:
    if not available():
        print(missing_message())
        return 0
    from verifiers.rerank import WEIGHTS_PATH

    started = time.perf_counter()
    data = {key: load_dataset(key) for key in DATASETS}
    dev_texts = set()
    for d in data.values():
        dev_texts |= {" ".join(t.split()) for t in d.splits["dev"].queries.values()}
    train, dev = {}, {}
    for key, d in data.items():
        verifier = build_verifier(d)
        split = d.splits["train"]
        queries = {q: t for q, t in split.queries.items() if " ".join(t.split()) not in dev_texts}
        copies = duplicates(d)
        train[key] = collect(verifier, queries, split.qrels, copies)
        dev[key] = collect(verifier, d.splits["dev"].queries, d.splits["dev"].qrels, copies)
        print(f"{d.label}: {len(queries)} train tweets, {len(train[key][1])} candidates, "
              f"{int(train[key][1].sum())} relevant", flush=True)
    rng = np.random.RandomState(SEED)
    models = {lang: train_language([train[k] for k in keys], [dev[k] for k in keys], rng,
                                   [train[k] for k in BORROW.get(lang, ())], LEFT_OUT.get(lang, ()))
              for lang, keys in LANGS.items()}
    out = {
        "threshold": THRESHOLD,
        "models": models,
        "trained": {"by": "benchmarks/train_rerank.py", "date": date.today().isoformat(), "C": C,
                    "seed": SEED, "depth": DEPTH, "hard_negatives": HARD_NEGATIVES,
                    "borrow": {lang: list(keys) for lang, keys in BORROW.items()}, "own_weight": OWN_WEIGHT},
    }
    WEIGHTS_PATH.parent.mkdir(exist_ok=True)
    WEIGHTS_PATH.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    print(f"wrote {WEIGHTS_PATH} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
