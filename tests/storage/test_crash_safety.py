"""kill -9 a process while it writes the archive, again and again: the file
must always open and hold a consistent state (NOTES §4: stock TinyDB
corrupted a 12 MB file in 1 run of 8)."""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from storage.tinydb_store import TinyDBStore

REPO = Path(__file__).resolve().parents[2]
KILLS = 20
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
    TinyDBStore(path).close()
    rng = random.Random(20140211)
    adds_seen = [0]
    temp_files_found = 0
    for _ in range(KILLS):
        writer = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.02, 0.35))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=10)
        temp_files_found += len(list(tmp_path.glob(".archive.json.*.tmp")))
        adds = check_consistent(path)
        assert adds >= adds_seen[-1], "the archive went back in time"
        adds_seen.append(adds)
        assert not list(tmp_path.glob(".archive.json.*.tmp")), "opening did not clean up the dead writer's temp file"
    assert adds_seen[-1] > MAX_SOURCES // 2, f"the writer hardly wrote anything: {adds_seen}"
    print(f"adds after each kill: {adds_seen[1:]}; kills that interrupted a write: {temp_files_found}/{KILLS}")
