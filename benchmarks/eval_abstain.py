"""Knowing when nothing matches: the two-sided check on the CheckThat! dev splits.

    python benchmarks/eval_abstain.py                    # all three sets
    python benchmarks/eval_abstain.py --sets ar2021
    python benchmarks/eval_abstain.py --write-docs       # also rewrite its section of docs/quality.md

Per set, the dev tweets are split in two halves (fixed seed). The archive holds
every verified claim except the relevant claims of the second half, and their
exact copies (the same text under another id: the collections hold duplicates).
Each tweet then goes through `Verifier.verify` as `isnad verify` sends it, and:

- archived half: the relevant claim is shown at rank 1 (strong, i.e. given as
  the answer; "any tier" also counts a first match shown as possibly related);
- not-archived half: something is wrongly shown (a strong match; "any tier":
  anything at all, possibly related included).

Tweets that point to the same claim (or to copies of it) stay in one half, so
removing a claim never takes away the claim of an archived tweet. MAP@5 is
measured beside it the usual way (every claim archived, `min_score=0`), as in
benchmarks/eval_retrieval.py. The cuts are the engine's own, per language
(verifiers/data/rerank_weights.json, calibrated on dev by train_rerank.py).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import DATASETS, Dataset, Split, available, copies_of, load_dataset, missing_message  # noqa: E402
from benchmarks.eval_retrieval import build_verifier, evaluate, isnad_rank, machine  # noqa: E402

HALF_SEED = 10
DOCS_PATH = ROOT / "docs" / "quality.md"
BEGIN, END = "<!-- eval_abstain: begin -->", "<!-- eval_abstain: end -->"
CURVE = range(10, 100, 5)


def halves(split: Split, texts: dict[str, str]) -> tuple[list[str], list[str]]:
    """(archived, not archived) tweet ids: tweets linked through a relevant
    claim or an identical text stay together; groups alternate after a seeded shuffle."""
    parent = {q: q for q in split.qrels}

    def root(q: str) -> str:
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    owner: dict[str, str] = {}
    for qid, relevant in split.qrels.items():
        for claim in relevant:
            key = texts.get(claim, claim)
            if key in owner:
                parent[root(qid)] = root(owner[key])
            else:
                owner[key] = qid
    groups: dict[str, list[str]] = {}
    for qid in split.qrels:
        groups.setdefault(root(qid), []).append(qid)
    ordered = sorted(groups.values(), key=lambda g: g[0])
    random.Random(HALF_SEED).shuffle(ordered)
    archived: list[str] = []
    removed: list[str] = []
    for group in ordered:
        (archived if len(archived) <= len(removed) else removed).extend(group)
    return archived, removed


@dataclass
class Outcome:
    score: float  # the first match's score (0: nothing at all)
    confidence: str  # its tier ("" when nothing)
    right: bool  # it is the relevant claim (or the same text)


@dataclass
class SetResult:
    key: str
    label: str
    map5: float  # every claim archived
    map5_archived: float  # the archived half, on the half-and-half archive
    archived: dict[str, Outcome]
    removed: dict[str, Outcome]
    strong_cut: float
    possible_cut: float
    seconds: float

    def rates(self, cut: float | None = None) -> tuple[float, float, float, float]:
        """(rank-1 strong, wrongly strong, rank-1 any tier, wrongly any tier); with
        `cut`, shown = score >= cut instead of the engine's tiers."""
        def shown(o: Outcome, strong: bool) -> bool:
            if cut is not None:
                return o.score >= cut
            return o.confidence == "strong" if strong else bool(o.confidence)

        a, r = list(self.archived.values()), list(self.removed.values())
        return (
            sum(shown(o, True) and o.right for o in a) / max(len(a), 1),
            sum(shown(o, True) for o in r) / max(len(r), 1),
            sum(shown(o, False) and o.right for o in a) / max(len(a), 1),
            sum(shown(o, False) for o in r) / max(len(r), 1),
        )


def outcome(verifier, text: str, relevant: set[str], relevant_texts: set[str], texts: dict[str, str]) -> Outcome:
    report = verifier.verify(text, limit=5)
    if not report.matches:
        floor = verifier.verify(text, limit=1, min_score=0)
        score = floor.matches[0].score if floor.matches else 0.0
        return Outcome(score, "", False)
    top = report.matches[0]
    right = top.source_id in relevant or texts.get(top.source_id) in relevant_texts
    return Outcome(top.score, top.confidence, right)


