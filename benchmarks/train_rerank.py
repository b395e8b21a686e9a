"""Learn the re-ranker's weights on the CheckThat! train splits.

    python benchmarks/train_rerank.py            # writes verifiers/data/rerank_weights.json
    python benchmarks/train_rerank.py --cache /tmp/feats.pkl   # keeps the collected features for a re-run

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
import pickle
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
LANGS = {"en": ("en2020", "en2021"), "ar": ("ar2021",)}
# The Arabic train split is small (294 tweets): its ranking model also learns
# from the English pairs, its own counting OWN_WEIGHT times (train MAP@5 0.870
# alone, 0.881 pooled; measured on train).
BORROW = {"ar": ("en2020", "en2021")}
OWN_WEIGHT = 3.0
# Features a language's model leaves out (the claim and candidate lengths
# were dropped from rerank.FEATURES after cross-validation on train,
# EN 0.831 -> 0.835, AR 0.877 -> 0.884 MAP@5).
LEFT_OUT: dict[str, tuple[str, ...]] = {
    # Issue 10's features, kept only where 4-fold cross-validation on the train
    # tweets (MAP@5) says so: EN all three 0.8371, none 0.8397; AR all three
    # 0.8821, rare only 0.8880, none 0.8857 (docs/quality.md).
    "en": ("rare", "ent_share", "ent_clash"),
    "ar": ("ent_share", "ent_clash"),
}
GATE = 0.3  # a lead over the next candidate counts only for a ranking P(same claim) this high or more
STRONG_WRONG = 0.08  # strong cut: at most this share of dev tweets whose claim is not archived get a strong match
POSSIBLE_WRONG = 0.25  # possible cut: the same, for anything shown at all
FOLDS = 4  # train folds of the over-fitting check
# The sign each same-claim input's weight must have (besides the ranking logit and the lead, both +).
SIGNS = {"rare": 1.0, "ent_clash": -1.0, "ent_share": 1.0, "overlap": 1.0, "wording": 1.0}


def candidate_features(verifier, text: str, *, depth: int = DEPTH) -> list[tuple[str, str, dict[str, float]]]:
    """(source id, normalized text, features) of the engine's candidates, as
    Verifier.rerank_hits sees them (same query, fuzzy expansion, concept pass,
    short items left out)."""
    from verifiers.normalize import normalize

    _, found = candidate_matches(verifier, text, depth=depth)
    return [(source_id, normalize(match.text), f) for source_id, match, f in found]


def candidate_matches(verifier, text: str, *, depth: int = DEPTH):
    """(the cleaned claim's text, [(source id, Match, features)]) of the engine's
    same-language candidates (other-language ones are scored by the
    cross-lingual rule, not the model)."""
    from verifiers import rerank
    from verifiers.claim import clean_claim
    from verifiers.engine import too_short
    from verifiers.normalize import is_arabic

    claim = clean_claim(text)
    claim_terms = verifier.terms(claim.text)
    if not claim_terms:
        return claim.text, []
    result = verifier.candidates(claim, claim_terms, k=depth)
    idf = verifier._index.term_idf(claim_terms)
    top = result.hits[0].bm25 if result.hits else 0.0
    out = []
    for rank, hit in enumerate(result.hits):
        match = verifier._template(hit.key.item_id)
        if match is None or too_short(match.text) or is_arabic(claim.text) != is_arabic(match.text):
            continue
        terms = verifier._candidate_terms(hit.doc, match)
        f = rerank.features(claim, claim_terms, match.text, terms, hit.bm25, result.bm25_max,
                            title=match.title, rank=rank, bm25_top=top, idf=idf)
        if f is not None:
            out.append((hit.key.source_id, match, f))
    return claim.text, out


def collect(verifier, queries: dict[str, str], qrels: dict[str, set[str]], copies: dict[str, list[str]],
            texts: dict[str, str]):
    """Feature matrix, labels, query numbers and "same text as a relevant
    claim" flags over every candidate of every tweet. A claim the importer kept
    for an identical later copy stands for it (`copies`); `texts`: claim id ->
    normalized text (an exact copy under another id goes with the relevant
    claim when the harness takes it out of the archive)."""
    from verifiers.rerank import FEATURES

    X, y, groups, twin = [], [], [], []
    for number, (qid, text) in enumerate(queries.items()):
        relevant_texts = {texts[c] for c in qrels[qid] if c in texts}
        for source_id, norm, f in candidate_features(verifier, text):
            X.append([f[name] for name in FEATURES])
            y.append(source_id in qrels[qid] or any(c in qrels[qid] for c in copies.get(source_id, ())))
            twin.append(norm in relevant_texts)
            groups.append(number)
    return (np.asarray(X, dtype=np.float64).reshape(-1, len(FEATURES)), np.asarray(y, dtype=bool),
            np.asarray(groups, dtype=np.int64), np.asarray(twin, dtype=bool))


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


def without_relevant(X: np.ndarray, gone: np.ndarray, groups: np.ndarray):
    """The candidates as the engine would see them with the relevant claims
    (and their exact copies: `gone`) removed from the archive: the others move
    up, so their BM25 rank and score relative to the (new) first candidate are
    recomputed."""
    from verifiers.rerank import FEATURES

    i_rank, i_top = FEATURES.index("rank"), FEATURES.index("rel_top")
    keep = ~gone
    X, groups = X[keep].copy(), groups[keep]
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        order = idx[np.argsort(X[idx, i_rank], kind="stable")]
        X[order, i_rank] = np.log1p(np.arange(len(order)))
        best = X[idx, i_top].max()
        if best > 0:
            X[idx, i_top] = X[idx, i_top] / best
    return X, groups


def top_rows(X: np.ndarray, y: np.ndarray, groups: np.ndarray, twin: np.ndarray, w, scale, bias, gate):
    """Per tweet, the first candidate's same-claim inputs (ranking logit, lead
    over the next one, evidence) and whether it is the claim, twice: with the
    relevant claims archived, and with them (and their exact copies) removed.
    Returns (rows, labels, archived?) ."""
    from verifiers.rerank import EVIDENCE, FEATURES, MARGIN_CLIP

    ev = [FEATURES.index(name) for name in EVIDENCE]
    rows, labels, archived = [], [], []
    good = y | twin
    Xr, gr = without_relevant(X, good, groups)
    for state, (XX, gg, ok) in enumerate(((X, groups, good), (Xr, gr, np.zeros(len(gr), dtype=bool)))):
        z = scale * (XX @ w) + bias
        for g in np.unique(groups):
            idx = np.flatnonzero(gg == g)
            if not len(idx):
                continue  # nothing left to show: right whatever the cut
            order = idx[np.argsort(-z[idx], kind="stable")]
            top = order[0]
            lead = z[top] - z[order[1]] if len(order) > 1 else MARGIN_CLIP
            lead = float(np.clip(lead, -MARGIN_CLIP, MARGIN_CLIP))
            if lead > 0 and z[top] < gate:
                lead = 0.0
            rows.append([z[top], lead, *XX[top, ev]])
            labels.append(bool(ok[top]))
            archived.append(state == 0)
    return np.asarray(rows), np.asarray(labels), np.asarray(archived)


def rates(p: np.ndarray, labels: np.ndarray, archived: np.ndarray, n_tweets: int, cut: float) -> tuple[float, float]:
    """(archived: the claim shown first, not archived: something wrongly shown) at a cut.
    Tweets whose candidates all went with the removal count as nothing shown."""
    shown = p >= cut
    kept = float((shown & labels & archived).sum()) / max(n_tweets, 1)
    wrong = float((shown & ~archived).sum()) / max(n_tweets, 1)
    return kept, wrong


def _stack(parts):
    """One (X, y, groups, twin) from several sets, query numbers kept apart."""
    X = np.vstack([t[0] for t in parts])
    y = np.concatenate([t[1] for t in parts])
    offsets = np.cumsum([0] + [t[2].max() + 1 for t in parts[:-1]])
    groups = np.concatenate([t[2] + o for t, o in zip(parts, offsets)])
    twin = np.concatenate([t[3] for t in parts])
    return X, y, groups, twin


def fit(train, borrowed, rng) -> dict:
    """The ranking model (pairwise), its probability, and the same-claim model, on train tweets."""
    from sklearn.linear_model import LogisticRegression

    X, y, groups, twin = train
    D, L = pairs(X, y, groups, rng)
    weight = np.ones(len(L))
    if borrowed is not None:
        Db, Lb = pairs(borrowed[0], borrowed[1], borrowed[2], rng)
        D, L, weight = np.vstack([D, Db]), np.concatenate([L, Lb]), np.r_[np.full(len(L), OWN_WEIGHT), np.ones(len(Lb))]
    w = LogisticRegression(C=C, max_iter=5000, fit_intercept=False).fit(D, L, sample_weight=weight).coef_[0]
    prob = LogisticRegression(C=1.0, max_iter=5000).fit((X @ w)[:, None], y)
    scale, bias = float(prob.coef_[0][0]), float(prob.intercept_[0])
    gate = float(np.log(GATE / (1 - GATE)))
    R, Y, _ = top_rows(X, y, groups, twin, w, scale, bias, gate)
    weight = np.ones(len(Y))
    if borrowed is not None:  # the Arabic train split is small: English tweets count too, less
        Rb, Yb, _ = top_rows(borrowed[0], borrowed[1], borrowed[2], borrowed[3], w, scale, bias, gate)
        R, Y, weight = np.vstack([R, Rb]), np.r_[Y, Yb], np.r_[np.full(len(Y), OWN_WEIGHT), np.ones(len(Yb))]
    coef, intercept = signed_fit(R, Y, weight)
    return {"w": w, "scale": scale, "bias": bias, "gate": gate, "coef": coef, "c": intercept}


def signed_fit(R: np.ndarray, Y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """The same-claim logistic with each input's weight of the sign it must
    have (SIGNS): more of the claim's rare words or names never lowers the
    score. An input that comes out with the wrong sign (it overlaps the
    ranking score) is left out and the rest refitted."""
    from sklearn.linear_model import LogisticRegression

    from verifiers.rerank import EVIDENCE

    signs = np.asarray([1.0, 1.0, *(SIGNS[name] for name in EVIDENCE)])
    used = np.ones(len(signs), dtype=bool)
    while True:
        lr = LogisticRegression(C=1.0, max_iter=5000).fit(R[:, used], Y, sample_weight=weight)
        coef = np.zeros(len(signs))
        coef[used] = lr.coef_[0]
        wrong = used & (coef * signs < 0)
        if not wrong.any():
            return coef, float(lr.intercept_[0])
        used &= ~wrong


def raw_rows(m: dict, data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(same-claim logit before calibration, is the claim, archived?) of each tweet's first candidate, both ways."""
    X, y, groups, twin = data
    R, Y, A = top_rows(X, y, groups, twin, m["w"], m["scale"], m["bias"], m["gate"])
    return R @ m["coef"] + m["c"], Y, A


