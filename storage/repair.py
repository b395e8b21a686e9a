"""Repairs for Arabic text extracted from PDFs (docs/field-notes.md §1).

Every function here is pure (str -> str) and keeps the line structure, so an
importer can still see blocks and attribution lines after repairing.

- kashida (U+0640) added for justification is removed;
- a line rotated around a word split at its end (`W2 B ␠ A W1`) gets the whole
  word W1W2 back, with A and B put in order when a sentence end shows it;
- a word fragment left alone on its own short line is joined to its neighbour;
- a URL glued to an Arabic word (or followed by a stray "!") is pulled apart.

Word joins are confirmed with wordfreq's Arabic frequencies: a join counts only
when the joined word is common and clearly more common than its rarer part.
"""
from __future__ import annotations

import re
from functools import lru_cache

from wordfreq import zipf_frequency

KASHIDA = "\u0640"
# A joined word must be at least this common (Zipf scale: 4 = once per 100k words)...
MIN_JOINED_ZIPF = 4.0
# ... and this much more common than the rarer of its two parts.
MIN_JOIN_GAIN = 1.0
# A bare fragment on its own line is at most this long.
MAX_FRAGMENT_LEN = 3

URL_RE = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)[^\s<>\"'\u0600-\u06FF]+")
_URL_TRAIL = ".,;:!?)]}»”’،؛؟"
_LETTER = r"\u0621-\u063F\u0641-\u064A\u0671-\u06D3"  # Arabic letters, not tatweel
_ARABIC_LETTERS = re.compile(rf"^[{_LETTER}][{_LETTER}\u064B-\u0652]*$")
_SENTENCE_END = re.compile(r"[.!?؟]$")
_LEAD = re.compile(r"^([#“\"«(]*)(.*)$")
_TRAIL = re.compile(r"^(.*?)([.,!?:؛،؟”\"»)]*)$")


def remove_kashida(text: str) -> str:
    return text.replace(KASHIDA, "")


@lru_cache(maxsize=65536)
def word_zipf(word: str) -> float:
    """wordfreq's Arabic Zipf frequency (0 for unknown words)."""
    return zipf_frequency(word, "ar")


def is_arabic_word(token: str) -> bool:
    return bool(_ARABIC_LETTERS.match(token))


def join_fragments(first: str, second: str) -> str | None:
    """`first + second` when that is a word and the split was an artifact.

    Both parts may be words themselves (سور + يا = سوريا), so the test is
    relative: the joined word must be common, and much more common than
    the rarer part.
    """
    if not (is_arabic_word(first) and is_arabic_word(second)):
        return None
    joined = first + second
    gain = word_zipf(joined) - min(word_zipf(first), word_zipf(second))
    if word_zipf(joined) >= MIN_JOINED_ZIPF and gain >= MIN_JOIN_GAIN:
        return joined
    return None


def _split_lead(token: str) -> tuple[str, str]:
    """'#سور' -> ('#', 'سور'): opening marks stay in front of the word."""
    match = _LEAD.match(token)
    assert match
    return match.group(1), match.group(2)


def _split_trail(token: str) -> tuple[str, str]:
    """'يا،' -> ('يا', '،'): closing punctuation stays after the word."""
    match = _TRAIL.match(token)
    assert match
    return match.group(1), match.group(2)


def _split_point(middle: list[str]) -> int:
    """How many of the middle tokens belong after the rejoined word (B).

    The extracted line is `W2 B ␠ A W1`; B comes first in it. A sentence end
    inside the middle shows where B stops. Otherwise the word goes last
    (B empty), unless A would then start with bare punctuation, which means
    the punctuation followed the word: then the word goes first.
    """
    for i, token in enumerate(middle[:-1]):
        if _SENTENCE_END.search(token):
            return i + 1
    if middle and not any(ch.isalnum() for ch in middle[0]):
        return len(middle)
    return 0


def rejoin_rotated_line(line: str) -> str:
    """`W2 B ␠ A W1` -> `A W1W2 B` when W1+W2 make a word (else unchanged)."""
    tokens = line.split()
    if len(tokens) < 2:
        return line
    lead, w1 = _split_lead(tokens[-1])
    w2, trail = _split_trail(tokens[0])
    word = join_fragments(w1, w2)
    if word is None:
        return line
    middle = tokens[1:-1]
    cut = _split_point(middle)
    after, before = middle[:cut], middle[cut:]
    repaired = before + [lead + word + trail] + after
    indent = line[: len(line) - len(line.lstrip())]
    return indent + " ".join(repaired)


