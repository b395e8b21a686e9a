"""Import into the archive: parse files, give sources ids, drop duplicates,
and add everything new in one atomic write.

Nothing already archived is changed by an import: new sources are only added,
duplicates (same content hash, or a given id already taken) are skipped with a
reason, and a file or line that cannot be read is reported and skipped.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from storage.clock import utc_stamp
from storage.errors import ImportFormatError
from storage.importers import EXTENSIONS, FORMATS, ParseResult, detect_format, get_parser
from storage.records import Source, content_hash
from storage.store import ArchiveStore

Progress = Callable[[int, int], None]


@dataclass
class AddedItem:
    id: str
    title: str
    passages: int
    posts: int
    path: str = ""
    line: int | None = None


@dataclass
class SkippedItem:
    """Something not imported: from which file (and line), and why."""

    path: str
    line: int | None
    reason: str
    what: str = ""  # the source's id or title, when there was one
    failed: bool = True  # False for a duplicate: nothing went wrong, it is archived already

    @classmethod
    def duplicate(cls, path: str, line: int | None, reason: str, what: str = "") -> SkippedItem:
        """Skipped because it is archived already (by content, id or URL): not a
        failure, so it alone does not make `isnad ingest` exit 1."""
        return cls(path, line, reason, what, failed=False)

    def __str__(self) -> str:
        where = self.path or self.what or "(input)"
        if self.line is not None:
            where += f":{self.line}"
        elif self.path and self.what:
            where += f" ({self.what})"
        return f"{where}: {self.reason}"


@dataclass
class IngestReport:
    added: list[AddedItem] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)

    @property
    def failures(self) -> list[SkippedItem]:
        """What could not be imported (a bad file, line or page), duplicates left out."""
        return [s for s in self.skipped if s.failed]

    @property
    def passages(self) -> int:
        return sum(a.passages for a in self.added)

    @property
    def posts(self) -> int:
        return sum(a.posts for a in self.added)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": [vars(a) for a in self.added],
            "skipped": [vars(s) for s in self.skipped],
        }


@dataclass
class _Candidate:
    source: Source
    path: str = ""
    line: int | None = None


def source_hash(source: Source) -> str:
    """The content hash of a source: its title and the text of its passages and posts."""
    parts = [source.title, *(p.text for p in source.passages), *(p.text for p in source.posts)]
    return content_hash("\n".join(parts))


def ingest_sources(store: ArchiveStore, sources: Iterable[Source], *, by: str = "") -> IngestReport:
    """Add parsed sources (ids assigned when empty), skipping duplicates."""
    report = IngestReport()
    _add(store, [_Candidate(s) for s in sources], by, report)
    return report


def ingest_paths(
    store: ArchiveStore,
    paths: Sequence[str | Path],
    *,
    fmt: str = "auto",
    by: str = "",
    progress: Progress | None = None,
) -> IngestReport:
    """Import files (directories are searched for files of known types).

    `progress(done, total)` is called after each file is read, counting files.
    All new sources are written at the end, in one write.
    """
    if fmt != "auto" and fmt not in FORMATS:
        raise ImportFormatError(f"unknown import format {fmt!r} (known: auto, {', '.join(FORMATS)})")
    report = IngestReport()
    files = _expand(paths, report)
    candidates: list[_Candidate] = []
    for done, path in enumerate(files, start=1):
        candidates.extend(_read_file(path, fmt, report))
        if progress is not None:
            progress(done, len(files))
    _add(store, candidates, by, report)
    return report


def _expand(paths: Sequence[str | Path], report: IngestReport) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS)
            if not found:
                report.skipped.append(SkippedItem(str(path), None, "no importable files in this folder"))
            files.extend(found)
        else:
            files.append(path)
    return files


def _read_file(path: Path, fmt: str, report: IngestReport) -> list[_Candidate]:
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.skipped.append(SkippedItem(name, None, f"cannot read the file ({exc.strerror or exc})"))
        return []
    try:
        kind = fmt if fmt != "auto" else detect_format(path, data[:8192])
        result: ParseResult = get_parser(kind)(data, name)
    except ImportFormatError as exc:
        report.skipped.append(SkippedItem(name, None, _without_name(str(exc), name)))
        return []
    for problem in result.problems:
        report.skipped.append(SkippedItem(name, problem.line, problem.reason))
    lines = result.lines or [None] * len(result.sources)
    return [_Candidate(s, name, line) for s, line in zip(result.sources, lines)]


def _without_name(message: str, name: str) -> str:
    """Parsers prefix their errors with the file name; the report has it already."""
    prefix = f"{name}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def _add(store: ArchiveStore, candidates: list[_Candidate], by: str, report: IngestReport) -> None:
    now = utc_stamp()
    ready: list[_Candidate] = []
    seen_ids: dict[str, _Candidate] = {}
    seen_hashes: dict[str, _Candidate] = {}
    for cand in candidates:
        source = _prepared(cand.source, by, now)
        what = source.id or source.title
        if not source.passages and not source.posts:
            report.skipped.append(SkippedItem(cand.path, cand.line, "it has no text", what))
            continue
        reason = _duplicate_reason(store, source, seen_ids, seen_hashes)
        if reason:
            report.skipped.append(SkippedItem.duplicate(cand.path, cand.line, reason, what))
            continue
        prepared = _Candidate(source, cand.path, cand.line)
        seen_ids[source.id] = seen_hashes[source.content_hash] = prepared
        ready.append(prepared)
    if not ready:
        return
    result = store.add_many([c.source for c in ready], by=by)
    by_id = {c.source.id: c for c in ready}
    for stored in result.added:
        cand = by_id[stored.id]
        report.added.append(
            AddedItem(stored.id, stored.title, len(stored.passages), len(stored.posts), cand.path, cand.line)
        )
    for what, reason in result.skipped:  # only if another writer got there first
        found = by_id.get(what)
        report.skipped.append(
            SkippedItem.duplicate(found.path if found else "", found.line if found else None, reason, what)
        )


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text without NUL and other control characters (tab, newline and carriage
    return stay) or lone surrogates: PostgreSQL refuses NUL, JSON writers refuse
    surrogates, and none of them is anything a reader can see."""
    return _CONTROL_RE.sub("", text) if _CONTROL_RE.search(text) else text


