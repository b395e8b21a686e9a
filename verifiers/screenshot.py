"""A tweet screenshot's parts: the tweet's text apart from the app around it,
the author's handle and name, and the date.

What OCR reads from a phone capture of a tweet, top to bottom, is the status
bar ("9:41 100%"), the header ("Post", "منشور"), the display name, the
@handle, the tweet's lines, "Show translation", the time line ("10:15 PM ·
Feb 10, 2014 · Twitter for iPhone", "١٠:١٥ م · ١٠ فبراير ٢٠١٤"), the counts
("12 Retweets 30 Likes", "١٢ إعادة نشر") and the buttons (icons, which OCR
turns into specks such as "لا © لا"). The tweet is the run of lines after the
handle that is none of those. A relative time ("2h", "٣ س") says nothing of
the date and is ignored; a date needs a day, a month and a year (OCR misreads
the Arabic app's Arabic-Indic digits, docs/field-notes.md §8: no date beats a wrong one).

The handle and the date are then used as a pasted tweet's attribution line
is: the exact post by that handle with that text comes first, and the date
tells whether an old story is being passed off as new (`recycled`).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from storage.dates import MONTHS, fold, search_date
from storage.records import PartialDate
from verifiers.ocr import OcrResult, OcrSettings, read_text
from verifiers.report import Note, Report
from verifiers.same_post import SAME_POST
from verifiers.tweet_links import archived_note

if TYPE_CHECKING:
    from PIL import Image

_HANDLE = re.compile(r"(?<![\w@])@\s?([A-Za-z0-9_]{1,15})(?![\w])")
_REPLYING = re.compile(r"\b(?:replying to|in reply to)\b|(?:رد|ردا|رداً) على", re.IGNORECASE)
_CLOCK = re.compile(r"(?<!\d)\d{1,2}[:.]\d{2}(?!\d)(?:\s*(?:am|pm|a\.m\.|p\.m\.|ص|م)(?![\w]))?", re.IGNORECASE)
_RELATIVE = re.compile(r"^(?:·\s*)?\d{1,2}\s?(?:s|m|h|d|min|mins|hr|hrs|sec|س|د|ث|ي)$", re.IGNORECASE)
_CLIENT = re.compile(r"\b(?:twitter|tweetdeck|x) (?:for|web)\b|\bweb app\b|\bviews?\b|مشاهدة|مشاهدات", re.IGNORECASE)
_COUNT_WORDS = (
    r"retweets?|reposts?|quote tweets?|quotes?|likes?|bookmarks?|replies|views?|"
    r"إعادة تغريد|إعادات تغريد|إعادة نشر|إعادات نشر|تغريدات? مقتبسة|اقتباسا?ت?|إعجابا?ت?|"
    r"علامات? مرجعية|ردود|مشاهدات?"
)
_COUNT_WORD = re.compile(rf"(?<![\w])(?:{_COUNT_WORDS})(?![\w])", re.IGNORECASE)
# The start of a translation link that OCR cut short ("ترجمة ه ر").
_TRANSLATION = re.compile(r"^(?:show translation|translate|translated|ترجمة|عرض الترجمة)\b", re.IGNORECASE)
_MONTH = re.compile(r"(?<![\w])(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")(?![\w])")
_CHROME_PHRASES = re.compile(
    r"^(?:show translation|translate (?:post|tweet)|translated from .*|rate this translation|show more|"
    r"show this thread|post your reply|tweet your reply|follow|following|subscribe|promoted|ad|"
    r"post|tweet|thread|home|for you|search|notifications|messages|read \d+ repl(?:y|ies)|"
    r"ترجمة المنشور|ترجمة التغريدة|عرض الترجمة|ترجمة|عرض المزيد|متابعة|تتابعه|منشور|تغريدة|"
    r"سلسلة|الرئيسية|لك|انشر ردك|غرّد بردك|غرد بردك|مروّج|مروج)$",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD = re.compile(r"\w+")
MAX_NAME_LEN = 50
QUOTE_LEN = 280  # how much of what was read a reply quotes


@dataclass
class TweetScreenshot:
    """What a screenshot says: the tweet and its attribution, and what was set aside."""

    text: str  # the tweet's text, its lines joined
    handle: str = ""  # without the @
    name: str = ""
    date: PartialDate = PartialDate()
    lines: list[str] = field(default_factory=list)  # everything OCR read, repaired, top to bottom
    chrome: list[str] = field(default_factory=list)  # the lines taken for the app's UI

    def claim_text(self) -> str:
        """The claim to verify: the tweet's text alone (its handle and date are given
        to the verifier apart, as a pasted tweet's attribution is read: verify_screenshot)."""
        return self.text

    def quote(self, limit: int = QUOTE_LEN) -> str:
        """What was read, for a reply that lets the member spot a misreading."""
        said = self.text if len(self.text) <= limit else self.text[: limit - 1].rstrip() + "…"
        who = f" — {self.name} (@{self.handle})" if self.handle and self.name else (
            f" — @{self.handle}" if self.handle else "")
        when = f" {self.date.iso()}" if self.date.known else ""
        return f"«{said}»{who}{when}"

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "handle": self.handle or None, "author": self.name or None,
                "date": self.date.iso(), "lines": self.lines}


