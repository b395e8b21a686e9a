"""Reading the text of an image (a screenshot of a claim) with Tesseract.

Tesseract runs in this process through tesserocr, with the Arabic and English
models of the distribution (Debian: tesseract-ocr-ara, tesseract-ocr-eng). The
engine is loaded once and kept: loading the Arabic model is most of the cost of
a read (docs/field-notes.md §8).

The image is prepared first (docs/field-notes.md §8): greyscale; dark mode
inverted to dark text on light; contrast stretched; small text scaled up
(Lanczos) to a line height Tesseract reads well; binarised only when the
background is not flat (a photo or JPEG noise behind the text). Tesseract 5
with the Arabic model drops whole lines of a tweet now and then, and which
lines depends on the scale, so the page is read at two scales and the fuller
reading kept. Then what OCR breaks in Arabic is repaired (`repair_line`).

OCR is optional: without tesserocr or the models, `OcrUnavailable` says what
to install, and nothing else in Isnad needs them.
"""
from __future__ import annotations

import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from verifiers.normalize import DIGITS

try:
    from PIL import Image, ImageOps
except ImportError:  # optional (the isnad-bot[ocr] extra): OcrUnavailable says what to install
    Image = ImageOps = None  # type: ignore[assignment]

LANGUAGES = "ara+eng"
# Where distributions put the models (Debian/Ubuntu 5.x and 4.x, Fedora, Homebrew, /usr/local).
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
INSTALL_HINT = (
    "reading images needs Tesseract OCR: pip install tesserocr (or the isnad-bot[ocr] extra) and the "
    "Arabic and English models (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng)"
)
TARGET_LINE_HEIGHT = 36  # px of a text line's ink that Tesseract reads well (docs/field-notes.md §8)
SECOND_PASS_FACTOR = 1 / 1.5  # the second reading's scale, relative to the first (never below 1)
MAX_SCALE = 4.0
MAX_OCR_PIXELS = 12_000_000  # a bigger prepared page is scaled down: OCR time grows with pixels


class OcrUnavailable(RuntimeError):
    """Tesseract or its models are missing. The message says what to install."""


@dataclass(frozen=True)
class OcrSettings:
    tessdata: str = ""  # the folder holding ara/eng.traineddata; "" = $TESSDATA_PREFIX, then the usual places
    languages: str = LANGUAGES


@dataclass
class OcrResult:
    """What was read: repaired lines, top to bottom, and how."""

    lines: list[str]
    seconds: float
    scale: float  # the scale of the reading kept
    inverted: bool  # dark mode
    binarised: bool
    passes: list[tuple[float, int]] = field(default_factory=list)  # (scale, letters read) of each reading

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# --- finding Tesseract -------------------------------------------------------------


def find_tessdata(settings: OcrSettings) -> Path:
    """The model folder holding every language of `settings`, or OcrUnavailable."""
    wanted = [lang for lang in settings.languages.split("+") if lang]
    if settings.tessdata:
        candidates = [settings.tessdata]
    else:
        candidates = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS]
    for folder in filter(None, candidates):
        path = Path(folder)
        for base in (path, path / "tessdata"):  # TESSDATA_PREFIX may name the parent
            if all((base / f"{lang}.traineddata").is_file() for lang in wanted):
                return base
    where = settings.tessdata or "the usual places"
    raise OcrUnavailable(f"{INSTALL_HINT} (no {', '.join(wanted)} models in {where})")


def _tesserocr() -> Any:
    if Image is None:
        raise OcrUnavailable(INSTALL_HINT + " (Pillow is not installed)")
    try:
        import tesserocr
    except ImportError:
        raise OcrUnavailable(INSTALL_HINT + " (tesserocr is not installed)") from None
    return tesserocr


def ensure_available(settings: OcrSettings | None = None) -> None:
    """Raise OcrUnavailable, saying what to install, unless images can be read here."""
    _tesserocr()
    find_tessdata(settings or OcrSettings())


def unavailable_reason(settings: OcrSettings | None = None) -> str | None:
    """None when images can be read here, else the sentence saying what to install."""
    try:
        ensure_available(settings)
    except OcrUnavailable as exc:
        return str(exc)
    return None


