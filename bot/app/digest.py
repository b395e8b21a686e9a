"""Daily digests, without any platform: what they hold, where their settings
live, and the schedule arithmetic. Posting them is the front end's job
(bot/discord/digest.py schedules and posts them to a Discord channel).

Where the schedule lives: each server's digest settings, including the time of
the last digest posted, are one setting in the archive's store
("digest:<server id>"), listed under "digest_guilds". A front end rebuilds its
schedule from them on every start; a digest missed while it was down is due
once if it is less than `misfire_grace_hours` old (`missed_run`). `last_run` is
written only after a digest is posted, so a crash before posting retries it,
and a restart after posting does not repeat it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.app.languages import Settings
from bot.querylog import LoggedMatch, QueryEntry, claim_key
from storage.records import Source
from storage.store import AuditEvent
from verifiers.report import Note

SETTING_PREFIX = "digest:"
INDEX_KEY = "digest_guilds"


@dataclass
class DigestSettings:
    guild_id: int
    channel_id: int
    time: str  # "HH:MM"
    timezone: str
    lang: str = "en"
    set_at: str = ""  # ISO UTC; a digest is never due before it was set
    last_run: str | None = None  # ISO UTC of the scheduled time last posted
    category_id: int | None = None  # the digest channel's category (its default scope)
    set_by: int | None = None  # the moderator told when the digest cannot be posted
    failed_at: str | None = None  # ISO UTC of the last failed attempt, until one succeeds
    channels: list[int] = field(default_factory=list)  # channels whose claims it lists (/digest from)

    @property
    def key(self) -> str:
        return f"{SETTING_PREFIX}{self.guild_id}"

    @property
    def job_id(self) -> str:
        return f"digest-{self.guild_id}"

    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.time.split(":")
        return int(hour), int(minute)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DigestSettings:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in known})

    def scope(self, channels: Iterable[int] = ()) -> DigestScope:
        """Its own channel list (/digest from) when it has one, else `channels` ([digest] channels)."""
        return DigestScope(frozenset(self.channels or channels), self.category_id, self.channel_id)


@dataclass(frozen=True)
class DigestScope:
    """Which asked claims a digest may list (privacy). Private claims and DMs
    are never logged (bot.querylog); of the rest, a digest lists claims asked
    in the explicit channels (the digest's own list, set with /digest from,
    else `[digest] channels`) when there are any, else
    those asked in its own channel's category, else (a channel outside any
    category) those asked in its own channel only. A claim asked elsewhere in
    the server stays out: a newsroom keeps its public desk apart from the rest."""

    channel_ids: frozenset[int]
    category_id: int | None
    channel_id: int | None

    def admits(self, entry: QueryEntry) -> bool:
        if self.channel_ids:
            return entry.channel_id in self.channel_ids
        if self.category_id is not None:
            return entry.category_id == self.category_id
        return entry.channel_id is not None and entry.channel_id == self.channel_id


def parse_hhmm(text: str) -> str | None:
    try:
        parsed = datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        return None
    return f"{parsed.hour:02d}:{parsed.minute:02d}"


def last_scheduled(settings: DigestSettings, now: datetime) -> datetime:
    """The latest time the digest was due at or before `now` (UTC)."""
    zone = ZoneInfo(settings.timezone)
    hour, minute = settings.hour_minute()
    local_now = now.astimezone(zone)
    due = datetime.combine(local_now.date(), time(hour, minute), tzinfo=zone)
    if due > local_now:
        due = datetime.combine(local_now.date() - timedelta(days=1), time(hour, minute), tzinfo=zone)
    return due.astimezone(UTC)


def missed_run(settings: DigestSettings, now: datetime, grace: timedelta) -> datetime | None:
    """The scheduled time of a digest missed while the bot was down, if it is still worth posting."""
    due = last_scheduled(settings, now)
    posted = [datetime.fromisoformat(x) for x in (settings.last_run, settings.set_at) if x]
    if posted and max(posted) >= due:
        return None
    if now - due > grace:
        return None
    return due


def next_scheduled(settings: DigestSettings, now: datetime) -> datetime:
    """The next time the digest is due after `now`, in the digest's own time zone."""
    zone = ZoneInfo(settings.timezone)
    hour, minute = settings.hour_minute()
    local_now = now.astimezone(zone)
    due = datetime.combine(local_now.date(), time(hour, minute), tzinfo=zone)
    if due <= local_now:
        due = datetime.combine(local_now.date() + timedelta(days=1), time(hour, minute), tzinfo=zone)
    return due


