"""Train the stance model on ANS (Arabic News Stance) and ship its weights as JSON.

    python benchmarks/train_stance.py            # trains on stance/train.csv, writes verifiers/data/stance_model.json
    python benchmarks/train_stance.py --cv       # also 5-fold cross-validation on train, to pick C without dev
    python benchmarks/train_stance.py --holdout  # also fit on 80 % of train and score the other 20 % through
                                                 # verifiers.stance.classify (rules + model), to check generalisation
    python benchmarks/train_stance.py --e5 [--e5-cache DIR] [--cv] [--holdout]
        # the model with meaning features (multilingual-e5 vectors of both headlines; needs the
        # multilingual extra): writes verifiers/data/stance_model_e5.json. The vectors of the 4,143
        # ANS texts take about 95 s to embed; DIR keeps them (ans_stance.npy + ans_stance.texts.json)

The model is multinomial logistic regression (scikit-learn, a dev dependency) over
verifiers.stance.pair_features; inference re-implements the prediction in plain Python from
the JSON, so the bot never needs scikit-learn. Fixed seeds and sorted features: the same data
gives the same file. Only train is used for fitting; dev is for reporting (eval_stance.py).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.feature_extraction import DictVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from benchmarks.benchdata import ANS, load_ans  # noqa: E402  (<repo>/../shared/benchdata or $ISNAD_BENCHDATA)
from verifiers import stance  # noqa: E402

SEED = 13
MIN_COUNT = 2  # a word feature must occur in this many training pairs
C = 0.3  # chosen on the held-out fifth of train (--holdout), not on dev
# agree is a third of ANS train and disagree two thirds: weighting agree up keeps the model from calling
# paraphrases contradictions, the costlier error for a verification bot (a false "contradicted")
CLASS_WEIGHT = {"agree": 2.0, "disagree": 1.0, "other": 4.0}
HOLDOUT = 0.2
PRUNE = 1e-3  # weights smaller than this (all classes) are dropped from the file
# Meaning features: the cosine and COMPONENTS directions each of the pair's product and difference
# (chosen by 5-fold cross-validation on train: 4, 8 and 16 within noise of each other, 384 overfit)
COMPONENTS = 8
E5_CORPUS = "ans_stance"


def featurize(rows: list[tuple[str, str, str]]) -> list[dict[str, float]]:
    out = []
    for s1, s2, _ in rows:
        feats = stance.cues(s1, s2)
        out.append(stance.pair_features(s1, s2, feats))
    return out


def ans_vectors(rows: list[tuple[str, str, str]], cache: Path | None) -> dict[str, np.ndarray]:
    """Each text's e5 vector (as the bot embeds an archived text), from the cache folder when there."""
    texts = list(dict.fromkeys(t.strip() for r in rows for t in r[:2]))
    table: dict[str, np.ndarray] = {}
    if cache is not None and (cache / f"{E5_CORPUS}.npy").exists():
        names = json.loads((cache / f"{E5_CORPUS}.texts.json").read_text(encoding="utf-8"))
        table = dict(zip(names, np.load(cache / f"{E5_CORPUS}.npy")))
    todo = [t for t in texts if t not in table]
    if todo:
        from verifiers.embeddings import Embedder

        print(f"embedding {len(todo)} texts...", flush=True)
        embedder = Embedder()
        for i in range(0, len(todo), 32):
            table.update(zip(todo[i:i + 32], embedder.passages(todo[i:i + 32])))
        if cache is not None:  # tmp + rename: another process may read the cache meanwhile
            cache.mkdir(parents=True, exist_ok=True)
            tmp = cache / f".{E5_CORPUS}.{os.getpid()}"
            np.save(f"{tmp}.npy", np.stack(list(table.values())).astype(np.float32))
            Path(f"{tmp}.json").write_text(json.dumps(list(table), ensure_ascii=False), encoding="utf-8")
            os.replace(f"{tmp}.npy", cache / f"{E5_CORPUS}.npy")
            os.replace(f"{tmp}.json", cache / f"{E5_CORPUS}.texts.json")
    return table