def _cleaned(source: Source) -> Source:
    strings: dict[str, Any] = {f.name: clean_text(getattr(source, f.name)) for f in fields(source)
               if isinstance(getattr(source, f.name), str)}
    passages = [replace(p, text=clean_text(p.text)) for p in source.passages]
    posts = [
        replace(p, text=clean_text(p.text), author=clean_text(p.author), handle=clean_text(p.handle),
                urls=[clean_text(u) for u in p.urls], hashtags=[clean_text(h) for h in p.hashtags])
        for p in source.posts
    ]
    return replace(source, **strings, passages=passages, posts=posts)


def _prepared(source: Source, by: str, now: str) -> Source:
    source = _cleaned(source)
    digest = source_hash(source)
    source_id = source.id or f"src-{digest[:12]}"
    return replace(source, id=source_id, content_hash=digest).stamped(by=by, at=now)


def _duplicate_reason(
    store: ArchiveStore, source: Source, seen_ids: dict[str, _Candidate], seen_hashes: dict[str, _Candidate]
) -> str:
    existing = store.find_by_hash(source.content_hash)
    if existing is not None:
        return f"already archived as {existing}"
    if source.content_hash in seen_hashes:
        return f"same content as {_where(seen_hashes[source.content_hash])} in this import"
    if store.get(source.id) is not None:
        return f"id {source.id} is already taken in the archive by a different source"
    if source.id in seen_ids:
        return f"id {source.id} is already used by {_where(seen_ids[source.id])} in this import"
    return ""


def _where(cand: _Candidate) -> str:
    if cand.path and cand.line is not None:
        return f"{Path(cand.path).name} line {cand.line}"
    if cand.path:
        return Path(cand.path).name
    return cand.source.id
