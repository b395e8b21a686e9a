"""Verification for everyone: /verify, the "Verify claim" message menu,
@Isnad mentions, /isnad help|about; and /isnad language for moderators.

Claims go through the application service (bot.app): the claim policy and
pace limit, then verification, with tweet and t.co links followed (an
archived status is an exact match; otherwise the tweet is read through oEmbed
with the bot's shared fetcher and its text verified, dated by the tweet)."""
from __future__ import annotations

import logging
import re
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.aio import AsyncIsnad
from bot.app.policy import ClaimRefused
from bot.config import DiscordConfig
from bot.discord.image_claims import image_attachments, is_image, verify_attachment
from bot.discord.render import iso, report_pages, view_for
from bot.discord.replies import Replies
from bot.i18n import t
from verifiers.report import Report
from verifiers.tweet_links import tweet_links

log = logging.getLogger(__name__)

MAX_LINKS = 3  # tweet links verified one by one from a single message
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def message_claims(content: str, max_length: int) -> list[str]:
    """What to verify from a message: its text (with any links, which the
    engine matches exactly), or, when it is only links, each tweet link."""
    links = tweet_links(content)
    rest = _URL.sub(" ", content)
    if sum(c.isalpha() for c in rest) >= 3 or not links:
        return [content[:max_length]] if content.strip() else []
    return links[:MAX_LINKS]


