"""Who may do what, decided at run time on every call.

Discord's `default_permissions` only hides commands in its own client, and a
server admin can change them; so moderator commands also check here: a role
listed in config, or the Manage Server permission in the interaction's channel.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord

from bot.discord.i18n import t

if TYPE_CHECKING:
    from bot.discord.client import IsnadBot


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


async def ensure_moderator(interaction: discord.Interaction, bot: IsnadBot) -> bool:
    """True for a moderator; anyone else gets the refusal (ephemeral) and False."""
    if is_moderator(interaction, bot.config.discord.moderator_role_ids):
        return True
    lang = await bot.reply_lang(interaction)
    key = "error.guild_only" if interaction.guild is None else "error.not_moderator"
    await interaction.response.send_message(t(key, lang), ephemeral=True)
    return False


class Cooldown:
    """Per-user rate limit on verification; the seconds come from config."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """0 if the user may go now (and records the use), else seconds to wait."""
        if self.seconds <= 0:
            return 0.0
        now = self._clock()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[user_id] = now
        if len(self._last) > 10_000:  # forget users whose cooldown is long over
            self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}
        return 0.0
