"""Report -> Discord embeds, always inside Discord's limits (docs/field-notes.md §5).

Limits: title 256, description 4096, 25 fields, field name 256, value 1024,
footer 2048, author name 256, 10 embeds and 6000 characters per message.
Arabic text: tatweel added for PDF justification is dropped, and Latin bits
(handles, dates, links) inside Arabic lines are wrapped in Unicode isolates so
the bidi algorithm does not reorder them around the Arabic words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import discord

from bot.i18n import count, note_text, reason_text, t
from storage.records import PartialDate
from verifiers.report import Conflict, Match, Report, SourceDate
from verifiers.verdict import evidence

TITLE_MAX = 256
DESC_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBEDS_PER_MESSAGE = 10
MESSAGE_TOTAL_MAX = 6000
CONTENT_MAX = 2000

MATCHES_PER_PAGE = 3
EXCERPT_MAX = 900
SUMMARY_CONFLICTS = 4
CONFLICT_VALUE_MAX = 600

FSI, PDI, RLM = "\u2068", "\u2069", "\u200f"
_TATWEEL = re.compile("\u0640+")
_LINE_START_MARKUP = re.compile(r"^(\s*)([#>\-*]|\d+\.)", re.MULTILINE)

GREEN, GREY, ORANGE, RED, BLUE = 0x2E8B57, 0x808080, 0xE67E22, 0xC0392B, 0x3498DB
# The summary's colour follows the verdict: only a supported claim is green.
VERDICT_COLOUR = {"supported": GREEN, "contradicted": RED, "disputed": ORANGE, "related": BLUE, "not_found": GREY}
STANCE_COLOUR = {"supports": GREEN, "contradicts": RED, "related": GREY}


def iso(text: str) -> str:
    """Isolate a run (name, handle, date) so bidi keeps it whole inside any line."""
    return f"{FSI}{text}{PDI}" if text else text


def clip(text: str, limit: int) -> str:
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def clean(text: str) -> str:
    """Display form of archived text: no kashida, no accidental markdown."""
    text = _TATWEEL.sub("", text or "")
    text = " ".join(text.split())
    text = discord.utils.escape_markdown(text, as_needed=False)
    return _LINE_START_MARKUP.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def line(text: str, lang: str) -> str:
    """Mark a line right-to-left for Arabic replies, so it starts on the right."""
    return RLM + text if lang == "ar" else text


def date_text(date: PartialDate, lang: str) -> str:
    return date.iso() or t("result.unknown_date", lang)


def who_text(name: str, handle: str) -> str:
    parts = []
    if name:  # clipped inside the isolate, so the handle and the closing PDI always survive
        parts.append(iso(clip(clean(name), 100)))
    if handle:
        parts.append(iso("@" + discord.utils.escape_markdown(handle.lstrip("@"))))
    return " ".join(parts)


def embed_chars(embed: discord.Embed) -> int:
    """Characters Discord counts towards the 6000 per message."""
    total = len(embed.title or "") + len(embed.description or "")
    total += len(embed.footer.text or "") if embed.footer else 0
    total += len(embed.author.name or "") if embed.author else 0
    for f in embed.fields:
        total += len(f.name or "") + len(f.value or "")
    return total


def check_embed(embed: discord.Embed) -> list[str]:
    """Every limit this embed breaks (empty when it is fine). Used by tests too."""
    problems = []
    if len(embed.title or "") > TITLE_MAX:
        problems.append("title")
    if len(embed.description or "") > DESC_MAX:
        problems.append("description")
    if len(embed.fields) > FIELDS_MAX:
        problems.append("fields")
    for f in embed.fields:
        if not f.name or len(f.name) > FIELD_NAME_MAX:
            problems.append("field name")
        if not f.value or len(f.value) > FIELD_VALUE_MAX:
            problems.append("field value")
    if embed.footer and len(embed.footer.text or "") > FOOTER_MAX:
        problems.append("footer")
    if embed.author and len(embed.author.name or "") > AUTHOR_MAX:
        problems.append("author")
    return problems


def check_message(embeds: list[discord.Embed]) -> list[str]:
    problems = [p for e in embeds for p in check_embed(e)]
    if len(embeds) > EMBEDS_PER_MESSAGE:
        problems.append("too many embeds")
    if sum(embed_chars(e) for e in embeds) > MESSAGE_TOTAL_MAX:
        problems.append("over 6000 characters")
    return problems


def fit_message(embeds: list[discord.Embed]) -> list[discord.Embed]:
    """Shrink the longest texts until the message is within 6000 characters:
    descriptions first (down to 200), then field values (down to 100). Pages
    hold at most 4 embeds, so the floor is always reached before that."""
    embeds = embeds[:EMBEDS_PER_MESSAGE]

    def over() -> int:
        return sum(embed_chars(e) for e in embeds) - MESSAGE_TOTAL_MAX

    while over() > 0:
        longest = max(embeds, key=lambda e: len(e.description or ""))
        current = longest.description or ""
        if len(current) <= 200:
            break
        longest.description = clip(current, max(200, len(current) - over() - 1))
    while over() > 0:
        candidates = [(e, i, f) for e in embeds for i, f in enumerate(e.fields) if len(f.value or "") > 100]
        if not candidates:
            break
        embed, index, f = max(candidates, key=lambda c: len(c[2].value or ""))
        value = f.value or ""
        embed.set_field_at(index, name=f.name, value=clip(value, max(100, len(value) - over() - 1)), inline=f.inline)
    while over() > 0 and len(embeds) > 1:  # last resort, never reached by our pages
        embeds = embeds[:-1]
    return embeds


# --- one report -------------------------------------------------------------


def _safe_url(url: str) -> str | None:
    return url if url and re.match(r"https?://\S+$", url) and len(url) <= 2000 else None


def match_embed(match: Match, n: int, total: int, lang: str) -> discord.Embed:
    title = match.title or match.publisher or (("@" + match.handle) if match.handle else match.source_id)
    embed = discord.Embed(
        title=clip(_TATWEEL.sub("", title), TITLE_MAX),
        url=_safe_url(match.url),
        description=line(clip(clean(match.text), EXCERPT_MAX), lang),
        colour=STANCE_COLOUR.get(match.stance or "", GREY) if match.confidence == "strong" else GREY,
    )
    if match.stance:
        stance = t(f"stance.{match.stance}", lang)
        if match.stance_reason and match.stance != "supports":
            stance += f" · {clean(note_text(match.stance_reason, lang))}"
        embed.add_field(name=t("result.stance", lang), value=clip(line(stance, lang), 300), inline=False)
    if match.publisher:
        embed.add_field(name=t("result.publisher", lang), value=clip(clean(match.publisher), 200))
    who = who_text(match.author, match.handle if match.kind == "post" else "")
    if who:
        embed.add_field(name=t("result.author", lang), value=clip(who, 300))
    embed.add_field(name=t("result.date", lang), value=iso(date_text(match.date, lang)))
    score = f"{match.score:.0f}/100"
    if match.reason:
        score += f" · {clean(reason_text(match.reason, lang))}"
    embed.add_field(name=t("result.score", lang), value=clip(score, 300))
    if match.sentence:
        embed.add_field(name=t("result.sentence", lang), value=line(clip(clean(match.sentence), 300), lang),
                        inline=False)
    if match.matched_items > 1:
        embed.add_field(name=t("result.items", lang), value=t("result.items_value", lang, n=match.matched_items))
    if _safe_url(match.url):
        embed.add_field(name=t("result.link", lang), value=clip(match.url, FIELD_VALUE_MAX), inline=False)
    tier = "" if match.confidence == "strong" else t("result.possible_one", lang) + " · "
    embed.set_footer(text=tier + t("result.match", lang, n=n, total=total) + f" · {match.source_id}")
    return embed


def _timeline_line(entry: SourceDate, lang: str) -> str:
    name = clean(entry.title or entry.publisher or entry.source_id)
    who = who_text(entry.author, entry.handle)
    text = f"{iso(date_text(entry.date, lang))} — {iso(clip(name, 120))}"
    if who:
        text += f" — {who}"
    return line(text, lang)


def _first_text(report: Report, lang: str) -> str | None:
    first = report.first_seen
    if first is None:
        return None
    who = who_text(first.author, first.handle) or iso(clean(first.publisher or first.title or first.source_id))
    return t("result.first", lang, who=who, date=iso(date_text(first.date, lang)))


def verdict_text(report: Report, lang: str) -> list[str]:
    """The verdict in plain words and the one piece of evidence behind it, as lines."""
    found = evidence(report)
    if found is None:
        return [line(f"**{t(f'verdict.{report.verdict}', lang)}**", lang)]
    conflict, match = (found, found.match) if isinstance(found, Conflict) else (None, found)
    who = who_text("", match.handle) if match.kind == "post" and match.handle else iso(
        clip(clean(match.publisher or match.title or match.source_id), 100))
    wrote = "verdict.wrote" if match.date.known else "verdict.wrote_undated"
    head = t(f"verdict.{report.verdict}", lang) + " " + t(wrote, lang, who=who, date=iso(match.date.iso() or ""))
    lines = [line(f"**{head}**", lang), line(f"“{clip(clean(match.text), 300)}”", lang)]
    why = conflict.reason if conflict else match.stance_reason
    if why:
        lines.append(line(f"{t('verdict.why', lang)}: {clip(clean(note_text(why, lang)), 300)}", lang))
    return lines


def summary_embed(report: Report, lang: str) -> discord.Embed:
    colour = VERDICT_COLOUR.get(report.verdict, GREY)
    parts = [f"**{t('result.claim', lang)}:** {clip(clean(report.claim.raw or report.query), 600)}"]
    parts[:0] = verdict_text(report, lang)  # the verdict first, then the claim
    possible = sum(m.confidence != "strong" for m in report.matches)
    if possible:
        parts.append(line(t("result.possible", lang, n=possible), lang))
    first = _first_text(report, lang)
    if first:
        parts.append(line(first, lang))
    for note in report.notes[:5]:
        parts.append(line("· " + clip(clean(note_text(note, lang)), 300), lang))
    embed = discord.Embed(title=t("result.title", lang), description=clip("\n".join(parts), 1500), colour=colour)
    if report.timeline:
        embed.add_field(name=t("result.timeline", lang), value=_join_lines(
            [_timeline_line(e, lang) for e in report.timeline], FIELD_VALUE_MAX), inline=False)
    for conflict in report.conflicts[:SUMMARY_CONFLICTS]:
        _add_conflict(embed, conflict, lang)
    if len(report.conflicts) > SUMMARY_CONFLICTS:
        embed.add_field(name="…", value=t("result.more_conflicts", lang, n=len(report.conflicts) - SUMMARY_CONFLICTS),
                        inline=False)
    return embed


def recycled_embed(report: Report, lang: str) -> discord.Embed | None:
    """An old story passed off as new, as its own highlighted embed with both
    dates: "First posted 2014-02-10; shared again as new on 2020-03-03, 6 years later"."""
    days = report.recycled_days
    dated = [e for e in report.timeline if e.date.known]
    if not days or not dated or not report.claim.date.known:  # provenance.recycled_days needs both dates
        return None
    span = count(days // 365, "year", lang) if days >= 365 else count(days, "day", lang)
    text = t("result.recycled", lang, first=iso(date_text(dated[0].date, lang)),
             claim=iso(date_text(report.claim.date, lang)), span=span)
    return discord.Embed(title=t("result.recycled_title", lang), description=line(text, lang), colour=RED)


def _add_conflict(embed: discord.Embed, conflict: Conflict, lang: str) -> None:
    m = conflict.match
    name = f"⚠ {clean(m.title or m.publisher or m.source_id)}"
    who = who_text(m.author, m.handle if m.kind == "post" else "")
    head = " — ".join(x for x in (who, iso(date_text(m.date, lang))) if x)
    target = (t("result.conflict_claim", lang) if conflict.against is None
              else t("result.conflict_against", lang, n=conflict.against + 1))
    value = "\n".join([
        line(head, lang),
        line(f"**{clip(clean(note_text(conflict.reason, lang)), 250)}** ({target})", lang),
        line(f"“{clip(clean(m.text), 200)}”", lang),
    ])
    if _safe_url(m.url):
        value += "\n" + m.url
    embed.add_field(name=clip(f"{t('result.conflicts', lang)}: {name}", 150),
                    value=clip(value, CONFLICT_VALUE_MAX), inline=False)


def conflict_embeds(conflicts: list[Conflict], lang: str) -> list[discord.Embed]:
    """Conflicts beyond the summary's, 4 to an embed, on pages after the matches."""
    out = []
    for start in range(0, len(conflicts), SUMMARY_CONFLICTS):
        embed = discord.Embed(title=t("result.conflicts", lang), colour=RED)
        for conflict in conflicts[start:start + SUMMARY_CONFLICTS]:
            _add_conflict(embed, conflict, lang)
        out.append(embed)
    return out


