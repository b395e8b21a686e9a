"""kill -9 in the middle of an import and in the middle of an index save.

An import is all or nothing (one atomic write of the archive); the index it
was saving when killed is either the old one (caught up at the next start, by
content hash) or the new one, never a mix; files of killed saves are removed
by the next save. tests/storage/test_crash_safety.py kills the store's own
writes 20 times over; these kill whole CLI commands and index saves."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from storage.tinydb_store import TinyDBStore
from tests.reliability.helpers import REPO, cli_env, run_cli, start_cli, write_jsonl
from verifiers.engine import Verifier
from verifiers.index import Index, IndexFileError

INGEST_TRIALS = 8
SAVE_TRIALS = 10
PER_IMPORT = 2000  # an import of this size takes about 1.6 s here, start to end


def _town(n: int, i: int) -> str:
    """A made-up town name, one per record: a word no other record has (digits
    would not do: the claim clean-up splits digits glued to words)."""
    return "".join("ابتثجحخدذر"[int(d)] for d in f"{n}{i:04d}")


def _batch(n: int) -> list[dict]:
    return [
        {"id": f"t{n}-{i}", "text": f"خبر {i} من الدفعة {n}: اشتباكات قرب مدينة {_town(n, i)} في ريف حلب الشمالي. "
                                      + "تفاصيل إضافية عن الحدث. " * 5}
        for i in range(PER_IMPORT)
    ]


def test_kill_9_during_cli_ingest_leaves_all_or_nothing_and_a_working_index(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = tmp_path / "archive.json"
    rng = random.Random(11)
    imported: list[int] = []
    outcomes = {"killed before the write": 0, "killed after the write": 0, "finished": 0}
    for trial in range(INGEST_TRIALS):
        batch = write_jsonl(tmp_path / f"b{trial}.jsonl", _batch(trial))
        proc = start_cli(home, "--db", str(db), "ingest", str(batch))
        # Spread over the command's life: start-up, parsing, the archive write, the index save.
        time.sleep(0.1 + (trial + rng.random()) * 1.8 / INGEST_TRIALS)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        store = TinyDBStore(db)  # must open: never a torn file
        ids = {s.id for s in store.sources()}
        store.close()
        got = {i for i in range(PER_IMPORT) if f"t{trial}-{i}" in ids}
        assert got in (set(), set(range(PER_IMPORT))), f"trial {trial}: {len(got)} of {PER_IMPORT} sources"
        if got:
            imported.append(trial)
        key = "finished" if proc.returncode == 0 else (
            "killed after the write" if got else "killed before the write")
        outcomes[key] += 1
    print(f"\nkill -9 during ingest: {INGEST_TRIALS} trials, {outcomes}; torn archives 0, partial imports 0")
    # Whatever index the kills left, the next verify answers from the whole archive.
    for trial in imported:
        result = run_cli(home, "--db", str(db), "verify", "--json", f"اشتباكات قرب مدينة {_town(trial, 7)} في ريف حلب")
        assert result.returncode == 0, result.stderr
        matches = json.loads(result.stdout)["matches"]
        assert matches and matches[0]["source_id"] == f"t{trial}-7"


SAVER = textwrap.dedent(
    """
    import sys
    from verifiers.index import DocKey, Index
    index = Index()
    index.add_many((DocKey("passage", f"s{n}:p0", f"s{n}"), [f"w{n % 997}", f"v{n % 89}", "common"])
                   for n in range(100_000))
    print("ready", flush=True)
    while True:
        index.save(sys.argv[1])
    """
)


def test_kill_9_during_index_save_leaves_a_loadable_index_and_no_orphans(tmp_path: Path) -> None:
    directory = tmp_path / "ix"
    rng = random.Random(5)
    loaded = refused = 0
    for _ in range(SAVE_TRIALS):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(directory)], cwd=REPO,
                                env=cli_env(tmp_path / "home"), stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not (directory / "meta.json").exists():
            continue  # killed before the first save finished: nothing to load
        try:
            index = Index.load(directory)
        except IndexFileError:  # allowed (the verifier rebuilds), but a whole save must load
            refused += 1
            continue
        assert index.n_docs == 100_000
        loaded += 1
    assert loaded and refused == 0
    files_before = len(list(directory.iterdir()))
    Index.load(directory).save(directory)
    gen = json.loads((directory / "meta.json").read_text())["generation"]
    left = [p.name for p in directory.iterdir() if p.name not in ("meta.json", ".lock") and gen not in p.name]
    print(f"\nkill -9 during index save: {SAVE_TRIALS} trials, {loaded} loads, {refused} refused; "
          f"{files_before} files before the next save, {len(left)} orphans after it")
    assert left == []


def test_a_verifier_catches_up_after_its_save_was_killed(tmp_path: Path) -> None:
    """The index on disk lags the archive (a save killed after an import): the
    next start finds the missing sources by content hash."""
    home = tmp_path / "home"
    db = tmp_path / "archive.json"
    first = write_jsonl(tmp_path / "a.jsonl", _batch(0)[:20])
    assert run_cli(home, "--db", str(db), "ingest", str(first)).returncode == 0
    index_dir = db.with_name(db.name + ".index")
    saved = {p.name: p.read_bytes() for p in index_dir.iterdir()}
    second = write_jsonl(tmp_path / "b.jsonl", _batch(1)[:20])
    assert run_cli(home, "--db", str(db), "ingest", str(second)).returncode == 0
    for p in index_dir.iterdir():  # put the old index back, as if the second save never happened
        p.unlink()
    for name, data in saved.items():
        (index_dir / name).write_bytes(data)
    verifier = Verifier(TinyDBStore(db))
    report = verifier.verify(f"اشتباكات قرب مدينة {_town(1, 3)} في ريف حلب")
    assert report.matches and report.matches[0].source_id == "t1-3"
