"""Claims sent as images on Discord: which attachments are screenshots, and
reading one (size checked before download, then OCR and verification in the
service). Used by the /verify `image:` option and the "Verify claim" menu.

The reply starts with what was read (`content`), so a member can see a
misreading before trusting the answer.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import discord

from bot.app.aio import AsyncIsnad
from bot.i18n import t
from verifiers.report import Report

log = logging.getLogger(__name__)

IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp"}
IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "webp"}
MAX_IMAGES = 2  # screenshots verified from one message
QUOTE_MAX = 1500  # of the 2000 characters a message's content may hold


def is_image(attachment: discord.Attachment) -> bool:
    kind = (attachment.content_type or "").split(";")[0].strip().lower()
    ext = attachment.filename.rpartition(".")[2].lower() if "." in attachment.filename else ""
    return kind in IMAGE_TYPES or ext in IMAGE_EXTENSIONS


def image_attachments(message: discord.Message) -> list[discord.Attachment]:
    return [a for a in message.attachments if is_image(a)][:MAX_IMAGES]


@dataclass
class ImageAnswer:
    """A report on a screenshot, or why there is none (a sentence in the reply language)."""

    report: Report | None = None
    read: str = ""  # "Read from an image (name): «…» — Name (@handle) date"
    error: str = ""


async def verify_attachment(isnad: AsyncIsnad, attachment: discord.Attachment, lang: str) -> ImageAnswer:
    """Download (within the configured size), OCR and verify one image attachment."""
    from storage.images import ImageError
    from verifiers.ocr import OcrUnavailable
    from verifiers.screenshot import NoTextInImage

    limit = isnad.config.ocr.max_bytes
    name = attachment.filename
    if not is_image(attachment):
        return ImageAnswer(error=t("error.not_an_image", lang, name=name))
    if attachment.size > limit:
        return ImageAnswer(error=t("error.image_too_big", lang, name=name, size=attachment.size, limit=limit))
    data = await attachment.read()
    if len(data) > limit:  # the declared size can lie
        return ImageAnswer(error=t("error.image_too_big", lang, name=name, size=len(data), limit=limit))
    try:
        result = await isnad.verify_image(data, name=name)
    except ImageError as exc:
        return ImageAnswer(error=t("error.bad_image", lang, reason=str(exc)))
    except OcrUnavailable as exc:
        log.warning("an image claim could not be read: %s", exc)
        return ImageAnswer(error=t("error.ocr_unavailable", lang))
    except NoTextInImage:
        return ImageAnswer(error=t("error.no_text_in_image", lang, name=name))
    # The quote goes in the message's content; the embeds need not repeat it.
    notes = [n for n in result.report.notes if getattr(n, "code", "") != "read_from_image"]
    quote = result.shot.quote(limit=QUOTE_MAX - 200)
    return ImageAnswer(report=replace(result.report, notes=notes), read=t("image.read", lang, name=name, quote=quote))
