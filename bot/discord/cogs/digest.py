"""/digest set|off|preview — moderators configure the daily digest."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.digest import DigestSettings, parse_hhmm
from bot.discord.digest import DigestScheduler
from bot.discord.replies import Replies
from bot.i18n import t


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
        await interaction.response.defer(ephemeral=True, thinking=True)
        old = await self.digests.get(interaction.guild_id)
        settings = DigestSettings(
            guild_id=interaction.guild_id, channel_id=channel.id, time=hhmm, timezone=zone, lang=lang,
            set_at=datetime.now(UTC).isoformat(), last_run=old.last_run if old else None,
        )
        await self.digests.enable(settings)
        await interaction.followup.send(t("digest.set", lang, channel=channel.mention, time=hhmm, tz=zone),
                                        ephemeral=True)

    @app_commands.command(name="off", description="Stop the daily digest")
    async def off(self, interaction: discord.Interaction) -> None:
        lang = await self.replies.lang(interaction)
        assert interaction.guild_id is not None
        existed = await self.digests.disable(interaction.guild_id)
        await interaction.response.send_message(t("digest.off" if existed else "digest.was_off", lang), ephemeral=True)

    @app_commands.command(name="preview", description="Show the digest as it would be posted now")
    async def preview(self, interaction: discord.Interaction) -> None:
        lang = await self.replies.lang(interaction)
        assert interaction.guild_id is not None
        await interaction.response.defer(ephemeral=True, thinking=True)
        for embeds in await self.digests.preview(interaction.guild_id, lang):
            await interaction.followup.send(embeds=embeds, ephemeral=True)
