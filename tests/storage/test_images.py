"""Reading uploaded images: only real PNG/JPEG/WebP, within size and pixel limits."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from storage.images import ImageError, read_file_bytes, read_image, read_image_file, sniff


def encoded(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_are_read_as_rgb(fmt):
    data = encoded(Image.new("RGB", (40, 30), (10, 200, 30)), fmt)
    assert sniff(data) == fmt
    image = read_image(data)
    assert image.mode == "RGB" and image.size == (40, 30)


def test_a_text_file_named_png_is_refused_in_one_line(tmp_path):
    path = tmp_path / "tweet.png"
    path.write_text("بعد هروب داعش من دير الزور\n", encoding="utf-8")
    with pytest.raises(ImageError) as caught:
        read_image_file(path)
    assert str(caught.value) == f"{path} is not a PNG, JPEG or WebP image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    with pytest.raises(ImageError, match="not a PNG, JPEG or WebP"):
        read_image(encoded(Image.new("RGB", (8, 8)), fmt))


def test_too_many_pixels_is_refused_before_decoding():
    # A flat 6000 x 6000 PNG is a few kilobytes and 36 million pixels once decoded.
    data = encoded(Image.new("L", (6000, 6000), 255), "PNG")
    assert len(data) < 100_000
    with pytest.raises(ImageError, match="6000 x 6000 pixels; images up to 1,000,000 pixels"):
        read_image(data, max_pixels=1_000_000)


def test_too_many_bytes_is_refused(tmp_path):
    data = encoded(Image.effect_noise((300, 300), 80).convert("RGB"), "PNG")
    with pytest.raises(ImageError, match="bytes; images up to 1,000 bytes"):
        read_image(data, max_bytes=1_000)
    path = tmp_path / "big.png"
    path.write_bytes(data)
    with pytest.raises(ImageError, match="bytes; images up to 1,000 bytes"):
        read_file_bytes(path, max_bytes=1_000)


def test_a_truncated_image_is_a_damaged_image_not_a_crash():
    data = encoded(Image.effect_noise((200, 200), 80).convert("RGB"), "PNG")
    with pytest.raises(ImageError, match="damaged or unreadable PNG"):
        read_image(data[: len(data) // 2])


def test_missing_file_and_folder_are_refused(tmp_path):
    with pytest.raises(ImageError, match="is not a file"):
        read_file_bytes(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="is not a file"):
        read_file_bytes(tmp_path)


def test_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert read_image(encoded(image, "PNG")).getpixel((5, 5)) == (255, 255, 255)


def test_exif_rotation_is_applied():
    image = Image.new("RGB", (40, 20), (255, 255, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise: a phone held upright
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    assert read_image(out.getvalue()).size == (20, 40)
