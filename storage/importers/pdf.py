"""Articles from PDF files (pypdf), with Arabic lines put back in reading order.

Some PDFs store Arabic in visual order, so their extracted lines read
backwards letter by letter (docs/field-notes.md §7). Each line is scored: words that only
make sense reversed (a word starting with ة or ى, a final-form glyph at a
word's start, a common word that appears only reversed) count for
"reversed"; their mirror images count for "in order". Reversed lines are
turned around (keeping Latin and digit runs in their own order), then NFKC
folds presentation forms to plain letters; the text article parser then
applies the core's repairs (kashida, rotated lines, glued URLs).
"""
from __future__ import annotations

import io
import re
import unicodedata
from functools import lru_cache
from typing import Any

from storage.errors import ImportFormatError, one_line
from storage.importers import ParseResult
from storage.records import Source

_ARABIC_WORD_RE = re.compile(r"[\u0621-\u064A\u0671-\u06D3\uFB50-\uFDFF\uFE70-\uFEFC]+")
# Latin words and numbers (ASCII or Arabic-Indic) run left to right even in a
# visual-order Arabic line, so they keep their order when the line is turned.
_DIGIT = "0-9\u0660-\u0669\u06F0-\u06F9"
_LTR_WORD = rf"[A-Za-z{_DIGIT}](?:[A-Za-z{_DIGIT}.,:/@#_%+\-]*[A-Za-z{_DIGIT}])?"
_LTR_RUN_RE = re.compile(rf"{_LTR_WORD}(?: +{_LTR_WORD})*")  # "ISIS left" stays one run
_SPACES_RE = re.compile(r"[ \t\u00a0]+")
_MIRROR = str.maketrans("()[]{}<>«»", ")(][}{><»«")
_WORD_FINAL_ONLY = "ةى"  # letters that never start a word
MAX_PAGES = 2_000  # a book-length PDF is not an article; reading it would take minutes


def _form(char: str) -> str:
    """'initial', 'final' or '' for Arabic presentation-form glyphs."""
    name = unicodedata.name(char, "")
    if name.endswith("INITIAL FORM"):
        return "initial"
    if name.endswith("FINAL FORM"):
        return "final"
    return ""


@lru_cache(maxsize=20000)
def _frequency(word: str) -> float:
    from wordfreq import zipf_frequency  # imported on first use: it loads its word lists

    return zipf_frequency(word, "ar")


def _word_vote(word: str) -> float:
    """Positive: the word reads as reversed; negative: in order; 0: no sign."""
    vote = 0.0
    first, last = _form(word[0]), _form(word[-1])
    if first == "final" or last == "initial":
        vote += 2
    if first == "initial" or last == "final":
        vote -= 2
    plain = unicodedata.normalize("NFKC", word)
    if not plain:
        return vote
    if plain[0] in _WORD_FINAL_ONLY:
        vote += 2
    if plain[-1] in _WORD_FINAL_ONLY:
        vote -= 2
    if len(plain) >= 2:
        gap = _frequency(plain[::-1]) - _frequency(plain)
        if abs(gap) >= 1.5:
            vote += 1 if gap > 0 else -1
    return vote


def line_reversal_score(line: str) -> float:
    """Sum of the words' votes: > 0 means the line is in visual (reversed) order."""
    return sum(_word_vote(w) for w in _ARABIC_WORD_RE.findall(line))


def reverse_line(line: str) -> str:
    """Turn a visual-order line around; Latin words and numbers keep their order."""
    turned = line[::-1].translate(_MIRROR)
    return _LTR_RUN_RE.sub(lambda m: m.group(0)[::-1], turned)


def fix_reversed_lines(text: str) -> tuple[str, int]:
    """Text with its reversed lines turned around and NFKC applied; and how
    many lines were turned. Lines without any sign follow the page's majority."""
    lines = text.split("\n")
    scores = [line_reversal_score(line) for line in lines]
    majority = sum(1 if s > 0 else -1 if s < 0 else 0 for s in scores)
    fixed, turned = [], 0
    for line, score in zip(lines, scores):
        reverse = score > 0 or (score == 0 and majority > 0 and _ARABIC_WORD_RE.search(line))
        if reverse:
            line = reverse_line(line)
            turned += 1
        fixed.append(unicodedata.normalize("NFKC", line))
    return "\n".join(fixed), turned


def _tidy_layout(text: str) -> str:
    """Layout-mode text without its alignment padding: lines stripped, spaces
    folded, runs of blank lines kept as one paragraph break."""
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def extract_pdf_text(data: bytes, name: str = "this PDF") -> str:
    """The PDF's text, pages separated by blank lines, lines in reading order.

    Raises ImportFormatError for a file that is not a readable PDF, an
    encrypted one, or one with no text layer (a scan that needs OCR).
    """
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    if b"%PDF-" not in data[:1024]:
        raise ImportFormatError(f"{name} is not a PDF (it does not start like one)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ImportFormatError(f"{name} is password-protected; save an unprotected copy")
        if len(reader.pages) > MAX_PAGES:
            raise ImportFormatError(f"{name} has {len(reader.pages):,} pages, over the {MAX_PAGES:,}-page limit")
        # Layout mode gives the glyphs as placed, left to right, with blank lines
        # for vertical gaps. The default mode applies its own bidi guesses,
        # which scramble numbers in Arabic lines (docs/field-notes.md §7).
        pages = [_tidy_layout(page.extract_text(extraction_mode="layout") or "") for page in reader.pages]
    except ImportFormatError:
        raise
    except LimitReachedError as exc:  # pypdf's own bounds on decompression (a flate bomb)
        raise ImportFormatError(f"{name} holds a stream too large to unpack ({one_line(exc)})") from None
    except RecursionError:
        raise ImportFormatError(f"{name} is nested too deeply to read") from None
    except MemoryError:
        raise ImportFormatError(f"{name} needs too much memory to read") from None
    except Exception as exc:  # pypdf raises many types on broken files; any of them means unreadable
        raise ImportFormatError(f"{name} is not a readable PDF ({one_line(exc)})") from None
    if not any(page.strip() for page in pages):
        raise ImportFormatError(
            f"{name} has no text layer (it is probably scanned images); "
            "it needs OCR before it can be archived"
        )
    fixed = [fix_reversed_lines(page)[0] for page in pages]
    return "\n\n".join(page.strip() for page in fixed if page.strip())


def _metadata(data: bytes) -> dict[str, str]:
    from pypdf import PdfReader

    try:
        info: Any = PdfReader(io.BytesIO(data)).metadata or {}
    except Exception:  # metadata is a nicety; a broken info dict is not an error
        return {}
    return {k: str(v).strip() for k, v in info.items() if isinstance(v, str) and str(v).strip()}


def parse_pdf(data: bytes, *, url: str = "", name: str = "this PDF") -> Source:
    """A PDF as a Source with id "" (ingest assigns it).

    The text, its lines in reading order, goes through the plain-text article
    parser, which applies the core's repairs (storage.repair.repair_text) and
    finds the title, byline date and embedded-tweet attributions the way it
    does for text exported from PDFs.
    """
    from storage.importers.text import parse_text_article

    source = parse_text_article(extract_pdf_text(data, name))
    meta = _metadata(data)
    if not source.title and meta.get("/Title"):
        source.title = meta["/Title"]
    if not source.author and meta.get("/Author"):
        source.author = meta["/Author"]
    if url:
        source.url = url
    return source


def parse_file(data: bytes, name: str) -> ParseResult:
    """The import registry's entry point (storage.importers.FORMATS["pdf"])."""
    return ParseResult(sources=[parse_pdf(data, name=name)], lines=[None])
