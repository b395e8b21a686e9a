"""/digest set|off|preview|from — moderators configure the daily digest."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.digest import DigestSettings, next_scheduled, parse_hhmm
from bot.discord.digest import DigestScheduler
from bot.discord.render import iso
from bot.discord.replies import Replies
from bot.i18n import t
from storage.clock import utc_now


def rtl_iso(text: str, lang: str) -> str:
    """Latin runs inside an Arabic sentence are isolated (bidi); English needs nothing."""
    return iso(text) if lang == "ar" else text


# What the bot needs in a digest's channel: see it, post in it, post embeds.
NEEDED = ("view_channel", "send_messages", "embed_links")


async def missing_permissions(interaction: discord.Interaction, channel_id: int) -> list[str]:
    """The permissions the bot lacks in the channel (by its roles and the
    channel's overwrites); [] when it has them or Discord did not tell us."""
    guild = interaction.guild
    if guild is None:
        return []
    channel = guild.get_channel(channel_id)
    me = guild.me
    if me is None:
        try:
            me = await guild.fetch_member(interaction.client.user.id) if interaction.client.user else None
        except discord.HTTPException:
            me = None
    if channel is None or me is None:
        return []
    perms = channel.permissions_for(me)
    return [name for name in NEEDED if not getattr(perms, name)]


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def zone_choices(current: str, limit: int = 25) -> list[str]:
    """IANA zones for the autocomplete (Discord shows at most 25): those
    starting with what was typed first, then those containing it."""
    typed = current.strip().casefold().replace(" ", "_")
    if not typed:
        preferred = ["Asia/Damascus", "Asia/Beirut", "Asia/Amman", "Asia/Baghdad", "Europe/Istanbul", "UTC"]
        return preferred[:limit]
    zones = _zones()
    starts = [z for z in zones if z.casefold().startswith(typed) or z.casefold().split("/")[-1].startswith(typed)]
    contains = [z for z in zones if typed in z.casefold() and z not in starts]
    return (starts + contains)[:limit]


# Hidden from members in Discord's client (Manage Server); the role check in
# interaction_check still runs on every call (docs/field-notes.md §5).
@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
class DigestCog(commands.GroupCog, group_name="digest",
                group_description="Daily digest of new sources and asked claims (moderators)"):
    def __init__(self, digests: DigestScheduler, replies: Replies, *, default_timezone: str) -> None:
        self.digests = digests
        self.replies = replies
        self.default_timezone = default_timezone
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every /digest call: moderators only, checked now."""
        return await self.replies.ensure_moderator(interaction)

    @app_commands.command(name="set", description="Post a daily digest in a channel")
    @app_commands.describe(channel="The channel for the digest", time="Time of day, HH:MM (24 h)",
                           timezone="IANA time zone, e.g. Asia/Damascus")
    async def set_(self, interaction: discord.Interaction, channel: discord.TextChannel, time: str,
                   timezone: str | None = None) -> None:
        lang = await self.replies.lang(interaction)
        hhmm = parse_hhmm(time)
        if hhmm is None:
            await interaction.response.send_message(t("digest.bad_time", lang, time=time[:20]), ephemeral=True)
            return
        zone = (timezone or self.default_timezone).strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            await interaction.response.send_message(t("digest.bad_tz", lang, tz=zone[:60]), ephemeral=True)
            return
        assert interaction.guild_id is not None  # interaction_check: moderators act in a server
        missing = await missing_permissions(interaction, channel.id)
        if missing:
            names = "، ".join(t(f"perm.{m}", lang) for m in missing) if lang == "ar" else \
                ", ".join(t(f"perm.{m}", lang) for m in missing)
            await interaction.response.send_message(
                t("digest.cannot_post", lang, channel=channel.mention, missing=names), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        old = await self.digests.get(interaction.guild_id)
        settings = DigestSettings(
            guild_id=interaction.guild_id, channel_id=channel.id, time=hhmm, timezone=zone, lang=lang,
            set_at=utc_now().isoformat(), last_run=old.last_run if old else None,
            category_id=getattr(channel, "category_id", None), set_by=interaction.user.id,
            channels=old.channels if old else [],
        )
        await self.digests.enable(settings)
        upcoming = next_scheduled(settings, utc_now())
        await interaction.followup.send(
            t("digest.set", lang, channel=channel.mention, time=hhmm, tz=rtl_iso(zone, lang),
              next=rtl_iso(upcoming.strftime("%Y-%m-%d %H:%M"), lang),
              offset=rtl_iso(upcoming.strftime("UTC%z"), lang)),
            ephemeral=True)

    @set_.autocomplete("timezone")
    async def timezone_choices(self, interaction: discord.Interaction,
                               current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=zone, value=zone) for zone in zone_choices(current)]

    @app_commands.command(name="from", description="Choose the channels whose claims the digest lists")
    @app_commands.describe(channel="A channel whose public claims the digest may list",
                           remove="Take the channel off the list instead")
    async def from_(self, interaction: discord.Interaction, channel: discord.TextChannel, remove: bool = False) -> None:
        lang = await self.replies.lang(interaction)
        assert interaction.guild_id is not None
        settings = await self.digests.get(interaction.guild_id)
        if settings is None:
            await interaction.response.send_message(t("digest.need_set", lang), ephemeral=True)
            return
        chosen = [c for c in settings.channels if c != channel.id] + ([] if remove else [channel.id])
        settings.channels = chosen
        await self.digests.save_settings(settings)
        listed = "، ".join(f"<#{c}>" for c in chosen) if lang == "ar" else ", ".join(f"<#{c}>" for c in chosen)
        key = "digest.from_list" if chosen else "digest.from_default"
        await interaction.response.send_message(t(key, lang, channels=listed), ephemeral=True)

    @app_commands.command(name="off", description="Stop the daily digest")
    async def off(self, interaction: discord.Interaction) -> None:
        lang = await self.replies.lang(interaction)
        assert interaction.guild_id is not None
        existed = await self.digests.disable(interaction.guild_id)  # also cancels a pending retry
        await interaction.response.send_message(t("digest.off" if existed else "digest.was_off", lang), ephemeral=True)

    @app_commands.command(name="preview", description="Show the digest as it would be posted now")
    async def preview(self, interaction: discord.Interaction) -> None:
        lang = await self.replies.lang(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel = interaction.channel
        for embeds in await self.digests.preview(interaction.guild_id, lang, channel_id=interaction.channel_id,
                                                 category_id=getattr(channel, "category_id", None)):
            await interaction.followup.send(embeds=embeds, ephemeral=True)
