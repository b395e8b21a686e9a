"""Verification for everyone: /verify, the "Verify claim" message menu,
@Isnad mentions, /isnad help|about; and /isnad language for moderators.

Claims go through the application service (bot.app): the claim policy and
pace limit, then verification, with tweet and t.co links followed (an
archived status is an exact match; otherwise the tweet is read through oEmbed
with the bot's shared fetcher and its text verified, dated by the tweet)."""
from __future__ import annotations

import asyncio
import logging
import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.aio import AsyncIsnad
from bot.app.policy import ClaimRefused
from bot.config import DiscordConfig
from bot.discord.image_claims import image_attachments, is_image, verify_attachment
from bot.discord.paging import PageButton, paged_view
from bot.discord.render import clean, clip, iso, report_pages
from bot.discord.replies import Replies
from bot.i18n import t
from verifiers.report import Report
from verifiers.tweet_links import tweet_links

log = logging.getLogger(__name__)

MAX_LINKS = 3  # tweet links verified one by one from a single message
MAX_CLAIMS = 5  # claims verified from one long message (each is one answer)
QUEUE_NOTE_AFTER = 1.0  # a wait shorter than this is not worth a "queued" note
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def message_claims(content: str, max_length: int) -> list[str]:
    """What to verify from a message: its text (with any links, which the
    engine matches exactly), or, when it is only links, each tweet link. A
    text longer than one claim is split into claims at paragraph and
    sentence ends (never cut), so a claim at its end is checked too."""
    links = tweet_links(content)
    rest = _URL.sub(" ", content)
    if sum(c.isalpha() for c in rest) >= 3 or not links:
        return split_claims(content, max_length)[:MAX_CLAIMS] if content.strip() else []
    return links[:MAX_LINKS]


_SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+|\n\s*\n")


def split_claims(text: str, max_length: int) -> list[str]:
    """`text` as claims of at most `max_length` characters: whole paragraphs
    and sentences packed together; a sentence longer than the limit is cut at
    a space."""
    text = text.strip()
    if len(text) <= max_length:
        return [text] if text else []
    pieces = [p.strip() for p in _SENTENCE_END.split(text) if p and p.strip()]
    claims: list[str] = []
    current = ""
    for piece in pieces:
        while len(piece) > max_length:
            cut = piece.rfind(" ", 0, max_length)
            cut = cut if cut > max_length // 2 else max_length
            piece_head, piece = piece[:cut].strip(), piece[cut:].strip()
            if current:
                claims.append(current)
                current = ""
            claims.append(piece_head)
        if current and len(current) + 1 + len(piece) > max_length:
            claims.append(current)
            current = ""
        current = f"{current} {piece}".strip()
    if current:
        claims.append(current)
    return claims


