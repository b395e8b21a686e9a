"""Daily digests: what they hold, and when they are posted.

Where the schedule lives: each guild's digest settings, including the time of
the last digest posted, are one setting in the archive's store
("digest:<guild id>"). The APScheduler job store is the default in-memory one,
rebuilt from those settings on every start. We did not persist APScheduler's
own job store (SQLAlchemyJobStore) because:
  - it needs sqlalchemy, a new dependency, and a second file that can drift
    from the settings (a job left over for a digest that was turned off);
  - jobs would be pickled, which ties the file to our function names.
Instead, at start-up we compute the last scheduled time before now; if no
digest was posted since then and it is less than `misfire_grace_hours` old,
we post it once. `last_run` is written only after a digest is posted, so a
crash before posting retries it, and a restart after posting does not repeat
it. While running, each guild has one cron job with a fixed id, coalesce=True
and the same grace, so a late wake-up (sleep, long GC) posts once, not twice.
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.discord.i18n import t
from bot.discord.render import Section, clean, clip, iso, line, pack_messages, section_embeds
from bot.querylog import QueryEntry, claim_key

if TYPE_CHECKING:
    from bot.discord.client import IsnadBot

log = logging.getLogger(__name__)

SETTING_PREFIX = "digest:"


@dataclass
class DigestSettings:
    guild_id: int
    channel_id: int
    time: str  # "HH:MM"
    timezone: str
    lang: str = "en"
    set_at: str = ""  # ISO UTC; a digest is never due before it was set
    last_run: str | None = None  # ISO UTC of the scheduled time last posted

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
        return cls(**data)


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


# --- content -------------------------------------------------------------------


@dataclass
class Digest:
    start: datetime | None
    end: datetime
    new_sources: list[str] = field(default_factory=list)  # rendered lines
    claims: list[tuple[str, int, str]] = field(default_factory=list)  # claim, times asked, best match line
    conflicts: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, int]] = field(default_factory=list)


def build_digest(archive: Any, guild_id: int, start: datetime | None, end: datetime, lang: str,
                 max_claims: int = 15) -> Digest:
    """Runs in a thread: reads the store's audit trail and the query log."""
    digest = Digest(start=start, end=end)
    for event in archive.store.events():
        when = datetime.fromisoformat(event.at)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if event.action != "add" or when > end or (start is not None and when <= start):
            continue
        source = archive.store.get(event.source_id)
        if source is None:
            continue  # added and removed again within the period
        name = clip(clean(source.title or source.url or source.id), 150)
        digest.new_sources.append(f"`{source.id}` {iso(name)} · {iso(source.date.iso() or '—')}")
    entries: list[QueryEntry] = archive.querylog.between(start, end, guild_id)
    counts = Counter(e.key for e in entries)
    latest: dict[str, QueryEntry] = {}
    for entry in entries:
        latest[entry.key] = entry
    ranked = sorted(latest.values(), key=lambda e: (-counts[e.key], e.at))
    for entry in ranked[:max_claims]:
        best = entry.best
        best_line = (f"{iso(clip(clean(best.title), 100))}" + (f" · {iso('@' + best.handle)}" if best.handle else "")
                     + (f" · {iso(best.date)}" if best.date else "") + f" · {best.score:.0f}/100"
                     if best else t("digest.no_match", lang))
        digest.claims.append((entry.claim, counts[entry.key], best_line))
    seen = set()
    for entry in entries:
        for conflict in entry.conflicts:
            key = (claim_key(entry.claim), conflict.get("title"), conflict.get("reason"))
            if key in seen:
                continue
            seen.add(key)
            digest.conflicts.append(f"“{clip(clean(entry.claim), 150)}” ⟷ {iso(clip(clean(conflict.get('title', '')), 100))}: "
                                    f"{clip(clean(conflict.get('reason', '')), 200)}")
    digest.unmatched = [(e.claim, counts[e.key]) for e in ranked if e.best is None][:max_claims]
    return digest


def digest_messages(digest: Digest, lang: str) -> list[list[discord.Embed]]:
    """The digest as messages, each within Discord's limits."""
    none = t("digest.none", lang)
    fmt = "%Y-%m-%d %H:%M UTC"
    start = digest.start.strftime(fmt) if digest.start else "—"
    header = discord.Embed(title=t("digest.title", lang),
                           description=line(t("digest.period", lang, start=iso(start), end=iso(digest.end.strftime(fmt))), lang))
    claims = [line(f"**{t('digest.times', lang, n=n)}** “{clip(clean(c), 300)}” → {best}", lang)
              for c, n, best in digest.claims]
    unmatched = [line(f"**{t('digest.times', lang, n=n)}** “{clip(clean(c), 300)}”", lang) for c, n in digest.unmatched]
    sections = [
        Section(t("digest.new_sources", lang), [line(x, lang) for x in digest.new_sources] or [none]),
        Section(t("digest.claims", lang), claims or [none]),
        Section(t("digest.conflicts", lang), [line(x, lang) for x in digest.conflicts] or [none]),
        Section(t("digest.unmatched", lang), unmatched or [none]),
    ]
    return pack_messages([header] + section_embeds(sections))


