"""The one clock of the code base: "now" in UTC, as a datetime or as the ISO
stamp the archive records (audit events, added_at)."""
from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_stamp() -> str:
    """Now as ISO 8601 UTC to the second, e.g. "2026-11-30T12:00:00+00:00"."""
    return utc_now().isoformat(timespec="seconds")
