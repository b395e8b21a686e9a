"""Paging buttons that outlive the process (Previous / Next on an answer).

A discord.ui.View lives in memory and dies with it: after a restart (or its
timeout) its buttons still look clickable but fail. Here each button is a
DynamicItem whose custom_id says which answer and which page it leads to
("isnad:page:<token>:<page>"); discord.py routes a click on any message
carrying such an id to PageButton, whatever process sent the message.

The pages themselves are kept in a bounded in-memory cache. After a restart
the cache is empty: the answer is then made again from the claim shown on the
message (its summary's claim line), when it is there whole; otherwise the
buttons are shown disabled and the member is told to ask again. Answering a
component is a fresh interaction, so this works past the 15 minutes a
followup can be edited (docs/field-notes.md §5).
"""
from __future__ import annotations

import logging
import re
import secrets
from collections import OrderedDict
from typing import Any

import discord

from bot.i18n import STRINGS, t

log = logging.getLogger(__name__)

CACHE_SIZE = 500  # answers whose pages are kept (the rest are remade or expire)
_ESCAPE = re.compile(r"\\(.)")


class PageCache:
    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._pages: OrderedDict[str, tuple[list[list[discord.Embed]], str]] = OrderedDict()

    def add(self, pages: list[list[discord.Embed]], lang: str) -> str:
        token = secrets.token_hex(6)
        self._pages[token] = (pages, lang)
        while len(self._pages) > self.size:
            self._pages.popitem(last=False)
        return token

    def get(self, token: str) -> tuple[list[list[discord.Embed]], str] | None:
        found = self._pages.get(token)
        if found is not None:
            self._pages.move_to_end(token)
        return found


CACHE = PageCache()


def paged_view(pages: list[list[discord.Embed]], lang: str, token: str | None = None,
               index: int = 0, *, disabled: bool = False) -> discord.ui.View | None:
    """Previous / Next for `pages` (None for a single page), showing page `index`."""
    if len(pages) <= 1:
        return None
    token = token or CACHE.add(pages, lang)
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(token, index - 1, t("button.prev", lang), discord.ButtonStyle.secondary,
                             disabled=disabled or index <= 0, slot="p"))
    view.add_item(PageButton(token, index + 1, t("button.next", lang), discord.ButtonStyle.primary,
                             disabled=disabled or index >= len(pages) - 1, slot="n"))
    return view


_TEMPLATE = r"isnad:page:(?P<token>[0-9a-f]+):(?P<slot>[pn]):(?P<index>-?\d+)"


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=_TEMPLATE):
    def __init__(self, token: str, index: int, label: str = "",
                 style: discord.ButtonStyle = discord.ButtonStyle.primary, *, disabled: bool = False,
                 slot: str = "n") -> None:
        # The slot keeps the two buttons' ids apart when both lead to the same page.
        super().__init__(discord.ui.Button(label=label or "…", style=style, disabled=disabled,
                                           custom_id=f"isnad:page:{token}:{slot}:{index}"))
        self.token, self.index = token, index

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> PageButton:
        label = getattr(item, "label", None) or ""
        style = getattr(item, "style", discord.ButtonStyle.primary)
        return cls(match["token"], int(match["index"]), label, style, slot=match["slot"])

    async def callback(self, interaction: discord.Interaction) -> None:
        cached = CACHE.get(self.token)
        if cached is None:
            cached = await _remake(interaction, self.token)
        if cached is None:
            await _expire(interaction)
            return
        pages, lang = cached
        index = max(0, min(self.index, len(pages) - 1))
        await interaction.response.edit_message(embeds=pages[index], view=paged_view(pages, lang, self.token, index))


def claim_on(message: discord.Message | None) -> tuple[str, str] | None:
    """(claim, language) from an answer's summary line "**Claim:** …", when it is there whole."""
    if message is None:
        return None
    labels = {STRINGS["result.claim"][0]: "en", STRINGS["result.claim"][1]: "ar"}
    for embed in message.embeds[:1]:
        for line in (embed.description or "").splitlines():
            for label, lang in labels.items():
                prefix = f"**{label}:** "
                if line.startswith(prefix):
                    text = line[len(prefix):].strip()
                    if not text or text.endswith("…"):  # clipped: not the whole claim
                        return None
                    return _ESCAPE.sub(r"\1", text), lang
    return None


async def _remake(interaction: discord.Interaction, token: str) -> tuple[list[list[discord.Embed]], str] | None:
    """After a restart: verify the claim shown on the message again."""
    from bot.discord.render import report_pages

    found = claim_on(interaction.message)
    isnad: Any = getattr(interaction.client, "isnad", None)
    if found is None or isnad is None:
        return None
    claim, lang = found
    try:
        report = await isnad.verify_claim(claim)
    except Exception:
        log.exception("could not remake the pages of an earlier answer")
        return None
    pages = report_pages(report, lang)
    CACHE._pages[token] = (pages, lang)
    return pages, lang


async def _expire(interaction: discord.Interaction) -> None:
    """The pages are gone: disable the buttons and say so (only to the member who clicked)."""
    lang = "ar" if claim_on_lang(interaction.message) == "ar" else "en"
    await interaction.response.edit_message(view=_disabled_copy(lang))
    await interaction.followup.send(t("paging.expired", lang), ephemeral=True)


def claim_on_lang(message: discord.Message | None) -> str | None:
    if message is None or not message.embeds:
        return None
    return "ar" if STRINGS["result.claim"][1] in (message.embeds[0].description or "") else "en"


def _disabled_copy(lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label=t("button.prev", lang), disabled=True, custom_id="isnad:page:expired:p"))
    view.add_item(discord.ui.Button(label=t("button.next", lang), disabled=True, custom_id="isnad:page:expired:n"))
    return view
