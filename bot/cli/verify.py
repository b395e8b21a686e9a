"""`isnad verify` (one claim or a JSONL batch) and `isnad chat`."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from bot.cli.context import EXIT_ERROR, EXIT_OK, CliError, Context, read_jsonl, warn

if TYPE_CHECKING:
    from bot.app.service import IsnadService
    from verifiers.report import Report


def cmd_verify(ctx: Context) -> int:
    from bot.app.policy import ClaimRefused, check_claim

    args = ctx.args
    if sum(map(bool, (args.batch, args.claim, args.image))) > 1:
        raise CliError("give one of a CLAIM, --batch FILE or --image PATH")
    if not args.batch and not args.claim and not args.image:
        raise CliError("nothing to verify: give a CLAIM, --batch FILE or --image PATH")
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    if args.image:
        return _verify_image(ctx, args.image)
    claim = " ".join(args.claim)
    if not args.batch:
        try:
            check_claim(claim, ctx.config.discord.max_claim_length)  # the same policy as every front end
        except ClaimRefused as refused:
            raise CliError(str(refused)) from refused
    service = ctx.open_service(index=True)
    try:
        if args.batch:
            return _verify_batch(ctx, service)
        report = _verify_text(ctx, service, claim)
    finally:
        service.close()
    if args.json:
        ctx.emit_json(report.to_json())
    else:
        from bot.render import render_report

        ctx.out.write(render_report(report))
    return EXIT_OK


def _verify_image(ctx: Context, path: str) -> int:
    """A claim sent as a screenshot: read the image's bytes (bounded), OCR it, verify the tweet."""
    from storage.images import ImageError, read_file_bytes
    from verifiers.ocr import OcrUnavailable
    from verifiers.screenshot import NoTextInImage

    try:
        data = read_file_bytes(path, max_bytes=ctx.config.ocr.max_bytes)
    except ImageError as exc:
        raise CliError(str(exc)) from None
    service = ctx.open_service(index=True)
    try:
        result = service.verify_image(data, name=path, limit=ctx.args.limit, min_score=ctx.args.min_score)
    except (ImageError, OcrUnavailable, NoTextInImage) as exc:
        raise CliError(str(exc)) from None
    finally:
        service.close()
    if ctx.args.json:
        ctx.emit_json(result.to_json())
    else:
        from bot.render import render_report

        ctx.out.write(render_report(result.report))
    return EXIT_OK


def _verify_text(ctx: Context, service: IsnadService, text: str) -> Report:
    """Verify one claim; a tweet link the archive lacks is followed on the web."""
    return service.verify_claim_now(text, ctx.config.fetch_settings(), limit=ctx.args.limit,
                                    min_score=ctx.args.min_score)


BATCH_CHUNK = 256  # lines verified together: big enough to share between workers, small enough to stream


def _verify_batch(ctx: Context, service: IsnadService) -> int:
    """JSONL in, JSONL out, same order; a bad line gets an error object, not a gap."""
    failures = 0
    for chunk in _chunked(read_jsonl(ctx.args.batch), BATCH_CHUNK):
        for row in _verify_chunk(ctx, service, chunk):
            failures += "error" in row
            ctx.emit_json(row)
    return EXIT_ERROR if failures else EXIT_OK


def _verify_chunk(ctx: Context, service: IsnadService,
                  chunk: list[tuple[int, dict[str, Any] | None, str]]) -> list[dict[str, Any]]:
    """Plain claims go to verify_many together; claims with tweet links one by one."""
    from verifiers.tweet_links import tweet_links

    checked = [(obj, _batch_error(number, obj, error)) for number, obj, error in chunk]
    plain = [obj["text"] for obj, error in checked if obj is not None and not error and not tweet_links(obj["text"])]
    reports = iter(service.verify_many(plain, limit=ctx.args.limit, min_score=ctx.args.min_score))
    rows = []
    for obj, error in checked:
        if error or obj is None:
            warn(error)
            rows.append({"id": obj.get("id") if obj else None, "error": error})
            continue
        text = obj["text"]
        report = _verify_text(ctx, service, text) if tweet_links(text) else next(reports)
        rows.append({"id": obj.get("id"), **report.to_json()})
    return rows


def _batch_error(number: int, obj: dict[str, Any] | None, error: str) -> str:
    if error or obj is None:
        return error
    return "" if isinstance(obj.get("text"), str) else f"line {number}: \"text\" must be a string"


def _chunked(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(items, size)):
        yield chunk


def cmd_chat(ctx: Context) -> int:
    from bot.chat import chat

    service = ctx.open_service(index=True)
    try:
        return chat(service, sys.stdin, ctx.out, fetch=ctx.config.fetch_settings())
    finally:
        service.close()
