"""Scale benchmark: Isnad on synthetic archives of 10k, 100k and 1M passages.

    python -m benchmarks.bench_scale                       # 10k, 100k, 1M (long: run it in the background)
    python -m benchmarks.bench_scale --sizes 10k           # a quick run
    python -m benchmarks.bench_scale --sizes 10k,100k --json results.json

Archives come from benchmarks/synth_archive.py (real CheckThat!/ANS/seed text
recombined, fixed seed). Each phase runs in its own process, so cold start is a
real start and peak RSS belongs to that phase alone:

  import  generate the sources (not timed), add them to a TinyDB archive file
          through storage.ingest, build and save the index (Verifier start);
          one more source added to the store (TinyDB's cost per add) and to
          the index (incremental add).
  serve   cold start (open the archive until the first answer), verify latency
          (median, p95) over the CheckThat! dev tweets after a warm-up, batch
          throughput through the application service as `isnad verify --batch
          --offline` runs it (pasted tweets as they are, half of them carrying
          t.co or status links), peak RSS.
  tinydb  a fresh process opens the archive and adds three sources one by one.
  peers   bm25s (retrieval only) over the same passages; brute-force rapidfuzz
          process.extract (token_set_ratio, 10k and 100k only).
  recall  candidate recall: the share of dev tweets whose exhaustive top 5
          (the re-ranker applied to every passage) equals the top 5 of the
          fast path's candidates (10k: 100 tweets; 100k: 20 tweets, see --recall-queries).

Prints a table (and ratios); --json saves the figures. Not a test: nothing here
fails, it measures. Needs the benchmark data (ISNAD_BENCHDATA) and ~3 GB free
RAM for 1M passages.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.benchdata import available, load_dataset, missing_message, percentile  # noqa: E402 (after the path)

# The targets: (figure, at least/at most, value, size it applies to)
TARGETS = [
    ("p95_ms", "max", 50.0, 1_000_000), ("cold_s", "max", 10.0, 1_000_000),
    ("import_per_s", "min", 5000.0, 1_000_000), ("serve_rss_mb", "max", 3072.0, 1_000_000),
    ("import_rss_mb", "max", 3072.0, 1_000_000), ("recall_above_threshold", "min", 0.99, 1_000_000),
    ("recall", "min", 0.99, 1_000_000), ("index_add_ms", "max", 100.0, 1_000_000),
    ("x_rapidfuzz", "min", 100.0, 100_000), ("x_rapidfuzz_search", "min", 100.0, 100_000),
    # issue 12: <= 20 ms per pasted tweet (links included) in batch, cold start <= 10 s, at 100k
    ("batch_per_s", "min", 50.0, 100_000), ("cold_s", "max", 10.0, 100_000), ("links_cost", "max", 1.5, 100_000),
]


def target_lines(results: dict[int, dict]) -> list[str]:
    lines = []
    for key, how, bound, size in TARGETS:
        value = results.get(size, {}).get(key)
        if value is None:
            continue
        ok = value <= bound if how == "max" else value >= bound
        lines.append(f"target {key} {'<=' if how == 'max' else '>='} {bound:g} at {label(size)}: "
                     f"{value:.3g} {'met' if ok else 'NOT met'}")
    return lines


TINYDB_SLOW_ADD_S = 1.0  # one add slower than this: TinyDB is no longer reasonable
RAPIDFUZZ_MAX = 100_000
RAPIDFUZZ_QUERIES = 30


def parse_size(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def peak_rss_mb() -> tuple[float, float]:
    """(this process, its largest finished child) peak resident set, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


_LINK = re.compile(r"https?://\S+")


def without_links(text: str) -> str:
    """A pasted tweet with its links taken out: what the links cost is the difference."""
    return " ".join(_LINK.sub(" ", text).split())


def queries(split: str = "dev") -> list[str]:
    """The fixed query set: every CheckThat! tweet of a split (EN 2020, EN 2021, AR 2021)."""
    out: list[str] = []
    for key in ("en2020", "en2021", "ar2021"):
        out.extend(load_dataset(key).splits[split].queries.values())
    return out


