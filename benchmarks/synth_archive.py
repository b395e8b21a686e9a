"""Synthetic archives of any size, made from real text, the same on every run.

The pool is real: CheckThat! verified claims (English 2020 + 2021, Arabic 2021),
ANS Arabic headlines and sentence pairs, and the seed article's passages. Part of
an archive is those sentences as they are (so the dev tweets have their claims
to find); the rest are recombinations: a sentence with its numbers, names and
dates changed, sometimes spliced with another sentence of the same language,
sometimes with an invented name (real archives have a long tail of names).

Sources group `PASSAGES_PER_SOURCE` passages of one language plus one embedded
post, dated between 2011 and 2024. A fixed seed makes every run identical.

    from benchmarks.synth_archive import synthetic_sources
    sources = list(synthetic_sources(100_000))       # about 100k passages
"""
from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from benchmarks.benchdata import BENCHDATA, available, load_dataset, missing_message
from storage.records import PartialDate, Passage, Post, Source

SEED = 20140211
PASSAGES_PER_SOURCE = 9
ORIGINAL_SHARE = 0.3  # at most this share of an archive is real sentences as they are

PLACES_AR = (
    "دير الزور", "الرقة", "حلب", "حمص", "حماة", "إدلب", "درعا", "دمشق", "اللاذقية", "طرطوس", "الحسكة",
    "القامشلي", "البوكمال", "الميادين", "منبج", "الباب", "جرابلس", "تدمر", "دوما", "داريا", "الغوطة",
    "عفرين", "كوباني", "السويداء", "القنيطرة", "معرة النعمان", "سراقب", "خان شيخون", "الموحسن", "حلبية",
)
PLACES_EN = (
    "Deir ez-Zor", "Raqqa", "Aleppo", "Homs", "Hama", "Idlib", "Daraa", "Damascus", "Latakia", "Tartus",
    "Hasakah", "Qamishli", "Abu Kamal", "Mayadin", "Manbij", "al-Bab", "Jarabulus", "Palmyra", "Douma",
    "Darayya", "Ghouta", "Afrin", "Kobani", "Sweida", "Quneitra", "Maarat al-Numan", "Saraqib", "Texas",
    "Florida", "California", "Ohio", "London", "Paris", "Chicago",
)
NAMES_AR = (
    "عمر", "أحمد", "محمد", "خالد", "يوسف", "علي", "حسن", "سامر", "مازن", "رامي", "فراس", "ليلى", "سارة",
    "نور", "هدى", "أبو محمد", "أبو عمر", "الشامي", "الحلبي", "الديري", "العبيد", "الخطيب", "الأحمد",
)
NAMES_EN = (
    "Trump", "Obama", "Biden", "Clinton", "Pelosi", "Sanders", "Johnson", "Smith", "Garcia", "Miller",
    "Omar", "Ahmed", "Khalid", "Hassan", "Sarah", "Maria", "John", "Michael", "David", "Lee",
)
MONTHS_AR = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
             "تشرين الأول", "تشرين الثاني", "كانون الأول")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
_SYLLABLES_AR = ("با", "را", "سي", "مو", "كا", "لي", "نو", "ها", "دي", "طا", "شو", "فر", "زي", "جا", "قو")
_SYLLABLES_EN = ("ka", "ro", "mi", "tan", "el", "bor", "vi", "sha", "lu", "den", "ar", "quin", "zo", "pe")
_NUMBER = re.compile(r"\d+")
_ARABIC = re.compile(r"[\u0600-\u06FF]")


@dataclass(frozen=True)
class Pool:
    ar: tuple[str, ...]
    en: tuple[str, ...]


@lru_cache(maxsize=1)
def pool() -> Pool:
    """Every real sentence available, de-duplicated, in a fixed order."""
    if not available():
        raise SystemExit(missing_message())
    ar: list[str] = []
    en: list[str] = []
    for key in ("en2020", "en2021", "ar2021"):
        for claim in load_dataset(key).claims:
            (ar if _ARABIC.search(claim.text) else en).append(claim.text)
    ans = BENCHDATA / "ans-arabic-news-stance"
    for path in sorted(ans.rglob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                ar.extend(v for k, v in row.items() if k in ("s1", "s2", "claim") and v)
    ar.extend(_seed_passages())
    def clean(texts: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.strip() for t in texts if len(t.split()) >= 4))

    return Pool(ar=clean(ar), en=clean(en))


