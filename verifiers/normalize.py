"""Text normalization and index terms for Arabic and English.

`normalize` folds the spelling variants that carry no meaning for search
(docs/field-notes.md §2: Lucene's ArabicNormalizer plus camel-tools' extras; Latin case and
accents; punctuation). `tokens` turns text into index terms: light-stemmed
Arabic words (light10 style), Snowball-stemmed English words, no stopwords.

Names must not be stemmed into common words (النصرة -> نصر "victory"), so an
Arabic word whose stem differs from its clitic-stripped form yields both
terms: a document that has the name itself then outranks one that only shares
the stem.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

from storage.language import detect_language

# --- character folding -------------------------------------------------------

_ARABIC_FOLD = {
    "\u0622": "\u0627",  # آ -> ا
    "\u0623": "\u0627",  # أ -> ا
    "\u0625": "\u0627",  # إ -> ا
    "\u0671": "\u0627",  # ٱ -> ا
    "\u0649": "\u064a",  # ى -> ي
    "\u0629": "\u0647",  # ة -> ه
    "\u06cc": "\u064a",  # Persian yeh -> ي
    "\u06a9": "\u0643",  # keheh -> ك
}
# Deleted outright: tatweel (kashida for justification, docs/field-notes.md §1), harakat and
# Quranic marks. They sit inside words, so they must vanish, not become spaces.
_DELETE = [0x0640, *range(0x064B, 0x0660), 0x0670, *range(0x0610, 0x061B), *range(0x06D6, 0x06EE)]
# Bidi and zero-width marks separate words in pasted text: they become spaces.
_SPACE = [0x061C, *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF, 0x00AD]
# Arabic-Indic and Persian digits -> ASCII (a str.translate table; OCR and the alias table use it too).
DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}


def _latin_fold() -> dict[int, str]:
    """Latin letters with accents -> plain letters (é -> e), via NFKD."""
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if plain != char:
            table[code] = plain
    return table


_TABLE = str.maketrans(
    {
        **{ord(k): v for k, v in _ARABIC_FOLD.items()},
        **{c: None for c in _DELETE},
        **{c: " " for c in _SPACE},
        **DIGITS,
        **_latin_fold(),
    }
)
# Anything that is not a letter or digit separates words ("_" too: hashtags).
_NON_WORD = re.compile(r"[\W_]+")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """Folded, lower-case, punctuation-free text with single spaces.

    Cached: the re-ranker normalizes the same claim and candidate texts several
    times per verification (docs/performance.md); the result is an immutable str."""
    if not text.isascii():
        # NFKC folds Arabic presentation forms (ﻻ -> لا) and full-width Latin.
        # It assumes logical order; reversed PDF lines are fixed before import.
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold().translate(_TABLE)
    return " ".join(_NON_WORD.split(text)).strip()


def is_arabic(text: str) -> bool:
    """True when the text has at least as many Arabic letters as Latin ones (storage.language)."""
    return detect_language(text) == "ar"


# --- stopwords ---------------------------------------------------------------

# Already normalized (ة -> ه, hamza forms -> ا). Kept small on purpose: BM25's
# idf already discounts frequent words; these only save index space and noise.
ARABIC_STOPWORDS = frozenset(
    """
    في من على الى علي عن ان لا ما لم لن مع هذا هذه ذلك تلك هناك هنا التي الذي الذين اللذين اللتين
    او ام ثم قد لقد كان كانت يكون تكون هو هي هم هن انا نحن انت انتم كما حيث بين عند عليه عليها
    فيه فيها منه منها به بها له لها لهم انه انها اي الا حتي اذا اذ ليس غير بل لكن لان كل بعض
    و ف ب ل ك يا ايضا وقد وكان وكانت وهو وهي وفي ومن وعلي والي وعن وان وما ولا ولم مما عما
    اللي يلي لما هيك شو ليش مو مش هاد هاي هادا هدا عم رح راح بدو عندها عنده عندهم وين كتير
    """.split()  # the last line: Levantine/Gulf function words seen in dialect claims
)
ENGLISH_STOPWORDS = frozenset(
    """
    a an the and or but if of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where
    why how all any both each few more most other some such no nor not only own same so than too very
    s t can will just don should now is are was were be been being have has had having do does did
    i me my we our you your he him his she her it its they them their what which who whom this that
    these those am would could as until while
    """.split()
)
STOPWORDS = ARABIC_STOPWORDS | ENGLISH_STOPWORDS

# --- stemming ----------------------------------------------------------------

# light10 (Lucene ArabicStemmer): one prefix, then each suffix once, in order.
_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")  # ية/ة are يه/ه after folding
# Beyond light10: pronoun and verb endings seen in claims (سجناءهم, قتلوا).
# They need 3 letters left so متهم or فهم stay whole.
_EXTRA_SUFFIXES = ("هما", "هم", "هن", "كم", "وا")

_english = Stemmer.Stemmer("english")


def strip_clitics(word: str) -> str:
    """A normalized Arabic word without its article/conjunction prefix."""
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    if word.startswith("و") and len(word) >= 4:
        return word[1:]
    return word


def _strip_suffixes(word: str) -> str:
    for suffix in _EXTRA_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


_PREPOSITIONS = ("ب", "ل")  # glued prepositions light10 leaves on: بقتل، لداعش


@lru_cache(maxsize=500_000)
def word_terms(word: str) -> tuple[str, ...]:
    """Index terms for one normalized word: () for stopwords, else the stem
    first, then the clitic-stripped surface form when it differs (names), then
    the stem without a glued ب/ل (بقتل -> قتل) when 3 letters remain."""
    if word in STOPWORDS:
        return ()
    if _ARABIC_LETTER.match(word):
        surface = strip_clitics(word)
        if surface in STOPWORDS:
            return ()
        stem = _strip_suffixes(surface)
        terms = [stem] if stem == surface else [stem, surface]
        if surface == word and word[0] in _PREPOSITIONS and len(word) >= 4:
            bare = _strip_suffixes(word[1:])
            if len(bare) >= 3 and bare not in terms and bare not in STOPWORDS:
                terms.append(bare)
        return tuple(terms)
    if word.isdigit():
        return (word,)
    return (_english.stemWord(word),)


def tokens(text: str) -> list[str]:
    """Normalized, light-stemmed terms for the index, in text order."""
    out: list[str] = []
    for word in normalize(text).split():
        out.extend(word_terms(word))
    return out


def word_groups(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(surface form, terms) per content word, in order, for per-word overlap.
    A new list each call (callers may change it); the work is cached."""
    return list(_word_groups(text))


@lru_cache(maxsize=4096)
def _word_groups(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out: list[tuple[str, tuple[str, ...]]] = []
    for word in normalize(text).split():
        terms = word_terms(word)
        if terms:
            out.append((strip_clitics(word) if _ARABIC_LETTER.match(word) else word, terms))
    return tuple(out)


def stems(text: str) -> list[str]:
    """Only the stems (one per content word), for overlap measures."""
    return [terms[0] for _, terms in word_groups(text)]


def titled(title: str, text: str) -> str:
    """A passage's text as it is indexed and embedded: its source's title first, since
    fact-check and news titles restate the claim (docs/quality.md measures it)."""
    return f"{title}\n{text}" if title else text