class VerifyCog(commands.Cog):
    isnad = app_commands.Group(name="isnad", description="About Isnad")

    def __init__(self, bot: commands.Bot, service: AsyncIsnad, replies: Replies, settings: DiscordConfig) -> None:
        self.bot = bot  # for the command tree and the bot's own user (mentions)
        self.service = service
        self.replies = replies
        self.settings = settings
        self.menu = app_commands.ContextMenu(name="Verify claim", callback=self.verify_message)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    # --- shared ------------------------------------------------------------------

    def _refusal(self, user_id: int, claim: str, lang: str) -> str | None:
        """Why this claim is not verified now (empty, too long, pace limit), or None."""
        try:
            self.service.check_claim(claim, user=("discord", user_id))
        except ClaimRefused as refused:
            return t(refused.key, lang, **refused.params)
        return None

    async def _verify(self, claim: str, *, guild_id: int | None, channel_id: int | None, via: str) -> Report:
        report = await self.service.verify_claim(claim)
        await self.service.record_query(report, guild_id=guild_id, channel_id=channel_id, via=via)
        return report

    async def _answer(self, interaction: discord.Interaction, report: Report, lang: str, *, ephemeral: bool,
                      content: str | None = None) -> None:
        pages = report_pages(report, lang)
        view = view_for(pages, lang)
        # An image claim carries what was read, above the answer.
        await interaction.followup.send(content or discord.utils.MISSING, embeds=pages[0], ephemeral=ephemeral,
                                        wait=True, view=view if view is not None else discord.utils.MISSING)

    async def _verify_images(self, interaction: discord.Interaction, images: list[discord.Attachment], lang: str,
                             *, ephemeral: bool, via: str) -> None:
        """Screenshots as claims: each read (OCR), verified, and answered with what was read."""
        try:
            self.service.check_pace(("discord", interaction.user.id))
        except ClaimRefused as refused:
            await interaction.response.send_message(t(refused.key, lang, **refused.params), ephemeral=True)
            return
        wrong = next((a for a in images if not is_image(a)), None)
        if wrong is not None:
            await interaction.response.send_message(t("error.not_an_image", lang, name=wrong.filename), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        for image in images:
            answer = await verify_attachment(self.service, image, lang)
            if answer.report is None:
                await interaction.followup.send(answer.error, ephemeral=True)
                continue
            await self.service.record_query(answer.report, guild_id=interaction.guild_id,
                                            channel_id=interaction.channel_id, via=f"{via}-image")
            await self._answer(interaction, answer.report, lang, ephemeral=ephemeral, content=answer.read)

    # --- /verify -------------------------------------------------------------------

    @app_commands.command(
        name="verify",
        description="Find where a claim already appears in the archive, when, and who tells it differently",
    )
    @app_commands.describe(claim="A quoted claim, a pasted tweet, or a tweet or t.co link",
                           image="A screenshot of the claim, e.g. of a tweet (PNG, JPEG or WebP)",
                           private="Only you see the answer")
    async def verify(self, interaction: discord.Interaction, claim: str | None = None,
                     image: discord.Attachment | None = None, private: bool = False) -> None:
        lang = await self.replies.lang(interaction)
        if image is not None:
            await self._verify_images(interaction, [image], lang, ephemeral=private, via="slash")
            return
        if claim is None:
            await interaction.response.send_message(t("error.need_claim_or_image", lang), ephemeral=True)
            return
        refusal = self._refusal(interaction.user.id, claim, lang)
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=private, thinking=True)
        report = await self._verify(claim, guild_id=interaction.guild_id, channel_id=interaction.channel_id,
                                    via="slash")
        await self._answer(interaction, report, lang, ephemeral=private)

    async def verify_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        lang = await self.replies.lang(interaction)
        images = image_attachments(message)
        if images:  # a screenshot is the claim; the text beside it is usually a question about it
            await self._verify_images(interaction, images, lang, ephemeral=False, via="menu")
            return
        claims = message_claims(message.content or "", self.settings.max_claim_length)
        refusal = self._refusal(interaction.user.id, claims[0] if claims else "", lang)
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        for claim in claims:
            report = await self._verify(claim, guild_id=interaction.guild_id, channel_id=interaction.channel_id,
                                        via="menu")
            await self._answer(interaction, report, lang, ephemeral=False)

    # --- @Isnad mentions ----------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        settings = self.settings
        me = self.bot.user
        if not settings.mention_enabled or me is None or message.author.bot:
            return
        if not any(user.id == me.id for user in message.mentions):
            return
        if settings.mention_channel_ids and message.channel.id not in settings.mention_channel_ids:
            return
        claim = re.sub(rf"<@!?{me.id}>", " ", message.content or "").strip()
        lang = "en"
        try:
            lang = await self.replies.message_lang(message, claim)
            images = image_attachments(message)
            if images:  # "@Isnad" on a screenshot: the image is the claim
                await self._answer_image_mention(message, images[0], lang)
                return
            refusal = self._refusal(message.author.id, claim, lang)
            if refusal:
                await message.reply(refusal, mention_author=False)
                return
            report = await self._verify(claim, guild_id=message.guild.id if message.guild else None,
                                        channel_id=message.channel.id, via="mention")
            pages = report_pages(report, lang)
            view = view_for(pages, lang)
            await message.reply(embeds=pages[0], mention_author=False,
                                view=view if view is not None else discord.utils.MISSING)
        except Exception:  # listeners have no tree error handler; keep the bot up
            log.exception("mention from %s failed", message.author.id)
            await message.reply(t("error.generic", lang), mention_author=False)

    async def _answer_image_mention(self, message: discord.Message, image: discord.Attachment, lang: str) -> None:
        try:
            self.service.check_pace(("discord", message.author.id))
        except ClaimRefused as refused:
            await message.reply(t(refused.key, lang, **refused.params), mention_author=False)
            return
        answer = await verify_attachment(self.service, image, lang)
        if answer.report is None:
            await message.reply(answer.error, mention_author=False)
            return
        await self.service.record_query(answer.report, guild_id=message.guild.id if message.guild else None,
                                        channel_id=message.channel.id, via="mention-image")
        pages = report_pages(answer.report, lang)
        view = view_for(pages, lang)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        await message.reply(answer.read, embeds=pages[0], mention_author=False, **extra)

    # --- /isnad help | about -------------------------------------------------------------

    @isnad.command(name="help", description="How to use Isnad")
    async def help(self, interaction: discord.Interaction) -> None:
        lang = await self.replies.lang(interaction)
        embed = discord.Embed(title=t("help.title", lang), description=t("help.body", lang))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @isnad.command(name="about", description="What the archive holds")
    async def about(self, interaction: discord.Interaction) -> None:
        lang = await self.replies.lang(interaction)
        stats = await self.service.stats()
        unknown = t("result.unknown_date", lang)
        body = t("about.body", lang, sources=stats.sources, passages=stats.passages, posts=stats.posts,
                 earliest=iso((stats.earliest.iso() if stats.earliest else None) or unknown),
                 latest=iso((stats.latest.iso() if stats.latest else None) or unknown))
        await interaction.response.send_message(embed=discord.Embed(title=t("about.title", lang), description=body))

    # --- /isnad language (moderators) --------------------------------------------------------

    @isnad.command(name="language", description="Reply language in this server (moderators)")
    @app_commands.describe(value="ar: Arabic, en: English")
    async def language(self, interaction: discord.Interaction, value: Literal["ar", "en"]) -> None:
        if not await self.replies.ensure_moderator(interaction):
            return
        assert interaction.guild_id is not None  # ensure_moderator: in a server
        await self.service.set_server_language(interaction.guild_id, value)
        await interaction.response.send_message(t("language.set", value), ephemeral=True)
