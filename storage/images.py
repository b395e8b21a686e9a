"""Reading an image a user sent (a screenshot of a claim), safely.

Only PNG, JPEG and WebP are accepted, recognised by their first bytes (not by
the file name: a text file called .png is refused). Before any pixel is
decoded, the file size and the pixel count are checked, so a small file that
would decode into gigabytes (a decompression bomb) is refused too.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

from storage.errors import one_line

try:
    from PIL import Image, ImageOps
except ImportError:  # optional (the isnad-bot[ocr] extra); callers check verifiers.ocr.ensure_available first
    Image = ImageOps = None  # type: ignore[assignment]

MAX_BYTES = 10_000_000  # a phone screenshot is 0.2–3 MB
MAX_PIXELS = 40_000_000  # a long scrolling capture is 1290 x 30000; a phone screen is 3–4 million
FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}


class ImageError(ValueError):
    """The file is not an image Isnad reads. The message is one line for the user."""


def sniff(data: bytes) -> str | None:
    """"PNG", "JPEG" or "WEBP" from the first bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def check_kind(data: bytes, *, name: str = "the file", max_bytes: int = MAX_BYTES) -> str:
    """The format ("PNG", "JPEG", "WEBP") of bytes within max_bytes, else ImageError.
    Needs no image library: a file that is no image is refused before anything else."""
    if len(data) > max_bytes:
        raise ImageError(f"{name} is {len(data):,} bytes; images up to {max_bytes:,} bytes are read")
    kind = sniff(data)
    if kind is None:
        raise ImageError(f"{name} is not a PNG, JPEG or WebP image")
    return kind


def read_image(data: bytes, *, name: str = "the file", max_bytes: int = MAX_BYTES,
               max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode an uploaded image into RGB pixels, upright (EXIF orientation applied),
    transparency flattened onto white. Raises ImageError with a one-line reason."""
    kind = check_kind(data, name=name, max_bytes=max_bytes)
    if Image is None:
        raise ImageError("reading images needs Pillow (pip install Pillow)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[kind])
            width, height = image.size  # read from the header; nothing decoded yet
            if width * height > max_pixels:
                raise ImageError(f"{name} is {width} x {height} pixels; images up to {max_pixels:,} pixels are read")
            image.load()
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"{name} is a damaged or unreadable {FORMATS[kind]} image ({one_line(exc)})") from None
    return _flatten(ImageOps.exif_transpose(image) or image)


def read_file_bytes(path: str | Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    """A file's bytes, refused (ImageError) when missing, unreadable or over max_bytes."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ImageError(f"{path} is not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise ImageError(f"{path} is {size:,} bytes; images up to {max_bytes:,} bytes are read")
        with path.open("rb") as stream:
            return stream.read(max_bytes + 1)
    except OSError as exc:
        raise ImageError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_image_file(path: str | Path, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """read_image() on a file; a missing or unreadable file is an ImageError too."""
    data = read_file_bytes(path, max_bytes=max_bytes)
    return read_image(data, name=str(path), max_bytes=max_bytes, max_pixels=max_pixels)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