def _seed_passages() -> list[str]:
    from storage.importers.text import parse_text_article
    from storage.sample import SAMPLE_PATH

    source = parse_text_article(SAMPLE_PATH.read_text(encoding="utf-8"))
    return [p.text for p in source.passages] + [p.text for p in source.posts]


class _Mutator:
    """Recombines real sentences: new numbers, names, dates; splices; invented names."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.places = {"ar": PLACES_AR, "en": PLACES_EN}
        self.names = {"ar": NAMES_AR, "en": NAMES_EN}

    def variant(self, text: str, other: str, lang: str) -> str:
        rng = self.rng
        text = _NUMBER.sub(lambda m: str(rng.randint(2, 5000)), text)
        for name in (*self.places[lang], *self.names[lang]):
            if name in text:
                pool = self.places[lang] if name in self.places[lang] else self.names[lang]
                text = text.replace(name, rng.choice(pool))
        if rng.random() < 0.3:  # splice: the start of one sentence, the end of another
            a, b = text.split(), other.split()
            text = " ".join(a[: max(2, len(a) // 2)] + b[len(b) // 2:])
        if rng.random() < 0.3:
            words = text.split()
            words.insert(rng.randrange(len(words) + 1), self.invented(lang))
            text = " ".join(words)
        if rng.random() < 0.5:
            text = f"{text} {self.date_phrase(lang)}"
        return text

    def invented(self, lang: str) -> str:
        syllables = _SYLLABLES_AR if lang == "ar" else _SYLLABLES_EN
        word = "".join(self.rng.choice(syllables) for _ in range(self.rng.randint(2, 4)))
        return word if lang == "ar" else word.capitalize()

    def date_phrase(self, lang: str) -> str:
        rng = self.rng
        day, month, year = rng.randint(1, 28), rng.randrange(12), rng.randint(2011, 2024)
        if lang == "ar":
            return f"في {day} {MONTHS_AR[month]} {year}"
        return f"on {MONTHS_EN[month]} {day}, {year}"


def synthetic_sources(passages: int, *, seed: int = SEED) -> Iterator[Source]:
    """Sources holding about `passages` passages (plus one post per source)."""
    rng = random.Random(seed)
    texts = pool()
    originals = [("ar", t) for t in texts.ar] + [("en", t) for t in texts.en]
    rng.shuffle(originals)
    originals = originals[: int(passages * ORIGINAL_SHARE)]
    mutate = _Mutator(rng)
    n_sources = max(1, round(passages / PASSAGES_PER_SOURCE))
    made = 0
    for number in range(n_sources):
        lang = "ar" if rng.random() < 0.6 else "en"
        same = texts.ar if lang == "ar" else texts.en
        want = min(PASSAGES_PER_SOURCE, passages - made) if number < n_sources - 1 else passages - made
        body: list[str] = []
        while originals and len(body) < want // 3 + 1 and len(body) < want:
            original_lang, text = originals.pop()
            if original_lang == lang:
                body.append(text)
            else:
                originals.insert(0, (original_lang, text))
                break
        while len(body) < want:
            body.append(mutate.variant(rng.choice(same), rng.choice(same), lang))
        made += len(body)
        yield _source(number, body, lang, mutate, rng)


def _source(number: int, body: list[str], lang: str, mutate: _Mutator, rng: random.Random) -> Source:
    sid = f"syn-{number:07d}"
    date = PartialDate(rng.randint(2011, 2024), rng.randint(1, 12), rng.randint(1, 28))
    handle = f"user{rng.randint(1, 50_000)}"
    status = str(400_000_000_000_000_000 + number)
    post_text = mutate.variant(rng.choice(body), rng.choice(body), lang)
    return Source(
        id=sid,
        title=" ".join(body[0].split()[:8]),
        publisher=rng.choice(("Noon Post", "Enab Baladi", "Syria Direct", "Reuters", "AFP")),
        date=date,
        url=f"https://news.example/{date.year}/{sid}",
        lang=lang,
        passages=[Passage(sid, i, text) for i, text in enumerate(body)],
        posts=[Post(sid, 0, post_text, author=rng.choice(mutate.names[lang]), handle=handle, date=date,
                    status_id=status, status_url=f"https://twitter.com/{handle}/status/{status}")],
    )


if __name__ == "__main__":
    import sys
    import time

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    start = time.perf_counter()
    sources = list(synthetic_sources(n))
    count = sum(len(s.passages) for s in sources)
    print(f"{len(sources)} sources, {count} passages in {time.perf_counter() - start:.1f}s")
    for s in sources[:2]:
        for p in s.passages[:4]:
            print(" ", p.text)
