"""IsnadBot: a thin commands.Bot whose setup_hook wires everything together.

The application (bot.app) does the work; the bot opens it, hands each cog
what it needs (the service, how to reply, the Discord settings), and closes
it on the way out."""
from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.aio import AsyncIsnad
from bot.config import Config
from bot.discord.cogs.digest import DigestCog
from bot.discord.cogs.sources import SourcesCog
from bot.discord.cogs.verify import VerifyCog
from bot.discord.digest import DigestScheduler
from bot.discord.i18n import IsnadTranslator
from bot.discord.replies import Replies

log = logging.getLogger(__name__)


class IsnadTree(app_commands.CommandTree):
    """Errors from any command go to the bot's Replies.report_error."""

    replies: Replies | None = None

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if self.replies is None:
            await super().on_error(interaction, error)
            return
        await self.replies.report_error(interaction, error)


class IsnadBot(commands.Bot):
    def __init__(self, config: Config, *, isnad: AsyncIsnad | None = None, **options: Any) -> None:
        intents = discord.Intents.default()
        intents.message_content = config.discord.mention_enabled  # privileged: only when asked for
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, tree_cls=IsnadTree,
                         help_command=None, **options)
        self.config = config
        self._isnad = isnad
        self.digests: DigestScheduler | None = None

    @property
    def isnad(self) -> AsyncIsnad:
        assert self._isnad is not None, "setup_hook opens the archive"
        return self._isnad

    async def setup_hook(self) -> None:
        if self._isnad is None:
            self._isnad = await AsyncIsnad.open(self.config)
        isnad = self._isnad
        isnad.follow_changes()  # other processes' additions (PostgreSQL, a TinyDB file)
        replies = Replies(isnad, self.config.discord)
        assert isinstance(self.tree, IsnadTree)
        self.tree.replies = replies
        self.digests = DigestScheduler(self, isnad)
        await self.add_cog(VerifyCog(self, isnad, replies, self.config.discord))
        await self.add_cog(SourcesCog(isnad, replies, self.config.discord))
        await self.add_cog(DigestCog(self.digests, replies, default_timezone=self.config.digest.timezone))
        await self.tree.set_translator(IsnadTranslator())
        await self.sync_commands()
        await self.digests.start()

    async def on_message(self, message: discord.Message, /) -> None:
        """Isnad has no prefix commands: mentions are answered by VerifyCog's
        listener. commands.Bot would parse "@Isnad <claim>" as a command named
        by the claim's first word and log CommandNotFound as an error for every
        ordinary mention, so commands are not processed at all."""

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

    async def close(self) -> None:
        """Stop the scheduler, disconnect, then close the application (HTTP
        client, change following, queued writes, the store)."""
        if self.digests is not None:
            self.digests.stop()
        try:
            await super().close()
        finally:
            if self._isnad is not None:
                isnad, self._isnad = self._isnad, None
                await isnad.close()
