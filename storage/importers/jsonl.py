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
from storage.importers import ParseResult, Problem, decode_text, refuse_binary
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
        refuse_binary(data, name)
        raw_lines = list(data.removeprefix(codecs.BOM_UTF8).split(b"\n"))
    result = ParseResult()
    decoded = 0
    for number, raw in enumerate(raw_lines, start=1):
        line, reason = decode_line(raw)  # line by line, so one bad byte costs one line, not the file
        if line is None:
            result.problems.append(Problem(number, reason))
            continue
        if not line.strip():
            continue
        decoded += 1
        obj, reason = parse_line(line)
        if reason:
            result.problems.append(Problem(number, reason))
            continue
        _add(result, obj, number)
    if not decoded and result.problems:  # no line is UTF-8: the file is in another encoding
        decode_text(data, name)  # raises its one-line error for the whole file
    return result


def decode_line(raw: bytes | str) -> tuple[str | None, str]:
    """A line's text, or (None, why its bytes are not UTF-8 text)."""
    if isinstance(raw, str):
        return raw, ""
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (bad byte at column {exc.start + 1})"


def parse_line(raw: bytes | str) -> tuple[Any, str]:
    """One line of JSON Lines -> (its JSON value, "") or (None, why it cannot be
    read): bytes that are not UTF-8, invalid JSON, or JSON nested too deeply
    (a RecursionError, which would otherwise end the whole import). The
    importer and the CLI's batch reader share it, so both say the same."""
    line, reason = decode_line(raw)
    if line is None:
        return None, reason
    try:
        return json.loads(line), ""
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return None, "JSON nested too deeply"


def has_lone_surrogate(value: Any) -> bool:
    """Any string inside `value` (a parsed JSON value, or a string) holding a lone
    surrogate (\\ud800: JSON allows it, but it is not text and cannot be written
    back out as UTF-8)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE_RE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def parse_record(obj: Any) -> Source:
    """One JSON object -> a Source (id kept or ""); ValueError says what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {_json_type(obj)}")
    for key in ("text", *_STRING_FIELDS):
        value = obj.get(key)
        if isinstance(value, str) and has_lone_surrogate(value):
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
