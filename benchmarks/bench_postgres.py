"""Figures for the PostgreSQL archive: bulk add, full read (index load), and
how long a source added by another process takes to reach a watcher.

    python benchmarks/bench_postgres.py [--sources 5000] [--passages 30]

Uses $ISNAD_TEST_PG_URL (see .ci/postgres.sh) or starts a throwaway server
like the tests do; works in a new database that it drops afterwards.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.postgres_store import PostgresStore  # noqa: E402
from storage.records import Passage, Source, content_hash  # noqa: E402
from tests.pg import fresh_database  # noqa: E402


def make(n: int, passages: int) -> Source:
    texts = [f"قال مصدر في جبهة النصرة إن تنظيم داعش انسحب من دير الزور، الخبر {n} الفقرة {j}" for j in range(passages)]
    return Source(id=f"bench-{n}", title=f"خبر {n}", content_hash=content_hash(" ".join(texts)),
                  passages=[Passage("", j, t) for j, t in enumerate(texts)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=5000)
    parser.add_argument("--passages", type=int, default=30)
    parser.add_argument("--notifications", type=int, default=10)
    args = parser.parse_args()
    with fresh_database() as url:
        store = PostgresStore(url)
        batch = [make(n, args.passages) for n in range(args.sources)]
        t = time.perf_counter()
        store.add_many(batch)
        took = time.perf_counter() - t
        print(f"add_many: {args.sources} sources x {args.passages} passages in {took:.2f} s "
              f"({args.sources / took:.0f} sources/s)")
        t = time.perf_counter()
        count = sum(1 for _ in store.sources())
        took = time.perf_counter() - t
        print(f"sources(): read {count} in {took:.2f} s ({count / took:.0f} sources/s)")
        t = time.perf_counter()
        store.stats()
        print(f"stats(): {1000 * (time.perf_counter() - t):.1f} ms")

        arrived: dict[str, float] = {}
        got = threading.Event()

        def on_change(change) -> None:
            arrived[change.source_id] = time.perf_counter()
            got.set()

        watcher = store.watch(on_change, poll_interval=60)
        time.sleep(0.5)
        # The other process reports when its commit returned; the delay is from there to our callback.
        code = (
            "import sys, time\nfrom storage.postgres_store import PostgresStore\n"
            "from storage.records import Source, content_hash\n"
            f"store = PostgresStore({url!r})\n"
            f"for n in range({args.notifications}):\n"
            "    time.sleep(0.2)\n"
            "    store.add(Source(id=f'other-{n}', content_hash=content_hash(f'other {n}')))\n"
            "    print(f'other-{n}', time.time(), flush=True)\n"
        )
        offset = time.time() - time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        time.sleep(1)
        delays = []
        for line in out.split("\n"):
            if line.strip():
                sid, committed = line.split()
                if sid in arrived:
                    delays.append((arrived[sid] + offset - float(committed)) * 1000)
        watcher.stop()
        store.close()
        print(f"cross-process change -> watcher callback: {len(delays)}/{args.notifications} delivered, "
              f"median {statistics.median(delays):.1f} ms, max {max(delays):.1f} ms")


if __name__ == "__main__":
    main()
