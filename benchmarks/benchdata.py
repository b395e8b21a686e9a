"""Loaders for the CheckThat! claim-retrieval sets in ../shared/benchdata.

The data is never copied into the repository: every loader reads it where it
lies (or from $ISNAD_BENCHDATA) and callers skip with a clear message when it
is absent. Tweet texts are quoted and may span lines, so files are read with a
CSV reader (tab-separated), never line by line.
"""
from __future__ import annotations

import csv
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# The public data sets live beside the project, never in it: <repo>/../shared/benchdata.
BENCHDATA = Path(os.environ.get("ISNAD_BENCHDATA") or Path(__file__).resolve().parents[2] / "shared" / "benchdata")

# ANS (Arabic News Stance): headline pairs (s1, s2) labelled agree, disagree or other.
ANS = BENCHDATA / "ans-arabic-news-stance" / "stance"

csv.field_size_limit(1 << 30)
SHUFFLE_SEED = 20201


@dataclass(frozen=True)
class VerifiedClaim:
    id: str
    text: str  # the claim as the fact-checkers worded it (vclaim)
    title: str  # the fact-check article's title


@dataclass
class Split:
    """Tweets of one split and, for each, the ids of its relevant claims."""

    name: str
    queries: dict[str, str]
    qrels: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class Dataset:
    key: str
    label: str
    lang: str  # "en" or "ar"
    claims: list[VerifiedClaim]
    splits: dict[str, Split]


# key -> (label, lang, folder, claims file, {split: (queries file, qrels file)})
_LAYOUT: dict[str, tuple[str, str, str, str, dict[str, tuple[str, str]]]] = {
    "en2020": (
        "CheckThat 2020 EN", "en", "checkthat2020-task2-en", "verified_claims.docs.tsv",
        {
            "train": ("train/tweets.queries.tsv", "train/tweet-vclaim-pairs.qrels"),
            "dev": ("dev/tweets.queries.tsv", "dev/tweet-vclaim-pairs.qrels"),
        },
    ),
    "en2021": (
        "CheckThat 2021 EN", "en", "checkthat2021-task2a-en", "CT2021-Task2A-EN-Verified_Claims.txt",
        {
            "train": ("EN_train_queries.tsv", "EN_train_dev_QRELs.txt"),
            "dev": ("EN_dev_queries.tsv", "EN_train_dev_QRELs.txt"),
        },
    ),
    "ar2021": (
        "CheckThat 2021 AR", "ar", "checkthat2021-task2a-ar", "verified_claims.tsv",
        {
            "train": ("CT2022-Task2A-AR-Train_Queries.txt", "CT2022-Task2A-AR-Train_QRELs.txt"),
            "dev": ("CT2022-Task2A-AR-Dev_Queries.txt", "CT2022-Task2A-AR-Dev_QRELs.txt"),
        },
    ),
}

DATASETS = tuple(_LAYOUT)


def available(root: Path | None = None) -> bool:
    root = root or BENCHDATA
    return all((root / layout[2]).is_dir() for layout in _LAYOUT.values())


def missing_message(root: Path | None = None) -> str:
    return (
        f"benchmark data not found at {root or BENCHDATA} "
        "(set ISNAD_BENCHDATA to the folder holding the CheckThat! sets); skipping"
    )


