"""Phone-style tweet screenshots drawn with Pillow, for the OCR tests and
benchmarks/bench_ocr.py.

Arabic needs real shaping (joined letter forms, right-to-left runs): Pillow
does that only with libraqm (docs/field-notes.md §8), so `can_draw_arabic()`
says whether these images mean anything on this machine. The tweets come from
the bundled sample article (its five embedded tweets).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, features

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
# DejaVu Sans covers Arabic, Latin, "#" and "·" in one face (Noto's Arabic faces lack "#").
ARABIC_FONTS = ("DejaVuSans.ttf",)
BOLD_FONTS = ("DejaVuSans-Bold.ttf",)
LATIN_FONTS = ("DejaVuSans.ttf",)

_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_AR_MONTHS = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
              "أكتوبر", "نوفمبر", "ديسمبر"]
_AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class Tweet:
    name: str
    handle: str
    text: str
    year: int
    month: int
    day: int


@dataclass(frozen=True)
class Theme:
    background: tuple[int, int, int]
    text: tuple[int, int, int]
    grey: tuple[int, int, int]
    blue: tuple[int, int, int]
    rule: tuple[int, int, int]


LIGHT = Theme((255, 255, 255), (15, 20, 25), (83, 100, 113), (29, 155, 240), (239, 243, 244))
DARK = Theme((0, 0, 0), (231, 233, 234), (113, 118, 123), (29, 155, 240), (47, 51, 54))


def _font_path(names: tuple[str, ...]) -> Path | None:
    for name in names:
        for folder in _FONT_DIRS:
            if (folder / name).exists():
                return folder / name
    return None


def can_draw_arabic() -> str | None:
    """None when Arabic tweets can be drawn here, else why not."""
    if not features.check("raqm"):
        return "Pillow has no libraqm (Debian: libraqm0), so it cannot shape Arabic"
    if _font_path(ARABIC_FONTS) is None or _font_path(LATIN_FONTS) is None:
        return "no DejaVu Sans font (Debian: fonts-dejavu-core)"
    return None


def seed_tweets() -> list[Tweet]:
    """The five tweets embedded in the bundled sample article."""
    from storage.importers.text import parse_text_article
    from storage.sample import SAMPLE_PATH

    source = parse_text_article(SAMPLE_PATH.read_text(encoding="utf-8"))
    tweets = []
    for post in source.posts:
        assert post.date.year and post.date.month and post.date.day
        tweets.append(Tweet(post.author, post.handle, post.text, post.date.year, post.date.month, post.date.day))
    return tweets


class _Pen:
    """Draws lines top to bottom on a phone-width canvas."""

    def __init__(self, width: int, scale: float, theme: Theme) -> None:
        self.width, self.scale, self.theme = width, scale, theme
        self.image = Image.new("RGB", (width, int(2400 * scale)), theme.background)
        self.draw = ImageDraw.Draw(self.image)
        self.y = int(16 * scale)
        self.margin = int(32 * scale)

    def font(self, names: tuple[str, ...], size: float) -> ImageFont.FreeTypeFont:
        path = _font_path(names)
        assert path is not None, "no font (can_draw_arabic() says why)"
        return ImageFont.truetype(str(path), int(size * self.scale))

    def line(self, text: str, font: ImageFont.FreeTypeFont, fill: tuple[int, int, int], *, rtl: bool = False,
             gap: float = 10) -> None:
        height = int(font.getbbox("Ag")[3]) + int(gap * self.scale)
        if rtl:
            self.draw.text((self.width - self.margin, self.y), text, font=font, fill=fill, anchor="ra",
                           direction="rtl", language="ar")
        else:
            self.draw.text((self.margin, self.y), text, font=font, fill=fill, anchor="la")
        self.y += height

    def wrapped(self, text: str, font: ImageFont.FreeTypeFont, fill: tuple[int, int, int]) -> None:
        room = self.width - 2 * self.margin
        words, current = text.split(), ""
        for word in words:
            trial = f"{current} {word}".strip()
            if current and font.getlength(trial, direction="rtl") > room:
                self.line(current, font, fill, rtl=True, gap=18)
                current = word
            else:
                current = trial
        if current:
            self.line(current, font, fill, rtl=True, gap=18)

    def rule(self) -> None:
        self.y += int(8 * self.scale)
        self.draw.line([(self.margin, self.y), (self.width - self.margin, self.y)], fill=self.theme.rule,
                       width=max(1, int(2 * self.scale)))
        self.y += int(18 * self.scale)

    def icons(self) -> None:
        """The reply/retweet/like/share buttons: outlines, no text."""
        size = int(26 * self.scale)
        step = (self.width - 2 * self.margin) // 4
        for i in range(4):
            x = self.margin + i * step + step // 2 - size // 2
            box = (x, self.y, x + size, self.y + size)
            if i == 2:
                self.draw.ellipse(box, outline=self.theme.grey, width=max(1, int(2 * self.scale)))
            else:
                self.draw.rectangle(box, outline=self.theme.grey, width=max(1, int(2 * self.scale)))
        self.y += size + int(20 * self.scale)


def render(tweet: Tweet, *, dark: bool = False, chrome: bool = True, arabic_ui: bool = False, scale: float = 1.0,
           width: int = 720, crop: str = "", photo: bool = False) -> Image.Image:
    """A tweet as a phone shows it.

    chrome: the status bar, the "Post" header, "Show translation", the counts
    and the buttons (without it: the name, handle, text and time line only).
    arabic_ui: the app in Arabic (time line and counts in Arabic with
    Arabic-Indic digits). crop: "" (whole screen), "card" (the name to the
    time line) or "text" (the tweet's text alone). photo: a picture attached to
    the tweet (a grey, blotchy block below the text).
    """
    theme = DARK if dark else LIGHT
    pen = _Pen(int(width * scale), scale, theme)
    small, body = pen.font(LATIN_FONTS, 22), pen.font(ARABIC_FONTS, 30)
    bold, arabic_small = pen.font(BOLD_FONTS, 26), pen.font(ARABIC_FONTS, 22)
    if chrome:
        pen.draw.text((pen.width - pen.margin, pen.y), "100%", font=small, fill=theme.text, anchor="ra")
        pen.line("9:41", small, theme.text, gap=30)
        pen.line("Post" if not arabic_ui else "منشور", bold, theme.text, rtl=arabic_ui, gap=30)
    card_top = pen.y
    avatar = int(56 * pen.scale)
    pen.draw.ellipse((pen.margin, pen.y, pen.margin + avatar, pen.y + avatar), fill=(120, 140, 160))
    pen.margin += avatar + int(16 * pen.scale)
    pen.line(tweet.name, bold, theme.text, rtl=False, gap=6)
    pen.line("@" + tweet.handle, small, theme.grey, gap=22)
    pen.margin -= avatar + int(16 * pen.scale)
    text_top = pen.y
    pen.wrapped(tweet.text, body, theme.text)
    text_bottom = pen.y
    if photo:
        size = (pen.width - 2 * pen.margin, int(300 * scale))
        blotches = Image.effect_noise(size, 120).filter(ImageFilter.GaussianBlur(6 * scale))
        pen.image.paste(blotches.point(lambda v: max(0, min(255, (v - 128) * 4 + 128))).convert("RGB"),
                        (pen.margin, pen.y))
        pen.y += size[1] + int(16 * scale)
    if chrome:
        pen.line("Show translation" if not arabic_ui else "ترجمة المنشور", small if not arabic_ui else arabic_small,
                 theme.blue, rtl=arabic_ui, gap=18)
    if arabic_ui:
        when = f"١٠:١٥ م · {str(tweet.day).translate(_AR_DIGITS)} {_AR_MONTHS[tweet.month - 1]} " \
               f"{str(tweet.year).translate(_AR_DIGITS)}"
        pen.line(when, arabic_small, theme.grey, rtl=True, gap=12)
    else:
        pen.line(f"10:15 PM · {_EN_MONTHS[tweet.month - 1]} {tweet.day}, {tweet.year} · Twitter for iPhone",
                 small, theme.grey, gap=12)
    card_bottom = pen.y
    if chrome:
        pen.rule()
        counts = "12 Retweets   3 Quotes   30 Likes" if not arabic_ui else "١٢ إعادة نشر   ٣٠ إعجاب"
        pen.line(counts, small if not arabic_ui else arabic_small, theme.grey, rtl=arabic_ui, gap=12)
        pen.rule()
        pen.icons()
    bottom = pen.y + int(20 * pen.scale)
    image = pen.image.crop((0, 0, pen.width, bottom))
    if crop == "card":
        image = image.crop((0, max(0, card_top - int(10 * scale)), pen.width, card_bottom + int(10 * scale)))
    elif crop == "text":
        image = image.crop((0, max(0, text_top - int(10 * scale)), pen.width, text_bottom + int(4 * scale)))
    return image


def png_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()


def ocr_missing() -> str | None:
    """None when screenshots can be drawn and read here, else why not (a skip reason)."""
    from verifiers.ocr import unavailable_reason

    return can_draw_arabic() or unavailable_reason()


# Every variant the tests and benchmarks/bench_ocr.py draw: light and dark,
# English and Arabic app, whole screen, cropped to the card or the text, with
# and without the app's chrome, and a small (half-scale) capture.
VARIANTS: dict[str, dict[str, object]] = {
    "light": {},
    "dark-arabic-ui": {"dark": True, "arabic_ui": True},
    "dark": {"dark": True},
    "card-small": {"crop": "card", "scale": 0.5},
    "no-chrome": {"chrome": False},
    "text-only": {"crop": "text"},
    "photo": {"photo": True},  # a picture in the tweet: the page is binarised
}