# --- phases (each runs in a child process) ------------------------------------------


def phase_import(n: int, work: Path) -> dict:
    from benchmarks.synth_archive import synthetic_sources
    from storage.ingest import ingest_sources
    from storage.records import Passage, Source
    from storage.tinydb_store import TinyDBStore
    from verifiers.engine import Verifier

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    t = time.perf_counter()
    sources = list(synthetic_sources(n))
    passages = sum(len(s.passages) for s in sources)
    posts = sum(len(s.posts) for s in sources)
    generate_s = time.perf_counter() - t
    archive = work / "archive.json"
    t = time.perf_counter()
    store = TinyDBStore(archive)
    report = ingest_sources(store, sources, by="bench")
    store_s = time.perf_counter() - t
    del sources, report
    rss_after_store = peak_rss_mb()[0]
    t = time.perf_counter()
    verifier = Verifier(store)
    index_s = time.perf_counter() - t
    extra = Source(id="bench-extra", title="late news", passages=[
        Passage("bench-extra", 0, "قصف مدفعي عنيف على حي الجورة في مدينة دير الزور صباح اليوم"),
    ])
    t = time.perf_counter()
    store.add(extra, by="bench")
    tinydb_add_s = time.perf_counter() - t
    t = time.perf_counter()
    verifier.add_sources([store.get("bench-extra")])
    index_add_ms = (time.perf_counter() - t) * 1000
    found = verifier.verify("قصف مدفعي على حي الجورة في دير الزور").matches
    own, kids = peak_rss_mb()
    return {
        "passages": passages, "posts": posts, "generate_s": generate_s, "store_s": store_s, "index_s": index_s,
        "import_per_s": passages / (store_s + index_s), "tinydb_add_s": tinydb_add_s, "index_add_ms": index_add_ms,
        "incremental_found": bool(found and found[0].source_id == "bench-extra"),
        "archive_mb": dir_size(archive) / 1e6, "index_mb": dir_size(archive.with_name("archive.json.index")) / 1e6,
        "import_rss_mb": own, "import_rss_store_mb": rss_after_store, "import_workers_rss_mb": kids,
    }


def phase_serve(n: int, work: Path) -> dict:
    import_start = time.perf_counter()
    from storage.tinydb_store import TinyDBStore
    from verifiers.claim import clean_claim
    from verifiers.engine import CANDIDATES, Verifier

    qs = queries("dev")
    warm = queries("train")[:30]
    imports_s = time.perf_counter() - import_start
    t = time.perf_counter()
    store = TinyDBStore(work / "archive.json")
    open_s = time.perf_counter() - t
    verifier = Verifier(store)
    verifier.verify(qs[0])
    cold_s = time.perf_counter() - t
    for text in warm:
        verifier.verify(text)
    latencies = []
    for text in qs:
        t = time.perf_counter()
        verifier.verify(text)
        latencies.append((time.perf_counter() - t) * 1000)
    search_ms = []
    for text in qs:  # the retrieval stage alone (what bm25s and rapidfuzz do)
        claim = clean_claim(text)
        terms = verifier.terms(claim.text)
        t = time.perf_counter()
        if terms:
            verifier._index.search(verifier.query_terms(claim, terms), k=CANDIDATES)
        search_ms.append((time.perf_counter() - t) * 1000)
    batch = queries("train")[30:530]  # pasted tweets as they are: about half carry a t.co or status link
    service = _service(store, verifier)
    t, cpu = time.perf_counter(), _cpu_s()
    service.verify_claims_now(batch, None)  # what `isnad verify --batch --offline` runs, links included
    batch_per_s = len(batch) / (time.perf_counter() - t)
    # CPU time (this process and its batch workers): what a loaded, shared machine inflates least.
    batch_cpu_ms = (_cpu_s() - cpu) / len(batch) * 1000
    stripped = [without_links(text) for text in batch]
    t = time.perf_counter()
    service.verify_claims_now(stripped, None)
    batch_nolinks_per_s = len(batch) / (time.perf_counter() - t)
    alone = queries("train")[530:730]  # other claims: the caches must not favour either run
    t = time.perf_counter()
    verifier.verify_many(alone, workers=1)
    batch_one_per_s = len(alone) / (time.perf_counter() - t)
    own, kids = peak_rss_mb()
    return {
        "imports_s": imports_s, "open_store_s": open_s, "cold_s": cold_s,
        "p50_ms": statistics.median(latencies), "p95_ms": percentile(latencies, 0.95),
        "max_ms": max(latencies), "queries": len(latencies),
        "search_p50_ms": statistics.median(search_ms), "search_p95_ms": percentile(search_ms, 0.95),
        "batch_per_s": batch_per_s, "batch_one_per_s": batch_one_per_s, "batch_nolinks_per_s": batch_nolinks_per_s,
        "links_cost": batch_nolinks_per_s / batch_per_s, "batch_cpu_ms": batch_cpu_ms,
        "serve_rss_mb": own, "serve_workers_rss_mb": kids,
    }


