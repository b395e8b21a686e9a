"""A fuzz pass over every importer and over batch lines, with a fixed seed
(hypothesis, derandomized): thousands of hostile inputs, and for each one
either sources or a one-line error, never a traceback; an input that adds
nothing leaves the archive file byte for byte as it was."""
from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.context import _parse_line
from storage.ingest import ingest_paths
from storage.tinydb_store import TinyDBStore
from tests.reliability.helpers import one_page_pdf, run_cli


def fuzz_settings(examples: int):
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


# --- inputs --------------------------------------------------------------------------

HTML_PIECES = [
    "<html>", "</html>", "<body>", "</body>", "<div>", "</div>", "<p>", "</p>", "<b>", "<i>", "<table><tr><td>",
    "<script>", "</script>", "<style>", "<!--", "-->", "<!doctype html>", "<meta charset='windows-1256'>",
    "<meta property='article:published_time' content='2014-02-10'>", "<time datetime='9999-99-99'>",
    '<blockquote class="twitter-tweet"><p>', "</blockquote>", "<a href='https://twitter.com/x/status/4611686018427387904'>",
    "<a href='javascript:alert(1)'>", "</a>", "&amp;", "&#0;", "&#xD800;", "\x00", "\ufeff", "\u202e", "قصف ",
    "دير الزور ", "بقلم ", "February 31, 2014", " — name (@handle) ", "<script type='application/ld+json'>{",
    "<br>", "<img src=x>", "<title>", "</title>", "\n", "ـــ",
]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
RECORD = st.fixed_dictionaries(
    {}, optional={k: JSON_VALUES | st.text(max_size=200) for k in ("id", "title", "text", "url", "date", "lang")}
)
JSONL_LINE = st.one_of(
    RECORD.map(lambda r: json.dumps(r).encode()),
    RECORD.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    st.integers(1, 3000).map(lambda n: b'{"text": ' + b"[" * n + b"]" * n + b"}"),
    st.just(b'{"text": "\\ud800 lone"}'),
)


def _small_pdf(lines: list[bytes]) -> bytes:
    shown = b"".join(b"(" + line + b") Tj 0 -40 Td " for line in lines)
    return one_page_pdf(zlib.compress(b"BT /F1 12 Tf 72 712 Td " + shown + b"ET"))


BASE_PDF = _small_pdf([b"Bridge shelled", b"", b"Shelling near the old bridge in Deir ez-Zor this morning.",
                       b"", b"Witnesses said three people were hurt when the shells fell."])


@st.composite
def mutated_pdf(draw) -> bytes:
    data = bytearray(BASE_PDF)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "dup"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at:at + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=50))
        else:
            data[at:at] = data[at:at + draw(st.integers(1, 400))] * draw(st.integers(1, 20))
        if not data:
            data = bytearray(b"%PDF-")
    return bytes(data)


INPUTS = {
    "text": (".txt", st.one_of(st.binary(max_size=3000),
                               st.lists(st.text(max_size=200), max_size=12).map(
                                   lambda p: "\n\n".join(p).encode("utf-8", "surrogatepass")),
                               st.text(max_size=500).map(lambda t: t.encode("utf-16", "surrogatepass"))), 700),
    "jsonl": (".jsonl", st.lists(JSONL_LINE, max_size=12).map(b"\n".join), 700),
    "html": (".html", st.one_of(st.lists(st.sampled_from(HTML_PIECES), max_size=80).map(lambda p: "".join(p).encode()),
                                st.binary(max_size=2000)), 500),
    "pdf": (".pdf", st.one_of(mutated_pdf(), st.binary(max_size=500)), 400),
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> TinyDBStore:
    return TinyDBStore(tmp_path_factory.mktemp("fuzz") / "archive.json")


@pytest.mark.parametrize("fmt", list(INPUTS))
def test_each_importer_survives_a_fuzz_pass(fmt: str, archive: TinyDBStore, tmp_path: Path) -> None:
    suffix, strategy, examples = INPUTS[fmt]
    seen = {"inputs": 0, "added": 0, "refused": 0}
    path = tmp_path / f"fuzz{suffix}"
    assert archive.path is not None

    @fuzz_settings(examples)
    @given(strategy)
    def run(data: bytes) -> None:
        path.write_bytes(data)
        before = archive.path.read_bytes()  # type: ignore[union-attr]
        report = ingest_paths(archive, [path])  # raises only on a bug: that is the test
        seen["inputs"] += 1
        seen["added"] += bool(report.added)
        seen["refused"] += bool(report.failures)
        for item in report.skipped:
            assert "\n" not in item.reason and len(item.reason) < 600
        if not report.added:
            assert archive.path.read_bytes() == before  # type: ignore[union-attr]

    run()
    print(f"\nfuzz {fmt}: {seen['inputs']} inputs, {seen['added']} imported something, "
          f"{seen['refused']} with a one-line refusal, 0 tracebacks")
    assert seen["inputs"] >= examples // 2


def test_batch_lines_survive_a_fuzz_pass() -> None:
    seen = {"lines": 0, "errors": 0}

    @fuzz_settings(3000)
    @given(JSONL_LINE)
    def run(raw: bytes) -> None:
        for line in raw.split(b"\n"):
            if not line.strip():
                continue
            obj, error = _parse_line(1, line)
            seen["lines"] += 1
            seen["errors"] += bool(error)
            assert obj is not None or error
            json.dumps({"error": error}, ensure_ascii=False).encode("utf-8")  # the answer can be written

    run()
    print(f"\nfuzz batch lines: {seen['lines']} lines, {seen['errors']} answered with an error, 0 tracebacks")
    assert seen["lines"] >= 2000


def test_fuzzed_batch_files_through_the_cli_answer_every_line_in_step(tmp_path: Path) -> None:
    """2,000 fuzzed lines through `isnad verify --batch` and `isnad stance --batch`."""
    import random

    rng = random.Random(20)
    lines: list[bytes] = []
    while len(lines) < 2000:
        pick = rng.random()
        if pick < 0.4:
            lines.append(json.dumps({"id": len(lines), "text": "قصف على حي " + str(rng.random()),
                                     "claim": "قصف"}, ensure_ascii=False).encode())
        elif pick < 0.6:
            lines.append(rng.randbytes(rng.randint(1, 80)).replace(b"\n", b" ").replace(b"\r", b" "))
        elif pick < 0.7:
            n = rng.randint(500, 5000)
            lines.append(b'{"text": ' + b"[" * n + b"]" * n + b"}")
        elif pick < 0.8:
            lines.append(b'{"id": %d, "text": "\\ud800", "claim": "\\udfff"}' % len(lines))
        else:
            lines.append(json.dumps({"id": len(lines), "text": rng.choice([None, 5, [], {}, True, ""]),
                                     "claim": rng.choice([None, "x"])}).encode())
    lines = [line for line in lines if line.strip()]
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    for argv in (("verify", "--json", "--batch", str(path)), ("stance", "--batch", str(path))):
        result = run_cli(tmp_path / "home", "--db", str(tmp_path / "a.json"), *argv, timeout=600)
        assert "Traceback" not in result.stderr
        rows = [json.loads(row) for row in result.stdout.splitlines()]
        assert len(rows) == len(lines) and result.returncode == 1
        errors = sum("error" in r for r in rows)
        print(f"\nfuzzed {argv[0]} --batch: {len(lines)} lines in, {len(rows)} answers out, {errors} errors")
