"""Verify speed and quality on the CheckThat! Arabic collection (6,496 claims).

    python benchmarks/bench_verify.py

Imports the collection through JSONL (the user's path), then prints the import
time, median and p95 latency of single `verify` calls over the dev tweets,
batch throughput (`verify_many` over train + dev tweets), and MAP@5 on the dev
split next to the BM25 figure of docs/field-notes.md §3 (0.839).
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import available, load_dataset, missing_message  # noqa: E402
from benchmarks.eval_retrieval import K, build_verifier, evaluate, machine  # noqa: E402

NOTES_BM25_AR_DEV = 0.839


def main() -> int:
    if not available():
        print(missing_message())
        return 0
    dataset = load_dataset("ar2021")
    print(f"machine: {machine()}")
    t0 = time.perf_counter()
    verifier = build_verifier(dataset)
    print(f"import of {len(dataset.claims)} claims through JSONL: {time.perf_counter() - t0:.2f} s")
    dev = dataset.splits["dev"]
    verifier.verify("warm-up", min_score=0)
    latencies, cpu, ranked = [], [], {}
    for qid, text in dev.queries.items():
        t1, c1 = time.perf_counter(), time.process_time()
        report = verifier.verify(text, limit=K, min_score=0)
        latencies.append((time.perf_counter() - t1) * 1000)
        cpu.append((time.process_time() - c1) * 1000)  # the machine may be shared: CPU time beside wall time
        ranked[qid] = list(dict.fromkeys(m.source_id for m in report.matches))
    latencies.sort()
    cpu.sort()
    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    cpu95 = cpu[min(len(cpu) - 1, int(0.95 * len(cpu)))]
    print(f"verify latency over {len(latencies)} dev tweets: median {statistics.median(latencies):.1f} ms, "
          f"p95 {p95:.1f} ms (CPU time: median {statistics.median(cpu):.1f} ms, p95 {cpu95:.1f} ms; "
          f"load average {os.getloadavg()[0]:.1f})")
    texts = list(dataset.splits["train"].queries.values()) + list(dev.queries.values())
    t2 = time.perf_counter()
    verifier.verify_many(texts, limit=K)
    elapsed = time.perf_counter() - t2
    print(f"batch: {len(texts)} claims in {elapsed:.2f} s = {len(texts) / elapsed:.1f} claims/s")
    metrics = evaluate(ranked, dev.qrels)
    print(f"MAP@5 on AR dev ({metrics.n} tweets): Isnad {metrics.map5:.3f}  "
          f"vs  BM25 (docs/field-notes.md §3) {NOTES_BM25_AR_DEV:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
