"""Alias candidates from the archive: one name written in both scripts in the same source.

A source that says "Mohasan" and "موحسن" (an English article quoting Arabic
tweets, a bilingual report, a translated statement) most likely names one
place twice. `isnad alias suggest` lists such pairs that the alias table does
not join yet, for a moderator to add with `isnad alias add`; then the lexical
path bridges the languages for them too.

A pair is found by its consonant skeleton: Arabic letters and their usual
Latin transliterations fold to one consonant class each (خ and kh -> k, ش and
sh -> s, ق and q -> k), vowels, و and ي (mostly vowels in names: Mohasan,
موحسن) and the article (al-, ez-, ال) are dropped, doubled letters
collapse. "Deir ez-Zor" and "دير الزور" both give d-r-z-r. Only Latin names
(capitalised words, not common English words) are looked up, and a skeleton
needs three consonants or more, which keeps chance matches rare.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from storage.records import Source
from verifiers.aliases import AliasTable, fold

MIN_CONSONANTS = 3
MAX_WORDS = 3
COMMON_ZIPF = 4.2  # a single English word at least this frequent is a word, not a name ("Army", "Free")
_LATIN_RUN = re.compile(
    r"(?:\b(?:[aeAE][lzdnrst]h?-)?[A-Z][a-zA-Z'\u2019]+(?:-[A-Za-z][a-z'\u2019]+)*"
    r"(?:\s+(?:(?:[aeAE][lzdnrst]h?-)?[A-Z][a-zA-Z'\u2019]+(?:-[A-Za-z][a-z'\u2019]+)*|al|el|bin|ibn|abu|bint)\b)*)"
)
_ARABIC_WORD = re.compile(r"[\u0621-\u064A]+")
_LATIN_ARTICLE = re.compile(r"\b[ae][lzdnrst]h?-")
_LATIN_FOLD = [("kh", "k"), ("gh", "g"), ("sh", "s"), ("th", "t"), ("dh", "d"), ("ch", "s"), ("ph", "f"),
               ("q", "k"), ("c", "k"), ("x", "ks"), ("v", "f"), ("p", "b"), ("'", ""), ("\u2019", "")]
_ARABIC_FOLD = {
    "ب": "b", "ت": "t", "ث": "t", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "d", "ر": "r", "ز": "z",
    "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "g", "ف": "f", "ق": "k", "ك": "k",
    "ل": "l", "م": "m", "ن": "n", "ه": "h",
}  # ا ى ة ء ع و ي fold to nothing: vowels, hamza, ʿayn (rarely written in Latin)
_STOP_START = {"The", "A", "An", "In", "On", "At", "Of", "And", "But", "For", "To", "From", "By", "With", "As",
               "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "You", "His", "Her",
               "Their", "Our", "After", "Before", "When", "While", "Breaking", "Update", "Video", "Photo"}


@dataclass
class Suggestion:
    latin: str
    arabic: str
    skeleton: str
    sources: list[str] = field(default_factory=list)  # ids of the sources that carry both

    @property
    def count(self) -> int:
        return len(self.sources)


def latin_skeleton(name: str) -> str:
    text = _LATIN_ARTICLE.sub("", name.lower())
    text = re.sub(r"\b(al|el)\s+", "", text)
    text = re.sub(r"(?<=[aeiy])h\b", "", text)  # Raqqah, Busayrah: the final h writes ة, a vowel
    for a, b in _LATIN_FOLD:
        text = text.replace(a, b)
    text = re.sub(r"[^a-z]", "", text)
    text = re.sub(r"[aeiouwy]", "", text)
    return re.sub(r"(.)\1+", r"\1", text)


def arabic_skeleton(name: str) -> str:
    return _join([_word_skeleton(w) for w in fold(name).split()])


@lru_cache(maxsize=65_536)
def _word_skeleton(word: str) -> str:
    """One folded Arabic word's skeleton (cached: the same words recur across candidates)."""
    if word.startswith("ال") and len(word) > 3:
        word = word[2:]
    if word.endswith("ه") and len(word) > 2:
        word = word[:-1]  # ة (folded to ه): a vowel
    return re.sub(r"(.)\1+", r"\1", "".join(_ARABIC_FOLD.get(ch, "") for ch in word))


