"""Import formats: which parser reads a file, and how `--format auto` guesses.

Every format has a file parser with one signature:

    parse_file(data: bytes, name: str) -> ParseResult

`data` is the file's bytes, `name` its path for messages. A parser returns the
sources it read (ids may be "": ingest assigns them) and the problems it
skipped, each with a line number when there is one. A file that cannot be read
at all raises ImportFormatError with a one-line message.

Importer modules are loaded only when their format is used, so the CLI's
`--format` choices cost no imports. A module added later (html, pdf) plugs in
by defining `parse_file` with the signature above and naming it in `FORMATS`
(and its file names in `EXTENSIONS`).
"""
from __future__ import annotations

import codecs
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from storage.errors import ImportFormatError
from storage.records import Source


@dataclass
class Problem:
    """One item a parser skipped: where (1-based line, or None) and why."""

    line: int | None
    reason: str


@dataclass
class ParseResult:
    sources: list[Source] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # the line each source came from (same order as `sources`; None for whole files)
    lines: list[int | None] = field(default_factory=list)


FileParser = Callable[[bytes, str], ParseResult]

# format name -> "module:function" of its file parser, loaded on first use.
FORMATS: dict[str, str] = {
    "text": "storage.importers:parse_text_file",
    "jsonl": "storage.importers.jsonl:parse_file",
    "html": "storage.importers.html:parse_file",
    "pdf": "storage.importers.pdf:parse_file",
}

EXTENSIONS: dict[str, str] = {
    ".txt": "text",
    ".md": "text",
    ".text": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
}


def get_parser(name: str) -> FileParser:
    target = FORMATS.get(name)
    if target is None:
        raise ImportFormatError(f"unknown import format {name!r} (known: {', '.join(FORMATS)})")
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, func_name)
    except (ImportError, AttributeError) as exc:
        raise ImportFormatError(f"the {name} importer is not available in this Isnad ({exc})") from exc


def detect_format(path: Path | str, head: bytes) -> str:
    """The format of a file: by extension first, then by its first bytes."""
    by_extension = EXTENSIONS.get(Path(path).suffix.lower())
    if by_extension:
        return by_extension
    return sniff_format(head)


_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<article|<div|<p[\s>]|<!--)", re.I)


def sniff_format(head: bytes) -> str:
    """Guess from content: PDF magic, HTML tags, JSON lines, else plain text."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    body = head.lstrip(codecs.BOM_UTF8)
    if _HTML_START.match(body):
        return "html"
    first_line = body.lstrip().split(b"\n", 1)[0].strip()
    if first_line.startswith(b"{") or (first_line.startswith(b"[") and b"{" in body[:4096]):
        return "jsonl"
    return "text"


def refuse_binary(data: bytes, name: str) -> None:
    """A one-line ImportFormatError for NUL bytes near the start: a binary file
    (outside UTF-16, text has none), refused rather than imported as garbage."""
    if b"\x00" in data[:8192]:
        raise ImportFormatError(f"{name}: looks like a binary file, not text; nothing was imported from it")


def decode_text(data: bytes, name: str) -> str:
    """Bytes of a text file -> str, or a one-line ImportFormatError.

    UTF-8 (with or without BOM) and BOM-marked UTF-16 are accepted; binary
    data (NUL bytes outside UTF-16) and other encodings are refused rather than
    imported as garbage.
    """
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ImportFormatError(f"{name}: not valid UTF-16 text (byte {exc.start})") from None
    refuse_binary(data, name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            f"{name}: not UTF-8 text (bad byte at line {line}); save it as UTF-8 and import again"
        ) from None


def parse_text_file(data: bytes, name: str) -> ParseResult:
    """A plain-text article (H1's parser: repairs PDF artifacts, finds posts)."""
    from storage.importers.text import parse_text_article

    text = decode_text(data, name)
    if not text.strip():
        return ParseResult(problems=[Problem(None, "the file is empty")])
    return ParseResult(sources=[parse_text_article(text)], lines=[None])
