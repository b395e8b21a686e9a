"""`isnad verify --image PATH`: a screenshot of a tweet as the claim."""
from __future__ import annotations

import json

import pytest
from rapidfuzz import fuzz

from tests.bot.test_cli import run, run_process
from tests.screenshots import ocr_missing, render, seed_tweets
from verifiers.normalize import normalize

needs_ocr = pytest.mark.skipif(bool(ocr_missing()), reason=ocr_missing() or "")


@pytest.fixture
def archive(sample_store, archive_path):
    """The sample archive (the seed article and its five tweets) on a file."""
    return str(archive_path)


@needs_ocr
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_phone_screenshot_of_a_seed_tweet_finds_it_at_rank_1(archive, tmp_path, fmt):
    # Held back from tuning: a 1080-px-wide capture (the OCR was tuned on 720 and 360 px).
    tweet = seed_tweets()[3]
    path = tmp_path / f"shot.{fmt.lower()}"
    render(tweet, scale=1.5).save(path, format=fmt, **({"quality": 80} if fmt != "PNG" else {}))
    code, out = run("--db", archive, "verify", "--json", "--image", str(path))
    assert code == 0
    result = json.loads(out)
    top = result["matches"][0]
    assert (top["kind"], top["handle"], top["date"]) == ("post", "zaidbenjamin", "2014-02-08")
    assert result["image"]["handle"] == "zaidbenjamin" and result["image"]["date"] == "2014-02-08"
    read = result["image"]["text"]
    assert fuzz.ratio(normalize(read), normalize(tweet.text)) >= 85, read  # JPEG artefacts cost a letter or two
    assert "Retweets" not in result["image"]["text"] and "Show translation" not in result["image"]["text"]
    assert result["notes"][0].startswith(f"the claim was read from an image: «{read[:40]}")
    if fmt == "PNG":  # lossless: read well enough to be the same tweet by handle and text
        assert top["score"] == 100
        assert result["notes"][1].startswith("this exact tweet is archived in “جبهة النصرة” تطرد “داعش”")
    assert result["recycled"] is None


@needs_ocr
def test_human_output_says_the_claim_was_read_from_an_image(archive, tmp_path):
    path = tmp_path / "shot.png"
    render(seed_tweets()[0], dark=True).save(path)
    code, out = run("--db", archive, "verify", "--image", str(path))
    assert code == 0
    assert "the claim was read from an image: «بعد هروب داعش" in out and "mohsarmini" in out


def test_a_text_file_named_png_is_refused_in_one_line(archive, tmp_path):
    path = tmp_path / "tweet.png"
    path.write_text("بعد هروب داعش من دير الزور قاموا بقتل كل سجناءهم\n", encoding="utf-8")
    result = run_process("--db", archive, "verify", "--json", "--image", str(path))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"isnad: {path} is not a PNG, JPEG or WebP image\n"


def test_image_and_claim_together_are_refused(archive, tmp_path):
    result = run_process("--db", archive, "verify", "--image", str(tmp_path / "x.png"), "some claim")
    assert result.returncode == 1 and "give one of a CLAIM, --batch FILE or --image PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_tesseract_images_say_what_to_install_and_text_claims_still_work(archive, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[ocr]\ntessdata = "{tmp_path / "no-tesseract-here"}"\n', encoding="utf-8")
    path = tmp_path / "shot.png"
    from PIL import Image

    Image.new("RGB", (200, 100), "white").save(path)
    result = run_process("--db", archive, "--config", str(config), "verify", "--json", "--image", str(path))
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "apt-get install tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng" in result.stderr
    text = run_process("--db", archive, "--config", str(config), "verify", "--json",
                       "بعد هروب داعش من دير الزور قتلوا كل السجناء")
    assert text.returncode == 0 and json.loads(text.stdout)["matches"][0]["handle"] == "mohsarmini"
