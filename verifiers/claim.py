"""Claim clean-up: from what a user pasted to the text worth searching for.

A pasted tweet brings its attribution line (kept as author/handle/date, not
searched), links (kept as exact-match keys), hashtags (words, not tags),
@mentions and emoji. Nothing is rejected here; the interfaces enforce limits.
"""
from __future__ import annotations

import re
import unicodedata

from storage.posts import extract_hashtags, extract_urls, split_trailing_attribution
from storage.records import PartialDate
from verifiers.report import Claim

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HASHTAG_RE = re.compile(r"#(\w+)")
_MENTION_RE = re.compile(r"@(\w+)")
_SPACES = re.compile(r"\s+")
# Digits glued to words: "12قطريا", "٦سنين", "FreeIran2020", "100people" (not "22nd", "5G").
_GLUED_DIGITS = re.compile(
    r"(?<=[\d\u0660-\u0669])(?=[\u0621-\u064a])|(?<=[\u0621-\u064a])(?=[\d\u0660-\u0669])"
    r"|(?<=[A-Za-z]{3})(?=\d{2,}\b)|(?<=\d)(?=[A-Za-z]{3,})(?!(?:st|nd|rd|th)\b)"
)
# A pasted tweet's date line left behind when its attribution line was cut off
# ("... January 6, 2020" at the very end): a date of posting, not of the claim.
_TRAILING_DATE = re.compile(
    r"\s*[—–-]?\s*(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+\d{1,2},\s+\d{4}\s*$"
)


def _is_emoji(char: str) -> bool:
    """Pictographs, dingbats, variation selectors, ZWJ and skin-tone modifiers."""
    code = ord(char)
    if code in (0x200D, 0xFE0E, 0xFE0F, 0x20E3) or 0x1F3FB <= code <= 0x1F3FF:
        return True
    return unicodedata.category(char) == "So" or 0x1F000 <= code <= 0x1FAFF


def _strip_urls(text: str, urls: list[str]) -> str:
    # Remove the URLs the parser found first (it knows glued forms such as
    # "https://t.co/xyzعليه"), then anything else that still looks like a link.
    for url in sorted(urls, key=len, reverse=True):
        text = text.replace(url, " ")
    return _URL_RE.sub(" ", text)


def _tweet_clean(text: str) -> str:
    """What a pasted tweet carries besides its claim: a date line left behind;
    digits glued to words. (A closing run of hashtags stays: dropping it was
    measured and cost MAP@5, docs/quality.md.)"""
    text = _TRAILING_DATE.sub("", text)
    return _GLUED_DIGITS.sub(" ", text)


def clean_claim(raw: str) -> Claim:
    """Split a raw claim into searchable text and its keys (URLs, author...)."""
    body, attribution = split_trailing_attribution(raw)
    urls = list(dict.fromkeys(extract_urls(body)))
    hashtags = list(extract_hashtags(body))
    text = _tweet_clean(_strip_urls(body, urls))
    text = _HASHTAG_RE.sub(lambda m: " " + m.group(1).replace("_", " ") + " ", text)
    text = _MENTION_RE.sub(r"\1", text)
    text = "".join(" " if _is_emoji(c) else c for c in text)
    text = _SPACES.sub(" ", text).strip()
    return Claim(
        raw=raw,
        text=text,
        urls=urls,
        hashtags=hashtags,
        handle=attribution.handle if attribution else "",
        author=attribution.name if attribution else "",
        date=attribution.date if attribution else PartialDate(),
    )
