"""/source add|paste|list|show|remove — moderators manage the archive."""
from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.aio import AsyncIsnad
from bot.app.sources import AddOutcome, UnsupportedType, parse_upload, pasted_source, skip_text
from bot.config import DiscordConfig
from bot.discord.render import PagedView, Section, clean, clip, iso, section_embeds
from bot.discord.replies import Replies
from bot.i18n import t
from storage.errors import ArchiveError, ImportFormatError
from storage.records import PartialDate

log = logging.getLogger(__name__)

LIST_PAGE = 15  # sources per /source list page


def who(user: discord.abc.User) -> str:
    """How the audit trail names a moderator: stable id plus readable name."""
    return f"discord:{user.id} ({user.name})"


class SourcesCog(commands.GroupCog, group_name="source", group_description="Manage the archive's sources (moderators)"):
    def __init__(self, service: AsyncIsnad, replies: Replies, settings: DiscordConfig) -> None:
        self.service = service
        self.replies = replies
        self.settings = settings
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Every /source call: moderators only, checked now, not from Discord's cache."""
        return await self.replies.ensure_moderator(interaction)

    async def _lang(self, interaction: discord.Interaction) -> str:
        return await self.replies.lang(interaction)

    # --- add ---------------------------------------------------------------------------

    @app_commands.command(name="add", description="Import an article from a link or a file (text, JSONL, HTML, PDF)")
    @app_commands.describe(url="The article's link", file="A text, JSONL, HTML or PDF file")
    async def add(self, interaction: discord.Interaction, url: str | None = None,
                  file: discord.Attachment | None = None) -> None:
        lang = await self._lang(interaction)
        if (url is None) == (file is None):
            await interaction.response.send_message(t("source.need_one", lang), ephemeral=True)
            return
        if file is not None:
            await self._add_file(interaction, file, lang)
        else:
            await self._add_url(interaction, url or "", lang)

    async def _add_file(self, interaction: discord.Interaction, file: discord.Attachment, lang: str) -> None:
        settings = self.settings
        ext = file.filename.rpartition(".")[2].lower() if "." in file.filename else ""
        if ext not in settings.attachment_types:
            await interaction.response.send_message(
                t("source.bad_type", lang, ext=ext or "?", allowed=", ".join(settings.attachment_types)),
                ephemeral=True)
            return
        if file.size > settings.attachment_max_bytes:
            await interaction.response.send_message(
                t("source.too_big", lang, size=file.size, limit=settings.attachment_max_bytes), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        if len(data) > settings.attachment_max_bytes:  # the declared size can lie
            await interaction.followup.send(
                t("source.too_big", lang, size=len(data), limit=settings.attachment_max_bytes), ephemeral=True)
            return
        try:
            sources, problems = await asyncio.to_thread(parse_upload, data, file.filename, settings.attachment_types)
        except UnsupportedType as exc:
            await interaction.followup.send(
                t("source.bad_type", lang, ext=exc.ext, allowed=", ".join(exc.allowed)), ephemeral=True)
            return
        except ImportFormatError as exc:
            await interaction.followup.send(t("source.bad_file", lang, error=clip(str(exc), 1500)), ephemeral=True)
            return
        outcome = await self.service.add_sources(sources, by=who(interaction.user))
        outcome.skipped[:0] = problems
        await interaction.followup.send(self._outcome_text(outcome, lang), ephemeral=True)

    async def _add_url(self, interaction: discord.Interaction, url: str, lang: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        url = url.strip()
        known = await self.service.find_url(url)
        if known:  # no download for a page we already hold
            await interaction.followup.send(t("source.already", lang, id=known), ephemeral=True)
            return
        try:
            outcome = await self.service.add_url(url, by=who(interaction.user))
        except ArchiveError as exc:  # refused, unreachable, too big, not HTML/PDF: the reason as is
            await interaction.followup.send(t("source.fetch_failed", lang, error=clip(str(exc), 1500)), ephemeral=True)
            return
        await interaction.followup.send(self._outcome_text(outcome, lang), ephemeral=True)

    def _outcome_text(self, outcome: AddOutcome, lang: str) -> str:
        lines = []
        if outcome.added:
            lines.append(t("source.added", lang, count=len(outcome.added)))
            for s in outcome.added[:10]:
                lines.append(f"• `{s.id}` {clip(clean(s.title or s.publisher or s.url), 150)} "
                             f"({t('source.counts', lang, passages=len(s.passages), posts=len(s.posts))})")
        else:
            lines.append(t("source.nothing_added", lang))
        for item in outcome.skipped[:10]:
            lines.append("• " + clip(clean(skip_text(item)), 200))
        for note in outcome.notes[:5]:
            lines.append("• " + clip(clean(note), 200))
        return clip("\n".join(lines), 2000)

    # --- paste ----------------------------------------------------------------------------

    @app_commands.command(name="paste", description="Paste an article's text in a form")
    async def paste(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(PasteModal(self, await self._lang(interaction)))

    async def add_pasted(self, interaction: discord.Interaction, fields: dict[str, str], lang: str) -> None:
        date = fields.get("date", "").strip()
        try:
            parsed_date = PartialDate.from_iso(date) if date else PartialDate()
        except (ValueError, TypeError):
            await interaction.response.send_message(t("modal.bad_date", lang, date=date), ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        source = await asyncio.to_thread(pasted_source, fields, parsed_date)
        outcome = await self.service.add_sources([source], by=who(interaction.user))
        await interaction.followup.send(self._outcome_text(outcome, lang), ephemeral=True)

    # --- list / show / remove ------------------------------------------------------------------

    @app_commands.command(name="list", description="List the archived sources")
    @app_commands.describe(page="Page number")
    async def list_(self, interaction: discord.Interaction, page: app_commands.Range[int, 1] = 1) -> None:
        lang = await self._lang(interaction)
        sources = await self.service.sources()
        if not sources:
            await interaction.response.send_message(t("source.none", lang), ephemeral=True)
            return
        lines = [f"`{s.id}` · {iso(s.date.iso() or '—')} · {clip(clean(s.title or s.url or s.publisher), 120)}"
                 for s in sources]
        title = t("source.list_title", lang, count=len(sources))
        pages = [section_embeds([Section(title, lines[i:i + LIST_PAGE])]) for i in range(0, len(lines), LIST_PAGE)]
        index = min(page, len(pages)) - 1
        view = PagedView(pages, lang) if len(pages) > 1 else None
        if view is not None:
            view.index = index
            view._sync()
        await interaction.response.send_message(embeds=pages[index], ephemeral=True,
                                                view=view if view is not None else discord.utils.MISSING)

    @app_commands.command(name="show", description="Show one source and its history")
    @app_commands.describe(id="The source id, as /source list shows it")
    async def show(self, interaction: discord.Interaction, id: str) -> None:
        lang = await self._lang(interaction)
        source = await self.service.get(id.strip())
        events = await self.service.events(id.strip())
        if source is None and not events:
            await interaction.response.send_message(t("source.not_found", lang, id=clip(id, 80)), ephemeral=True)
            return
        embed = discord.Embed(title=clip(clean(source.title if source else id), 256) or id)
        if source is not None:
            if source.url:
                embed.url = source.url if source.url.startswith("http") else None
            embed.description = clip(" · ".join(x for x in (
                clean(source.publisher), clean(source.author), iso(source.date.iso() or ""),
                t("source.counts", lang, passages=len(source.passages), posts=len(source.posts))) if x), 4000)
        history = [t(f"source.event.{e.action}" if e.action in ("add", "remove") else "source.event.add", lang,
                     by=clean(e.by or "?"), at=iso(e.at)) + (f" — {clean(e.detail)}" if e.detail else "")
                   for e in events]
        embed.add_field(name=t("source.history", lang), value=clip("\n".join(history) or "—", 1024), inline=False)
        embed.set_footer(text=id)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="remove", description="Remove a source (asks first)")
    @app_commands.describe(id="The source id, as /source list shows it")
    async def remove(self, interaction: discord.Interaction, id: str) -> None:
        lang = await self._lang(interaction)
        source = await self.service.get(id.strip())
        if source is None:
            await interaction.response.send_message(t("source.not_found", lang, id=clip(id, 80)), ephemeral=True)
            return
        view = ConfirmRemove(self, source.id, interaction.user.id, lang)
        title = clip(clean(source.title or source.url or source.id), 200)
        await interaction.response.send_message(t("source.confirm", lang, title=title, id=source.id),
                                                view=view, ephemeral=True)


class PasteModal(discord.ui.Modal):
    def __init__(self, cog: SourcesCog, lang: str) -> None:
        super().__init__(title=t("modal.title", lang), timeout=15 * 60)
        self.cog, self.lang = cog, lang
        self.title_field: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
            label=t("modal.field.title", lang), max_length=256, required=True)
        self.publisher: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
            label=t("modal.field.publisher", lang), max_length=100, required=False)
        self.date: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
            label=t("modal.field.date", lang), max_length=10, required=False, placeholder="2014-02-10")
        self.url: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
            label=t("modal.field.url", lang), max_length=500, required=False)
        self.text: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
            label=t("modal.field.text", lang), style=discord.TextStyle.paragraph, max_length=4000, required=True)
        for item in (self.title_field, self.publisher, self.date, self.url, self.text):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # Re-check: the modal may be submitted minutes after a role was taken away.
        if not await self.cog.interaction_check(interaction):
            return
        fields = {"title": self.title_field.value, "publisher": self.publisher.value, "date": self.date.value,
                  "url": self.url.value, "text": self.text.value}
        await self.cog.add_pasted(interaction, fields, self.lang)

    # discord.py's Modal.on_error takes no item (its BaseView's does): the override matches Modal.
    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await self.cog.replies.report_error(interaction, error)


class ConfirmRemove(discord.ui.View):
    def __init__(self, cog: SourcesCog, source_id: str, owner_id: int, lang: str) -> None:
        super().__init__(timeout=5 * 60)
        self.cog, self.source_id, self.owner_id, self.lang = cog, source_id, owner_id, lang
        self.confirm.label = t("button.confirm", lang)
        self.cancel.label = t("button.cancel", lang)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Only the moderator who asked, and only while still a moderator.
        return interaction.user.id == self.owner_id and await self.cog.interaction_check(interaction)

    @discord.ui.button(label="Remove", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        removed = await self.cog.service.remove(self.source_id, by=who(interaction.user))
        key = "source.removed" if removed is not None else "source.not_found"
        await interaction.response.edit_message(content=t(key, self.lang, id=self.source_id), view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content=t("source.cancelled", self.lang), view=None)

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        await self.cog.replies.report_error(interaction, error)
