"""Verdicts end to end: does Isnad tell a distorted claim from its source?

    python benchmarks/eval_verdicts.py                    # ANS dev (the figures of docs/quality.md)
    python benchmarks/eval_verdicts.py --split train      # ANS train, to check the choices did not fit dev
    python benchmarks/eval_verdicts.py --errors 10        # also print missed altered headlines
    python benchmarks/eval_verdicts.py --show-flagged 10  # also print agreeing headlines flagged

Built from ANS (Arabic News Stance): each pair is an original headline (s1) and a headline written
from it (s2) that agrees with it or was altered to disagree. Every original of the split is archived,
one JSONL source each, among the 6,496 Arabic CheckThat! verified claims as distractors, and
imported the way a user imports JSONL. Each s2 is then asked through the same path as
`isnad verify --json --batch` (Verifier.verify_many with the default threshold and limit, then
Report.to_json), and the answer is read from the JSON. Pairs whose original is itself another pair's
altered headline are left out (asking one would find the other as its own original).

It prints, for the altered (disagree) pairs: the share whose original is listed as a conflict, and
the share where the original is shown only as a supporting match; for the agreeing pairs: the share
with the original at rank 1 and nothing flagged (no conflict at all), and the share flagged
(contradicted or disputed). Targets (issue 9): >= 60 %, <= 15 %, >= 85 %, <= 5 %.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import ANS, available, load_ans, load_dataset, missing_message  # noqa: E402
from benchmarks.eval_retrieval import write_claims_jsonl  # noqa: E402


def load_pairs(split: str) -> list[tuple[str, str, str]]:
    """An ANS split's pairs, the headlines stripped: an original is archived, and known, by its text."""
    return [(s1.strip(), s2.strip(), label) for s1, s2, label in load_ans(split)]


def usable(pairs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Pairs of agree/disagree whose original is not another pair's altered or agreeing headline."""
    asked = {s2 for _, s2, _ in pairs}
    return [p for p in pairs if p[2] in ("agree", "disagree") and p[0] not in asked and p[0] != p[1]]


def build(originals: dict[str, str]):
    """The CheckThat! AR claims plus the originals, imported as JSONL; a Verifier over them."""
    from storage.ingest import ingest_paths
    from storage.tinydb_store import TinyDBStore
    from verifiers.engine import Verifier

    dataset = load_dataset("ar2021")
    store = TinyDBStore(None)
    with tempfile.TemporaryDirectory(prefix="isnad-verdicts-") as tmp:
        path = Path(tmp) / "archive.jsonl"
        write_claims_jsonl(dataset, path)
        with open(path, "a", encoding="utf-8") as out:
            for sid, text in originals.items():
                out.write(json.dumps({"id": sid, "title": "", "text": text}, ensure_ascii=False) + "\n")
        ingest_paths(store, [path], fmt="jsonl", by="eval")
    return Verifier(store, index_dir=None), len(dataset.claims)


def count(text: str) -> int:
    """A non-negative count for the command line."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative")
    return value


def share(n: int, total: int) -> str:
    return f"{100 * n / max(1, total):5.1f} % ({n}/{total})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=("dev", "train"))
    parser.add_argument("--errors", type=count, default=0, metavar="N",
                        help="print N altered headlines not caught")
    parser.add_argument("--show-flagged", type=count, default=0, metavar="N",
                        help="print N agreeing headlines that were flagged: the conflict's reason, the headline, "
                             "the conflicting text, and 'own' when that is the headline's own original")
    args = parser.parse_args(argv)
    if not available() or not (ANS / f"{args.split}.csv").exists():
        print(missing_message())
        return 0
    pairs = usable(load_pairs(args.split))
    ids = {s1: f"ans-{i}" for i, s1 in enumerate(dict.fromkeys(s1 for s1, _, _ in pairs))}
    started = time.perf_counter()
    verifier, distractors = build({sid: s1 for s1, sid in ids.items()})
    print(f"ANS {args.split}: {len(pairs)} pairs {dict(Counter(p[2] for p in pairs))}, {len(ids)} originals "
          f"archived among {distractors} CheckThat! AR claims (import {time.perf_counter() - started:.1f} s)")
    started = time.perf_counter()
    reports = [r.to_json() for r in verifier.verify_many([s2 for _, s2, _ in pairs])]
    elapsed = time.perf_counter() - started

    caught = only_support = agree_top = agree_flagged = agree_own = 0
    verdicts: dict[str, Counter] = {"disagree": Counter(), "agree": Counter()}
    missed = []
    shown_flagged = 0
    for (s1, s2, label), report in zip(pairs, reports):
        sid = ids[s1]
        in_conflicts = any(c["source_id"] == sid for c in report["conflicts"])
        as_match = [m for m in report["matches"] if m["source_id"] == sid]
        verdicts[label][report["verdict"]] += 1
        if label == "disagree":
            caught += in_conflicts
            shown_as_support = bool(as_match) and all(m["stance"] == "supports" for m in as_match)
            only_support += shown_as_support and not in_conflicts
            if not in_conflicts:
                missed.append((s1, s2, report["verdict"], [m["stance_reason"] for m in as_match]))
        else:
            flagged = bool(report["conflicts"])
            top = bool(report["matches"]) and report["matches"][0]["source_id"] == sid
            agree_top += top and not flagged
            agree_flagged += flagged
            agree_own += in_conflicts
            if flagged and shown_flagged < args.show_flagged:
                shown_flagged += 1
                print("FLAG", report["conflicts"][0]["reason"], "|", s2, "|", report["conflicts"][0]["text"][:80],
                      "| own" if in_conflicts else "")
    n_dis = sum(p[2] == "disagree" for p in pairs)
    n_agr = len(pairs) - n_dis
    print(f"altered headlines whose original is listed as a conflict:   {share(caught, n_dis)}   target >= 60 %")
    print(f"altered headlines whose original is shown only as support:  {share(only_support, n_dis)}   target <= 15 %")
    print(f"agreeing headlines with the original at rank 1, unflagged:  {share(agree_top, n_agr)}   target >= 85 %")
    print(f"agreeing headlines flagged (a conflict listed):             {share(agree_flagged, n_agr)}   target <= 5 %")
    print(f"  of which the agreeing headline's own original:            {share(agree_own, n_agr)}")
    for label, counts in verdicts.items():
        print(f"verdicts on {label} pairs: " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))
    each = 1000 * elapsed / max(1, len(pairs))
    print(f"{len(pairs)} claims through verify_many in {elapsed:.1f} s ({each:.1f} ms each)")
    for s1, s2, verdict, reasons in missed[:args.errors]:
        print(f"- {verdict}: {reasons}\n    original: {s1}\n    altered:  {s2}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
