"""JSON Lines import: one source per line.

    {"id"?, "title"?, "text", "url"?, "date"?, "publisher"?, "author"?, "lang"?}

`text` is required; a given `id` is kept (ingest assigns one otherwise). The
text is split into sentence passages. `date` is read by storage.dates, so
"2014-02-10", "10 فبراير 2014" and "February 2014" all work.

A bad line (not JSON, not an object, no text, a field of the wrong type, a
date that cannot be read) is reported with its line number and skipped; the
other lines still import. A file holding one JSON array of such objects is
accepted too, numbered by item.
"""
from __future__ import annotations

import codecs
import json
import re
from typing import Any

from storage.dates import parse_date
from storage.errors import ImportFormatError
from storage.importers import ParseResult, Problem, decode_text
from storage.passages import make_passages
from storage.records import UNKNOWN_DATE, Source

_STRING_FIELDS = ("id", "title", "url", "date", "publisher", "author", "lang")


def parse_file(data: bytes, name: str) -> ParseResult:
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if utf16 or data.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"["):
        text = decode_text(data, name)
        if text.lstrip().startswith("["):
            return _parse_array(text, name)
        lines = text.split("\n")
        raw_lines: list[bytes | str] = list(lines)
    else:
        if b"\x00" in data[:8192]:
            raise ImportFormatError(f"{name}: looks like a binary file, not text; nothing was imported from it")
        raw_lines = list(data.removeprefix(codecs.BOM_UTF8).split(b"\n"))
    result = ParseResult()
    decoded = 0
    for number, raw in enumerate(raw_lines, start=1):
        try:  # line by line, so one bad byte costs one line, not the file
            line = raw if isinstance(raw, str) else raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            result.problems.append(Problem(number, f"not UTF-8 text (bad byte at column {exc.start + 1})"))
            continue
        decoded += bool(line.strip())
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            result.problems.append(Problem(number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        except RecursionError:
            result.problems.append(Problem(number, "JSON nested too deeply"))
            continue
        _add(result, obj, number)
    if not decoded and result.problems:  # no line is UTF-8: the file is in another encoding
        decode_text(data, name)  # raises its one-line error for the whole file
    return result


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def parse_record(obj: Any) -> Source:
    """One JSON object -> a Source (id kept or ""); ValueError says what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {_json_type(obj)}")
    for key in ("text", *_STRING_FIELDS):
        value = obj.get(key)
        if isinstance(value, str) and _SURROGATE_RE.search(value):
            raise ValueError(f'"{key}" holds a lone surrogate (such as \\ud800), which is not text')
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" is missing' if text is None else f'"text" must be a string, not {_json_type(text)}')
    if not text.strip():
        raise ValueError('"text" is empty')
    for key in _STRING_FIELDS:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f'"{key}" must be a string, not {_json_type(value)}')
    date = UNKNOWN_DATE
    if (obj.get("date") or "").strip():
        parsed = parse_date(obj["date"])
        if parsed is None:
            raise ValueError(f'"date" {obj["date"]!r} is not a date Isnad can read')
        date = parsed
    source_id = (obj.get("id") or "").strip()
    passages = make_passages(source_id, text)
    return Source(
        id=source_id,
        title=(obj.get("title") or "").strip(),
        publisher=(obj.get("publisher") or "").strip(),
        author=(obj.get("author") or "").strip(),
        date=date,
        url=(obj.get("url") or "").strip(),
        lang=(obj.get("lang") or "").strip(),
        passages=passages,
    )


def _parse_array(text: str, name: str) -> ParseResult:
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParseResult(problems=[Problem(exc.lineno, f"not valid JSON ({exc.msg} at column {exc.colno})")])
    except RecursionError:
        return ParseResult(problems=[Problem(None, "JSON nested too deeply")])
    if not isinstance(items, list):
        return ParseResult(problems=[Problem(None, "expected a JSON array of objects")])
    result = ParseResult()
    for number, obj in enumerate(items, start=1):
        _add(result, obj, number, unit="item")
    return result


def _add(result: ParseResult, obj: Any, number: int, unit: str = "line") -> None:
    try:
        source = parse_record(obj)
    except ValueError as exc:
        reason = str(exc) if unit == "line" else f"item {number}: {exc}"
        result.problems.append(Problem(number if unit == "line" else None, reason))
        return
    result.sources.append(source)
    result.lines.append(number if unit == "line" else None)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return "a string"
