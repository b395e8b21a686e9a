"""Sentence-level passages: the unit a claim is matched against.

A claim is usually one sentence, so archiving text sentence by sentence lets a
match point at the exact sentence. Works for Arabic and English: sentences end
at . ! ? ؟ … (with any closing quotes or brackets) followed by white space, and
at blank lines. A single line break is only wrapping and is joined. A period
after a lone letter ("J. Smith", "د. ثائر") or a title ("Dr.", "Gen.") does
not end a sentence.
Over-long runs without punctuation are cut at a comma or a space.
"""
from __future__ import annotations

import re

from storage.records import Passage

MAX_PASSAGE_CHARS = 600

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n+")
_CLOSERS = "\"'”’»)\\]»"
# Sentence end: terminal punctuation, then optional closers, then space.
_SENTENCE_END = re.compile(rf"([.!?؟…]+[{_CLOSERS}]*)(?=\s)")
_INITIAL = re.compile(r"(?:^|[\s.])\w$")  # a lone letter before a period: "J.", "U.S."
_LAST_WORD = re.compile(r"(\w+)$")
# Titles that take a period but do not end a sentence (news English).
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "maj", "capt", "sgt", "st", "jr", "sr", "vs"}
_SOFT_BREAK = re.compile(r"[،,؛;:]\s")
_HAS_LETTER_OR_DIGIT = re.compile(r"\w")


def split_sentences(text: str, *, max_chars: int = MAX_PASSAGE_CHARS) -> list[str]:
    """Split text into sentences, in order, each stripped and with its white
    space folded. Fragments without a letter or digit join the sentence before."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        flat = " ".join(paragraph.split())
        for sentence in _split_paragraph(flat):
            for piece in _cap_length(sentence, max_chars):
                if sentences and not _HAS_LETTER_OR_DIGIT.search(piece):
                    sentences[-1] = f"{sentences[-1]} {piece}"
                else:
                    sentences.append(piece)
    return sentences


def make_passages(source_id: str, text: str, *, start: int = 0) -> list[Passage]:
    """Passages for a source's text, numbered from `start`."""
    return [Passage(source_id, start + i, s) for i, s in enumerate(split_sentences(text))]


def _split_paragraph(text: str) -> list[str]:
    parts: list[str] = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[begin : match.start()]
        if match.group(1) == "." and _not_an_ending(before):
            continue
        parts.append(text[begin : match.end()].strip())
        begin = match.end()
    parts.append(text[begin:].strip())
    return [p for p in parts if p]


def _not_an_ending(before: str) -> bool:
    if _INITIAL.search(before):
        return True
    word = _LAST_WORD.search(before)
    return word is not None and word.group(1).lower() in _ABBREVIATIONS


def _cap_length(sentence: str, max_chars: int) -> list[str]:
    """Cut an over-long sentence at soft breaks, walking an offset (slicing off
    the rest each time copied it: quadratic on a 50 MB single line)."""
    pieces: list[str] = []
    start, end = 0, len(sentence)
    stripped_end = len(sentence.rstrip())  # the rest is stripped from the first cut on
    while end - start > max_chars:
        window = sentence[start : start + max_chars]
        soft = [m.end() for m in _SOFT_BREAK.finditer(window)]
        cut = soft[-1] if soft and soft[-1] > max_chars // 3 else window.rfind(" ") + 1
        if cut <= 0:
            cut = max_chars  # one enormous token: cut it anyway
        pieces.append(window[:cut].strip())
        start, end = start + cut, stripped_end
        while start < end and sentence[start].isspace():
            start += 1
    rest = sentence[start:end]
    if rest:
        pieces.append(rest)
    return pieces
