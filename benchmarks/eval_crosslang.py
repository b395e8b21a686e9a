"""English claims against the Arabic archive: the cross-language path, measured.

    python benchmarks/eval_crosslang.py                      # everything
    python benchmarks/eval_crosslang.py --skip-latency       # quality only
    python benchmarks/eval_crosslang.py --work DIR           # where the archives and their vectors are kept

Prints:
1. cross-language MAP@5: English renderings (benchmarks/data/crosslang_en_ar.tsv,
   written by hand for Isnad) of Arabic dev tweets, asked of the CheckThat! 2021
   Arabic collection, for the lexical path alone (alias table), e5 alone (the
   dense index's cosine order) and Isnad with the path; the train renderings
   (the scorer's fitting data) beside them; and how the score cuts: the share
   answered with a strong right match, and, with the relevant claims removed
   from the candidates, the share left with no strong match;
2. the seed's English claims (tests/verifiers/test_english_claims.py) on the seed
   archive: how many find their Arabic account first, and unrelated claims
   with a strong match;
3. same-language MAP@5 on the Arabic dev tweets with and without the path, on
   the Arabic collection and on a mixed archive (the same plus 1,000 English
   verified claims, so the path has other-language items to bring);
4. embedding throughput, and the cost of one verification with and without
   the path (6.5k claims);
5. latency on 100k passages (synthetic archive, benchmarks/synth_archive.py,
   with random unit vectors in the dense index: same cost, no meaning): p95 of
   verifications that take the path and of those that do not, back to back and
   one at a time (the previous claim's vector made ahead finished first, as
   claims come in a newsroom), with the path switched off for comparison; and the dense search alone up to 1M vectors;
6. the reverse: the Arabic tweets asked of the mixed archive from which their
   Arabic claims are removed and to which the English renderings are added (as
   English sources of their own): how often the English account is found (the
   claims' language is the archive's majority, so the path adds only strong
   other-language matches), at the Arabic claims' token cut and at the English
   one, and e5 alone among the archive's English vectors.

The archives and their vectors are kept in --work (default: isnad-bench-crosslang
in the system's temporary directory, tempfile.gettempdir()), so embedding (about
6,500 + 1,000 passages) is paid once; a run that was stopped goes on where it was.
"""
from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import (  # noqa: E402
    available,
    duplicates,
    load_dataset,
    missing_message,
    percentile,
    with_copies,
)
from benchmarks.eval_retrieval import (  # noqa: E402
    K,
    _as_copy,
    evaluate,
    machine,
    ranked_sources,
    write_claims_jsonl,
)

RENDERINGS = ROOT / "benchmarks" / "data" / "crosslang_en_ar.tsv"
MIXED_ENGLISH = 1_000  # English verified claims added for the mixed archive
DEFAULT_WORK = Path(tempfile.gettempdir()) / "isnad-bench-crosslang"