def read_tsv(path: Path) -> list[list[str]]:
    """All rows of a tab-separated file with CSV quoting, header included."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle, delimiter="\t") if row]


def read_claims(path: Path) -> list[VerifiedClaim]:
    rows = read_tsv(path)[1:]  # header: (vclaim_id | ""), vclaim, title
    return [VerifiedClaim(id=r[0].strip(), text=r[1].strip(), title=r[2].strip()) for r in rows]


def read_queries(path: Path) -> dict[str, str]:
    rows = read_tsv(path)[1:]
    return {r[0].strip(): r[1] for r in rows}


def read_qrels(path: Path) -> dict[str, set[str]]:
    """TREC qrels: `query 0 doc relevance`; only relevance > 0 counts."""
    qrels: dict[str, set[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 4 and int(parts[3]) > 0:
                qrels.setdefault(parts[0], set()).add(parts[2])
    return qrels


def load_dataset(key: str, root: Path | None = None) -> Dataset:
    """One CheckThat! set with its train and dev splits.

    Queries keep only the tweets that have a relevant claim in the collection,
    and each tweet's relevant set keeps only claims in the collection: the Arabic
    collection is a subset of the official one (README: 294/512 train, 83/85 dev).
    """
    label, lang, folder, claims_file, split_files = _LAYOUT[key]
    base = (root or BENCHDATA) / folder
    claims = read_claims(base / claims_file)
    # Shuffled with a fixed seed: the EN 2020 file lists every claim that a
    # tweet points to among its first 800 rows (of 10,375), so anything that
    # breaks ties by import order (the index does: lower document first)
    # would find them for free. Archives are not ordered by relevance.
    random.Random(SHUFFLE_SEED).shuffle(claims)
    known = {c.id for c in claims}
    splits: dict[str, Split] = {}
    for name, (queries_file, qrels_file) in split_files.items():
        queries = read_queries(base / queries_file)
        all_qrels = read_qrels(base / qrels_file)
        qrels = {}
        for qid in queries:
            relevant = all_qrels.get(qid, set()) & known
            if relevant:
                qrels[qid] = relevant
        splits[name] = Split(name, {q: queries[q] for q in qrels}, qrels)
    return Dataset(key, label, lang, claims, splits)


def load_ans(split: str, root: Path = ANS) -> list[tuple[str, str, str]]:
    """(s1, s2, stance) of every pair of an ANS split (train.csv, dev.csv), texts as written."""
    with open(root / f"{split}.csv", encoding="utf-8", newline="") as handle:
        return [(r["s1"], r["s2"], r["stance"]) for r in csv.DictReader(handle)]


def duplicates(dataset: Dataset) -> dict[str, list[str]]:
    """Claims with the same title and text as an earlier one: first id -> later ids.

    The importer keeps one copy of identical content (a newsroom wants one),
    so a tweet whose relevant claim is a later copy is answered by the first.
    """
    first: dict[tuple[str, str], str] = {}
    out: dict[str, list[str]] = {}
    for claim in dataset.claims:
        key = (" ".join(claim.title.split()), " ".join(claim.text.split()))
        if key in first:
            out.setdefault(first[key], []).append(claim.id)
        else:
            first[key] = claim.id
    return out


def same_text(dataset: Dataset) -> dict[str, list[str]]:
    """Claims whose text (normalized as the engine compares them) is another's,
    whatever their titles: id -> the other ids. Isnad shows such copies once
    (the same claim archived twice), so either one answers for the other."""
    from verifiers.normalize import normalize

    by_text: dict[str, list[str]] = {}
    for claim in dataset.claims:
        by_text.setdefault(normalize(claim.text), []).append(claim.id)
    return {cid: [o for o in ids if o != cid] for ids in by_text.values() if len(ids) > 1 for cid in ids}


def copies_of(dataset: Dataset) -> dict[str, list[str]]:
    """`duplicates` and `same_text` together: every id that may stand for another."""
    out = {k: list(v) for k, v in duplicates(dataset).items()}
    for cid, others in same_text(dataset).items():
        out.setdefault(cid, []).extend(o for o in others if o not in out[cid])
    return out


def with_copies(relevant: set[str], copies: dict[str, list[str]]) -> set[str]:
    """The relevant claims and every id that stands for one of them (`copies`: id -> the ids that
    repeat it, from `duplicates` or `copies_of`): what to take out of an archive so that none of
    them is left."""
    out = set(relevant) | {c for r in relevant for c in copies.get(r, [])}
    return out | {first for first, later in copies.items() if set(later) & out}


def found(report) -> list:
    """What a report found, best first: its matches and the accounts it lists
    as conflicting. A fact-check that contradicts the tweet is still the
    claim behind it (issue 9 moves a contradicting account out of `matches`),
    so retrieval figures count both."""
    return sorted([*report.matches, *(c.match for c in report.conflicts)], key=lambda m: -m.score)


def percentile(values: Iterable[float], q: float) -> float:
    """The benchmarks' percentile (p95: q 0.95): the sorted values' item at index int(q * n), the
    last at most; no interpolation, so it is a time one run really took."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
