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


def clean_claim(raw: str) -> Claim:
    """Split a raw claim into searchable text and its keys (URLs, author...)."""
    body, attribution = split_trailing_attribution(raw)
    urls = list(dict.fromkeys(extract_urls(body)))
    hashtags = list(extract_hashtags(body))
    text = _strip_urls(body, urls)
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
