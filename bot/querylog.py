"""The log of claims people asked about, for digests.

With a TinyDB archive it is an append-only JSON Lines file next to the archive
(archive.json -> archive.queries.jsonl), not part of the archive: TinyDB
rewrites its whole file on every write (docs/field-notes.md §4), and a busy channel must not
do that per question. Appending one line is cheap, and a torn last line after
a crash only loses that one line (it is skipped on read).

Privacy: a claim asked privately (`/verify private:true`) or in a direct
message is never logged, so it can never reach a digest; the log keeps no
member ids, and entries older than `[digest] query_retention_days` (30 by
default) are pruned (`prune`, run by the bot at start and daily).

With a PostgreSQL archive (a storage.capabilities.QueryLogStore) the log
lives in the database, so every bot process sharing the archive writes to the
same log and a digest counts the questions asked through all of them.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from storage.capabilities import QueryLogStore
from storage.files import atomic_write

log = logging.getLogger(__name__)


@dataclass
class LoggedMatch:
    source_id: str
    title: str
    score: float
    url: str = ""
    date: str | None = None
    handle: str = ""


@dataclass
class QueryEntry:
    at: str  # ISO 8601 UTC
    guild_id: int | None
    channel_id: int | None
    claim: str
    best: LoggedMatch | None = None
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # {"title", "reason"[, "code", "params"]}
    via: str = "slash"  # slash | menu | mention, and slash-image | menu-image | mention-image
    category_id: int | None = None  # the channel's category, for a digest's default scope

    @property
    def key(self) -> str:
        return claim_key(self.claim)

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(self.at)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QueryEntry:
        data = dict(data)
        best = data.get("best")
        data["best"] = LoggedMatch(**best) if best else None
        return cls(**data)


_TWEET_URL = re.compile(r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w+)/status(?:es)?/(\d+)\S*",
                        re.IGNORECASE)


def claim_key(text: str) -> str:
    """Group the same claim asked with different spacing, case or tatweel, and
    the same tweet link however it was shared (?s=20 tracking, mobile., x.com)."""
    text = _TWEET_URL.sub(lambda m: f"https://twitter.com/{m[1]}/status/{m[2]}", text)
    folded = unicodedata.normalize("NFKC", text).replace("\u0640", "").casefold()
    return " ".join(folded.split())


def querylog_path_for(archive_path: str | Path | None) -> Path | None:
    if not archive_path:
        return None
    path = Path(archive_path)
    return path.with_name(path.stem + ".queries.jsonl")


class QueryLog:
    """Append-only; `path=None` keeps entries in memory (tests, in-memory
    archives); a `store` that has a query log of its own (PostgreSQL) is used
    instead of either."""

    def __init__(self, path: Path | None, *, store: object = None) -> None:
        self.database = store if isinstance(store, QueryLogStore) else None
        self.path = None if self.database is not None else path
        self._memory: list[QueryEntry] = []
        self._lock = threading.Lock()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, entry: QueryEntry) -> None:
        if self.database is not None:
            self.database.log_query(entry.to_json())
            return
        line = json.dumps(entry.to_json(), ensure_ascii=False)
        with self._lock:
            if self.path is None:
                self._memory.append(entry)
                return
            with self.path.open("ab") as handle:
                # After a crash mid-line, start afresh so this entry is not glued to the torn one.
                if handle.tell() > 0 and not _ends_with_newline(self.path):
                    handle.write(b"\n")
                handle.write((line + "\n").encode("utf-8"))

    def entries(self) -> Iterable[QueryEntry]:
        if self.database is not None:
            return self._from_records(self.database.queries_since(None))
        if self.path is None:
            return list(self._memory)
        if not self.path.exists():
            return []
        found = []
        with self._lock, self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    found.append(QueryEntry.from_json(json.loads(line)))
                except (ValueError, TypeError) as exc:  # a torn line from a crash
                    log.warning("query log %s line %d skipped: %s", self.path, number, exc)
        return found

    def between(self, start: datetime | None, end: datetime, guild_id: int | None = None) -> list[QueryEntry]:
        picked = []
        for entry in self._candidates(start, end):
            when = entry.when
            if start is not None and when <= start:
                continue
            if when > end:
                continue
            if guild_id is not None and entry.guild_id != guild_id:
                continue  # another server's, or asked in a DM
            picked.append(entry)
        return picked

    def _candidates(self, start: datetime | None, end: datetime) -> Iterable[QueryEntry]:
        if self.database is not None:  # the database picks the period; only those rows are read
            return self._from_records(self.database.queries_since(start, end))
        return self.entries()

    def _from_records(self, records: Iterable[dict[str, Any]]) -> list[QueryEntry]:
        found = []
        known = {f for f in QueryEntry.__dataclass_fields__}
        for record in records:
            try:
                found.append(QueryEntry.from_json({k: v for k, v in record.items() if k in known}))
            except (ValueError, TypeError) as exc:  # a row another program logged differently
                log.warning("query log row skipped: %s", exc)
        return found

    def prune(self, before: datetime) -> int:
        """Forget every entry asked before `before` (the retention period,
        `[digest] query_retention_days`); returns how many. A file log is
        rewritten to a temporary file and renamed over, so a crash leaves
        either the old or the new log whole."""
        if self.database is not None:
            return self.database.prune_queries(before)
        with self._lock:
            if self.path is None:
                kept = [e for e in self._memory if e.when >= before]
                dropped = len(self._memory) - len(kept)
                self._memory = kept
                return dropped
            if not self.path.exists():
                return 0
            lines = self.path.read_text(encoding="utf-8").splitlines()
            kept_lines = []
            for line in lines:
                try:
                    if datetime.fromisoformat(json.loads(line)["at"]) < before:
                        continue
                except (ValueError, TypeError, KeyError):
                    continue  # a torn line from a crash goes too
                kept_lines.append(line)
            dropped = len(lines) - len(kept_lines)
            if dropped:  # fsynced and renamed: a crash leaves the old log or the pruned one
                atomic_write(self.path, "".join(x + "\n" for x in kept_lines))
            return dropped

    def close(self) -> None:
        """Nothing is buffered: each record() is written when made."""


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"

