"""kill -9 a process while it writes the archive, again and again: the file
must always open and hold a consistent state (docs/field-notes.md §4: stock TinyDB
corrupted a 12 MB file in 1 run of 8). Meanwhile a reader polls the file:
it must never see a half-written archive, which is what a power cut at that
moment would leave (SIGKILL alone rarely interrupts a write() on Linux)."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from storage.records import Passage, Source
from storage.tinydb_store import TinyDBStore

REPO = Path(__file__).resolve().parents[2]
KILLS = 20
PRESEED = 100
MAX_SOURCES = 300  # past this the writer removes the oldest, so the file stays a few MB

WRITER = textwrap.dedent(
    f"""
    import sys
    sys.path.insert(0, {str(REPO)!r})
    from storage.records import Passage, Source
    from storage.tinydb_store import TinyDBStore

    def text_of(n):
        return [f"Passage {{k}} of source {{n}}: " + ("دير الزور النصرة داعش " * 40) for k in range(10)]

    store = TinyDBStore(sys.argv[1])
    n = len([e for e in store.events() if e.action == "add"])
    print("ready", flush=True)
    while True:
        sid = f"s{{n}}"
        store.add(Source(id=sid, content_hash=f"h{{n}}",
                         passages=[Passage(sid, k, t) for k, t in enumerate(text_of(n))]), by="writer")
        n += 1
        ids = [s.id for s in store.sources()]
        if len(ids) > {MAX_SOURCES}:
            store.remove(ids[0], by="writer")
    """
)


def expected_passages(n: int) -> list[str]:
    return [f"Passage {k} of source {n}: " + ("دير الزور النصرة داعش " * 40) for k in range(10)]


def watch_file(path: Path, seconds: float) -> int:
    """Read the archive over and over while the writer works; count the reads
    that were not a whole archive (an in-place write shows up here)."""
    torn = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data = json.loads(path.read_bytes())
            torn += data.get("meta", {}).get("1", {}).get("format") != "isnad-archive"
        except ValueError:
            torn += 1
    return torn


def make_passages(source_id: str, n: int) -> list[Passage]:
    return [Passage(source_id, k, text) for k, text in enumerate(expected_passages(n))]


def check_consistent(path: Path) -> int:
    """Open the archive, check every invariant; return how many adds it holds."""
    store = TinyDBStore(path)  # raises if the file is broken
    events = store.events()
    adds = [e.source_id for e in events if e.action == "add"]
    removes = [e.source_id for e in events if e.action == "remove"]
    live = [s.id for s in store.sources()]
    # sources and their audit events are written together, never one without the other
    assert live == [sid for sid in adds if sid not in set(removes)]
    assert adds == [f"s{n}" for n in range(len(adds))]
    for source in store.sources():
        n = int(source.id[1:])
        assert [p.text for p in source.passages] == expected_passages(n)
        assert all(p.source_id == source.id for p in source.passages)
    store.close()
    return len(adds)


def test_archive_survives_sigkill_at_random_moments(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    with TinyDBStore(path) as store:  # start sizable, so every write takes a while
        store.add_many(
            [Source(id=f"s{n}", content_hash=f"h{n}", passages=make_passages(f"s{n}", n)) for n in range(PRESEED)]
        )
    rng = random.Random(20140211)
    adds_seen = [PRESEED]
    temp_files_found = 0
    torn_reads = 0
    for _ in range(KILLS):
        writer = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            torn_reads += watch_file(path, seconds=rng.uniform(0.02, 0.35))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=10)
        temp_files_found += len(list(tmp_path.glob(".archive.json.*.tmp")))
        assert torn_reads == 0, "a reader saw a half-written archive"
        adds = check_consistent(path)
        assert adds >= adds_seen[-1], "the archive went back in time"
        adds_seen.append(adds)
        assert not list(tmp_path.glob(".archive.json.*.tmp")), "opening did not clean up the dead writer's temp file"
    assert adds_seen[-1] > PRESEED, f"the writer hardly wrote anything: {adds_seen}"
    print(f"adds after each kill: {adds_seen[1:]}; kills that interrupted a write: {temp_files_found}/{KILLS}")