def subset(data, keep_groups: np.ndarray):
    X, y, groups, twin = data
    mask = np.isin(groups, keep_groups)
    return X[mask], y[mask], groups[mask], twin[mask]


def train_language(train, dev, rng, borrowed=(), left_out=()) -> dict:
    from sklearn.linear_model import LogisticRegression

    from verifiers.rerank import EVIDENCE, FEATURES

    used = np.asarray([name not in left_out for name in FEATURES], dtype=float)
    train_all = _stack([(t[0] * used, *t[1:]) for t in train])  # a left-out feature is 0, so its weight is 0
    dev_all = _stack([(t[0] * used, *t[1:]) for t in dev])
    lent = _stack([(t[0] * used, *t[1:]) for t in borrowed]) if borrowed else None
    m = fit(train_all, lent, rng)
    # calibration on dev: P(same claim) of the first candidate, half the time archived
    raw_d, Yd, Ad = raw_rows(m, dev_all)
    platt = LogisticRegression(C=10.0, max_iter=5000).fit(raw_d[:, None], Yd)
    alpha, beta = float(platt.coef_[0][0]), float(platt.intercept_[0])
    p_dev = 100.0 / (1.0 + np.exp(-(alpha * raw_d + beta)))
    n_dev = len(np.unique(dev_all[2]))
    # the over-fitting check: models fitted on 3/4 of the train tweets, scored
    # on the fourth (each tweet once), with the dev calibration
    tweets = np.unique(train_all[2])
    fold_of = np.random.RandomState(SEED).permutation(len(tweets)) % FOLDS
    raw_o, Yo, Ao = [], [], []
    for k in range(FOLDS):
        mk = fit(subset(train_all, tweets[fold_of != k]), lent, rng)
        r, yy, aa = raw_rows(mk, subset(train_all, tweets[fold_of == k]))
        raw_o.append(r)
        Yo.append(yy)
        Ao.append(aa)
    p_oof = 100.0 / (1.0 + np.exp(-(alpha * np.concatenate(raw_o) + beta)))
    Yo_, Ao_ = np.concatenate(Yo), np.concatenate(Ao)
    n_train = len(tweets)
    # cuts: the lowest at which both dev and the held-out train folds stay within the targets
    strong = possible = None
    curve = []
    for cut in range(5, 100):
        kept, wrong = rates(p_dev, Yd, Ad, n_dev, cut)
        kept_o, wrong_o = rates(p_oof, Yo_, Ao_, n_train, cut)
        curve.append({"cut": cut, "dev": [round(kept, 3), round(wrong, 3)],
                      "train_folds": [round(kept_o, 3), round(wrong_o, 3)]})
        if strong is None and max(wrong, wrong_o) <= STRONG_WRONG:
            strong = cut
        if possible is None and max(wrong, wrong_o) <= POSSIBLE_WRONG:
            possible = cut
    strong = strong if strong is not None else 99
    possible = min(possible if possible is not None else strong, strong)

    def at(p, Y, A, n, cut):
        return dict(zip(("kept", "wrong"), (round(v, 3) for v in rates(p, Y, A, n, cut))))

    return {
        "weights": {name: round(float(v), 5) for name, v in zip(FEATURES, m["w"]) if name not in left_out},
        "scale": round(m["scale"], 5), "bias": round(m["bias"], 5),
        "train_candidates": int(len(train_all[1])), "train_relevant": int(train_all[1].sum()),
        "same_claim": {
            "a": round(float(m["coef"][0]), 5), "b": round(float(m["coef"][1]), 5), "c": round(m["c"], 5),
            "evidence": {name: round(float(v), 5) for name, v in zip(EVIDENCE, m["coef"][2:])},
            "gate": round(GATE * 100, 1), "alpha": round(alpha, 5), "beta": round(beta, 5),
        },
        "cuts": {"strong": float(strong), "possible": float(possible)},
        "check": {
            "dev": {"tweets": n_dev, "strong": at(p_dev, Yd, Ad, n_dev, strong),
                    "possible": at(p_dev, Yd, Ad, n_dev, possible)},
            "train_folds": {"tweets": n_train, "strong": at(p_oof, Yo_, Ao_, n_train, strong),
                            "possible": at(p_oof, Yo_, Ao_, n_train, possible)},
            "curve": curve[::5],
        },
    }


