"""Hostile files, pages and options, through the CLI as a user would run it:
each gets a one-line error (or its good part imported) within seconds, with
bounded memory, and nothing archived is lost."""
from __future__ import annotations

import gzip
import json
import logging
import os
import random
import time
import zlib
from pathlib import Path

import pytest

from storage.tinydb_store import TinyDBStore
from tests.reliability.helpers import REPO, cli_env, loopback_config, one_page_pdf, run_cli, serve, write_jsonl

MEMORY_CAP_MB = 300


def deep_html(depth: int = 100_000) -> bytes:
    return ("<html><body>" + "<div>" * depth + "<p>قصف مدفعي على حي الجورة</p>" + "</div>" * depth
            + "</body></html>").encode()


@pytest.fixture(scope="module")
def gzip_bomb() -> tuple[bytes, bytes]:
    """(1 GB of zeros gzipped once: ~1 MB; the same gzipped again: 1,827 bytes)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 24)
    inner = b"".join([packer.compress(zeros) for _ in range(64)] + [packer.flush()])
    return inner, gzip.compress(inner, 9)


def _ingest_measured(home: Path, config: Path, url: str, tmp_path: Path) -> tuple[int, str, float, float]:
    """Run `isnad ingest URL` in a child process that reports its own peak memory."""
    import subprocess
    import sys

    report = tmp_path / "peak.json"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "tests.reliability.peak_rss", str(report), "--config", str(config),
         "--db", str(tmp_path / "archive.json"), "ingest", url],
        capture_output=True, text=True, timeout=300, cwd=REPO, env=cli_env(home),
    )
    elapsed = time.monotonic() - started
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, json.loads(report.read_text())["peak_mb"], elapsed


def test_a_stacked_gzip_bomb_is_refused_with_bounded_memory(tmp_path: Path, gzip_bomb) -> None:
    inner, stacked = gzip_bomb
    home = tmp_path / "home"
    routes = {
        "/stacked": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}, stacked),
        "/single": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, inner),
        "/unknown": (200, {"Content-Type": "text/html", "Content-Encoding": "lzma"}, b"x" * 100),
    }
    with serve(routes) as base:
        config = loopback_config(home)
        code, out, peak, elapsed = _ingest_measured(home, config, f"{base}/stacked", tmp_path)
        print(f"\nstacked gzip ({len(stacked):,} bytes on the wire, 1 GB inside): exit {code}, "
              f"peak {peak:.0f} MB, {elapsed:.1f} s")
        assert code == 1 and "stacked content encodings" in out and peak <= MEMORY_CAP_MB
        code, out, peak, elapsed = _ingest_measured(home, config, f"{base}/single", tmp_path)
        print(f"single gzip ({len(inner):,} bytes on the wire, 1 GB inside): exit {code}, "
              f"peak {peak:.0f} MB, {elapsed:.1f} s")
        assert code == 1 and "-byte limit; stopped downloading" in out and peak <= MEMORY_CAP_MB
        code, out, _, _ = _ingest_measured(home, config, f"{base}/unknown", tmp_path)
        assert code == 1 and "unknown content encoding 'lzma'" in out


def test_a_gzipped_page_still_imports(tmp_path: Path) -> None:
    home = tmp_path / "home"
    page = ("<html><head><title>قصف على الجورة</title></head><body><article><p>"
            + "قصف مدفعي على حي الجورة في دير الزور صباح اليوم. " * 20 + "</p></article></body></html>").encode()
    routes = {"/gz": (200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
                      gzip.compress(page)),
              "/deflate": (200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "deflate"},
                           zlib.compress(page.replace(b"<title>", b"<title>2 ")))}
    with serve(routes) as base:
        result = run_cli(home, "--config", str(loopback_config(home)), "--db", str(tmp_path / "a.json"),
                         "ingest", f"{base}/gz", f"{base}/deflate")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 source(s) added" in result.stdout


def test_a_100k_deep_html_page_is_handled_within_60_s(tmp_path: Path) -> None:
    home = tmp_path / "home"
    body = deep_html()
    page = tmp_path / "deep.html"
    page.write_bytes(body)
    with serve({"/deep": (200, {"Content-Type": "text/html"}, body)}) as base:
        started = time.monotonic()
        by_url = run_cli(home, "--config", str(loopback_config(home)), "--db", str(tmp_path / "a.json"),
                         "ingest", f"{base}/deep", timeout=120)
        url_seconds = time.monotonic() - started
    started = time.monotonic()
    by_file = run_cli(home, "--db", str(tmp_path / "a.json"), "ingest", str(page), timeout=120)
    file_seconds = time.monotonic() - started
    print(f"\n100k-deep HTML ({len(body):,} bytes): URL {url_seconds:.1f} s, file {file_seconds:.1f} s")
    for result, seconds in ((by_url, url_seconds), (by_file, file_seconds)):
        assert seconds < 60
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "nests elements more than 400 deep" in result.stdout


@pytest.mark.parametrize("unclosed", [b"<!--x", b"<a ", b"<script "])
def test_300_kb_of_an_unclosed_construct_is_answered_in_seconds(tmp_path: Path, unclosed: bytes) -> None:
    home = tmp_path / "home"
    page = tmp_path / "unclosed.html"
    page.write_bytes(b"<html><body>" + unclosed * (300_000 // len(unclosed)))
    started = time.monotonic()
    result = run_cli(home, "--db", str(tmp_path / "a.json"), "ingest", str(page), timeout=120)
    seconds = time.monotonic() - started
    # A guard against a hang, not a speed figure: the depth pre-scan once searched
    # to the end of the page from every `<` of such a page (minutes at this size).
    assert seconds < 10
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert "unclosed.html: no article text or embedded posts were found in this page" in result.stdout


def test_random_bytes_named_html_and_a_pdf_bomb_are_refused_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    noise = tmp_path / "noise.html"
    noise.write_bytes(random.Random(1).randbytes(200_000))
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(_flate_bomb_pdf())
    db = tmp_path / "a.json"
    result = run_cli(home, "--db", str(db), "ingest", str(noise), str(bomb))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert any("noise.html: this file is not an HTML page" in line for line in lines)
    assert any("bomb.pdf" in line and "too large to unpack" in line for line in lines)
    assert "0 source(s) added" in result.stdout


def _flate_bomb_pdf() -> bytes:
    """A one-page PDF whose content stream inflates to 300 MB."""
    packer = zlib.compressobj(9)
    stream = packer.compress(b"BT /F1 12 Tf 72 712 Td (A) Tj ET\n")
    stream += b"".join(packer.compress(bytes(b" " * (1 << 24))) for _ in range(18)) + packer.flush()
    return one_page_pdf(stream)


def test_a_jsonl_file_with_a_surrogate_line_and_a_deep_line_imports_its_good_lines(tmp_path: Path) -> None:
    home = tmp_path / "home"
    lines = [
        json.dumps({"id": "good-1", "text": "قصف مدفعي على حي الجورة في دير الزور"}, ensure_ascii=False),
        '{"id": "surrogate", "text": "half a pair \\ud800 here"}',
        '{"id": "deep", "text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"id": "nul", "text": "a NUL \u0000 and a bell \u0007 in اشتباكات حلب"}, ensure_ascii=False),
        '{"id": 7, "text": ["wrong", "type"]}',
        json.dumps({"id": "good-2", "text": "اشتباكات عنيفة في ريف حلب الشمالي"}, ensure_ascii=False),
    ]
    data = ("\n".join(lines) + "\n").encode() + b'{"id": "bad-byte", "text": "\xff\xfe"}\n'
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(data)
    db = tmp_path / "a.json"
    result = run_cli(home, "--db", str(db), "ingest", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "3 source(s) added" in result.stdout
    for line in (2, 3, 4, 6, 8):
        assert f"mixed.jsonl:{line}:" in result.stdout
    store = TinyDBStore(db)
    assert {s.id for s in store.sources()} == {"good-1", "nul", "good-2"}
    nul = store.get("nul")
    assert nul is not None and "\x00" not in nul.passages[0].text and "\x07" not in nul.passages[0].text


@pytest.mark.parametrize("command", ["verify", "stance"])
def test_a_batch_with_an_invalid_utf8_line_answers_the_others_in_step(tmp_path: Path, command: str) -> None:
    home = tmp_path / "home"
    field = {"text": "قصف مدفعي على حي الجورة"} if command == "verify" else {
        "claim": "قصف على حلب", "text": "نفى الجيش القصف على حلب"}
    good = [json.dumps({"id": f"q{i}", **field}, ensure_ascii=False).encode() for i in range(4)]
    bad_utf8 = b'{"id": "x", "text": "\xff\xfe"}'
    surrogate = b'{"id": "s", "text": "\\udc00", "claim": "\\ud800"}'
    deep = b'{"id": "d", "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    wrong = b'{"id": "w", "text": 5, "claim": null}'
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"\n".join([good[0], bad_utf8, good[1], surrogate, deep, good[2], wrong, good[3]]) + b"\n")
    args = ("verify", "--json", "--batch", str(path)) if command == "verify" else ("stance", "--batch", str(path))
    result = run_cli(home, "--db", str(tmp_path / "a.json"), *args)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["q0", None, "q1", "s", None, "q2", "w", "q3"]
    assert ["error" in r for r in rows] == [False, True, False, True, True, False, True, False]
    assert "line 2: not UTF-8 text" in rows[1]["error"]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "101", "-1"])
def test_min_score_outside_0_to_100_is_refused_and_creates_nothing(tmp_path: Path, value: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = run_cli(tmp_path / "home", "--db", str(work / "a.json"), "verify", f"--min-score={value}", "claim")
    assert result.returncode == 1 and "--min-score must be a number from 0 to 100" in result.stderr
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("address", ["mysql://user@localhost/isnad", "memory:", "sqlite:///x.db", "ftp://h/a.json"])
def test_unknown_archive_addresses_are_refused_before_anything_is_created(tmp_path: Path, address: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for argv in (("sources", "list"), ("ingest", str(REPO / "storage" / "data"))):
        result = run_cli(tmp_path / "home", "--db", address, *argv, cwd=work)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert list(work.iterdir()) == []
    assert not (tmp_path / "home" / "data").exists()


def test_tinydb_urls_name_a_file(tmp_path: Path) -> None:
    target = tmp_path / "t.json"
    result = run_cli(tmp_path / "home", "--db", f"tinydb://{target}", "sources", "list", cwd=tmp_path)
    assert result.returncode == 0 and target.is_file()
    assert not (tmp_path / "tinydb:").exists()


def test_a_symlinked_archive_is_written_through_to_its_target(tmp_path: Path) -> None:
    home = tmp_path / "home"
    real = tmp_path / "store" / "archive.json"
    real.parent.mkdir()
    TinyDBStore(real).close()
    link = tmp_path / "archive-link.json"
    link.symlink_to(real)
    batch = write_jsonl(tmp_path / "in.jsonl", [{"id": "one", "text": "قصف مدفعي على حي الجورة"}])
    assert run_cli(home, "--db", str(link), "ingest", str(batch)).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert [s.id for s in TinyDBStore(real).sources()] == ["one"]


def test_a_source_migrated_into_a_file_opened_before_is_found(tmp_path: Path) -> None:
    home = tmp_path / "home"
    src, dst = tmp_path / "src.json", tmp_path / "dst.json"
    batch = write_jsonl(tmp_path / "in.jsonl", [{"id": "m1", "text": "قصف مدفعي على حي الجورة في دير الزور"}])
    assert run_cli(home, "--db", str(src), "ingest", str(batch)).returncode == 0
    opened = run_cli(home, "--db", str(dst), "verify", "--json", "قصف مدفعي على حي الجورة")  # saves an empty index
    assert json.loads(opened.stdout)["matches"] == []
    migrated = run_cli(home, "migrate", "--from", str(src), "--to", str(dst))
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    found = run_cli(home, "--db", str(dst), "verify", "--json", "قصف مدفعي على حي الجورة في دير الزور")
    assert [m["source_id"] for m in json.loads(found.stdout)["matches"]][:1] == ["m1"]


def test_a_token_in_a_traceback_is_redacted_like_one_in_a_message(caplog: pytest.LogCaptureFixture) -> None:
    import io

    from bot.discord.run import _Redact

    secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.fake-token-for-the-test"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(_Redact(secret))
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("isnad.test.redact")
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"login failed with {secret}")
        except RuntimeError:
            logger.exception("token %s refused", secret)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "RuntimeError" in text and "Traceback" in text
    assert secret not in text and text.count("[token]") == 2


def test_an_archive_that_cannot_be_created_gets_one_line(tmp_path: Path) -> None:
    """Where the folder cannot be made (here a file stands in its way; a
    read-only file system fails the same call), one line, no traceback."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    result = run_cli(tmp_path / "home", "--db", str(blocker / "archive.json"), "sources", "list")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot create" in result.stderr


def test_index_files_get_the_archives_permissions(tmp_path: Path) -> None:
    db = tmp_path / "archive.json"
    batch = write_jsonl(tmp_path / "in.jsonl", [{"id": "p1", "text": "قصف مدفعي على حي الجورة"}])
    assert run_cli(tmp_path / "home", "--db", str(db), "ingest", str(batch)).returncode == 0
    assert db.stat().st_mode & 0o777 == 0o600  # a new archive is private
    index = db.with_name(db.name + ".index")
    modes = {p.name: p.stat().st_mode & 0o777 for p in index.iterdir()}
    assert modes and set(modes.values()) == {0o600}, modes
    assert index.stat().st_mode & 0o777 == 0o700