def _join_lines(lines: list[str], limit: int) -> str:
    out, used = [], 0
    for text in lines:
        text = clip(text, limit)
        if used + len(text) + 1 > limit:
            out.append("…")
            break
        out.append(text)
        used += len(text) + 1
    return "\n".join(out) or "—"


def summary_head(summary: discord.Embed) -> discord.Embed:
    """The summary's title and lines (not its fields), repeated atop later pages."""
    return discord.Embed(title=summary.title, description=summary.description, colour=summary.colour)


def report_pages(report: Report, lang: str, per_page: int = MATCHES_PER_PAGE) -> list[list[discord.Embed]]:
    """Pages of embeds: the summary (with timeline and conflicts) then the
    matches, `per_page` at a time. Every page is a valid message."""
    total = len(report.matches)
    match_embeds = [match_embed(m, i + 1, total, lang) for i, m in enumerate(report.matches)]
    pages: list[list[discord.Embed]] = []
    summary = summary_embed(report, lang)
    recycled = recycled_embed(report, lang)
    first = [summary] + ([recycled] if recycled else []) + match_embeds[:per_page]
    pages.append(first)
    for start in range(per_page, total, per_page):
        pages.append([summary_head(summary)] + match_embeds[start : start + per_page])
    extra = conflict_embeds(report.conflicts[SUMMARY_CONFLICTS:], lang)
    pages.extend(extra[i:i + 1] for i in range(len(extra)))
    if len(pages) > 1:  # before fitting, so the footer counts towards the 6000
        for i, page in enumerate(pages):
            footer = (page[-1].footer.text if page[-1].footer else "") or ""
            numbered = f"{footer} · {t('result.page', lang, n=i + 1, total=len(pages))}"
            page[-1].set_footer(text=clip(numbered, FOOTER_MAX))
    return [fit_message(p) for p in pages]


