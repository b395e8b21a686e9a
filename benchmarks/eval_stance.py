"""Stance accuracy and macro-F1 on ANS dev, beside the majority-class baseline of the same run.

    python benchmarks/eval_stance.py [--split dev] [--errors 10] [--words-only] [--e5-cache DIR]

Uses the shipped models through verifiers.stance.classify, the same path as `isnad stance`: with
the multilingual extra, the model that also reads both headlines' e5 vectors
(verifiers/data/stance_model_e5.json; the vectors are embedded first, or read from DIR, see
train_stance.py); --words-only (or without the extra) the word model (stance_model.json).
Skips with a message when the benchmark data is absent.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import ANS, load_ans  # noqa: E402  (<repo>/../shared/benchdata or $ISNAD_BENCHDATA)
from verifiers.stance import LABELS, classify  # noqa: E402


def macro_f1(gold: list[str], pred: list[str], labels=LABELS) -> tuple[float, dict[str, float]]:
    per = {}
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, pred))
        fp = sum(p == label and g != label for g, p in zip(gold, pred))
        fn = sum(g == label and p != label for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        per[label] = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return sum(per.values()) / len(per), per


def accuracy(gold: list[str], pred: list[str]) -> float:
    return sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--errors", type=int, default=0, help="print this many misclassified pairs")
    parser.add_argument("--words-only", action="store_true", help="the word model, without the texts' vectors")
    parser.add_argument("--e5-cache", type=Path, default=None, help="folder keeping the ANS texts' vectors")
    args = parser.parse_args(argv)
    path = ANS / f"{args.split}.csv"
    if not path.exists():
        print(f"ANS data not found at {path} (set ISNAD_BENCHDATA to the benchdata folder); skipping")
        return 0
    rows = load_ans(args.split)
    gold = [label for _, _, label in rows]
    from verifiers import embeddings, stance

    vectors = None
    if not args.words_only and embeddings.available() and stance.meaning_available():
        from benchmarks.train_stance import ans_vectors

        vectors = ans_vectors(rows, args.e5_cache)
    print("model: " + ("words and meaning (e5 vectors)" if vectors else "words only"))
    started = time.perf_counter()
    results = [classify(s1, s2, (vectors[s1.strip()], vectors[s2.strip()]) if vectors else None)
               for s1, s2, _ in rows]
    elapsed = time.perf_counter() - started
    pred = [stance for stance, _ in results]

    # the majority class of train, as a trivial baseline
    majority = Counter(label for _, _, label in load_ans("train")).most_common(1)[0][0]
    base = [majority] * len(gold)

    f1, per = macro_f1(gold, pred)
    bf1, _ = macro_f1(gold, base)
    print(f"ANS stance {args.split}: {len(rows)} pairs {dict(Counter(gold))}")
    print(f"{'':24}{'accuracy':>10}{'macro-F1':>10}")
    print(f"{'majority (' + majority + ')':24}{accuracy(gold, base):>10.3f}{bf1:>10.3f}")
    print(f"{'isnad stance':24}{accuracy(gold, pred):>10.3f}{f1:>10.3f}")
    print("per-class F1: " + ", ".join(f"{k} {v:.3f}" for k, v in per.items()))
    print(f"{1000 * elapsed / max(1, len(rows)):.2f} ms per pair")
    shown = 0
    for (s1, s2, g), (p, reason) in zip(rows, results):
        if shown >= args.errors:
            break
        if g != p:
            print(f"- gold {g} / got {p} ({reason})\n    {s1}\n    {s2}")
            shown += 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
