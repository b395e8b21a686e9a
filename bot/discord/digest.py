"""Daily digests in Discord: scheduled with APScheduler, posted to a channel.

What a digest holds, where its settings live and when it is due are decided
in bot/app/digest.py; this module words it as embeds and posts it. The
APScheduler job store is the default in-memory one, rebuilt from the saved
settings on every start. We did not persist APScheduler's own job store
(SQLAlchemyJobStore) because:
  - it needs sqlalchemy, a new dependency, and a second file that can drift
    from the settings (a job left over for a digest that was turned off);
  - jobs would be pickled, which ties the file to our function names.
Instead, at start-up a digest missed while the bot was down is posted once
(bot.app.digest.missed_run). While running, each guild has one cron job with a
fixed id, coalesce=True and the same grace, so a late wake-up (sleep, long GC)
posts once, not twice.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.app.aio import AsyncIsnad
from bot.app.digest import DigestContent, DigestScope, DigestSettings, last_scheduled, missed_run, period_start
from bot.discord.render import Section, clean, clip, iso, line, pack_messages, section_embeds
from bot.i18n import note_text, t
from storage.clock import utc_now

log = logging.getLogger(__name__)

RETRY_MINUTES = 10  # a digest Discord refused is tried again this much later


@dataclass
class Digest:
    """A digest's content as the lines the embeds show."""

    start: datetime | None
    end: datetime
    new_sources: list[str] = field(default_factory=list)  # rendered lines
    claims: list[tuple[str, int, str]] = field(default_factory=list)  # claim, times asked, best match line
    conflicts: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, int]] = field(default_factory=list)


def digest_lines(content: DigestContent, lang: str) -> Digest:
    digest = Digest(start=content.start, end=content.end, unmatched=content.unmatched)
    for source in content.new_sources:
        name = clip(clean(source.title or source.url or source.id), 150)
        digest.new_sources.append(f"`{source.id}` {iso(name)} · {iso(source.date.iso() or '—')}")
    for asked in content.claims:
        best = asked.best
        best_line = (f"{iso(clip(clean(best.title), 100))}" + (f" · {iso('@' + best.handle)}" if best.handle else "")
                     + (f" · {iso(best.date)}" if best.date else "") + f" · {best.score:.0f}/100"
                     if best else t("digest.no_match", lang))
        digest.claims.append((asked.claim, asked.times, best_line))
    for c in content.conflicts:
        digest.conflicts.append(f"“{clip(clean(c.claim), 150)}” ⟷ {iso(clip(clean(c.title), 100))}: "
                                f"{clip(clean(note_text(c.note(), lang)), 200)}")
    return digest


def digest_messages(digest: Digest, lang: str, zone: str = "UTC") -> list[list[discord.Embed]]:
    """The digest as messages, each within Discord's limits; its period in
    the digest's own time zone (the one it was set in)."""
    none = t("digest.none", lang)
    tz = ZoneInfo(zone)
    fmt = "%Y-%m-%d %H:%M"
    start = digest.start.astimezone(tz).strftime(fmt) if digest.start else "—"
    end = digest.end.astimezone(tz).strftime(fmt)
    header = discord.Embed(title=t("digest.title", lang),
                           description=line(t("digest.period", lang, start=iso(start), end=iso(end), tz=iso(zone)),
                                            lang))
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


