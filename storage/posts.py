"""Pieces of embedded and pasted tweets: attribution lines, status URLs,
URLs and hashtags.

Attribution lines from PDFs arrive scrambled by the bidi reordering (docs/field-notes.md §1):

    sarmini (@mohsarmini) February 10, 2014 محمد سرميني —
    syria_omar) February 11, 2014@) الثورة اليتيمة —

so they are read with direction-independent patterns: a date, a handle in
any of its mirrored forms, and the rest as the name. The line is never
"repaired" as text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from storage.dates import search_date
from storage.records import PartialDate
from storage.repair import URL_RE, split_url, word_zipf

_H = r"(?P<handle>[A-Za-z0-9_]{1,15})"
# The handle forms, most explicit first. Each removes its own brackets.
_HANDLE_FORMS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"\(\s*@{_H}\s*\)"),  # (@handle)
    re.compile(rf"\)\s*{_H}@\s*\("),  # )handle@(  (mirrored)
    re.compile(rf"(?<![\w@]){_H}\)(?P<between>.*?)@\)"),  # handle) … @)  (split)
    re.compile(rf"(?<![\w@])@{_H}(?!\w)"),  # bare @handle
)
_DASHES = "—–‒―-"
_DASH_RE = re.compile(r"[—–‒―-]|&mdash;")
_BARE_HANDLE = _HANDLE_FORMS[-1]
_NAME_STRIP = _DASHES + " \t()@|,،:"
MAX_ATTRIBUTION_LEN = 160  # a longer line is prose that mentions a handle
MAX_NAME_LEN = 60

STATUS_URL_RE = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/"
    r"(?:(?:i/web)|#!/(?P<handle2>[A-Za-z0-9_]{1,15})|(?P<handle>[A-Za-z0-9_]{1,15}))"
    r"/status(?:es)?/(?P<id>\d+)[^\s]*",
    re.IGNORECASE,
)
HASHTAG_RE = re.compile(r"(?<![\w&])#(?P<tag>[^\W\d_][\w]*|\d+[^\W\d][\w]*)")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Attribution:
    """Who posted a tweet and when, from its "— Name (@handle) date" line."""

    name: str
    handle: str  # without the @
    date: PartialDate


def _find_handle(line: str) -> tuple[str, str] | None:
    """(handle, line with the handle cut out, replaced by a separator).

    A bare @handle counts only on a line with a dash: prose mentions
    handles too, but only attributions start (or end) with "—".
    """
    for pattern in _HANDLE_FORMS:
        match = pattern.search(line)
        if match and pattern is _BARE_HANDLE and not _DASH_RE.search(line):
            return None
        if match:
            between = match.groupdict().get("between") or ""
            rest = line[: match.start()] + " | " + between + " | " + line[match.end() :]
            return match.group("handle"), rest
    return None


def _pick_name(pieces: list[str]) -> str:
    """The display name among the leftover pieces.

    When an Arabic name and a Latin word both survive ("sarmini … محمد سرميني"),
    the Latin word is a run the bidi reordering tore from the name: keep the
    Arabic name.
    """
    pieces = [p for p in pieces if p]
    arabic = [p for p in pieces if _ARABIC.search(p)]
    if arabic and len(arabic) < len(pieces):
        pieces = arabic
    return " ".join(pieces)


def _clean_piece(piece: str) -> str:
    piece = piece.replace("&mdash;", " ")
    return " ".join(piece.strip(_NAME_STRIP).split())


def parse_attribution(line: str) -> Attribution | None:
    """Name, handle and date from an attribution line in any scrambled form.

    Needs both a handle and a date; returns None for anything else.
    """
    if len(line) > MAX_ATTRIBUTION_LEN:
        return None
    found = _find_handle(line)
    if found is None:
        return None
    handle, rest = found
    date = search_date(rest)
    if date is None or date.date.month is None:
        return None  # embeds always give at least the month
    rest = rest[: date.start] + " | " + rest[date.end :]
    name = _pick_name([_clean_piece(p) for p in rest.split("|")])
    if len(name) > MAX_NAME_LEN:
        return None
    return Attribution(name=name, handle=handle, date=date.date)


def _looks_like_attribution_start(text: str) -> bool:
    return text.lstrip().startswith(tuple(_DASHES)) or text.lstrip().startswith("&mdash;")


def split_trailing_attribution(text: str) -> tuple[str, Attribution | None]:
    """A pasted tweet's text and its trailing "— Name (@handle) Month D, YYYY".

    The attribution may be on its own last line or at the end of the text's
    last line after a dash. Without one, the text comes back unchanged.
    """
    body = text.rstrip()
    head, _, last = body.rpartition("\n")
    if head.strip():
        attribution = parse_attribution(last)
        if attribution:
            return head.rstrip(), attribution
    for match in reversed(list(_DASH_RE.finditer(body))):
        tail = body[match.start() :]
        if "\n" in tail or not _looks_like_attribution_start(tail):
            continue
        attribution = parse_attribution(tail)
        if attribution and body[: match.start()].strip():
            return body[: match.start()].rstrip(), attribution
    return text, None


def parse_status_url(url: str) -> tuple[str, str] | None:
    """(handle, status id) for a twitter.com / x.com status link, else None.

    The handle is "" for /i/web/status/ links, which name no account.
    """
    match = STATUS_URL_RE.search(url)
    if not match:
        return None
    handle = match.group("handle") or match.group("handle2") or ""
    if handle.lower() == "i":
        handle = ""
    return handle, match.group("id")


def extract_urls(text: str) -> list[str]:
    """URLs in order, once each; a URL stops at an Arabic letter glued to it
    and loses trailing punctuation."""
    urls: list[str] = []
    for match in URL_RE.finditer(text):
        url, _ = split_url(match.group(0))
        if url and url not in urls:
            urls.append(url)
    return urls


def split_glued_words(tag: str) -> str:
    """'ديرالزور' -> 'دير الزور' when the glued form is a hashtag habit and the
    parts are common words; anything else comes back unchanged."""
    if " " in tag or len(tag) < 5 or not _ARABIC.search(tag):
        return tag
    best, best_score = tag, word_zipf(tag) + 1.0
    for cut in range(2, len(tag) - 1):
        left, right = tag[:cut], tag[cut:]
        score = min(word_zipf(left), word_zipf(right))
        if score >= 3.0 and score > best_score:
            best, best_score = f"{left} {right}", score
    return best


def _hashtag_tokens(text: str) -> list[str]:
    return [t.strip(".,!?؟،:;") for t in text.split()]


def _lost_underscores(text: str) -> dict[str, str]:
    """In a closing run of hashtags, a plain word right after a hashtag is the
    rest of it: its underscore became a space ("#سورية #دير الزور")."""
    tokens = _hashtag_tokens(text)
    fixes: dict[str, str] = {}
    for i in range(1, len(tokens) - 1):
        tag, word = tokens[i], tokens[i + 1]
        in_run = tokens[i - 1].startswith("#") and tag.startswith("#")
        run_goes_on = i + 2 == len(tokens) or tokens[i + 2].startswith("#")
        if in_run and run_goes_on and word and not word.startswith(("#", "@", "http")):
            fixes[tag[1:]] = f"{tag[1:]} {word}"
    return fixes


def extract_hashtags(text: str, *, split_glued: bool = False) -> list[str]:
    """Hashtags in order, once each, without '#' and with '_' as spaces.

    With split_glued, a glued tag is split into known words
    ("#ديرالزور" -> "دير الزور"), so both spellings give one name.
    """
    fixes = _lost_underscores(text)
    tags: list[str] = []
    for match in HASHTAG_RE.finditer(text):
        raw = match.group("tag")
        tag = fixes.get(raw) or " ".join(raw.replace("_", " ").split())
        if split_glued:
            tag = split_glued_words(tag)
        if tag and tag not in tags:
            tags.append(tag)
    return tags
