"""Adding sources from a link, a file or pasted text, the same way for every
front end: parsed by the storage importers, added with the audit trail
(`by`), de-duplicated by content and by page URL."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from storage.errors import ImportFormatError
from storage.ingest import SkippedItem, ingest_sources
from storage.records import PartialDate, Source

if TYPE_CHECKING:
    from storage.fetch import Fetcher
    from storage.store import ArchiveStore

ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5"


@dataclass
class AddOutcome:
    added: list[Source] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)  # what, and why: shown to the user
    notes: list[str] = field(default_factory=list)  # what the importer noticed, e.g. a tweet's date corrected


def skip_text(item: SkippedItem) -> str:
    """A skipped item as one line: "line 3: why" for a line of an uploaded file."""
    if not item.path and not item.what:
        return f"line {item.line}: {item.reason}" if item.line is not None else item.reason
    return str(item)


def add_parsed(store: ArchiveStore, sources: list[Source], by: str) -> AddOutcome:
    """Ingest parsed sources (ids assigned as storage.ingest does) and say what happened."""
    report = ingest_sources(store, sources, by=by)
    added = [s for s in (store.get(item.id) for item in report.added) if s is not None]
    return AddOutcome(added=added, skipped=list(report.skipped))


def parse_fetched(body: bytes, final_url: str, kind: str, charset: str | None) -> tuple[Source, list[str]]:
    """A fetched page (HTML) or PDF as a source, and the importer's notes (an
    embedded tweet whose shown date disagrees with its status id); slow for a
    long PDF, so callers run it in a thread."""
    if kind == "pdf":
        from storage.importers.pdf import parse_pdf

        return parse_pdf(body, url=final_url), []
    from storage.importers.html import parse_html_page

    page = parse_html_page(body, url=final_url, charset=charset)
    return page.source, list(page.notes)


async def download(fetcher: Fetcher, url: str) -> tuple[bytes, str, str, str | None]:
    """(body, final URL, "html"|"pdf", charset); raises FetchError."""
    from storage.fetch import kind_of

    result = await fetcher.get(url, accept=ACCEPT)
    return result.body, result.final_url, kind_of(result), result.charset


class UnsupportedType(ImportFormatError):
    def __init__(self, ext: str, allowed: tuple[str, ...]) -> None:
        super().__init__(f".{ext} files are not accepted")
        self.ext = ext
        self.allowed = allowed


def parse_upload(data: bytes, filename: str, allowed: tuple[str, ...]) -> tuple[list[Source], list[SkippedItem]]:
    """Parse an uploaded file with the storage importers registry.

    Raises ImportFormatError with a one-line message for an unknown or
    unavailable type; returns the sources and the problems skipped.
    """
    from storage import importers

    ext = Path(filename).suffix.lower().lstrip(".")
    if ext not in allowed:
        raise UnsupportedType(ext, allowed)
    fmt = importers.detect_format(filename, data[:4096])
    parser = importers.get_parser(fmt)  # ImportFormatError when its module is missing
    result = parser(data, filename)
    problems = [SkippedItem("", p.line or None, p.reason) for p in result.problems]
    return list(result.sources), problems


def pasted_source(fields: dict[str, str], date: PartialDate) -> Source:
    """A pasted article, read by the text parser (it finds embedded tweets)."""
    from storage.importers.text import parse_text_article

    text = fields["text"]
    title = fields.get("title", "").strip()
    # The text parser reads an article's first line as its title; give it
    # the form's title there so the first line of the text stays text.
    source = parse_text_article(f"{title}\n\n{text}" if title else text)
    source.title = title or source.title
    source.publisher = fields.get("publisher", "").strip() or source.publisher
    source.url = fields.get("url", "").strip() or source.url
    if date.known:
        source.date = date
    return source
