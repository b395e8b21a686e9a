"""The one language detector of the code base: Arabic or English, by letters.

Isnad's texts are Arabic or English, often mixed (Latin handles, links and
hashtags inside Arabic tweets), so counting letters of each script is enough
and needs no model: a text is Arabic when it has at least as many Arabic
letters as Latin ones. Used for an imported article's `lang` when the page
does not say, for the re-ranker's language (verifiers.normalize.is_arabic),
and for the reply language of a mention, which carries no locale.
"""
from __future__ import annotations

import re

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3\u0750-\u077F]")  # letters, not digits or marks
_LATIN_LETTER = re.compile(r"[A-Za-z\u00C0-\u024F]")


def detect_language(text: str, default: str = "") -> str:
    """"ar" or "en"; `default` for a text with no Arabic or Latin letter."""
    # The first 100,000 characters tell the language; subn counts without
    # findall's list of every letter (gigabytes for a 50 MB text).
    sample = text[:100_000]
    arabic = _ARABIC_LETTER.subn("", sample)[1]
    latin = _LATIN_LETTER.subn("", sample)[1]
    if not arabic and not latin:
        return default
    return "ar" if arabic >= latin else "en"
