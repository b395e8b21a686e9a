"""Ingest: files into the archive, ids, de-duplication, and never harming what
is already archived. Also the default archive seeded with the sample."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from storage import sample
from storage.errors import ImportFormatError
from storage.ingest import ingest_paths, ingest_sources, source_hash
from storage.sample import SAMPLE_ADDED_BY, SAMPLE_PATH, default_archive_path, open_store
from storage.tinydb_store import TinyDBStore


def write_jsonl(path: Path, *records: object) -> Path:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
        encoding="utf-8",
    )
    return path


def test_import_adds_sources_with_ids_counts_and_who(tmp_path: Path, archive_path: Path) -> None:
    feed = write_jsonl(
        tmp_path / "feed.jsonl",
        {"id": "afp-1", "title": "A", "text": "One. Two. Three."},
        {"title": "B", "text": "انسحب داعش من دير الزور. وسيطرت النصرة على حقول النفط."},
    )
    store = TinyDBStore(archive_path)
    calls = []
    report = ingest_paths(store, [feed], by="reporter#1", progress=lambda d, t: calls.append((d, t)))
    assert [(a.id, a.passages, a.posts, a.line) for a in report.added][0] == ("afp-1", 3, 0, 1)
    generated = report.added[1]
    assert generated.id.startswith("src-") and len(generated.id) == 16 and generated.passages == 2
    assert report.skipped == [] and report.passages == 5 and calls == [(1, 1)]

    stored = TinyDBStore(archive_path).get(generated.id)
    assert stored.added_by == "reporter#1" and stored.added_at.endswith("+00:00")
    assert stored.content_hash == source_hash(stored) and generated.id == "src-" + stored.content_hash[:12]
    assert all(p.source_id == generated.id for p in stored.passages)
    assert json.loads(json.dumps(report.to_json()))["added"][0]["id"] == "afp-1"


def test_reimport_adds_nothing_and_says_why(tmp_path: Path, archive_path: Path) -> None:
    feed = write_jsonl(tmp_path / "feed.jsonl", {"text": "Same story."}, {"id": "x-1", "text": "Other story."})
    store = TinyDBStore(archive_path)
    first = ingest_paths(store, [feed])
    before = archive_path.read_bytes()
    again = ingest_paths(TinyDBStore(archive_path), [feed])
    assert again.added == []
    assert [(s.line, s.reason) for s in again.skipped] == [
        (1, f"already archived as {first.added[0].id}"),
        (2, "already archived as x-1"),
    ]
    assert again.failures == []  # duplicates: nothing went wrong
    assert archive_path.read_bytes() == before  # nothing new: not even rewritten


def test_duplicates_within_one_batch_and_taken_ids(tmp_path: Path, archive_path: Path) -> None:
    store = TinyDBStore(archive_path)
    ingest_paths(store, [write_jsonl(tmp_path / "old.jsonl", {"id": "taken", "text": "Old text."})])
    feed = write_jsonl(
        tmp_path / "new.jsonl",
        {"text": "Repeated  story.\n"},
        {"text": "Repeated story."},  # same content, other white space
        {"id": "taken", "text": "A different story."},
        {"id": "dup", "text": "First with this id."},
        {"id": "dup", "text": "Second with this id."},
    )
    other = write_jsonl(tmp_path / "other.jsonl", {"text": "Repeated story."})
    report = ingest_paths(store, [feed, other])
    assert [(a.path, a.line) for a in report.added] == [(str(feed), 1), (str(feed), 4)]
    reasons = {(Path(s.path).name, s.line): s.reason for s in report.skipped}
    assert reasons == {
        ("new.jsonl", 2): "same content as new.jsonl line 1 in this import",
        ("new.jsonl", 3): "id taken is already taken in the archive by a different source",
        ("new.jsonl", 5): "id dup is already used by new.jsonl line 4 in this import",
        ("other.jsonl", 1): "same content as new.jsonl line 1 in this import",
    }
    assert str(report.skipped[0]).startswith(f"{feed}:2: same content")
    assert len(list(store.sources())) == 3


def test_failing_import_leaves_the_sample_intact(sample_store: TinyDBStore, archive_path: Path, tmp_path: Path) -> None:
    before = archive_path.read_bytes()
    sample_before = list(sample_store.sources())
    bad = write_jsonl(tmp_path / "bad.jsonl", "{oops", [1], {"text": ""})
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    missing = tmp_path / "missing.jsonl"
    report = ingest_paths(sample_store, [bad, binary, missing])
    assert report.added == []
    assert {(Path(s.path).name, s.line) for s in report.skipped} == {
        ("bad.jsonl", 1), ("bad.jsonl", 2), ("bad.jsonl", 3), ("scan.txt", None), ("missing.jsonl", None),
    }
    assert any("binary" in s.reason for s in report.skipped)
    assert any("cannot read the file" in s.reason for s in report.skipped)
    assert archive_path.read_bytes() == before
    assert list(TinyDBStore(archive_path).sources()) == sample_before


def test_mixed_good_and_bad_lines_add_only_the_good(sample_store: TinyDBStore, tmp_path: Path) -> None:
    feed = write_jsonl(tmp_path / "mixed.jsonl", {"text": "Good line."}, "{bad", {"text": "Another good line."})
    report = ingest_paths(sample_store, [feed])
    assert [a.line for a in report.added] == [1, 3] and [s.line for s in report.skipped] == [2]
    assert len(list(sample_store.sources())) == 3


def test_text_files_and_folders_import(tmp_path: Path, archive_path: Path, seed_text: str) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "seed.txt").write_text(seed_text, encoding="utf-8")
    write_jsonl(folder / "feed.jsonl", {"text": "A line."})
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")  # not a known type: not picked up
    report = ingest_paths(TinyDBStore(archive_path), [folder], by="me")
    assert sorted(Path(a.path).name for a in report.added) == ["feed.jsonl", "seed.txt"]
    seed = next(a for a in report.added if a.path.endswith("seed.txt"))
    assert seed.posts >= 4 and seed.passages > 3 and "دير" in seed.title


def test_explicit_format_and_unknown_format(tmp_path: Path, archive_path: Path) -> None:
    odd = tmp_path / "feed.data"
    odd.write_text(json.dumps({"text": "Forced JSONL."}), encoding="utf-8")
    store = TinyDBStore(archive_path)
    assert len(ingest_paths(store, [odd], fmt="jsonl").added) == 1
    with pytest.raises(ImportFormatError, match="unknown import format"):
        ingest_paths(store, [odd], fmt="docx")


def test_ingest_sources_fixes_ids_on_passages_and_posts(memory_store: TinyDBStore, make_source) -> None:
    source = make_source("One. Two.", posts=[("tweet", "someone", "2014-02-11")])
    report = ingest_sources(memory_store, [source, make_source("")], by="bot")
    assert len(report.added) == 1 and report.skipped[0].reason == "it has no text"
    assert report.failures == report.skipped  # an empty source is a failure, not a duplicate
    stored = memory_store.get(report.added[0].id)
    assert [p.id for p in stored.passages] == [f"{stored.id}:p0", f"{stored.id}:p1"]
    assert stored.posts[0].id == f"{stored.id}:t0" and stored.posts[0].handle == "someone"


def test_default_archive_starts_with_the_sample_once() -> None:
    path = default_archive_path()
    assert path.is_relative_to(os.environ["XDG_DATA_HOME"])  # conftest keeps tests off the real one
    assert not path.exists()
    store = open_store(None)
    (only,) = list(store.sources())
    assert only.added_by == SAMPLE_ADDED_BY and len(only.posts) >= 4
    assert path.exists()
    # the user removes the sample: it does not come back
    store.remove(only.id, by="user")
    assert list(open_store(None).sources()) == []


def test_explicit_new_archive_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "mine.json"
    store = open_store(path)
    assert list(store.sources()) == [] and path.exists()
    assert not default_archive_path().exists()


def test_sample_path_is_the_bundled_article(seed_text: str) -> None:
    assert SAMPLE_PATH.is_file() and SAMPLE_PATH.read_text(encoding="utf-8") == seed_text
    assert "نون بوست" in seed_text


def test_interrupted_seeding_is_completed_without_duplicates() -> None:
    """A crash between adding the sample and marking it done: the next open
    marks it done without adding a second copy."""
    store = open_store(None)
    store.set_setting(sample._SEEDED_SETTING, False)
    reopened = open_store(None)
    assert len(list(reopened.sources())) == 1
    assert reopened.get_setting(sample._SEEDED_SETTING) is True
