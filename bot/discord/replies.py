"""How the bot answers a member: in which language, who may use moderator
commands (decided at run time on every call), and what an error looks like.

Discord's `default_permissions` only hides commands in its own client, and a
server admin can change them; so moderator commands also check here: a role
listed in config, or the Manage Server permission in the interaction's channel.
"""
from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.app.aio import AsyncIsnad
from bot.config import DiscordConfig
from bot.discord.i18n import is_arabic_locale, lang_of
from bot.i18n import t, text_language

log = logging.getLogger(__name__)


def is_moderator(interaction: discord.Interaction, moderator_role_ids: tuple[int, ...]) -> bool:
    user = interaction.user
    if interaction.guild is None or not isinstance(user, discord.Member):
        return False
    if interaction.permissions.manage_guild or interaction.permissions.administrator:
        return True
    wanted = set(moderator_role_ids)
    # The interaction's member payload lists role ids even when the guild's
    # roles are not cached; user.roles alone would miss them then.
    held = {role.id for role in user.roles} | set(getattr(user, "_roles", ()))
    return bool(wanted & held)


class Replies:
    def __init__(self, isnad: AsyncIsnad, settings: DiscordConfig) -> None:
        self.isnad = isnad
        self.settings = settings

    async def lang(self, interaction: discord.Interaction) -> str:
        """Arabic for an Arabic client locale; else the server's language when
        its moderators set one; else by locale (English, or the configured
        default when there is none)."""
        if is_arabic_locale(getattr(interaction, "locale", None)):
            return "ar"
        chosen = await self.isnad.server_language(interaction.guild_id)
        return chosen or lang_of(interaction, self.settings.default_locale)

    async def message_lang(self, message: discord.Message, text: str) -> str:
        """Mentions carry no locale: Arabic claims get Arabic, others the server's language."""
        by_text = text_language(text, "")
        if by_text == "ar":
            return "ar"
        chosen = await self.isnad.server_language(message.guild.id if message.guild else None)
        return chosen or by_text or self.settings.default_locale

    async def ensure_moderator(self, interaction: discord.Interaction) -> bool:
        """True for a moderator; anyone else gets the refusal (ephemeral) and False."""
        if is_moderator(interaction, self.settings.moderator_role_ids):
            return True
        lang = await self.lang(interaction)
        key = "error.guild_only" if interaction.guild is None else "error.not_moderator"
        await interaction.response.send_message(t(key, lang), ephemeral=True)
        return False

    async def report_error(self, interaction: discord.Interaction, error: Exception) -> None:
        """A short ephemeral message for the user, the traceback for the log; the bot stays up."""
        if isinstance(error, app_commands.CheckFailure) and interaction.response.is_done():
            return  # the check already told the user why
        original = getattr(error, "original", error)
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("command %s by user %s failed", command, interaction.user.id,
                  exc_info=(type(original), original, original.__traceback__))
        try:
            lang = await self.lang(interaction)
        except Exception:  # the archive itself may be what failed
            lang = lang_of(interaction, self.settings.default_locale)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(t("error.generic", lang), ephemeral=True)
            else:
                await interaction.response.send_message(t("error.generic", lang), ephemeral=True)
        except discord.HTTPException:
            log.warning("could not tell user %s about the error", interaction.user.id)