def _join(parts: list[str]) -> str:
    """Word skeletons end to end, a letter doubled across words written once."""
    out = ""
    for part in parts:
        out += part[1:] if out and part and out[-1] == part[0] else part
    return out


def latin_names(text: str) -> set[str]:
    """Capitalised runs of one to three words that are not sentence words."""
    from wordfreq import zipf_frequency

    names = set()
    for match in _LATIN_RUN.finditer(text):
        words = match.group(0).split()
        while words and words[0] in _STOP_START:
            words = words[1:]
        words = words[:MAX_WORDS]
        if not words:
            continue
        if len(words) == 1 and zipf_frequency(words[0].lower(), "en") >= COMMON_ZIPF:
            continue
        names.add(" ".join(words))
        if len(words) > 1:  # "Abu Dujana al-Libi" also offers "Abu Dujana"
            names.add(" ".join(words[:2]))
    return names


def arabic_ngrams(text: str) -> dict[str, set[str]]:
    """Skeleton -> the Arabic word sequences (one to three words) that give it."""
    words = _ARABIC_WORD.findall(text)
    skeletons = [_word_skeleton(fold(w)) for w in words]
    out: dict[str, set[str]] = {}
    for n in range(1, MAX_WORDS + 1):
        for i in range(len(words) - n + 1):
            skeleton = _join(skeletons[i:i + n])
            if len(skeleton) >= MIN_CONSONANTS:
                out.setdefault(skeleton, set()).add(" ".join(words[i:i + n]))
    return out


@lru_cache(maxsize=4_096)
def arabic_skeletons(text: str) -> frozenset[str]:
    """The skeletons of a text's one- to three-word Arabic sequences (cached:
    the cross-language scorer asks for the same candidates again and again)."""
    skeletons = [_word_skeleton(fold(w)) for w in _ARABIC_WORD.findall(text)]
    out = set()
    for n in range(1, MAX_WORDS + 1):
        for i in range(len(skeletons) - n + 1):
            skeleton = _join(skeletons[i:i + n])
            if len(skeleton) >= MIN_CONSONANTS:
                out.add(skeleton)
    return frozenset(out)


def source_text(source: Source) -> str:
    return "\n".join([source.title, *(p.text for p in source.passages), *(p.text for p in source.posts)])


def suggest(sources: Iterable[Source], table: AliasTable, *, min_sources: int = 1) -> list[Suggestion]:
    """Pairs found in at least `min_sources` sources, most frequent first, that
    the alias table does not already join."""
    found: dict[tuple[str, str], Suggestion] = {}
    for source in sources:
        text = source_text(source)
        latin = latin_names(text)
        if not latin:
            continue
        arabic = arabic_ngrams(text)
        if not arabic:
            continue
        for name in latin:
            skeleton = latin_skeleton(name)
            if len(skeleton) < MIN_CONSONANTS or skeleton not in arabic:
                continue
            for phrase in arabic[skeleton]:
                if _joined(table, name, phrase):
                    continue
                key = (name, min(arabic[skeleton], key=len))
                entry = found.setdefault(key, Suggestion(name, key[1], skeleton))
                if source.id not in entry.sources:
                    entry.sources.append(source.id)
                break
    out = [s for s in found.values() if s.count >= min_sources]
    return sorted(out, key=lambda s: (-s.count, -len(s.skeleton), s.latin))


def _joined(table: AliasTable, latin: str, arabic: str) -> bool:
    """True when the table already gives both names a concept in common."""
    a, b = set(table.concept_tokens(latin)), set(table.concept_tokens(arabic))
    return bool(a & b)
