"""IsnadBot: a thin commands.Bot whose setup_hook wires everything together."""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Config
from bot.discord.archive import Archive
from bot.discord.checks import Cooldown
from bot.discord.digest import DigestScheduler
from bot.discord.i18n import IsnadTranslator, is_arabic_locale, lang_of, lang_of_text, t
from bot.discord.language import ServerLanguages

log = logging.getLogger(__name__)


class IsnadTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await self.client.report_error(interaction, error)  # type: ignore[attr-defined]


class IsnadBot(commands.Bot):
    def __init__(self, config: Config, *, archive: Archive | None = None, **options) -> None:
        intents = discord.Intents.default()
        intents.message_content = config.discord.mention_enabled  # privileged: only when asked for
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, tree_cls=IsnadTree,
                         help_command=None, **options)
        self.config = config
        self._archive = archive
        self.cooldown = Cooldown(config.discord.cooldown_seconds)
        self.digests: DigestScheduler | None = None
        self.fetcher: Any = None  # storage.fetch.Fetcher, one per process (setup_hook)
        self.languages: ServerLanguages | None = None

    @property
    def archive(self) -> Archive:
        assert self._archive is not None, "setup_hook opens the archive"
        return self._archive

    async def setup_hook(self) -> None:
        if self._archive is None:
            self._archive = await asyncio.to_thread(Archive.open, self.config)
        from storage.fetch import Fetcher

        # One HTTP client for the process: oEmbed, t.co hops and /source add url.
        self.fetcher = Fetcher(self.config.fetch_settings())
        self.languages = ServerLanguages(self._archive)
        self._archive.follow_changes(asyncio.get_running_loop())  # PostgreSQL: other processes' additions
        from bot.discord.cogs.digest import DigestCog
        from bot.discord.cogs.sources import SourcesCog
        from bot.discord.cogs.verify import VerifyCog

        await self.add_cog(VerifyCog(self))
        await self.add_cog(SourcesCog(self))
        await self.add_cog(DigestCog(self))
        await self.tree.set_translator(IsnadTranslator())
        await self.sync_commands()
        self.digests = DigestScheduler(self)
        await self.digests.start()

    async def sync_commands(self) -> None:
        """To the configured guilds (instant), or globally when none are set."""
        guild_ids = self.config.discord.guild_ids
        if not guild_ids:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))
            return
        for guild_id in guild_ids:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)

    # --- reply language ---------------------------------------------------------------

    async def reply_lang(self, interaction: discord.Interaction) -> str:
        """Arabic for an Arabic client locale; else the server's language when
        its moderators set one; else by locale (English, or the configured
        default when there is none)."""
        if is_arabic_locale(getattr(interaction, "locale", None)):
            return "ar"
        chosen = await self.languages.get(interaction.guild_id) if self.languages else None
        return chosen or lang_of(interaction, self.config.discord.default_locale)

    async def message_lang(self, message: discord.Message, text: str) -> str:
        """Mentions carry no locale: Arabic claims get Arabic, others the server's language."""
        by_text = lang_of_text(text, "")
        if by_text == "ar":
            return "ar"
        guild_id = message.guild.id if message.guild else None
        chosen = await self.languages.get(guild_id) if self.languages else None
        return chosen or by_text or self.config.discord.default_locale

    async def guild_lang(self, guild_id: int | None) -> str | None:
        return await self.languages.get(guild_id) if self.languages else None

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """A short ephemeral message for the user, the traceback for the log; the bot stays up."""
        if isinstance(error, app_commands.CheckFailure) and interaction.response.is_done():
            return  # the check already told the user why
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("command %s by user %s failed", command, interaction.user.id,
                  exc_info=(type(original), original, original.__traceback__))
        try:
            lang = await self.reply_lang(interaction)
        except Exception:  # the archive itself may be what failed
            lang = lang_of(interaction, self.config.discord.default_locale)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(t("error.generic", lang), ephemeral=True)
            else:
                await interaction.response.send_message(t("error.generic", lang), ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell user %s about the error", interaction.user.id)

    async def close(self) -> None:
        """Stop the scheduler, disconnect, close the HTTP client, then stop
        following changes and flush the store."""
        if self.digests is not None:
            self.digests.stop()
        try:
            await super().close()
        finally:
            if self.fetcher is not None:
                fetcher, self.fetcher = self.fetcher, None
                await fetcher.aclose()
            if self._archive is not None:
                archive, self._archive = self._archive, None
                await archive.close()