def main() -> int:
    if not available():
        print(missing_message())
        return 0
    from verifiers.normalize import normalize
    from verifiers.rerank import WEIGHTS_PATH

    started = time.perf_counter()
    cache = Path(sys.argv[sys.argv.index("--cache") + 1]) if "--cache" in sys.argv else None
    if cache is not None and cache.exists():
        with open(cache, "rb") as handle:
            train, dev = pickle.load(handle)  # features collected by an earlier run (same code)
    else:
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
            texts = {c.id: normalize(c.text) for c in d.claims}
            train[key] = collect(verifier, queries, split.qrels, copies, texts)
            dev[key] = collect(verifier, d.splits["dev"].queries, d.splits["dev"].qrels, copies, texts)
            print(f"{d.label}: {len(queries)} train tweets, {len(train[key][1])} candidates, "
                  f"{int(train[key][1].sum())} relevant", flush=True)
        if cache is not None:
            with open(cache, "wb") as handle:
                pickle.dump((train, dev), handle)
    rng = np.random.RandomState(SEED)
    models = {lang: train_language([train[k] for k in keys], [dev[k] for k in keys], rng,
                                   [train[k] for k in BORROW.get(lang, ())], LEFT_OUT.get(lang, ()))
              for lang, keys in LANGS.items()}
    out = {
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
