"""/source add|paste|list|show|remove — moderators manage the archive."""
from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.aio import AsyncIsnad
from bot.app.sources import AddOutcome, UnsupportedType, parse_upload, pasted_source, skip_text
from bot.config import DiscordConfig
from bot.discord.paging import paged_view
from bot.discord.render import Section, clean, clip, iso, section_embeds
from bot.discord.replies import Replies
from bot.i18n import detail_text, error_text, skipped_text, t
from storage.dates import parse_date
from storage.errors import ArchiveError, ImportFormatError
from storage.records import PartialDate

log = logging.getLogger(__name__)

LIST_PAGE = 15  # sources per /source list page


def who(user: discord.abc.User) -> str:
    """How the audit trail names a moderator: stable id plus readable name."""
    return f"discord:{user.id} ({user.display_name})"


_WHO = re.compile(r"discord:(\d+)(?: \((.+)\))?$")


def member_text(by: str | None) -> str:
    """An audit entry's author as a reader wants it: the member's name (a
    mention, which Discord shows as the name, when only the id was kept);
    a name from another front end (the CLI's user name) as it is."""
    found = _WHO.match(by or "")
    if not found:
        return clean(by or "?")
    member_id, name = found.groups()
    return clean(name) if name else f"<@{member_id}>"


def local_time(at: str, zone: str) -> str:
    """An ISO UTC time in the server's time zone: "2026-11-30 13:41 (Asia/Damascus)"."""
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return clean(at)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return f"{when.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"
    except (ZoneInfoNotFoundError, ValueError):
        return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} (UTC)"


# Hidden from members in Discord's client (Manage Server); the role check in
# interaction_check still runs on every call (docs/field-notes.md §5).
@app_commands.default_permissions(manage_guild=True)
@app_commands.guild_only()
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
            await interaction.followup.send(t("source.bad_file", lang, error=error_text(exc, lang)), ephemeral=True)
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
            await interaction.followup.send(t("source.fetch_failed", lang, error=error_text(exc, lang)), ephemeral=True)
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
            lines.append("• " + clip(skipped_text(clean(skip_text(item)), lang), 300))
        for note in outcome.notes[:5]:  # the importer's words, quoted as such in an Arabic reply
            lines.append("• " + clip(clean(note) if lang != "ar" else f"`{clean(note)}`", 300))
        return clip("\n".join(lines), 2000)

    # --- paste ----------------------------------------------------------------------------

    @app_commands.command(name="paste", description="Paste an article's text in a form")
    async def paste(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(PasteModal(self, await self._lang(interaction)))

    async def add_pasted(self, interaction: discord.Interaction, fields: dict[str, str], lang: str) -> None:
        date = fields.get("date", "").strip()
        parsed_date = pasted_date(date)
        if parsed_date is None:
            # Keep what was pasted: a button reopens the form with every field as it was.
            await interaction.response.send_message(t("modal.bad_date", lang, date=clip(date, 40)),
                                                    view=RetryPaste(self, fields, lang), ephemeral=True)
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
        view = paged_view(pages, lang, index=index)
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
        zone = await self._server_zone(interaction.guild_id)
        history = [t(f"source.event.{e.action}" if e.action in ("add", "remove") else "source.event.add", lang,
                     by=iso(member_text(e.by)), at=iso(local_time(e.at, zone)))
                   + (f" — {clean(detail_text(e.detail, lang))}" if e.detail else "")
                   for e in events]
        embed.add_field(name=t("source.history", lang), value=clip("\n".join(history) or "—", 1024), inline=False)
        embed.set_footer(text=id)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def _server_zone(self, guild_id: int | None) -> str:
        """The server's time zone: its digest's, else [digest] timezone."""
        settings = await self.service.digest_settings(guild_id) if guild_id else None
        return settings.timezone if settings else self.service.config.digest.timezone

    @show.autocomplete("id")
    async def show_ids(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.source_choices(current)

    async def source_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Source ids for the autocomplete: ids or titles containing what was typed (25 at most)."""
        return [
            # A choice's name is at most 100 characters (docs/field-notes.md §5).
            app_commands.Choice(name=clip(f"{s.id} · {clean(s.title or s.url or s.publisher or '')}", 100), value=s.id)
            for s in await self.service.find_sources(current, 25)
        ]

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

    @remove.autocomplete("id")
    async def remove_ids(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self.source_choices(current)


def pasted_date(text: str) -> PartialDate | None:
    """The date a moderator typed: empty (unknown), ISO (2014, 2014-02,
    2014-02-10), or as newsrooms write it: DD/MM/YYYY, Arabic-Indic digits,
    month names in Arabic (both calendars' names) or English (storage.dates).
    None when it cannot be read."""
    text = text.strip()
    if not text:
        return PartialDate()
    try:
        return PartialDate.from_iso(text)
    except (ValueError, TypeError):
        return parse_date(text)


class PasteModal(discord.ui.Modal):
    def __init__(self, cog: SourcesCog, lang: str, values: dict[str, str] | None = None) -> None:
        super().__init__(title=t("modal.title", lang), timeout=15 * 60)
        self.cog, self.lang = cog, lang
        values = values or {}
        def field(key: str, name: str, length: int, required: bool, **options: Any) -> discord.ui.TextInput[PasteModal]:
            return discord.ui.TextInput(label=t(key, lang), max_length=length, required=required,
                                        default=values.get(name) or None, **options)

        self.title_field = field("modal.field.title", "title", 256, True)
        self.publisher = field("modal.field.publisher", "publisher", 100, False)
        self.date = field("modal.field.date", "date", 40, False, placeholder="2014-02-10 · 10/02/2014 · 10 فبراير 2014")
        self.url = field("modal.field.url", "url", 500, False)
        self.text = field("modal.field.text", "text", 4000, True, style=discord.TextStyle.paragraph)
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


class RetryPaste(discord.ui.View):
    """A button that reopens the paste form with what the moderator typed."""

    def __init__(self, cog: SourcesCog, fields: dict[str, str], lang: str) -> None:
        super().__init__(timeout=14 * 60)  # the message can be edited for 15 minutes (docs/field-notes.md §5)
        self.cog, self.fields, self.lang = cog, fields, lang
        self.reopen.label = t("button.edit_paste", lang)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return await self.cog.interaction_check(interaction)

    @discord.ui.button(label="Correct the date", style=discord.ButtonStyle.primary)
    async def reopen(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(PasteModal(self.cog, self.lang, self.fields))

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
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
