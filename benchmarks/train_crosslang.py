"""Fit the cross-language scorer (verifiers/crosslang.py) and write data/crosslang_weights.json.

    python benchmarks/train_crosslang.py [--work DIR]

Data: the train renderings of benchmarks/data/crosslang_en_ar.tsv (English,
written by hand for Isnad, of Arabic train tweets) asked of the CheckThat!
2021 Arabic collection, through the same dense index and features the engine
uses (the archive is built, or reused, as benchmarks/eval_crosslang.py does).
Each claim gives its top CANDIDATES dense hits, labelled by the qrels; then
the same claim again with its relevant claims taken out of the candidates, so
that the model also learns what the best candidate looks like when nothing
archived is the claim (what the threshold must refuse).

The model is a logistic regression (scikit-learn, a dev dependency; the
engine only reads the JSON), so its output is P(same claim) as the
re-ranker's is. Dev figures come from benchmarks/eval_crosslang.py.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import available, duplicates, load_dataset, missing_message, with_copies  # noqa: E402
from benchmarks.eval_crosslang import (  # noqa: E402
    DEFAULT_WORK,
    MIXED_ENGLISH,
    RENDERED,
    english_sample,
    items_of,
    open_archive,
    renderings,
    reverse_archive,
)
from benchmarks.eval_retrieval import _as_copy  # noqa: E402

C = 1.0  # inverse regularization: few features, a few hundred pairs
# Cosines and leads vary over a few hundredths: fitted in tenths, so the
# regularization does not flatten them; the written weights are for raw values.
SCALE = {"cosine": 10.0, "lead": 10.0}


def pairs(verifier, dataset, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels of the candidates the engine scores, for each
    rendering as it is and with its relevant claims out of the archive."""
    from verifiers.dense import ARABIC

    copies = duplicates(dataset)
    qrels = dataset.splits[split].qrels
    rows: list[list[float]] = []
    labels: list[bool] = []
    for qid, text in renderings(split).items():
        relevant = qrels[qid]
        removed = {item for sid in with_copies(relevant, copies) for item in items_of(verifier, sid)}
        _candidates(verifier, text, ARABIC, removed, lambda sid, rel=relevant: _as_copy(sid, copies, rel) in rel,
                    rows, labels)
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=bool)


def reverse_pairs(verifier, dataset, split: str) -> tuple[np.ndarray, np.ndarray]:
    """The same for the Arabic tweets asked of the reverse archive (eval_crosslang section 6): their
    English renderings are the right candidates, the archive's other English items the wrong ones."""
    from verifiers.dense import OTHER

    rows: list[list[float]] = []
    labels: list[bool] = []
    for qid in renderings(split):
        right = RENDERED + qid
        _candidates(verifier, dataset.splits[split].queries[qid], OTHER, set(items_of(verifier, right)),
                    lambda sid, right=right: sid == right, rows, labels)
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=bool)


def _candidates(verifier, text: str, lang: int, removed: set[str], is_right, rows: list, labels: list) -> None:
    """One claim's candidates in script `lang` as the engine scores them, appended to `rows` and
    `labels` (is_right(source id)): with the archive as it is, then with the `removed` items out of
    it, so that the model also learns what the best candidate looks like when nothing archived is
    the claim (what the threshold must refuse)."""
    from verifiers.claim import clean_claim
    from verifiers.crosslang import FEATURES

    claim = clean_claim(text)
    xl = verifier.crosslang
    for exclude in (set(), removed):
        hits = xl.candidates(claim.text, verifier._ranked(claim, exclude=exclude), lang, exclude)
        for match, f in xl.featurize(claim.text, hits):
            rows.append([f[name] * SCALE.get(name, 1.0) for name in FEATURES])
            labels.append(is_right(match.source_id))


def fit(train, dev, label: str) -> dict:
    """One logistic block, its figures printed."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss

    from verifiers.crosslang import FEATURES

    (x, y), (xd, yd) = train, dev
    model = LogisticRegression(C=C, max_iter=1000).fit(x, y)
    p = model.predict_proba(x)[:, 1]
    print(f"{label}: train {len(y)} pairs, {int(y.sum())} positive; log-loss {log_loss(y, p):.3f}")
    pd = model.predict_proba(xd)[:, 1]
    print(f"{label}: dev   {len(yd)} pairs, {int(yd.sum())} positive; log-loss {log_loss(yd, pd):.3f}; "
          f"at P>=0.5 precision {yd[pd >= 0.5].mean() if (pd >= 0.5).any() else 0:.2f}, "
          f"recall {(pd[yd] >= 0.5).mean():.2f}")
    return {
        "weights": {name: round(float(w) * SCALE.get(name, 1.0), 4) for name, w in zip(FEATURES, model.coef_[0])},
        "bias": round(float(model.intercept_[0]), 4),
        "fitted": f"{date.today().isoformat()} by benchmarks/train_crosslang.py on {len(y)} pairs "
                  f"({len(renderings('train'))} train renderings, C={C})",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--dry-run", action="store_true", help="print the weights, do not write them")
    args = parser.parse_args(argv)
    if not available():
        print(missing_message())
        return 0
    from verifiers.crosslang import WEIGHTS_PATH

    dataset = load_dataset("ar2021")
    _, verifier = open_archive(args.work, "ar", dataset)
    data = fit(pairs(verifier, dataset, "train"), pairs(verifier, dataset, "dev"), "English claims")
    reverse = reverse_archive(args.work, dataset, english_sample(MIXED_ENGLISH))
    data["arabic_claims"] = fit(reverse_pairs(reverse, dataset, "train"), reverse_pairs(reverse, dataset, "dev"),
                                "Arabic claims")
    print(json.dumps(data, indent=1))
    if not args.dry_run:
        WEIGHTS_PATH.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
