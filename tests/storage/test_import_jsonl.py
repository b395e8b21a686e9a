"""JSON Lines import, format detection and sentence passages."""
from __future__ import annotations

import json

import pytest

from storage.errors import ImportFormatError
from storage.importers import decode_text, detect_format, get_parser, sniff_format
from storage.importers.jsonl import parse_file
from storage.passages import split_sentences
from storage.records import PartialDate


def jsonl(*lines: object) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines).encode()


def test_fields_are_read_and_a_given_id_is_kept() -> None:
    data = jsonl(
        {
            "id": "afp-123",
            "title": "Deir ez-Zor",
            "text": "ISIS withdrew from Deir ez-Zor. Nusra took the oil fields!",
            "url": "https://example.com/a",
            "date": "10 فبراير 2014",
            "publisher": "AFP",
            "author": "A. Writer",
            "lang": "en",
        },
        {"text": "انسحب تنظيم داعش من دير الزور؟ نعم."},
    )
    result = parse_file(data, "feed.jsonl")
    assert result.problems == []
    first, second = result.sources
    assert (first.id, first.title, first.publisher, first.author, first.url, first.lang) == (
        "afp-123", "Deir ez-Zor", "AFP", "A. Writer", "https://example.com/a", "en",
    )
    assert first.date == PartialDate(2014, 2, 10)
    assert [p.text for p in first.passages] == ["ISIS withdrew from Deir ez-Zor.", "Nusra took the oil fields!"]
    assert [p.id for p in first.passages] == ["afp-123:p0", "afp-123:p1"]
    assert second.id == "" and not second.date.known
    assert [p.text for p in second.passages] == ["انسحب تنظيم داعش من دير الزور؟", "نعم."]
    assert result.lines == [1, 2]


def test_bad_lines_are_reported_by_number_and_the_rest_import() -> None:
    data = jsonl(
        {"text": "good one."},
        "{not json",
        "",
        [1, 2],
        {"title": "no text"},
        {"text": "   "},
        {"text": 42},
        {"text": "fine", "date": "sometime soon"},
        {"text": "fine", "title": ["list"]},
        {"id": "ok-2", "text": "good two.", "date": "2014-02"},
    )
    result = parse_file(data, "feed.jsonl")
    assert [s.id for s in result.sources] == ["", "ok-2"]
    assert result.lines == [1, 10]
    problems = {p.line: p.reason for p in result.problems}
    assert sorted(problems) == [2, 4, 5, 6, 7, 8, 9]  # the blank line 3 is not a problem
    assert "not valid JSON" in problems[2]
    assert "expected a JSON object" in problems[4]
    assert '"text" is missing' in problems[5]
    assert '"text" is empty' in problems[6]
    assert '"text" must be a string, not a number' in problems[7]
    assert "'sometime soon' is not a date" in problems[8]
    assert '"title" must be a string, not an array' in problems[9]


def test_a_json_array_of_records_is_accepted() -> None:
    data = json.dumps([{"id": "a", "text": "one."}, {"text": ""}]).encode()
    result = parse_file(data, "dump.json")
    assert [s.id for s in result.sources] == ["a"]
    assert result.problems[0].reason.startswith("item 2:")


def test_binary_and_non_utf8_files_get_one_clear_error() -> None:
    with pytest.raises(ImportFormatError, match="binary") as caught:
        parse_file(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.jsonl")
    assert "photo.jsonl" in str(caught.value)
    latin1 = '{"text": "café"}\n{"text": "caf\xe9"}\n'.encode("latin-1")
    with pytest.raises(ImportFormatError, match=r"not UTF-8 text \(bad byte at line 1\)"):
        parse_file(latin1, "old.jsonl")


def test_utf8_bom_and_utf16_text_decode() -> None:
    assert decode_text("\ufeffنص".encode("utf-8"), "x") == "نص"
    assert decode_text("نص عربي".encode("utf-16"), "x") == "نص عربي"


@pytest.mark.parametrize(
    "name, head, expected",
    [
        ("a.jsonl", b"", "jsonl"),
        ("a.JSON", b"", "jsonl"),
        ("a.txt", b"{", "text"),  # the extension wins
        ("a.md", b"", "text"),
        ("page.htm", b"", "html"),
        ("paper.pdf", b"", "pdf"),
        ("noext", b"%PDF-1.7\n", "pdf"),
        ("noext", b"\n  <!DOCTYPE html><html>", "html"),
        ("noext", b'{"text": "x"}\n', "jsonl"),
        ("noext", "انسحب عناصر تنظيم".encode(), "text"),
    ],
)
def test_format_detection(name: str, head: bytes, expected: str) -> None:
    assert detect_format(name, head) == expected


def test_sniffing_alone_and_unknown_formats() -> None:
    assert sniff_format(b'[{"text": "x"}]') == "jsonl"
    assert sniff_format(b"[citation needed] text") == "text"
    with pytest.raises(ImportFormatError, match="unknown import format 'docx'"):
        get_parser("docx")


def test_sentences_split_on_arabic_and_english_punctuation() -> None:
    text = "Dr. J. Smith said “no.” Then left?\nwrapped line\n\nوقال د. ثائر إن المعارك عنيفة؟ نعم… انتهى"
    assert split_sentences(text) == [
        "Dr. J. Smith said “no.”",
        "Then left?",
        "wrapped line",
        "وقال د. ثائر إن المعارك عنيفة؟",
        "نعم…",
        "انتهى",
    ]


def test_long_unpunctuated_text_is_cut_at_commas_or_spaces() -> None:
    text = "، ".join(["كلمة " * 30] * 10)
    pieces = split_sentences(text, max_chars=400)
    assert all(len(p) <= 400 for p in pieces) and len(pieces) > 1
    assert " ".join(pieces).split() == text.split()