# --- scheduling ------------------------------------------------------------------


class DigestScheduler:
    def __init__(self, bot: IsnadBot) -> None:
        self.bot = bot
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.grace = timedelta(hours=bot.config.digest.misfire_grace_hours)
        self._locks: dict[int, asyncio.Lock] = {}

    async def start(self) -> None:
        """Start the scheduler (needs the running loop: call from setup_hook),
        add every saved digest, and post any digest missed while down."""
        self.scheduler.start()
        now = datetime.now(UTC)
        for settings in await self.all_settings():
            self.schedule(settings)
            due = missed_run(settings, now, self.grace)
            if due is not None:
                log.info("posting the digest for guild %s missed at %s", settings.guild_id, due.isoformat())
                asyncio.get_running_loop().create_task(self.post(settings.guild_id, due=due))

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def all_settings(self) -> list[DigestSettings]:
        found = []
        for guild_id in await self.bot.archive.get_setting("digest_guilds", []) or []:
            settings = await self.get(int(guild_id))
            if settings is not None:
                found.append(settings)
        return found

    async def get(self, guild_id: int) -> DigestSettings | None:
        raw = await self.bot.archive.get_setting(f"{SETTING_PREFIX}{guild_id}")
        return DigestSettings.from_json(raw) if raw else None

    async def save(self, settings: DigestSettings) -> None:
        await self.bot.archive.set_setting(settings.key, settings.to_json())
        guilds = set(await self.bot.archive.get_setting("digest_guilds", []) or [])
        if settings.guild_id not in guilds:
            await self.bot.archive.set_setting("digest_guilds", sorted(guilds | {settings.guild_id}))

    async def enable(self, settings: DigestSettings) -> None:
        await self.save(settings)
        self.schedule(settings, replace=True)

    async def disable(self, guild_id: int) -> bool:
        existed = await self.get(guild_id) is not None
        await self.bot.archive.set_setting(f"{SETTING_PREFIX}{guild_id}", None)
        guilds = set(await self.bot.archive.get_setting("digest_guilds", []) or []) - {guild_id}
        await self.bot.archive.set_setting("digest_guilds", sorted(guilds))
        if self.scheduler.get_job(f"digest-{guild_id}"):
            self.scheduler.remove_job(f"digest-{guild_id}")
        return existed

    def schedule(self, settings: DigestSettings, *, replace: bool = False) -> None:
        """One cron job per guild, fixed id. Re-adding an existing job with
        replace_existing would drop a pending misfire, so only a changed
        setting (replace=True) replaces it."""
        if self.scheduler.get_job(settings.job_id) and not replace:
            return
        hour, minute = settings.hour_minute()
        self.scheduler.add_job(
            run_digest_job, CronTrigger(hour=hour, minute=minute, timezone=ZoneInfo(settings.timezone)),
            args=[self, settings.guild_id], id=settings.job_id, replace_existing=True,
            misfire_grace_time=int(self.grace.total_seconds()), coalesce=True, max_instances=1,
        )

    async def post(self, guild_id: int, *, due: datetime | None = None) -> bool:
        """Post the digest for one guild; returns False when there was nothing to do."""
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            settings = await self.get(guild_id)
            if settings is None:
                return False
            now = datetime.now(UTC)
            due = due or last_scheduled(settings, now)
            if settings.last_run and datetime.fromisoformat(settings.last_run) >= due:
                return False  # already posted (a restart racing the cron job)
            start = datetime.fromisoformat(settings.last_run) if settings.last_run else (
                datetime.fromisoformat(settings.set_at) - timedelta(days=1) if settings.set_at else None)
            # The server's reply language when its moderators set one, else the
            # language of the moderator who set the digest up.
            lang = await self.bot.guild_lang(guild_id) or settings.lang
            digest = await asyncio.to_thread(build_digest, self.bot.archive, guild_id, start, now, lang,
                                             self.bot.config.digest.max_claims)
            channel = self.bot.get_partial_messageable(settings.channel_id, guild_id=guild_id)
            for embeds in digest_messages(digest, lang):
                await channel.send(embeds=embeds)
            settings.last_run = max(due, now).isoformat()
            await self.bot.archive.set_setting(settings.key, settings.to_json())
            return True

    async def preview(self, guild_id: int, lang: str) -> list[list[discord.Embed]]:
        settings = await self.get(guild_id)
        start = datetime.fromisoformat(settings.last_run) if settings and settings.last_run else None
        now = datetime.now(UTC)
        digest = await asyncio.to_thread(build_digest, self.bot.archive, guild_id, start, now, lang,
                                         self.bot.config.digest.max_claims)
        return digest_messages(digest, lang)


async def run_digest_job(scheduler: DigestScheduler, guild_id: int) -> None:
    """The cron job's target: module level, so no bound cog method is kept (docs/field-notes.md §6)."""
    try:
        await scheduler.post(guild_id)
    except Exception:
        log.exception("the digest for guild %s failed", guild_id)