def _cpu_s() -> float:
    """CPU seconds used by this process and its finished children (the batch workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _service(store, verifier):
    """The application service over an open store and verifier (no query log file)."""
    from bot.app.service import IsnadService
    from bot.config import load_config
    from bot.querylog import QueryLog

    return IsnadService(store, verifier, QueryLog(None), load_config(None, env={}))


def phase_tinydb(n: int, work: Path) -> dict:
    """What one more article costs in a fresh process (an `isnad ingest` of one
    file): open the archive, then three adds one by one (each rewrites the file)."""
    from storage.records import Passage, Source
    from storage.tinydb_store import TinyDBStore

    t = time.perf_counter()
    store = TinyDBStore(work / "archive.json")
    open_s = time.perf_counter() - t
    adds = []
    for i in range(3):
        sid = f"bench-tinydb-{i}"
        source = Source(id=sid, title=f"late news {i}", content_hash=f"bench-{i}-{time.time()}",
                        passages=[Passage(sid, 0, f"قصف مدفعي على حي الجورة في دير الزور، الخبر رقم {i}")])
        t = time.perf_counter()
        store.add(source, by="bench")
        adds.append(time.perf_counter() - t)
    for i in range(3):
        store.remove(f"bench-tinydb-{i}", by="bench")
    return {"tinydb_open_s": open_s, "tinydb_add_fresh_s": statistics.median(adds), "tinydb_adds_s": adds}


def _passages(work: Path) -> list[str]:
    from storage.tinydb_store import TinyDBStore

    store = TinyDBStore(work / "archive.json")
    texts = [p["text"] for d in store._raw("sources").values() for p in [*d["passages"], *d["posts"]]]
    store.close()
    return texts


def phase_peers(n: int, work: Path) -> dict:
    import bm25s
    from rapidfuzz import fuzz, process

    from verifiers.normalize import normalize

    texts = _passages(work)
    qs = queries("dev")
    out: dict = {}
    t = time.perf_counter()
    normalized = [normalize(x) for x in texts]
    normalize_s = time.perf_counter() - t
    t = time.perf_counter()
    corpus = bm25s.tokenize(normalized, stopwords=None, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    out["bm25s_index_s"] = normalize_s + time.perf_counter() - t
    latencies = []
    for text in qs:
        t = time.perf_counter()
        q = bm25s.tokenize([normalize(text)], stopwords=None, show_progress=False)
        try:
            retriever.retrieve(q, k=100, show_progress=False, n_threads=1)
        except ValueError:  # no query word in the vocabulary
            pass
        latencies.append((time.perf_counter() - t) * 1000)
    out["bm25s_p50_ms"], out["bm25s_p95_ms"] = statistics.median(latencies), percentile(latencies, 0.95)
    del retriever, corpus
    if n <= RAPIDFUZZ_MAX:
        latencies = []
        for text in qs[:: max(1, len(qs) // RAPIDFUZZ_QUERIES)][:RAPIDFUZZ_QUERIES]:
            t = time.perf_counter()
            process.extract(normalize(text), normalized, scorer=fuzz.token_set_ratio, limit=5)
            latencies.append((time.perf_counter() - t) * 1000)
        out["rapidfuzz_p50_ms"], out["rapidfuzz_p95_ms"] = statistics.median(latencies), percentile(latencies, 0.95)
    out["peers_rss_mb"] = peak_rss_mb()[0]
    return out


RECALL_TOLERANCE = 1.0  # score points: ties reorder BM25 ranks, which the re-ranker sees


def _same_top(best: list[float], got: list[float]) -> bool:
    got = got + [0.0] * (len(best) - len(got))
    return len(got) == len(best) and all(abs(a - b) <= RECALL_TOLERANCE for a, b in zip(best, got))


def phase_recall(n: int, work: Path, count: int) -> dict:
    """Fast path (the engine's candidates) against the re-ranker over every
    document that shares a term with the claim (the rest have BM25 0 and rank
    last). Three views of "the same top 5":
      strict          the top-5 scores, whatever they are (min_score=0 output);
      same language   leaving out other-language documents, which the
                      re-ranker scores on shared concepts alone (capped at 35);
      above threshold the matches a user is shown by default."""
    from storage.tinydb_store import TinyDBStore
    from verifiers.claim import clean_claim
    from verifiers.engine import CANDIDATES, Verifier
    verifier = Verifier(TinyDBStore(work / "archive.json"))
    index = verifier._index
    views = {
        "": lambda m: True,
        "_same_lang": lambda m: not m.reason.startswith("other language"),
        "_above_threshold": lambda m: m.score >= verifier.threshold,
    }
    qs = queries("dev")
    qs = qs[:: max(1, len(qs) // count)][:count]
    depths = sorted({25, 50, CANDIDATES})
    same = {(d, v): 0 for d in depths for v in views}
    item_recall: list[float] = []
    for text in qs:
        claim = clean_claim(text)
        terms = verifier.terms(claim.text)
        if not terms:
            continue
        query = verifier.query_terms(claim, terms)
        fast = verifier.candidates(claim, terms)
        full = index.search(query, k=index.n_docs, exhaustive=True)
        every = verifier.rerank_hits(claim, terms, full)
        for depth in depths:
            cut = fast if depth == CANDIDATES else verifier.candidates(claim, terms, k=depth)
            got = verifier.rerank_hits(claim, terms, cut)
            for name, keep in views.items():
                best = [m.score for m in every if keep(m)][:5]
                same[depth, name] += int(_same_top(best, [m.score for m in got if keep(m)][:5]))
        top5 = {m.item_id for m in every[:5]}
        item_recall.append(len(top5 & {h.key.item_id for h in fast.hits}) / max(1, len(top5)))
    n_q = max(1, len(item_recall))
    out = {"recall_items": statistics.mean(item_recall or [0.0]), "recall_queries": n_q}
    for (depth, name), hits in same.items():
        key = "recall" + name + ("" if depth == CANDIDATES else f"_at_{depth}")
        out[key] = hits / n_q
    return out


# --- the driver ---------------------------------------------------------------------


def run_phase(phase: str, n: int, work: Path, extra: list[str] | None = None) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench_scale", "--phase", phase, "--size", str(n), "--work", str(work)]
    t = time.perf_counter()
    done = subprocess.run(cmd + (extra or []), cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  {phase} {label(n)} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
        return {}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {phase} {label(n)}: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    return result


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        ram = f"{int(mem.split()[1]) / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration):
        ram = "? RAM"
    return f"{os.cpu_count()} cores ({cpu}), {ram}, Python {platform.python_version()}, {date.today().isoformat()}"


ROWS = [  # (label, key, format)
    ("passages (+ posts)", None, None),
    ("bulk import, passages/s (store + index)", "import_per_s", "{:,.0f}"),
    ("  store add (TinyDB, one write), s", "store_s", "{:.1f}"),
    ("  index build + save, s", "index_s", "{:.1f}"),
    ("one more source: TinyDB add, s", "tinydb_add_s", "{:.2f}"),
    ("  in a fresh process: open + add, s", "tinydb_fresh_s", "{:.2f}"),
    ("one more source: index add, ms", "index_add_ms", "{:.1f}"),
    ("cold start (open -> first answer), s", "cold_s", "{:.2f}"),
    ("  of which opening the TinyDB file, s", "open_store_s", "{:.2f}"),
    ("verify p50, ms (warm)", "p50_ms", "{:.1f}"),
    ("verify p95, ms (warm)", "p95_ms", "{:.1f}"),
    ("  index search alone p50, ms", "search_p50_ms", "{:.2f}"),
    ("  index search alone p95, ms", "search_p95_ms", "{:.2f}"),
    ("batch, links included (2 processes), claims/s", "batch_per_s", "{:.1f}"),
    ("  the same tweets without their links, claims/s", "batch_nolinks_per_s", "{:.1f}"),
    ("  time with links / without", "links_cost", "{:.2f}"),
    ("  CPU per claim, links included (all processes), ms", "batch_cpu_ms", "{:.1f}"),
    ("  in one process, claims/s", "batch_one_per_s", "{:.1f}"),
    ("peak RSS serving, MB", "serve_rss_mb", "{:,.0f}"),
    ("  batch worker (incl. pages shared with the server), MB", "serve_workers_rss_mb", "{:,.0f}"),
    ("peak RSS importing, MB", "import_rss_mb", "{:,.0f}"),
    ("  of which reached by the TinyDB add, MB", "import_rss_store_mb", "{:,.0f}"),
    ("  tokenizer workers (each, incl. shared), MB", "import_workers_rss_mb", "{:,.0f}"),
    ("archive file, MB", "archive_mb", "{:,.0f}"),
    ("index on disk, MB", "index_mb", "{:,.0f}"),
    ("recall queries (CheckThat! dev tweets)", "recall_queries", "{:d}"),
    ("candidate recall, strict top-5 scores", "recall", "{:.3f}"),
    ("  same language", "recall_same_lang", "{:.3f}"),
    ("  matches above the threshold", "recall_above_threshold", "{:.3f}"),
    ("  strict, 50 candidates", "recall_at_50", "{:.3f}"),
    ("  same language, 25 candidates", "recall_same_lang_at_25", "{:.3f}"),
    ("  same language, 50 candidates", "recall_same_lang_at_50", "{:.3f}"),
    ("  above threshold, 50 candidates", "recall_above_threshold_at_50", "{:.3f}"),
    ("  top-5 items among the candidates", "recall_items", "{:.3f}"),
    ("bm25s index build, s", "bm25s_index_s", "{:.1f}"),
    ("bm25s retrieve p50, ms", "bm25s_p50_ms", "{:.1f}"),
    ("bm25s retrieve p95, ms", "bm25s_p95_ms", "{:.1f}"),
    ("rapidfuzz extract p50, ms", "rapidfuzz_p50_ms", "{:.0f}"),
    ("rapidfuzz extract p95, ms", "rapidfuzz_p95_ms", "{:.0f}"),
    ("rapidfuzz p50 / Isnad verify p50", "x_rapidfuzz", "{:.0f}x"),
    ("rapidfuzz p50 / Isnad index search p50", "x_rapidfuzz_search", "{:.0f}x"),
    ("Isnad verify p50 / bm25s retrieve p50", "x_bm25s", "{:.1f}x"),
    ("Isnad index search p50 / bm25s retrieve p50", "x_bm25s_search", "{:.2f}x"),
]


def table(results: dict[int, dict]) -> str:
    sizes = sorted(results)
    lines = ["| figure | " + " | ".join(label(n) for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for name, key, fmt in ROWS:
        cells = []
        for n in sizes:
            r = results[n]
            if key is None:
                cells.append(f"{r.get('passages', n):,} (+{r.get('posts', 0):,})")
            elif r.get(key) is None:
                cells.append("–")
            else:
                cells.append(fmt.format(r[key]))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def growth(results: dict[int, dict]) -> str:
    sizes = [n for n in sorted(results) if results[n].get("p50_ms")]
    if len(sizes) < 2:
        return ""
    base = results[sizes[0]]
    parts = [f"{label(n)}: p50 x{results[n]['p50_ms'] / base['p50_ms']:.2f}, "
             f"p95 x{results[n]['p95_ms'] / base['p95_ms']:.2f}"
             for n in sizes[1:]]
    growth = 100 * sizes[-1] // sizes[0] // 100
    return f"latency growth from {label(sizes[0])} ({growth}x the passages): " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated, e.g. 10k,100k,1m")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "isnad-bench-scale")
    parser.add_argument("--json", type=Path, help="save the figures here")
    parser.add_argument("--recall-queries", default="10k:100,100k:40,1m:12", help="size:queries for the recall phase")
    parser.add_argument("--skip", default="", help="phases to skip, e.g. peers,recall")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=20, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not available():
        print(missing_message())
        return 0
    if args.phase:  # a child process
        work = args.work
        phases = {"import": phase_import, "serve": phase_serve, "peers": phase_peers, "tinydb": phase_tinydb}
        fn = phases.get(args.phase)
        result = fn(args.size, work) if fn else phase_recall(args.size, work, args.count)
        print(json.dumps(result))
        return 0
    recall_counts = {parse_size(k): int(v) for k, v in (p.split(":") for p in args.recall_queries.split(",") if p)}
    skip = set(args.skip.split(","))
    results: dict[int, dict] = {}
    print(f"machine: {machine()}", flush=True)
    for n in (parse_size(s) for s in args.sizes.split(",")):
        work = args.work / label(n)
        r: dict = {}
        r.update(run_phase("import", n, work))
        if not r:
            continue
        r.update(run_phase("serve", n, work))
        if "tinydb" not in skip:
            r.update(run_phase("tinydb", n, work))
        if "peers" not in skip:
            r.update(run_phase("peers", n, work))
        if "recall" not in skip and n in recall_counts:
            r.update(run_phase("recall", n, work, ["--count", str(recall_counts[n])]))
        if r.get("p50_ms") and r.get("rapidfuzz_p50_ms"):
            r["x_rapidfuzz"] = r["rapidfuzz_p50_ms"] / r["p50_ms"]
        if r.get("tinydb_open_s") is not None:
            r["tinydb_fresh_s"] = r["tinydb_open_s"] + r["tinydb_add_fresh_s"]
        if r.get("search_p50_ms") and r.get("rapidfuzz_p50_ms"):
            r["x_rapidfuzz_search"] = r["rapidfuzz_p50_ms"] / r["search_p50_ms"]
        if r.get("p50_ms") and r.get("bm25s_p50_ms"):
            r["x_bm25s"] = r["p50_ms"] / r["bm25s_p50_ms"]
            r["x_bm25s_search"] = r.get("search_p50_ms", 0) / r["bm25s_p50_ms"]
        results[n] = r
        print(json.dumps({label(n): r}), flush=True)
        if args.json:
            args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=1))
    print()
    print(table(results))
    print(growth(results))
    print("\n".join(target_lines(results)))
    slow = [label(n) for n, r in results.items()
            if max(r.get("tinydb_add_s", 0), r.get("tinydb_add_fresh_s", 0)) > TINYDB_SLOW_ADD_S]
    if slow:
        print(f"TinyDB: one add takes over {TINYDB_SLOW_ADD_S:.0f} s at {', '.join(slow)} passages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