# --- lists and digests ---------------------------------------------------------


@dataclass
class Section:
    title: str
    lines: list[str]


def section_embeds(sections: list[Section], *, colour: int = GREEN, chunk: int = 3500) -> list[discord.Embed]:
    """One or more embeds per section, each description under `chunk` characters."""
    embeds = []
    for section in sections:
        body: list[str] = []
        used = 0
        part = 0
        for text in section.lines:
            text = clip(text, chunk)
            if body and used + len(text) + 1 > chunk:
                embeds.append(_section_embed(section.title, part, body, colour))
                body, used, part = [], 0, part + 1
            body.append(text)
            used += len(text) + 1
        embeds.append(_section_embed(section.title, part, body, colour))
    return embeds


def _section_embed(title: str, part: int, body: list[str], colour: int) -> discord.Embed:
    title = title if part == 0 else f"{title} ({part + 1})"
    return discord.Embed(title=clip(title, TITLE_MAX), description="\n".join(body) or "—", colour=colour)


def pack_messages(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into as few messages as the 10-embed / 6000-character limits allow."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    used = 0
    for embed in embeds:
        size = embed_chars(embed)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or used + size > MESSAGE_TOTAL_MAX):
            messages.append(current)
            current, used = [], 0
        current.append(embed)
        used += size
    if current:
        messages.append(current)
    return [fit_message(m) for m in messages]