def fit_dense(rows: list[tuple[str, str, str]], vectors: dict[str, np.ndarray]) -> dict:
    """The projection and scaling of the meaning features, fitted on these (training) pairs."""
    from sklearn.decomposition import PCA

    U = np.stack([vectors[r[0].strip()] for r in rows])
    V = np.stack([vectors[r[1].strip()] for r in rows])
    dense: dict = {"names": ["e5:cos"] + [f"e5:prod{i}" for i in range(COMPONENTS)]
                   + [f"e5:diff{i}" for i in range(COMPONENTS)]}
    for part, M in (("prod", U * V), ("diff", np.abs(U - V))):
        pca = PCA(COMPONENTS, random_state=SEED).fit(M)
        dense[part + "_mean"] = [round(float(x), 6) for x in pca.mean_]
        dense[part + "_components"] = [[round(float(x), 6) for x in row] for row in pca.components_]
    ready = stance.prepared({"dense": dense})["dense"]
    raw = np.array([stance.dense_raw(ready, u, v) for u, v in zip(U, V)])
    dense["mean"] = [round(float(x), 6) for x in raw.mean(axis=0)]
    dense["scale"] = [round(float(x), 6) for x in raw.std(axis=0) + 1e-6]
    return dense


def with_dense(X: list[dict[str, float]], rows: list[tuple[str, str, str]], dense: dict,
               vectors: dict[str, np.ndarray]) -> list[dict[str, float]]:
    ready = stance.prepared({"dense": dense})["dense"]
    return [{**x, **stance.dense_features(ready, vectors[r[0].strip()], vectors[r[1].strip()])}
            for x, r in zip(X, rows)]


def keep_frequent(X: list[dict[str, float]]) -> list[dict[str, float]]:
    counts = Counter(name for x in X for name in x)
    return [{k: v for k, v in x.items() if counts[k] >= MIN_COUNT} for x in X]


def fit(X: list[dict[str, float]], y: list[str], c: float = C):
    vec = DictVectorizer(sort=True)
    matrix = vec.fit_transform(X)
    clf = LogisticRegression(
        C=c, max_iter=3000, class_weight=CLASS_WEIGHT, random_state=SEED, solver="lbfgs"
    )
    clf.fit(matrix, y)
    return vec, clf


def cross_validate(X, y, grid=(0.3, 1.0, 3.0), rows=None, vectors=None) -> None:
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    y_arr = np.array(y)
    for c in grid:
        scores, bot = [], []
        for tr, te in folds.split(np.zeros(len(y)), y_arr):
            X_tr, X_te = [X[i] for i in tr], [X[i] for i in te]
            dense = None
            if vectors is not None:  # the projection is fitted on the training folds only
                dense = fit_dense([rows[i] for i in tr], vectors)
                X_tr = with_dense(X_tr, [rows[i] for i in tr], dense, vectors)
                X_te = with_dense(X_te, [rows[i] for i in te], dense, vectors)
            vec, clf = fit(X_tr, [y[i] for i in tr], c)
            pred = clf.predict(vec.transform(X_te))
            scores.append(f1_score(y_arr[te], pred, average="macro"))
            if rows is not None:  # and through the bot's path: the cue rules decide some pairs alone
                labels = through_bot(export(vec, clf, len(tr), dense), [rows[i] for i in te], vectors)
                bot.append(f1_score(y_arr[te], labels, average="macro"))
        print(f"C={c}: 5-fold macro-F1 on train {np.mean(scores):.3f} (+/- {np.std(scores):.3f})"
              + (f", through classify (rules + model) {np.mean(bot):.3f} (+/- {np.std(bot):.3f})" if bot else ""))