def _is_junk(line: str) -> bool:
    """Specks OCR made of icons, avatars and rules: no word of 3 letters, or
    letters outnumbered by everything else."""
    words = _LETTERS.findall(line)
    if not words or max(len(w) for w in words) < 3:
        return True
    letters = sum(len(w) for w in words)
    return letters < len(line.replace(" ", "")) / 2


def _time_line_date(line: str) -> PartialDate | None:
    """The date of a time line ("10:15 PM · Feb 10, 2014"), when it gives day, month and year."""
    found = search_date(_CLOCK.sub(" ", line))
    if found is None or found.date.day is None:
        return None
    return found.date


def _is_time_line(line: str) -> bool:
    if _CLIENT.search(line) or _RELATIVE.match(line.strip()):
        return True
    words = line.split()
    if _MONTH.search(fold(line)) and len(words) <= 8 and all(len(w) <= 4 or _MONTH.search(fold(w)) for w in words):
        return True  # a date whose digits OCR misread: "0 م 81 فبراير 7016"
    clock = _CLOCK.search(line)
    return bool(clock) and (len(_WORD.findall(line)) <= 8 or _time_line_date(line) is not None)


def chrome_kind(line: str) -> str | None:
    """Which part of the app a line is ("time", "counts", "ui", "junk"), or None for text."""
    bare = line.strip(" ·•|<>←→-—").strip()
    if _CHROME_PHRASES.match(bare) or _REPLYING.search(bare):
        return "ui"
    if _TRANSLATION.match(bare) and len(bare.split()) <= 4:
        return "ui"
    # Counts: count words with only short tokens around them (the numbers,
    # which OCR often misreads when they are Arabic-Indic: "١٢" -> "VY").
    if _COUNT_WORD.search(bare) and all(len(t) <= 4 for t in _COUNT_WORD.sub(" ", bare).split()):
        return "counts"
    if "%" in bare and len(bare.split()) <= 4:
        return "ui"  # the status bar's battery
    if _time_line_date(bare) is not None and len(bare) <= 80:
        return "time"
    if _is_time_line(bare):
        return "time"
    if _is_junk(bare):
        return "junk"
    return None


def _name_from(line: str) -> str:
    name = _HANDLE.sub(" ", line)
    name = _RELATIVE.sub(" ", name)
    words = [w for w in name.replace("·", " ").split() if not _RELATIVE.match(w)]
    while words and len(words[-1]) == 1 and not words[-1].isalpha():  # a speck of the avatar: "الثورة اليتيمة 0"
        words.pop()
    name = " ".join(words).strip(" ·-—|")
    return name if len(name) <= MAX_NAME_LEN else ""


