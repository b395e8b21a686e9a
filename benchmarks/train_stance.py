"""Train the stance model on ANS (Arabic News Stance) and ship its weights as JSON.

    python benchmarks/train_stance.py            # trains on stance/train.csv, writes verifiers/data/stance_model.json
    python benchmarks/train_stance.py --cv       # also 5-fold cross-validation on train, to pick C without dev
    python benchmarks/train_stance.py --holdout  # also fit on 80 % of train and score the other 20 % through
                                                 # verifiers.stance.classify (rules + model), to check generalisation

The model is multinomial logistic regression (scikit-learn, a dev dependency) over
verifiers.stance.pair_features; inference re-implements the prediction in plain Python from
the JSON, so the bot never needs scikit-learn. Fixed seeds and sorted features: the same data
gives the same file. Only train is used for fitting; dev is for reporting (eval_stance.py).
"""
from __future__ import annotations

import argparse
import csv
import json
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

from benchmarks.benchdata import BENCHDATA  # noqa: E402  (<repo>/../shared/benchdata or $ISNAD_BENCHDATA)
from verifiers import stance  # noqa: E402

ANS = BENCHDATA / "ans-arabic-news-stance" / "stance"
SEED = 13
MIN_COUNT = 2  # a word feature must occur in this many training pairs
C = 0.3  # chosen on the held-out fifth of train (--holdout), not on dev
# agree is a third of ANS train and disagree two thirds: weighting agree up keeps the model from calling
# paraphrases contradictions, the costlier error for a verification bot (a false "contradicted")
CLASS_WEIGHT = {"agree": 2.0, "disagree": 1.0, "other": 4.0}
HOLDOUT = 0.2
PRUNE = 1e-3  # weights smaller than this (all classes) are dropped from the file


def load_split(name: str, root: Path = ANS) -> list[tuple[str, str, str]]:
    with open(root / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return [(r["s1"], r["s2"], r["stance"]) for r in csv.DictReader(fh)]


def featurize(rows: list[tuple[str, str, str]]) -> list[dict[str, float]]:
    out = []
    for s1, s2, _ in rows:
        feats = stance.cues(s1, s2)
        out.append(stance.pair_features(s1, s2, feats))
    return out


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


def cross_validate(X, y, grid=(0.3, 1.0, 3.0)) -> None:
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    y_arr = np.array(y)
    for c in grid:
        scores = []
        for tr, te in folds.split(np.zeros(len(y)), y_arr):
            vec, clf = fit([X[i] for i in tr], [y[i] for i in tr], c)
            pred = clf.predict(vec.transform([X[i] for i in te]))
            scores.append(f1_score(y_arr[te], pred, average="macro"))
        print(f"C={c}: 5-fold macro-F1 on train {np.mean(scores):.3f} (+/- {np.std(scores):.3f})")


def export(vec, clf, n_train: int) -> dict:
    labels = [str(label) for label in clf.classes_]
    coef = clf.coef_  # (n_labels, n_features)
    weights = {}
    for j, name in enumerate(vec.feature_names_):
        column = coef[:, j]
        if np.max(np.abs(column)) >= PRUNE:
            weights[name] = [round(float(w), 4) for w in column]
    return {
        "about": "Isnad stance model: multinomial logistic regression over verifiers.stance.pair_features, "
        "trained on ANS stance/train.csv by benchmarks/train_stance.py",
        "labels": labels,
        "intercept": [round(float(b), 4) for b in clf.intercept_],
        "weights": dict(sorted(weights.items())),
        "trained_on": {"set": "ANS stance train", "pairs": n_train, "C": C, "seed": SEED, "min_count": MIN_COUNT},
    }


def holdout_check(train: list[tuple[str, str, str]]) -> None:
    """Fit on 80 % of train, score the other 20 % through the bot's own path (rules + model)."""
    from sklearn.model_selection import train_test_split

    from benchmarks.eval_stance import macro_f1

    part, held = train_test_split(train, test_size=HOLDOUT, stratify=[r[2] for r in train], random_state=SEED)
    vec, clf = fit(keep_frequent(featurize(part)), [r[2] for r in part])
    model = export(vec, clf, len(part))
    saved = stance._model
    stance._model = lambda: model  # type: ignore[assignment]
    try:
        pred = [stance.classify(a, b)[0] for a, b, _ in held]
    finally:
        stance._model = saved
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
    parser.add_argument("--out", type=Path, default=stance.MODEL_PATH)
    args = parser.parse_args(argv)
    if not ANS.exists():
        print(f"ANS data not found at {ANS} (set ISNAD_BENCHDATA); skipping, nothing trained")
        return 0
    train = load_split("train")
    X = keep_frequent(featurize(train))
    y = [label for _, _, label in train]
    if args.holdout:
        holdout_check(train)
    if args.cv:
        cross_validate(X, y)
    vec, clf = fit(X, y)
    model = export(vec, clf, len(train))
    args.out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB, {len(model['weights'])} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