def period_start(settings: DigestSettings | None) -> datetime | None:
    """Where the next digest's period starts: the last one posted, else a day before it was set."""
    if settings is None:
        return None
    if settings.last_run:
        return datetime.fromisoformat(settings.last_run)
    return datetime.fromisoformat(settings.set_at) - timedelta(days=1) if settings.set_at else None


class DigestBook:
    """Every server's digest settings, kept in the archive's settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def all(self) -> list[DigestSettings]:
        found = []
        for guild_id in self.settings.get_setting(INDEX_KEY, []) or []:
            settings = self.get(int(guild_id))
            if settings is not None:
                found.append(settings)
        return found

    def get(self, guild_id: int) -> DigestSettings | None:
        raw = self.settings.get_setting(f"{SETTING_PREFIX}{guild_id}")
        return DigestSettings.from_json(raw) if raw else None

    def save(self, settings: DigestSettings) -> None:
        self.settings.set_setting(settings.key, settings.to_json())
        guilds = set(self.settings.get_setting(INDEX_KEY, []) or [])
        if settings.guild_id not in guilds:
            self.settings.set_setting(INDEX_KEY, sorted(guilds | {settings.guild_id}))

    def update(self, settings: DigestSettings) -> None:
        """Rewrite a server's settings (after posting: `last_run`), leaving the list of servers alone."""
        self.settings.set_setting(settings.key, settings.to_json())

    def remove(self, guild_id: int) -> bool:
        """Turn a server's digest off; False when there was none."""
        existed = self.get(guild_id) is not None
        self.settings.set_setting(f"{SETTING_PREFIX}{guild_id}", None)
        guilds = set(self.settings.get_setting(INDEX_KEY, []) or []) - {guild_id}
        self.settings.set_setting(INDEX_KEY, sorted(guilds))
        return existed


# --- content -------------------------------------------------------------------


@dataclass
class AskedClaim:
    claim: str
    times: int
    best: LoggedMatch | None


@dataclass
class FoundConflict:
    claim: str
    title: str
    reason: str  # English, as the verifier wrote it
    code: str = ""  # the reason's verifiers.report.Note code, when it had one
    params: dict[str, str] = field(default_factory=dict)

    def note(self) -> Note | str:
        return Note(self.code, self.reason, **self.params) if self.code else self.reason


@dataclass
class DigestContent:
    """What a digest holds, before any front end words it."""

    start: datetime | None
    end: datetime
    new_sources: list[Source] = field(default_factory=list)
    claims: list[AskedClaim] = field(default_factory=list)  # most asked first
    conflicts: list[FoundConflict] = field(default_factory=list)
    unmatched: list[tuple[str, int]] = field(default_factory=list)  # claim, times asked


def build_content(events: Iterable[AuditEvent], get_source: Any, entries: list[QueryEntry],
                  start: datetime | None, end: datetime, max_claims: int = 15) -> DigestContent:
    """Sources added in (start, end] and still archived; the claims asked then."""
    content = DigestContent(start=start, end=end)
    for event in events:
        when = datetime.fromisoformat(event.at)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if event.action != "add" or when > end or (start is not None and when <= start):
            continue
        source = get_source(event.source_id)
        if source is not None:  # else added and removed again within the period
            content.new_sources.append(source)
    counts = Counter(e.key for e in entries)
    latest: dict[str, QueryEntry] = {}
    for entry in entries:
        latest[entry.key] = entry
    ranked = sorted(latest.values(), key=lambda e: (-counts[e.key], e.at))
    content.claims = [AskedClaim(e.claim, counts[e.key], e.best) for e in ranked[:max_claims]]
    seen = set()
    for entry in entries:
        for conflict in entry.conflicts:
            key = (claim_key(entry.claim), conflict.get("title"), conflict.get("reason"))
            if key in seen:
                continue
            seen.add(key)
            content.conflicts.append(FoundConflict(entry.claim, conflict.get("title", ""), conflict.get("reason", ""),
                                                   conflict.get("code", ""), conflict.get("params") or {}))
    content.unmatched = [(e.claim, counts[e.key]) for e in ranked if e.best is None][:max_claims]
    return content
