"""What tweet and t.co links cost: `isnad verify --json --offline --batch` on the
same claims with and without their links, on a synthetic archive.

    python -m benchmarks.bench_links                      # 50k sources (~450k passages)
    python -m benchmarks.bench_links --sources 11000      # ~100k passages, as bench_scale's 100k

The claims are the CheckThat! dev tweets that carry a tweet or t.co link,
pasted whole (text, link, attribution line); the plain set is the same tweets
with their links removed. A quarter of the linked tweets' t.co links are
carried by posts of the archive (as when the team archived an article that
embeds the tweet), so both paths are measured: an exact match from the
index's link tables, and a link the archive lacks (offline: noted, not
fetched). Each set runs through the real command line in a fresh process,
twice; the faster run counts (the machine is shared). Prints the figures and
the ratio linked/plain; the issue's target is at most 1.5.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_scale import queries, without_links  # noqa: E402
from benchmarks.benchdata import available, missing_message  # noqa: E402


def linked_claims() -> list[str]:
    from verifiers.tweet_links import tweet_links

    return [q for q in queries("dev") if tweet_links(q)]


def build(work: Path, n_sources: int, claims: list[str]) -> Path:
    """A TinyDB archive of about n_sources synthetic sources with its saved index."""
    from benchmarks.synth_archive import PASSAGES_PER_SOURCE, synthetic_sources
    from storage.ingest import ingest_sources
    from storage.tinydb_store import TinyDBStore
    from verifiers.engine import Verifier
    from verifiers.tweet_links import tweet_links

    archive = work / f"links-{n_sources}.json"
    if archive.exists() and archive.with_name(archive.name + ".index").exists():
        return archive
    work.mkdir(parents=True, exist_ok=True)
    links = [tweet_links(c)[0] for c in claims]
    carried = set(random.Random(11).sample(range(len(links)), len(links) // 4))
    sources = []
    for number, source in enumerate(synthetic_sources(n_sources * PASSAGES_PER_SOURCE)):
        if number in carried:  # this source embeds a tweet that carries the claim's t.co link
            source.posts = [replace(source.posts[0], urls=[links[number]])]
        sources.append(source)
    store = TinyDBStore(archive)
    started = time.perf_counter()
    ingest_sources(store, sources, by="bench")
    print(f"archive: {len(sources)} sources, {sum(len(s.passages) for s in sources)} passages, "
          f"stored in {time.perf_counter() - started:.0f} s", flush=True)
    del sources
    started = time.perf_counter()
    Verifier(store).save()
    print(f"index built in {time.perf_counter() - started:.0f} s", flush=True)
    store.close()
    return archive


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the CLI and its batch workers)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def run_batch(archive: Path, claims: list[str], work: Path, name: str) -> tuple[float, float, list[dict]]:
    path = work / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": c}, ensure_ascii=False) + "\n" for i, c in enumerate(claims)),
                    encoding="utf-8")
    best, best_cpu, rows = float("inf"), float("inf"), []
    for _ in range(2):
        started, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run([sys.executable, "-m", "bot.cli", "--db", str(archive), "verify", "--json", "--offline",
                               "--batch", str(path)], capture_output=True, text=True, cwd=ROOT, check=True,
                              env={**os.environ, "XDG_DATA_HOME": str(work / "data")})
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, _children_cpu() - cpu)
        rows = [json.loads(line) for line in done.stdout.splitlines()]
    return best, best_cpu, rows


def cold_start(archive: Path, work: Path) -> tuple[float, float]:
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-m", "bot.cli", "--db", str(archive), "verify", "--json", "--offline",
                    "Deir ez-Zor"], capture_output=True, cwd=ROOT, check=True,
                   env={**os.environ, "XDG_DATA_HOME": str(work / "data")})
    return time.perf_counter() - started, _children_cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=50_000)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "isnad-bench-links")
    args = parser.parse_args(argv)
    if not available():
        print(missing_message())
        return 0
    claims = linked_claims()
    plain = [without_links(c) for c in claims]
    archive = build(args.work, args.sources, claims)
    cold_start(archive, args.work)  # not timed: brings a saved index up to date once, warms the file cache
    cold, cold_cpu = cold_start(archive, args.work)
    plain_s, plain_cpu, _ = run_batch(archive, plain, args.work, "plain")
    linked_s, linked_cpu, rows = run_batch(archive, claims, args.work, "linked")
    exact = sum(1 for r in rows if r["matches"] and r["matches"][0]["score"] == 100 and
                any("archived tweet" in n for n in r["notes"]))
    print(f"{len(claims)} claims at {args.sources} sources ({os.cpu_count()} cores, shared machine)")
    print(f"  cold start (one claim, whole command): {cold:.2f} s")
    print(f"  plain  : {plain_s:.2f} s  ({plain_s / len(claims) * 1000:.1f} ms per claim, start-up included)")
    print(f"  linked : {linked_s:.2f} s  ({linked_s / len(claims) * 1000:.1f} ms per claim; "
          f"{exact} exact matches by link)")
    print(f"  linked / plain: {linked_s / plain_s:.2f} (target <= 1.5)")
    per_plain, per_linked = (plain_s - cold) / len(claims) * 1000, (linked_s - cold) / len(claims) * 1000
    print(f"  without the start-up (batch minus cold start): plain {per_plain:.1f} ms, linked {per_linked:.1f} ms "
          f"per claim; linked / plain {per_linked / per_plain:.2f}")
    cpu_plain, cpu_linked = (plain_cpu - cold_cpu) / len(claims) * 1000, (linked_cpu - cold_cpu) / len(claims) * 1000
    print(f"  CPU time (all processes), start-up subtracted: plain {cpu_plain:.1f} ms, linked {cpu_linked:.1f} ms "
          f"per claim; linked / plain {cpu_linked / cpu_plain:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