class DigestScheduler:
    def __init__(self, client: discord.Client, isnad: AsyncIsnad) -> None:
        self.client = client
        self.isnad = isnad
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.grace = timedelta(hours=isnad.config.digest.misfire_grace_hours)
        self._locks: dict[int, asyncio.Lock] = {}

    async def start(self) -> None:
        """Start the scheduler (needs the running loop: call from setup_hook),
        add every saved digest, and post any digest missed while down."""
        self.scheduler.start()
        await self.prune()
        self.scheduler.add_job(run_prune_job, "interval", hours=24, args=[self], id="prune-queries",
                               replace_existing=True, coalesce=True)
        now = utc_now()
        for settings in await self.isnad.all_digest_settings():
            self.schedule(settings)
            due = missed_run(settings, now, self.grace)
            if due is not None:
                log.info("posting the digest for guild %s missed at %s", settings.guild_id, due.isoformat())
                asyncio.get_running_loop().create_task(self.post(settings.guild_id, due=due))

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def get(self, guild_id: int) -> DigestSettings | None:
        return await self.isnad.digest_settings(guild_id)

    async def enable(self, settings: DigestSettings) -> None:
        await self.isnad.save_digest(settings)
        self.schedule(settings, replace=True)

    async def save_settings(self, settings: DigestSettings) -> None:
        """Keep changed settings (not the schedule: the time and zone are unchanged)."""
        await self.isnad.update_digest(settings)

    async def disable(self, guild_id: int) -> bool:
        existed = await self.isnad.remove_digest(guild_id)
        for job_id in (f"digest-{guild_id}", f"digest-{guild_id}-retry"):
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
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
        """Post the digest for one guild; returns False when there was nothing
        to do. When Discord refuses the post (the bot lost its permission in
        the channel, the channel is gone), the moderator who set the digest is
        told and it is tried again in RETRY_MINUTES, up to the misfire grace."""
        lock = self._locks.setdefault(guild_id, asyncio.Lock())
        async with lock:
            settings = await self.get(guild_id)
            if settings is None:
                return False
            now = utc_now()
            due = due or last_scheduled(settings, now)
            if settings.last_run and datetime.fromisoformat(settings.last_run) >= due:
                return False  # already posted (a restart racing the cron job)
            # The server's reply language when its moderators set one, else the
            # language of the moderator who set the digest up.
            lang = await self.isnad.server_language(guild_id) or settings.lang
            scope = settings.scope(self.isnad.config.digest.channels)
            content = await self.isnad.digest_content(guild_id, period_start(settings), now, scope)
            channel = self.client.get_partial_messageable(settings.channel_id, guild_id=guild_id)
            try:
                for embeds in digest_messages(digest_lines(content, lang), lang, settings.timezone):
                    await channel.send(embeds=embeds)
            except discord.HTTPException as exc:
                await self._failed(settings, due, exc, lang)
                return False
            settings.last_run = max(due, now).isoformat()
            settings.failed_at = None
            await self.isnad.update_digest(settings)
            return True

    async def _failed(self, settings: DigestSettings, due: datetime, error: discord.HTTPException, lang: str) -> None:
        """Tell the moderator who set the digest (a DM; if their DMs are closed,
        the server's system channel, mentioning them), and try again later."""
        log.warning("the digest for guild %s could not be posted in channel %s: %s %s", settings.guild_id,
                    settings.channel_id, error.status, error.text)
        first = settings.failed_at is None
        settings.failed_at = utc_now().isoformat()
        await self.isnad.update_digest(settings)
        retry = utc_now() + timedelta(minutes=RETRY_MINUTES)
        if retry - due <= self.grace:
            self.scheduler.add_job(run_digest_job, "date", run_date=retry, args=[self, settings.guild_id],
                                   kwargs={"due": due}, id=f"{settings.job_id}-retry", replace_existing=True,
                                   misfire_grace_time=int(self.grace.total_seconds()))
        if first and settings.set_by:
            reason = t("digest.failed_forbidden" if error.status == 403 else "digest.failed_other", lang)
            text = t("digest.failed", lang, channel=f"<#{settings.channel_id}>", reason=reason,
                     minutes=RETRY_MINUTES)
            try:
                user = await self.client.fetch_user(settings.set_by)
                await user.send(text)
                return
            except discord.HTTPException:  # DMs closed: the server's system channel, naming them
                log.warning("could not DM moderator %s that the digest failed", settings.set_by)
            guild = self.client.get_guild(settings.guild_id)
            fallback = guild.system_channel if guild else None
            if fallback is not None and fallback.id != settings.channel_id:
                try:
                    await fallback.send(f"<@{settings.set_by}> {text}",
                                        allowed_mentions=discord.AllowedMentions(users=True))
                except discord.HTTPException:
                    log.warning("could not tell the server %s that the digest failed", settings.guild_id)

    async def preview(self, guild_id: int, lang: str, *, channel_id: int | None = None,
                      category_id: int | None = None) -> list[list[discord.Embed]]:
        """The digest as it would be posted now. Without a digest set, its scope is the asking channel's."""
        settings = await self.get(guild_id)
        start = period_start(settings)  # the period the next digest would cover
        channels = self.isnad.config.digest.channels
        scope = (settings.scope(channels) if settings is not None
                 else DigestScope(frozenset(channels), category_id, channel_id))
        content = await self.isnad.digest_content(guild_id, start, utc_now(), scope)
        zone = settings.timezone if settings else self.isnad.config.digest.timezone
        return digest_messages(digest_lines(content, lang), lang, zone)

    async def prune(self) -> None:
        """Forget asked claims past the retention period (at start, then daily)."""
        try:
            await self.isnad.prune_queries()
        except Exception:
            log.exception("could not prune the query log")


async def run_digest_job(scheduler: DigestScheduler, guild_id: int, due: datetime | None = None) -> None:
    """The cron job's target: module level, so no bound cog method is kept (docs/field-notes.md §6)."""
    try:
        await scheduler.post(guild_id, due=due)
    except Exception:
        log.exception("the digest for guild %s failed", guild_id)


async def run_prune_job(scheduler: DigestScheduler) -> None:
    await scheduler.prune()