def export(vec, clf, n_train: int, dense: dict | None = None) -> dict:
    labels = [str(label) for label in clf.classes_]
    coef = clf.coef_  # (n_labels, n_features)
    weights = {}
    for j, name in enumerate(vec.feature_names_):
        column = coef[:, j]
        if np.max(np.abs(column)) >= PRUNE:
            weights[name] = [round(float(w), 4) for w in column]
    model = {
        "about": "Isnad stance model: multinomial logistic regression over verifiers.stance.pair_features"
        + (" and the meaning features of verifiers.stance.dense_features (multilingual-e5-small)" if dense else "")
        + ", trained on ANS stance/train.csv by benchmarks/train_stance.py",
        "labels": labels,
        "intercept": [round(float(b), 4) for b in clf.intercept_],
        "weights": dict(sorted(weights.items())),
        "trained_on": {"set": "ANS stance train", "pairs": n_train, "C": C, "seed": SEED, "min_count": MIN_COUNT},
    }
    if dense is not None:
        model["dense"] = dense
    return model


def through_bot(model: dict, rows: list[tuple[str, str, str]], vectors: dict[str, np.ndarray] | None) -> list[str]:
    """The labels verifiers.stance.classify (rules + this model) gives these pairs."""
    saved, saved_e5 = stance._model, stance._e5_model
    stance._model = lambda: model  # type: ignore[assignment]
    ready = stance.prepared(model) if "dense" in model else None
    stance._e5_model = lambda: ready  # type: ignore[assignment]
    try:
        pairs = [(vectors[a.strip()], vectors[b.strip()]) if vectors is not None else None for a, b, _ in rows]
        return [stance.classify(a, b, v)[0] for (a, b, _), v in zip(rows, pairs)]
    finally:
        stance._model, stance._e5_model = saved, saved_e5


def holdout_check(train: list[tuple[str, str, str]], vectors: dict[str, np.ndarray] | None = None) -> None:
    """Fit on 80 % of train, score the other 20 % through the bot's own path (rules + model)."""
    from sklearn.model_selection import train_test_split

    from benchmarks.eval_stance import macro_f1

    part, held = train_test_split(train, test_size=HOLDOUT, stratify=[r[2] for r in train], random_state=SEED)
    X = keep_frequent(featurize(part))
    dense = fit_dense(part, vectors) if vectors is not None else None
    if dense is not None and vectors is not None:
        X = with_dense(X, part, dense, vectors)
    vec, clf = fit(X, [r[2] for r in part])
    pred = through_bot(export(vec, clf, len(part), dense), held, vectors)
    gold = [r[2] for r in held]
    f1, per = macro_f1(gold, pred)
    agree_as = sum(g == "agree" and p == "disagree" for g, p in zip(gold, pred))
    print(f"held-out fifth of train ({len(held)} pairs): macro-F1 {f1:.3f} "
          f"({', '.join(f'{k} {v:.3f}' for k, v in per.items())}); "
          f"{agree_as} of {gold.count('agree')} agree pairs called disagree")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="5-fold cross-validation on train first")
    parser.add_argument("--holdout", action="store_true", help="score a held-out fifth of train first")
    parser.add_argument("--out", type=Path, default=None, help="default: the shipped model file")
    parser.add_argument("--e5", action="store_true", help="the model with meaning features (multilingual extra)")
    parser.add_argument("--e5-cache", type=Path, default=None, help="folder keeping the ANS texts' vectors")
    args = parser.parse_args(argv)
    out = args.out or (stance.E5_MODEL_PATH if args.e5 else stance.MODEL_PATH)
    if not ANS.exists():
        print(f"ANS data not found at {ANS} (set ISNAD_BENCHDATA); skipping, nothing trained")
        return 0
    train = load_ans("train")
    vectors = ans_vectors(train, args.e5_cache) if args.e5 else None
    X = keep_frequent(featurize(train))
    y = [label for _, _, label in train]
    if args.holdout:
        holdout_check(train, vectors)
    if args.cv:
        cross_validate(X, y, (C,) if args.e5 else (0.3, 1.0, 3.0), rows=train, vectors=vectors)
    dense = fit_dense(train, vectors) if vectors is not None else None
    if dense is not None and vectors is not None:
        X = with_dense(X, train, dense, vectors)
    vec, clf = fit(X, y)
    model = export(vec, clf, len(train), dense)
    out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB, {len(model['weights'])} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
