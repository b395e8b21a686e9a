"""`isnad embed` and `isnad alias suggest` as a moderator runs them."""
from __future__ import annotations

import io
import json
import sys

import pytest

from tests.bot.test_cli import run, run_process
from verifiers import embeddings

BILINGUAL = {"id": "en-ar-1", "title": "Hajin",
             "text": "Fighters withdrew from Hajin on Monday. انسحب المقاتلون من هجين"}


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "archive.json"
    data = tmp_path / "in.jsonl"
    data.write_text(json.dumps(BILINGUAL, ensure_ascii=False) + "\n", encoding="utf-8")
    code, _ = run("--db", str(path), "ingest", str(data))
    assert code == 0
    return path


def test_alias_suggest_proposes_the_name_with_the_command_that_adds_it(archive):
    code, out = run("--db", str(archive), "alias", "suggest")
    assert code == 0
    assert "Hajin  =  هجين" in out and 'isnad alias add hajin "Hajin" "هجين"' in out
    code, out = run("--db", str(archive), "alias", "suggest", "--json")
    assert json.loads(out.splitlines()[0]) == {"latin": "Hajin", "arabic": "هجين", "sources": ["en-ar-1"]}
    assert run("--db", str(archive), "alias", "suggest", "--min-sources", "2")[1].startswith("No new names")
    assert run("--db", str(archive), "alias", "suggest", "--limit", "0")[0] == 1


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.skipif(not embeddings.available(), reason=embeddings.MISSING)
def test_embed_backfills_once_with_a_progress_bar_on_a_terminal(archive, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, out = run("--db", str(archive), "embed")
    assert code == 0
    assert "Embedded 2 passages and posts; the cross-language index holds 2." in out  # two paragraphs
    assert "2/2" in terminal.getvalue() and "passages" in terminal.getvalue()  # tqdm's bar
    assert (archive.parent / "archive.json.index.dense" / "meta.json").exists()
    again = run_process("--db", str(archive), "embed")  # piped: no bar
    assert "Embedded 0 passages" in again.stdout and again.stderr == ""


def test_embed_without_the_extra_says_how_to_install_it(archive, monkeypatch, capsys):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    code, _ = run("--db", str(archive), "embed")
    assert code == 1
    assert embeddings.EXTRA_HINT in capsys.readouterr().err
