"""Verify speed and quality on the CheckThat! Arabic collection (6,496 claims).

    python benchmarks/bench_verify.py
    python benchmarks/bench_verify.py --set en2021 --vectors DIR   # an English collection, embedded

Imports the collection through JSONL (the user's path), then prints the import
time, median and p95 latency of single `verify` calls over the dev tweets
(wall, and CPU of the whole process: the claim thread's embedding included),
batch throughput (`verify_many` over train + dev tweets), and MAP@5 on the dev
split (for Arabic next to the BM25 figure of docs/field-notes.md §3, 0.839).

`--vectors`: the archive gets the e5 vectors of a benchmarks/e5cache.py
directory, as after `isnad embed` (items the cache lacks are embedded when a
claim reaches them, in a first pass over the dev tweets that is not timed),
so English claims take the same-claim score's e5 step (verifiers/same_e5.py).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import available, found, load_dataset, missing_message, percentile  # noqa: E402
from benchmarks.eval_retrieval import K, build_verifier, evaluate, machine  # noqa: E402

NOTES_BM25_AR_DEV = 0.839


def percentiles(values: list[float]) -> tuple[float, float]:
    """(median, p95)."""
    return statistics.median(values), percentile(values, 0.95)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="ar2021", choices=("ar2021", "en2020", "en2021"))
    parser.add_argument("--vectors", type=Path, help="a directory of cached e5 vectors (benchmarks/e5cache.py)")
    parser.add_argument("--no-batch", action="store_true", help="leave out the verify_many throughput")
    args = parser.parse_args(argv)
    if not available():
        print(missing_message())
        return 0
    dataset = load_dataset(args.set)
    print(f"machine: {machine()}")
    t0 = time.perf_counter()
    verifier = build_verifier(dataset)
    print(f"import of {len(dataset.claims)} claims through JSONL: {time.perf_counter() - t0:.2f} s")
    dev = dataset.splits["dev"]
    if args.vectors is not None:
        from benchmarks.e5cache import VectorCache, fill_dense_index

        cache = VectorCache(args.vectors)
        filled, left = fill_dense_index(verifier, cache, on_demand=True)
        for text in dev.queries.values():  # not timed: embeds what the cache lacks
            verifier.verify(text, limit=K, min_score=0)
        cache.save()
        print(f"vectors: {filled} sources cached, {left} not (embedded when a claim reaches them)")
    verifier.verify("warm-up", min_score=0)
    latencies, cpu, ranked = [], [], {}
    for qid, text in dev.queries.items():
        t1, c1 = time.perf_counter(), time.process_time()
        report = verifier.verify(text, limit=K, min_score=0)
        latencies.append((time.perf_counter() - t1) * 1000)
        cpu.append((time.process_time() - c1) * 1000)
        ranked[qid] = list(dict.fromkeys(m.source_id for m in found(report)))  # conflicts count too
    median, p95 = percentiles(latencies)
    cpu_median, cpu_p95 = percentiles(cpu)
    print(f"verify latency over {len(latencies)} dev tweets: median {median:.1f} ms, p95 {p95:.1f} ms "
          f"(CPU, all threads: median {cpu_median:.1f} ms, p95 {cpu_p95:.1f} ms; "
          f"load average {os.getloadavg()[0]:.1f})")
    if not args.no_batch:
        texts = list(dataset.splits["train"].queries.values()) + list(dev.queries.values())
        t2 = time.perf_counter()
        verifier.verify_many(texts, limit=K)
        elapsed = time.perf_counter() - t2
        print(f"batch: {len(texts)} claims in {elapsed:.2f} s = {len(texts) / elapsed:.1f} claims/s")
    metrics = evaluate(ranked, dev.qrels)
    reference = f"  vs  BM25 (docs/field-notes.md §3) {NOTES_BM25_AR_DEV:.3f}" if args.set == "ar2021" else ""
    print(f"MAP@5 on {dataset.label} dev ({metrics.n} tweets): Isnad {metrics.map5:.3f}{reference}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