def renderings(split: str) -> dict[str, str]:
    """tweet id -> English rendering, for one split of the data file."""
    with open(RENDERINGS, encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    return {r[1]: r[2] for r in rows[1:] if r[0] == split}


# --- archives -------------------------------------------------------------------------------


def open_archive(work: Path, name: str, dataset, *, english=None):
    """A TinyDB archive of the Arabic collection (plus English claims for
    "mixed") in work/name, its lexical index, and its dense index filled."""
    from storage.ingest import ingest_paths
    from storage.tinydb_store import TinyDBStore
    from verifiers.engine import Verifier

    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / "archive.json"
    fresh = not archive.exists()
    if fresh and name == "mixed" and (work / "ar" / "archive.json").exists():
        for part in ("archive.json", "archive.json.index", "archive.json.index.dense"):  # reuse the Arabic vectors
            src = work / "ar" / part
            if src.is_dir():
                shutil.copytree(src, folder / part, dirs_exist_ok=True)
            elif src.exists():
                shutil.copy2(src, folder / part)
    store = TinyDBStore(archive)
    if len(list(store.source_hashes())) == 0:
        with tempfile.TemporaryDirectory(prefix="isnad-xl-") as tmp:
            path = Path(tmp) / "claims.jsonl"
            write_claims_jsonl(dataset, path)
            ingest_paths(store, [path], fmt="jsonl", by="bench")
    if english is not None and store.get(english.claims[0].id) is None:
        with tempfile.TemporaryDirectory(prefix="isnad-xl-") as tmp:
            path = Path(tmp) / "english.jsonl"
            write_claims_jsonl(english, path)
            ingest_paths(store, [path], fmt="jsonl", by="bench")
    verifier = Verifier(store)
    backfill = verifier.crosslang.make_backfill()
    pending = backfill.pending()
    if pending:
        from tqdm import tqdm

        bar = tqdm(total=0, unit=" passages", desc=f"embedding {name}", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.total, bar.n = total, done
            bar.refresh()

        started = time.perf_counter()
        done = backfill.run(progress)
        bar.close()
        print(f"  embedded {done} passages of the {name} archive in {time.perf_counter() - started:.0f} s "
              f"({done / max(1e-9, time.perf_counter() - started):.1f} a second, machine shared)")
    return store, verifier


def english_sample(count: int):
    """`count` English 2021 verified claims as a dataset (its dev tweets keep
    only those whose relevant claim is in the sample)."""
    english = load_dataset("en2021")
    english.claims = english.claims[:count]
    kept = {c.id for c in english.claims}
    dev = english.splits["dev"]
    dev.qrels = {q: r & kept for q, r in dev.qrels.items() if r & kept}
    dev.queries = {q: t for q, t in dev.queries.items() if q in dev.qrels}
    return english


# --- ranking --------------------------------------------------------------------------------


def isnad_rank(verifier, queries: dict[str, str], qrels, copies, *, path: bool = True):
    """Source ids of the top K sources found (min_score 0: eval_retrieval.ranked_sources, the
    conflicts counted), each query's top shown match, and each verification's wall time in ms."""
    dense = verifier.crosslang.dense
    if not path:
        verifier.crosslang.dense = None
    try:
        ranked, tops, times = {}, {}, []
        for qid, text in queries.items():
            t = time.perf_counter()
            report = verifier.verify(text, limit=K * 4, min_score=0)
            times.append((time.perf_counter() - t) * 1000)
            ranked[qid] = ranked_sources(report, qrels[qid], copies)[0]
            tops[qid] = report.matches[0] if report.matches else None
        return ranked, tops, times
    finally:
        verifier.crosslang.dense = dense


def dense_rank(verifier, queries: dict[str, str], qrels, copies) -> dict[str, list[str]]:
    """e5 alone: the dense index's cosine order."""
    from verifiers import embeddings
    from verifiers.claim import clean_claim

    ranked = {}
    for qid, text in queries.items():
        hits = verifier.crosslang.dense.search(embeddings.shared().claim(clean_claim(text).text), k=K * 4)
        ids = list(dict.fromkeys(h.source_id for h in hits))[:K]
        ranked[qid] = [_as_copy(sid, copies, qrels[qid]) for sid in ids]
    return ranked


def abstention(verifier, queries, qrels, copies) -> tuple[float, float, set[float]]:
    """(share answered with a strong right first match, share with no strong
    match once the relevant claims are out of the candidates, the strong cuts
    the engine used: verifier.cuts, e5's own for English on an embedded archive)."""
    from verifiers.claim import clean_claim

    right = empty = 0
    used: set[float] = set()
    for qid, text in queries.items():
        used.add(verifier.cuts(clean_claim(text))[0])
        report = verifier.verify(text, limit=5)
        strong = [m for m in report.matches if m.confidence == "strong"]
        if strong and _as_copy(strong[0].source_id, copies, qrels[qid]) in qrels[qid]:
            right += 1
        excluded = {item for sid in with_copies(qrels[qid], copies) for item in items_of(verifier, sid)}
        ranked, strong = ranked_without(verifier, text, excluded)
        if not [m for m in ranked if m.score >= strong]:
            empty += 1
    return right / len(queries), empty / len(queries), used


def ranked_without(verifier, text: str, excluded: set[str]):
    """(the claim's candidates with the path, `excluded` items out of them, best first; its
    language's strong cut): what the answer would be were those items not archived."""
    from verifiers.claim import clean_claim

    claim = clean_claim(text)
    strong, possible = verifier.cuts(claim)
    ranked = verifier.crosslang.extend(claim, verifier._ranked(claim, exclude=excluded),
                                       exclude=excluded, threshold=strong, possible=possible)
    return ranked, strong


def items_of(verifier, source_id: str) -> list[str]:
    source = verifier.store.get(source_id)
    return [i.id for i in [*source.passages, *source.posts]] if source else []


# --- the sections ---------------------------------------------------------------------------


def section_crosslang(verifier, dataset) -> None:
    copies = duplicates(dataset)
    print("\n1. English renderings of Arabic tweets, asked of the Arabic collection (MAP@5)")
    for split in ("dev", "train"):
        queries = renderings(split)
        qrels = {q: dataset.splits[split].qrels[q] for q in queries}
        lexical, _, _ = isnad_rank(verifier, queries, qrels, copies, path=False)
        dense = dense_rank(verifier, queries, qrels, copies)
        full, _, _ = isnad_rank(verifier, queries, qrels, copies)
        label = "dev (held out)" if split == "dev" else "train (the scorer's fitting data)"
        print(f"  {label}, {len(queries)} claims: lexical path alone {evaluate(lexical, qrels).map5:.3f}, "
              f"e5 alone {evaluate(dense, qrels).map5:.3f}, Isnad with the path {evaluate(full, qrels).map5:.3f}")
        if split == "dev":
            right, empty, cuts = abstention(verifier, queries, qrels, copies)
            print(f"  dev at the strong cut ({', '.join(f'{c:.0f}' for c in sorted(cuts))}): strong right first "
                  f"match {right:.0%}; relevant claims removed -> no strong match {empty:.0%}")


def section_seed() -> None:
    from storage.importers.text import parse_text_article
    from storage.ingest import ingest_sources
    from storage.sample import SAMPLE_ADDED_BY, SAMPLE_PATH
    from storage.tinydb_store import TinyDBStore
    from verifiers.engine import Verifier

    sys.path.insert(0, str(ROOT / "tests" / "verifiers"))
    from test_english_claims import FINDS, UNRELATED

    store = TinyDBStore(None)
    ingest_sources(store, [parse_text_article(SAMPLE_PATH.read_text(encoding="utf-8"))], by=SAMPLE_ADDED_BY)
    verifier = Verifier(store, index_dir=None)
    verifier.crosslang.make_backfill().run()
    found = 0
    for claim, expected in FINDS:
        report = verifier.verify(claim)
        best = report.matches[0] if report.matches else None
        if best is not None and (best.handle == expected[1:] if expected.startswith("@") else expected in best.text):
            found += 1
    wrong = sum(1 for claim in UNRELATED if verifier.verify(claim).matches)
    print(f"\n2. The seed's English claims: {found} of {len(FINDS)} find their Arabic account first; "
          f"{wrong} of {len(UNRELATED)} unrelated claims get a match")


def section_same_language(verifier, mixed, dataset, english) -> None:
    copies = duplicates(dataset)
    dev = dataset.splits["dev"]
    print("\n3. Same-language MAP@5 (Arabic dev tweets), path off -> on")
    for name, v in (("Arabic collection", verifier), ("mixed archive (+1,000 English claims)", mixed)):
        off, _, _ = isnad_rank(v, dev.queries, dev.qrels, copies, path=False)
        on, _, _ = isnad_rank(v, dev.queries, dev.qrels, copies)
        print(f"  {name}: {evaluate(off, dev.qrels).map5:.3f} -> {evaluate(on, dev.qrels).map5:.3f}")
    edev = english.splits["dev"]
    off, _, _ = isnad_rank(mixed, edev.queries, edev.qrels, {}, path=False)
    on, _, _ = isnad_rank(mixed, edev.queries, edev.qrels, {})
    print(f"  English dev tweets whose claim is among the 1,000 ({len(edev.queries)}), mixed archive: "
          f"{evaluate(off, edev.qrels).map5:.3f} -> {evaluate(on, edev.qrels).map5:.3f}")


def section_cost(verifier) -> None:
    from verifiers.embeddings import Embedder

    embedder = Embedder()
    texts = [c.text for c in load_dataset("ar2021").claims[:200]]
    embedder.passages(texts[:8])
    t = time.perf_counter()
    for i in range(0, len(texts), 16):
        embedder.passages(texts[i:i + 16])
    rate = len(texts) / (time.perf_counter() - t)
    t, c = time.perf_counter(), time.thread_time()
    for text in texts[:50]:
        embedder.claim(text)
    one = (time.perf_counter() - t) / 50 * 1000
    one_cpu = (time.thread_time() - c) / 50 * 1000
    print(f"\n4. Embedding (one thread): {rate:.1f} passages a second in batches of 16 "
          f"({100_000 / rate / 60:.0f} min for 100k passages); one claim {one:.1f} ms wall, {one_cpu:.1f} ms CPU")
    queries = renderings("dev")
    verifier.verify(next(iter(queries.values())))
    _, _, with_path = isnad_rank(verifier, queries, {q: set() for q in queries}, {})
    _, _, without = isnad_rank(verifier, queries, {q: set() for q in queries}, {}, path=False)
    print(f"  one verification of an English claim, 6.5k claims: with the path median "
          f"{statistics.median(with_path):.1f} ms, p95 {percentile(with_path, 0.95):.1f} ms; without "
          f"median {statistics.median(without):.1f} ms, p95 {percentile(without, 0.95):.1f} ms")


def section_latency(size: int) -> None:
    from benchmarks.synth_archive import synthetic_sources
    from storage.ingest import ingest_sources
    from storage.tinydb_store import TinyDBStore
    from verifiers.backfill import item_texts
    from verifiers.engine import Verifier

    print(f"\n5. Latency on {size:,} passages (synthetic archive; random vectors in the dense index)")
    store = TinyDBStore(None)
    t = time.perf_counter()
    ingest_sources(store, list(synthetic_sources(size)), by="bench")
    verifier = Verifier(store, index_dir=None)
    dense = verifier.crosslang.dense
    rng = np.random.default_rng(7)
    rows = 0
    for source in store.sources():
        items = item_texts(source)
        vectors = rng.standard_normal((len(items), dense.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        dense.add_source(source.id, source.content_hash, [i for i, _, _ in items], [g for _, _, g in items], vectors)
        rows += len(items)
    print(f"  built in {time.perf_counter() - t:.0f} s: {rows:,} passages and posts, {len(dense):,} vectors "
          f"({dense.lang_counts()})")
    english = list(renderings("dev").values()) + list(renderings("train").values())
    arabic = list(load_dataset("ar2021").splits["dev"].queries.values())
    verifier.verify(english[0])
    verifier.verify(arabic[0])
    for label, texts in (("English claims", english), ("Arabic dev tweets", arabic)):
        for path, spaced in ((True, False), (True, True), (False, False)):
            times, cpu, taken, split = [], [], 0, {True: [], False: []}
            if not path:
                verifier.crosslang.dense = None
            for text in texts:
                if spaced:  # as claims come in a newsroom: the last one's vector made ahead is done
                    while verifier.crosslang.running:
                        time.sleep(0.002)
                claim_path = path and _takes(verifier, text)
                taken += claim_path
                s, c = time.perf_counter(), time.thread_time()
                verifier.verify(text)
                times.append((time.perf_counter() - s) * 1000)
                cpu.append((time.thread_time() - c) * 1000)
                split[bool(claim_path)].append(times[-1])
            verifier.crosslang.dense = dense
            how = "on, one at a time" if spaced else "on, back to back" if path else "off"
            print(f"  {label} ({len(texts)}), path {how}: took it {taken}; wall median "
                  f"{statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms; CPU median "
                  f"{statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms")
            if path and split[True] and split[False]:  # the claims that took it, and the others, apart
                print("    " + "; ".join(
                    f"{'took it' if took else 'did not'} ({len(t)}): wall median {statistics.median(t):.1f} ms, "
                    f"p95 {percentile(t, 0.95):.1f} ms" for took, t in split.items()))
    for n in (100_000, 1_000_000):
        from verifiers.dense import DenseIndex

        index = DenseIndex(None, {}, dense.dim)
        block = rng.standard_normal((n, dense.dim)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        index.add_source("s", "h", [f"s:{i}" for i in range(n)], [1] * n, block)
        del block
        q = rng.standard_normal(dense.dim).astype(np.float32)
        index.search(q, k=20, lang=1)
        times = []
        for _ in range(20):
            s = time.perf_counter()
            index.search(q, k=20, lang=1)
            times.append((time.perf_counter() - s) * 1000)
        print(f"  dense search alone, {n:,} int8 vectors ({n * dense.dim / 1e6:.0f} MB): median "
              f"{statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms")
        del index


def section_reverse(work: Path, dataset, english) -> None:
    from verifiers import embeddings
    from verifiers.claim import clean_claim
    from verifiers.crosslang import OTHER

    print("\n6. Arabic tweets whose only account is their English rendering "
          "(mixed archive, their Arabic claims removed)")
    verifier = reverse_archive(work, dataset, english)
    shared = embeddings.shared()
    for split in ("dev", "train"):
        queries = {q: dataset.splits[split].queries[q] for q in renderings(split)}
        qrels = {q: {RENDERED + q} for q in queries}
        taken = sum(_takes(verifier, text) for text in queries.values())
        line = []
        for cut in (embeddings.ARABIC_CLAIM_TOKENS, embeddings.CLAIM_TOKENS):
            saved, embeddings.ARABIC_CLAIM_TOKENS = embeddings.ARABIC_CLAIM_TOKENS, cut
            try:
                ranked, tops, _ = isnad_rank(verifier, queries, qrels, {})
            finally:
                embeddings.ARABIC_CLAIM_TOKENS = saved
            first = sum(1 for q, m in tops.items()
                        if m is not None and m.source_id in qrels[q] and m.confidence == "strong")
            line.append(f"{cut} tokens: MAP@5 {evaluate(ranked, qrels).map5:.3f}, first and strong {first}, "
                        f"a wrong strong English match with the rendering removed {_wrong_strong(verifier, queries)}")
        alone = []
        for cut in (embeddings.ARABIC_CLAIM_TOKENS, embeddings.CLAIM_TOKENS, None):
            ranked = {}
            for q, text in queries.items():
                vector = shared.claim(clean_claim(text).text, tokens=cut)
                hits = verifier.crosslang.dense.search(vector, k=K * 4, lang=OTHER)
                ranked[q] = list(dict.fromkeys(h.source_id for h in hits))[:K]
            alone.append(f"{cut or 'all'} {evaluate(ranked, qrels).map5:.3f}")
        print(f"  {split}, {len(queries)} tweets, {taken} take the path; Isnad at " + "; ".join(line)
              + "; e5 alone by tokens: " + ", ".join(alone))


def _wrong_strong(verifier, queries: dict[str, str]) -> int:
    """How many of the tweets get a strong English match once their rendering is out of the
    candidates: a wrong "confirmed" (nothing else archived in English is their story)."""
    from verifiers.crosslang import OTHER, script

    wrong = 0
    for q, text in queries.items():
        ranked, strong = ranked_without(verifier, text, set(items_of(verifier, RENDERED + q)))
        wrong += any(m.score >= strong and script(m.text) == OTHER for m in ranked)
    return wrong


RENDERED = "en-rendering-"  # source id of a tweet's English rendering in the reverse archive


def reverse_archive(work: Path, dataset, english):
    """The mixed archive copied, without the Arabic claims of the rendered tweets (and their
    copies), with each rendering as an English source, embedded."""
    import json

    from benchmarks.benchdata import copies_of
    from storage.ingest import ingest_paths

    folder = work / "reverse"
    if not (folder / "archive.json").exists():
        open_archive(work, "mixed", dataset, english=english)[0].close()
        shutil.copytree(work / "mixed", folder, dirs_exist_ok=True)
    store, verifier = open_archive(work, "reverse", dataset, english=english)
    tweets = {q: s for s in ("dev", "train") for q in renderings(s)}
    if store.get(RENDERED + next(iter(tweets))) is None:
        copies = copies_of(dataset)
        relevant = {r for q, s in tweets.items() for r in dataset.splits[s].qrels.get(q, ())}
        for source_id in sorted(with_copies(relevant, copies)):
            store.remove(source_id, by="bench")
        with tempfile.TemporaryDirectory(prefix="isnad-xl-") as tmp:
            path = Path(tmp) / "renderings.jsonl"
            with open(path, "w", encoding="utf-8") as out:
                for split in ("dev", "train"):
                    for q, text in renderings(split).items():
                        out.write(json.dumps({"id": RENDERED + q, "text": text}) + "\n")
            ingest_paths(store, [path], fmt="jsonl", by="bench")
        store.close()
        store, verifier = open_archive(work, "reverse", dataset, english=english)
    return verifier


def _takes(verifier, text: str) -> bool:
    from verifiers.claim import clean_claim

    claim = clean_claim(text)
    strong, possible = verifier.cuts(claim)
    return verifier.crosslang.takes_path(claim, verifier._scored(claim, exclude=set()), strong, possible) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help=f"kept archives (default {DEFAULT_WORK})")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--latency-size", type=int, default=100_000)
    parser.add_argument("--sections", default="123456", help="which sections to run (default all: 123456)")
    args = parser.parse_args(argv)
    if not available():
        print(missing_message())
        return 0
    from verifiers import embeddings

    if not embeddings.available():
        print(f"skipping: {embeddings.MISSING}")
        return 0
    print(f"machine: {machine()} (shared with other work: timings are noisy)")
    dataset = load_dataset("ar2021")
    english = english_sample(MIXED_ENGLISH)
    _, verifier = open_archive(args.work, "ar", dataset)
    if "1" in args.sections:
        section_crosslang(verifier, dataset)
    if "2" in args.sections:
        section_seed()
    if "3" in args.sections:
        _, mixed = open_archive(args.work, "mixed", dataset, english=english)
        section_same_language(verifier, mixed, dataset, english)
    if "4" in args.sections:
        section_cost(verifier)
    if "5" in args.sections and not args.skip_latency:
        section_latency(args.latency_size)
    if "6" in args.sections:
        section_reverse(args.work, dataset, english)
    return 0


if __name__ == "__main__":
    sys.exit(main())