class _Engines:
    """One Tesseract engine per (models folder, languages), shared by every
    caller; an engine is not thread-safe, so reads take turns."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._apis: dict[tuple[str, str], Any] = {}

    def read(self, settings: OcrSettings, images: list[Image.Image]) -> list[str]:
        tesserocr = _tesserocr()
        folder = find_tessdata(settings)
        key = (str(folder), settings.languages)
        # Tesseract's OpenMP threads spin while waiting: on a busy 2-core machine one
        # thread read a page 5x faster (docs/field-notes.md §8). Set before the first load.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        with self._lock:
            api = self._apis.get(key)
            if api is None:
                try:
                    # psm 4: one column of text of varying sizes, which a tweet card is.
                    api = tesserocr.PyTessBaseAPI(path=str(folder) + os.sep, lang=settings.languages,
                                                  psm=tesserocr.PSM.SINGLE_COLUMN)
                    # Tesseract's noise filter takes a line of Arabic, dotted letters and
                    # all, for a row of specks and drops it (docs/field-notes.md §8).
                    api.SetVariable("textord_noise_rejrows", "0")
                except RuntimeError as exc:
                    raise OcrUnavailable(f"{INSTALL_HINT} (Tesseract could not load its models: {exc})") from None
                self._apis[key] = api
            texts = []
            for image in images:
                api.SetImage(image)
                texts.append(api.GetUTF8Text())
            return texts


_ENGINES = _Engines()


# --- preparing the image -----------------------------------------------------------


@dataclass
class Prepared:
    grey: Image.Image  # dark text on a light background, contrast stretched
    inverted: bool
    binarise: bool
    line_height: float  # median height of the text lines' ink, in pixels


def prepare(image: Image.Image) -> Prepared:
    grey = ImageOps.grayscale(image) if image.mode != "L" else image
    pixels = np.asarray(grey)
    inverted = float(np.median(pixels)) < 128  # dark mode: light text on a dark background
    if inverted:
        grey = ImageOps.invert(grey)
    grey = ImageOps.autocontrast(grey, cutoff=1)
    pixels = np.asarray(grey)
    # A flat background leaves few mid-grey pixels (only the anti-aliased edges of
    # letters); a photo or JPEG noise behind the text leaves many: binarise those.
    midtones = float(np.mean((pixels > 70) & (pixels < 185)))
    runs = _ink_runs(pixels)
    return Prepared(grey, inverted, midtones > 0.2, float(np.median(runs)) if runs else float(TARGET_LINE_HEIGHT))


def _ink_runs(pixels: np.ndarray) -> list[int]:
    """The heights of the runs of rows that hold ink (text lines, icons, rules)."""
    rows = (pixels < 128).mean(axis=1) > 0.002
    runs, start = [], None
    for y, inked in enumerate(np.append(rows, False)):
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            if y - start >= 4:
                runs.append(y - start)
            start = None
    return runs


def _otsu(pixels: np.ndarray) -> int:
    hist = np.bincount(pixels.ravel(), minlength=256).astype(float)
    total = hist.sum()
    cumulative, mean_cum = np.cumsum(hist), np.cumsum(hist * np.arange(256))
    weight_b, weight_f = cumulative, total - cumulative
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean_cum[-1] * weight_b / total - mean_cum) ** 2 / (weight_b * weight_f)
    return int(np.nanargmax(between[:-1]))


def scaled(prepared: Prepared, scale: float) -> Image.Image:
    grey = prepared.grey
    if abs(scale - 1.0) > 0.05:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                           Image.Resampling.LANCZOS)
    if prepared.binarise:
        pixels = np.asarray(grey)
        grey = Image.fromarray(np.where(pixels > _otsu(pixels), 255, 0).astype(np.uint8))
    # A white margin: Tesseract misses text that touches the edge of a crop.
    return ImageOps.expand(grey, border=16, fill=255)


def scales_for(prepared: Prepared) -> list[float]:
    """The scales to read at: text brought to TARGET_LINE_HEIGHT (never
    shrunk), then SECOND_PASS_FACTOR of that (not below 1); both capped by MAX_OCR_PIXELS."""
    first = min(MAX_SCALE, max(1.0, TARGET_LINE_HEIGHT / max(prepared.line_height, 1.0)))
    area = prepared.grey.width * prepared.grey.height
    cap = (MAX_OCR_PIXELS / max(area, 1)) ** 0.5
    return [min(first, cap), min(max(1.0, first * SECOND_PASS_FACTOR), cap)]


# --- reading -------------------------------------------------------------------------


_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def read_text(image: Image.Image, settings: OcrSettings | None = None) -> OcrResult:
    """The repaired lines of text in `image`. Raises OcrUnavailable."""
    settings = settings or OcrSettings()
    started = time.perf_counter()
    prepared = prepare(image)
    scales = list(dict.fromkeys(round(s, 2) for s in scales_for(prepared)))
    texts = _ENGINES.read(settings, [scaled(prepared, s) for s in scales])
    readings = [[line for line in (repair_line(raw) for raw in text.splitlines()) if line] for text in texts]
    counts = [sum(len(_LETTER.findall(line)) for line in lines) for lines in readings]
    best = max(range(len(readings)), key=lambda i: counts[i])
    return OcrResult(
        lines=readings[best], seconds=time.perf_counter() - started, scale=scales[best],
        inverted=prepared.inverted, binarised=prepared.binarise, passes=list(zip(scales, counts)),
    )


# --- repairing what OCR breaks in Arabic -----------------------------------------------

# Bidi controls (LRM, RLM, ALM, embeddings, isolates) and zero-width characters:
# Tesseract wraps Latin runs inside Arabic lines in LRM/RLM (docs/field-notes.md §8).
_INVISIBLE = re.compile(r"[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_ARABIC = r"\u0621-\u064a\u066e-\u06d3"
# A hash that came apart from its word, or landed after it (right-to-left runs).
_HASH_GAP = re.compile(r"#\s+(?=[\w])")
_HASH_AFTER = re.compile(rf"(?<![#\w])([{_ARABIC}][{_ARABIC}_]*)#(?=\s|$)")
# Stray marks: a token of symbols only (not sentence punctuation) is noise that
# OCR made of an icon, a dot or a speck.
_STRAY_TOKEN = re.compile(r"^[^\w\s.!?؟،,:;\"'«»()…#@/-]+$|^[|¦_~`^]+$")
_HARAKAT = re.compile(r"(?<![\u0621-\u064a])[\u064b-\u0652\u0670]+")  # marks with no letter to sit on
_SPACES = re.compile(r"[ \t]+")


def repair_line(raw: str) -> str:
    """One OCR line made clean: bidi and zero-width marks gone, Arabic-Indic
    digits as 0-9, hashtags put back together, stray marks dropped, tatweel
    removed, spaces collapsed."""
    line = unicodedata.normalize("NFKC", raw)
    line = _INVISIBLE.sub("", line).replace("\u0640", "")
    line = line.translate(DIGITS)
    line = _HARAKAT.sub("", line)
    line = _HASH_AFTER.sub(r"#\1", line)  # before the gap rule, which would glue it to the next word
    line = _HASH_GAP.sub("#", line)
    tokens = [t for t in _SPACES.sub(" ", line).strip().split(" ") if t and not _STRAY_TOKEN.match(t)]
    if _mostly_arabic(tokens):
        # A short lower-case Latin "word" inside an Arabic line is an Arabic word
        # the English model misread ("قام" -> "els"): a wrong word costs more than none.
        tokens = [t for t in tokens if not _MISREAD_LATIN.match(t)]
    return " ".join(tokens)


_MISREAD_LATIN = re.compile(r"^[a-z]{1,4}$")


def _mostly_arabic(tokens: list[str]) -> bool:
    arabic = sum(1 for t in tokens for c in t if "\u0621" <= c <= "\u064a")
    latin = sum(1 for t in tokens for c in t if c.isascii() and c.isalpha())
    return arabic >= 10 and latin * 4 < arabic
