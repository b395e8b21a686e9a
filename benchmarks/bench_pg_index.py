"""Cold start of a Verifier on a PostgreSQL archive: rebuilding the index from
the database (what every start did before the index was saved) against loading
the saved, memory-mapped index from the user's cache directory, and catching
up one source another process added.

    python benchmarks/bench_pg_index.py [--passages 10000 100000]

Each start runs in a new Python process (open the store, build or load the
index, verify one claim), as a bot or CLI process would. Uses
$ISNAD_TEST_PG_URL (see .ci/postgres.sh) or starts a throwaway server like the
tests do; each size gets a new database, dropped afterwards, and a temporary
cache directory. Needs the benchmark data (benchmarks/synth_archive.py).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.synth_archive import synthetic_sources  # noqa: E402
from storage.postgres_store import PostgresStore  # noqa: E402
from storage.records import Passage, Source, content_hash  # noqa: E402
from tests.pg import fresh_database  # noqa: E402

START = """
import json, sys, time
started = time.perf_counter()
from storage.postgres_store import PostgresStore
from verifiers.engine import Verifier
encoded = []  # documents tokenized, counted in this process (workers tokenize big batches)
real = Verifier._add
Verifier._add = lambda self, *a, **k: (n := real(self, *a, **k), encoded.append(n))[0]
imported = time.perf_counter()
store = PostgresStore(sys.argv[1])
verifier = Verifier(store, index_dir=None if sys.argv[2] == "memory" else True)
ready = time.perf_counter()
found = verifier.verify(sys.argv[3], min_score=0).matches
done = time.perf_counter()
print(json.dumps({"start_s": ready - started, "index_s": ready - imported, "first_verify_s": done - ready,
                  "tokenized": sum(encoded), "top": found[0].source_id if found else None}))
store.close()
"""


def start(url: str, mode: str, claim: str, cache: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": cache}
    done = subprocess.run([sys.executable, "-c", START, url, mode, claim], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(label: str, figures: dict) -> None:
    print(f"  {label:<44} {figures['start_s']:7.2f} s  (index {figures['index_s']:6.2f} s, "
          f"first verify {figures['first_verify_s'] * 1000:6.1f} ms, {figures['tokenized']:>7} docs tokenized)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    for size in args.passages:
        with fresh_database() as url, tempfile.TemporaryDirectory(prefix="isnad-bench-cache.") as cache:
            store = PostgresStore(url)
            began = time.perf_counter()
            sources = list(synthetic_sources(size))
            for i in range(0, len(sources), 1000):
                store.add_many(sources[i:i + 1000])
            added = time.perf_counter() - began
            claim = sources[len(sources) // 2].passages[0].text
            stats = store.stats()
            t = time.perf_counter()
            hashes = store.source_hashes()
            hashes_s = time.perf_counter() - t
            t = time.perf_counter()
            store.revision()
            revision_ms = (time.perf_counter() - t) * 1000
            print(f"{stats.passages} passages + {stats.posts} posts in {stats.sources} sources "
                  f"(generated and added in {added:.1f} s); source_hashes() {hashes_s * 1000:.0f} ms "
                  f"for {len(hashes)}, revision() {revision_ms:.2f} ms")
            row("before: index rebuilt in memory", start(url, "memory", claim, cache))
            row("first start: build + save to the cache", start(url, "saved", claim, cache))
            row("next start: saved index loaded", start(url, "saved", claim, cache))
            text = "قال مصدر إن جسراً جديداً افتتح في مدينة الميادين صباح اليوم"
            store.add(Source(id="late", content_hash=content_hash(text), passages=[Passage("late", 0, text)]))
            caught = start(url, "saved", text, cache)
            row("after another process added 1 source", caught)
            print(f"  {'':<44} top match: {caught['top']}")
            store.close()


if __name__ == "__main__":
    main()