def _is_bare_fragment(line: str) -> bool:
    token = line.strip()
    return 0 < len(token) <= MAX_FRAGMENT_LEN and is_arabic_word(token)


def _neighbour(lines: list[str], i: int, step: int) -> int | None:
    """Index of the nearest non-blank line before (step=-1) or after (step=1)."""
    j = i + step
    while 0 <= j < len(lines):
        if lines[j].strip():
            return j
        j += step
    return None


def _attach_fragment(lines: list[str], i: int) -> bool:
    """Join the lone fragment on line i to the previous line's last word or
    the next line's first word, whichever makes a word. True if joined."""
    fragment = lines[i].strip()
    before = _neighbour(lines, i, -1)
    if before is not None:
        head, _, last = lines[before].rstrip().rpartition(" ")
        word = join_fragments(last, fragment)
        if word:
            lines[before] = (head + " " + word).lstrip() if head else word
            lines[i] = ""
            return True
    after = _neighbour(lines, i, 1)
    if after is not None:
        first, _, rest = lines[after].lstrip().partition(" ")
        word = join_fragments(fragment, first)
        if word:
            lines[after] = (word + " " + rest).rstrip()
            lines[i] = ""
            return True
    return False


def rejoin_fragment_lines(text: str) -> str:
    """A word fragment alone on a short line goes back onto its word."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if _is_bare_fragment(line):
            _attach_fragment(lines, i)
    return "\n".join(lines)


def rejoin_broken_lines(text: str) -> str:
    """A word split between the end of one line and the start of the next
    (blank lines between allowed), without rotation: `... سو` / `ريا ...`."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        after = _neighbour(lines, i, 1)
        if not line.strip() or after is None:
            continue
        head, _, last = line.rstrip().rpartition(" ")
        first, _, rest = lines[after].lstrip().partition(" ")
        if min(word_zipf(last), word_zipf(first)) >= MIN_JOINED_ZIPF - 1:
            continue  # two real words side by side: leave them
        word = join_fragments(last, first)
        if word:
            lines[i] = (head + " " + word).lstrip()
            lines[after] = rest
    return "\n".join(lines)


def split_url(token: str) -> tuple[str, str]:
    """'https://t.co/x!' -> ('https://t.co/x', '!'): trailing punctuation is
    not part of a URL."""
    stripped = token.rstrip(_URL_TRAIL)
    return stripped, token[len(stripped):]


def _unglue_match(match: re.Match[str]) -> str:
    url, punct = split_url(match.group("url"))
    word = match.group("word") or ""
    moved = " ".join(p for p in (word, punct) if p)
    # In the PDF's visual order the word and the "!" ended up after the URL;
    # they belong before it.
    return f"{moved} {url}" if moved else url


_GLUED_URL = re.compile(
    r"(?P<url>(?:https?://|pic\.twitter\.com/)[^\s<>\"'\u0600-\u06FF]+)(?P<word>[\u0600-\u06FF]+)?"
)


def unglue_urls(text: str) -> str:
    """`https://t.co/abcعليه` -> `عليه https://t.co/abc`; `URL!` -> `! URL`."""
    return _GLUED_URL.sub(_unglue_match, text)


def attach_punctuation(text: str) -> str:
    """'أكبر ! https://…' -> 'أكبر! https://…' (after a moved "!" or "؟")."""
    return re.sub(r"(?<=\S)\s+([!؟?])(?=\s|$)", r"\1", text)


def repair_lines(text: str) -> str:
    """Repairs that keep one output line per input line (safe before parsing
    the article's structure)."""
    text = remove_kashida(text)
    lines = [unglue_urls(rejoin_rotated_line(line)) for line in text.split("\n")]
    return "\n".join(lines)


def repair_text(text: str) -> str:
    """All repairs, in order. Pure: the same input always gives the same output."""
    text = repair_lines(text)
    text = rejoin_fragment_lines(text)
    return rejoin_broken_lines(text)