@dataclass(frozen=True)
class Asked:
    """Where a claim was asked, for the query log (what digests may show)."""

    guild_id: int | None
    channel_id: int | None
    via: str
    category_id: int | None = None
    private: bool = False

    @classmethod
    def of(cls, interaction: discord.Interaction, via: str, *, private: bool) -> Asked:
        channel = interaction.channel
        return cls(guild_id=interaction.guild_id, channel_id=interaction.channel_id, via=via,
                   category_id=getattr(channel, "category_id", None),
                   private=private or interaction.guild_id is None)


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
        self.bot.add_dynamic_items(PageButton)  # paging buttons of answers sent before a restart

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(PageButton)

    # --- shared ------------------------------------------------------------------

    def _turn(self, user_id: int, guild_id: int | None, claim: str, lang: str) -> tuple[float, str | None]:
        """(seconds this claim waits its turn, None) under the pace limits, or
        (0, why it is refused: empty, too long, or the queue is full)."""
        try:
            wait = self.service.check_claim(claim, user=("discord", user_id),
                                            server=("discord", guild_id) if guild_id else None)
        except ClaimRefused as refused:
            return 0.0, t(refused.key, lang, **refused.params)
        return wait, None

    async def _verify(self, claim: str, *, asked: Asked) -> Report:
        report = await self.service.verify_claim(claim)
        await self.service.record_query(report, guild_id=asked.guild_id, channel_id=asked.channel_id, via=asked.via,
                                        category_id=asked.category_id, private=asked.private)
        return report

    async def _answer(self, interaction: discord.Interaction, report: Report, lang: str, *, ephemeral: bool,
                      content: str | None = None) -> None:
        pages = report_pages(report, lang)
        view = paged_view(pages, lang)
        # An image claim carries what was read, or a link to the message checked, above the answer.
        await interaction.followup.send(content or discord.utils.MISSING, embeds=pages[0], ephemeral=ephemeral,
                                        wait=True, view=view if view is not None else discord.utils.MISSING)

    async def _verify_images(self, interaction: discord.Interaction, images: list[discord.Attachment], lang: str,
                             *, asked: Asked, ephemeral: bool) -> None:
        """Screenshots as claims: each read (OCR), verified, and answered with what was read."""
        wrong = next((a for a in images if not is_image(a)), None)
        if wrong is not None:
            await interaction.response.send_message(t("error.not_an_image", lang, name=wrong.filename), ephemeral=True)
            return
        for image in images:
            try:
                wait = self.service.check_pace(("discord", interaction.user.id),
                                               ("discord", interaction.guild_id) if interaction.guild_id else None)
            except ClaimRefused as refused:
                await self._tell(interaction, t(refused.key, lang, **refused.params))
                return
            await self._wait_turn(interaction, image.filename, wait, lang, ephemeral=ephemeral)
            answer = await verify_attachment(self.service, image, lang)
            if answer.report is None:
                await interaction.followup.send(answer.error, ephemeral=True)
                continue
            await self.service.record_query(answer.report, guild_id=asked.guild_id, channel_id=asked.channel_id,
                                            via=f"{asked.via}-image", category_id=asked.category_id,
                                            private=asked.private)
            await self._answer(interaction, answer.report, lang, ephemeral=ephemeral, content=answer.read)

    @staticmethod
    async def _tell(interaction: discord.Interaction, text: str) -> None:
        """A note only the member sees, whether or not the interaction was answered yet."""
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def _wait_turn(self, interaction: discord.Interaction, what: str, wait: float, lang: str, *,
                         ephemeral: bool) -> None:
        """Wait the claim's turn under the pace limits: a long wait is announced
        ("queued", only the member sees it), a short one is a plain "thinking".
        The answer comes as a followup, which Discord accepts for 15 minutes
        (docs/field-notes.md §5; [pace] max_wait_seconds stays below that)."""
        if wait >= QUEUE_NOTE_AFTER:
            await self._tell(interaction, t("pace.queued", lang, claim=iso(clip(clean(what), 80)),
                                            seconds=max(1, math.ceil(wait))))
        elif not interaction.response.is_done():
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        await asyncio.sleep(wait)

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
            await self._verify_images(interaction, [image], lang, asked=Asked.of(interaction, "slash", private=private),
                                      ephemeral=private)
            return
        if claim is None:
            await interaction.response.send_message(t("error.need_claim_or_image", lang), ephemeral=True)
            return
        wait, refusal = self._turn(interaction.user.id, interaction.guild_id, claim, lang)
        if refusal:
            await self._tell(interaction, refusal)
            return
        await self._wait_turn(interaction, claim, wait, lang, ephemeral=private)
        report = await self._verify(claim, asked=Asked.of(interaction, "slash", private=private))
        await self._answer(interaction, report, lang, ephemeral=private)

    async def verify_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        lang = await self.replies.lang(interaction)
        images = image_attachments(message)
        if images:  # a screenshot is the claim; the text beside it is usually a question about it
            await self._verify_images(interaction, images, lang, asked=Asked.of(interaction, "menu", private=False),
                                      ephemeral=False)
            return
        claims = message_claims(message.content or "", self.settings.max_claim_length) or [""]
        checked = t("reply.checked", lang, link=message.jump_url)
        asked = Asked.of(interaction, "menu", private=False)
        for number, claim in enumerate(claims):
            wait, refusal = self._turn(interaction.user.id, interaction.guild_id, claim, lang)
            if refusal:
                await self._tell(interaction, refusal)
                return
            await self._wait_turn(interaction, claim, wait, lang, ephemeral=False)
            report = await self._verify(claim, asked=asked)
            part = f" ({number + 1}/{len(claims)})" if len(claims) > 1 else ""
            await self._answer(interaction, report, lang, ephemeral=False, content=checked + part)

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
        own = re.sub(rf"<@!?{me.id}>", " ", message.content or "").strip()
        lang = "en"
        try:
            target = message
            if sum(c.isalnum() for c in own) < 3 and message.reference is not None:
                # "@Isnad" in reply to a message: check the message replied to.
                target = await self._replied_to(message) or message
            text = own if target is message else (target.content or "")
            lang = await self.replies.message_lang(message, text)
            images = image_attachments(target)
            if images:  # "@Isnad" on a screenshot: the image is the claim
                await self._answer_image_mention(message, images[0], lang)
                return
            claims = message_claims(text, settings.max_claim_length) or [""]
            guild_id = message.guild.id if message.guild else None
            asked = Asked(guild_id=guild_id, channel_id=message.channel.id, via="mention",
                          category_id=getattr(message.channel, "category_id", None), private=guild_id is None)
            checked = t("reply.checked", lang, link=target.jump_url) if target is not message else None
            for claim in claims:
                wait, refusal = self._turn(message.author.id, guild_id, claim, lang)
                if refusal:
                    await message.reply(refusal, mention_author=False)
                    return
                if wait >= QUEUE_NOTE_AFTER:
                    note = t("pace.queued", lang, claim=iso(clip(clean(claim), 80)), seconds=max(1, math.ceil(wait)))
                    await message.reply(note, mention_author=False)
                await asyncio.sleep(wait)
                report = await self._verify(claim, asked=asked)
                pages = report_pages(report, lang)
                view = paged_view(pages, lang)
                extra: dict[str, Any] = {"view": view} if view is not None else {}
                if checked:
                    extra["content"] = checked
                await message.reply(embeds=pages[0], mention_author=False, **extra)
        except Exception:  # listeners have no tree error handler; keep the bot up
            log.exception("mention from %s failed", message.author.id)
            await message.reply(t("error.generic", lang), mention_author=False)

    async def _answer_image_mention(self, message: discord.Message, image: discord.Attachment, lang: str) -> None:
        guild_id = message.guild.id if message.guild else None
        try:
            wait = self.service.check_pace(("discord", message.author.id), ("discord", guild_id) if guild_id else None)
        except ClaimRefused as refused:
            await message.reply(t(refused.key, lang, **refused.params), mention_author=False)
            return
        await asyncio.sleep(wait)
        answer = await verify_attachment(self.service, image, lang)
        if answer.report is None:
            await message.reply(answer.error, mention_author=False)
            return
        await self.service.record_query(answer.report, guild_id=guild_id, channel_id=message.channel.id,
                                        via="mention-image", category_id=getattr(message.channel, "category_id", None),
                                        private=guild_id is None)
        pages = report_pages(answer.report, lang)
        view = paged_view(pages, lang)
        await message.reply(answer.read, embeds=pages[0], mention_author=False,
                            view=view if view is not None else discord.utils.MISSING)

    async def _replied_to(self, message: discord.Message) -> discord.Message | None:
        reference = message.reference
        if reference is None:
            return None
        if isinstance(reference.resolved, discord.Message):
            return reference.resolved
        if reference.message_id is None:
            return None
        try:
            return await message.channel.fetch_message(reference.message_id)
        except discord.HTTPException:
            return None

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