def run_set(dataset: Dataset) -> SetResult:
    from verifiers import rerank
    from verifiers.normalize import normalize

    started = time.perf_counter()
    split = dataset.splits["dev"]
    texts = {c.id: normalize(c.text) for c in dataset.claims}
    copies = copies_of(dataset)
    verifier = build_verifier(dataset)
    ranked, _ = isnad_rank(verifier, split, copies=copies)
    map5 = evaluate(ranked, split.qrels).map5
    archived, removed = halves(split, texts)
    gone_texts = {texts[c] for q in removed for c in split.qrels[q] if c in texts}
    gone = {cid for cid, t in texts.items() if t in gone_texts}
    for source_id in sorted(gone):
        verifier.remove_source(source_id)
    results: dict[str, dict[str, Outcome]] = {"archived": {}, "removed": {}}
    for name, qids in (("archived", archived), ("removed", removed)):
        for qid in qids:
            relevant = split.qrels[qid]
            results[name][qid] = outcome(verifier, split.queries[qid], relevant,
                                         {texts[c] for c in relevant if c in texts}, texts)
    half = Split("archived", {q: split.queries[q] for q in archived}, {q: split.qrels[q] for q in archived})
    ranked_half, _ = isnad_rank(verifier, half, copies=copies)
    strong, possible = rerank.cuts()[dataset.lang]
    return SetResult(dataset.key, dataset.label, map5, evaluate(ranked_half, half.qrels).map5,
                     results["archived"], results["removed"], strong, possible, time.perf_counter() - started)


def summary_lines(results: list[SetResult]) -> list[str]:
    lines = [
        "| set | tweets (archived / not) | strong cut | possible cut | archived half: relevant claim shown at rank 1 "
        "| not-archived half: something wrongly shown | rank 1, any tier | wrongly shown, any tier "
        "| MAP@5 | MAP@5, archived half |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        k, w, ka, wa = r.rates()
        lines.append(f"| {r.label} | {len(r.archived)} / {len(r.removed)} | {r.strong_cut:g} | {r.possible_cut:g} "
                     f"| {k:.1%} | {w:.1%} | {ka:.1%} | {wa:.1%} | {r.map5:.3f} | {r.map5_archived:.3f} |")
    return lines


def curve_lines(results: list[SetResult]) -> list[str]:
    head = "| score cut | " + " | ".join(f"{r.label}: rank 1 / wrongly shown" for r in results) + " |"
    lines = [head, "|---|" + "---|" * len(results)]
    for cut in CURVE:
        cells = []
        for r in results:
            k, w, _, _ = r.rates(cut)
            cells.append(f"{k:.0%} / {w:.0%}")
        lines.append(f"| {cut} | " + " | ".join(cells) + " |")
    return lines


def write_docs(results: list[SetResult]) -> None:
    from datetime import date

    body = "\n".join([
        BEGIN,
        "## Knowing when nothing matches: the two-sided check (dev)",
        "",
        f"Measured by `python benchmarks/eval_abstain.py --write-docs` on {date.today().isoformat()}; "
        f"machine: {machine()} (shared, so timings are noisy).",
        "Half of each set's dev tweets are asked of an archive without their relevant claims (and their",
        "exact copies), the other half of one with them; see the script's docstring. The cuts are calibrated",
        "on these same dev splits (benchmarks/train_rerank.py), so the dev figures are optimistic; the",
        "train-split figures in the next section are the check against over-fitting.",
        "",
        *summary_lines(results),
        "",
        "Trade-off per language (rank 1 shown / wrongly shown, with \"shown\" = the first match scores at",
        "least the cut):",
        "",
        *curve_lines(results),
        END,
    ])
    text = DOCS_PATH.read_text(encoding="utf-8") if DOCS_PATH.exists() else "# Matching quality\n"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + body + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    DOCS_PATH.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--write-docs", action="store_true", help="rewrite this check's section of docs/quality.md")
    args = parser.parse_args(argv)
    if not available():
        print(missing_message())
        return 0
    print(f"machine: {machine()}")
    results = []
    for key in args.sets:
        result = run_set(load_dataset(key))
        results.append(result)
        k, w, ka, wa = result.rates()
        print(f"{result.label}: archived half: relevant claim shown at rank 1 {k:.1%} | "
              f"not-archived half: something wrongly shown {w:.1%} | any tier: {ka:.1%} / {wa:.1%} | "
              f"MAP@5 {result.map5:.3f} (archived half {result.map5_archived:.3f}) | "
              f"cuts {result.strong_cut:g}/{result.possible_cut:g} [{result.seconds:.0f} s]", flush=True)
    print("\n".join(["", *summary_lines(results), "", *curve_lines(results)]))
    if args.write_docs:
        write_docs(results)
        print(f"wrote {DOCS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