def _handle_line(lines: list[str]) -> int | None:
    """The line of the author's @handle: the first with a handle that is not a
    "Replying to" line and comes before most of the text."""
    for i, line in enumerate(lines):
        if _HANDLE.search(line) and not _REPLYING.search(line) and len(_WORD.findall(line)) <= 8:
            return i
    return None


def parse_screenshot(lines: list[str]) -> TweetScreenshot:
    """Split repaired OCR lines into the tweet and its attribution."""
    lines = [line for line in (raw.strip() for raw in lines) if line]
    shot = TweetScreenshot(text="", lines=list(lines))
    at = _handle_line(lines)
    start = 0
    if at is not None:
        shot.handle = _HANDLE.search(lines[at]).group(1)  # type: ignore[union-attr]
        shot.name = _name_from(lines[at])
        if not shot.name and at > 0 and chrome_kind(lines[at - 1]) is None:
            shot.name = _name_from(lines[at - 1])
        start = at + 1
    body: list[str] = []
    ended = False  # a time line or counts came after the text: what follows is a reply or the next tweet
    for i, line in enumerate(lines):
        kind = chrome_kind(line)
        if kind == "time" or i == at:
            date = _time_line_date(line)
            if date is not None and not shot.date.known:
                shot.date = date
        if i < start or kind is not None or ended:
            shot.chrome.append(line)
            ended = ended or (bool(body) and kind in ("time", "counts"))
            continue
        body.append(line)
    if shot.name and body and body[0] == shot.name:
        shot.chrome.append(body.pop(0))
    shot.text = " ".join(body)
    return shot



# --- a screenshot as a claim ----------------------------------------------------------


class NoTextInImage(ValueError):
    """OCR found no tweet text in the image."""


@dataclass
class ImageReport:
    """A report on a claim read from an image, with what was read."""

    report: Report
    shot: TweetScreenshot
    ocr_seconds: float

    def to_json(self) -> dict[str, Any]:
        """The report's JSON contract, plus "image": what was read from it."""
        return {**self.report.to_json(), "image": {**self.shot.to_json(), "ocr_seconds": round(self.ocr_seconds, 2)}}


def read_screenshot(image: Image.Image, settings: OcrSettings | None = None) -> tuple[TweetScreenshot, OcrResult]:
    """OCR an image and split it into the tweet and its attribution. Raises
    OcrUnavailable (Tesseract missing) and NoTextInImage."""
    result = read_text(image, settings)
    shot = parse_screenshot(result.lines)
    if sum(c.isalpha() for c in shot.text) < 3:
        raise NoTextInImage("no text could be read in the image (a clearer or larger screenshot may help)")
    return shot, result


VerifyFn = Callable[[str, PartialDate | None, str | None], Report]


def verify_screenshot(image: Image.Image, verify: VerifyFn, *, settings: OcrSettings | None = None,
                      max_length: int | None = None) -> ImageReport:
    """Read the image and verify the tweet in it, its handle and date used as a
    pasted tweet's attribution is. `verify(text, claim_date, claim_handle)`.
    The report's first note quotes what was read, so a misreading shows."""
    shot, result = read_screenshot(image, settings)
    text = shot.claim_text()
    if max_length is not None and len(text) > max_length:
        text = text[:max_length]
    report = verify(text, shot.date if shot.date.known else None, shot.handle or None)
    report.notes.insert(0, Note("read_from_image", f"the claim was read from an image: {shot.quote()}",
                                quote=shot.quote()))
    top = report.matches[0] if report.matches else None
    if top is not None and top.reason == SAME_POST:  # as for an archived tweet link
        report.notes.insert(1, archived_note(True, top.title or top.publisher, top.date))
    return ImageReport(report, shot, result.seconds)
