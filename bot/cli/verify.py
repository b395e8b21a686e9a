"""`isnad verify` (one claim or a JSONL batch) and `isnad chat`."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from bot.cli.context import EXIT_ERROR, EXIT_OK, CliError, Context, line_id, read_jsonl, warn
from storage.errors import ArchiveError

if TYPE_CHECKING:
    from bot.app.service import IsnadService
    from storage.fetch import FetchSettings
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
    if args.min_score is not None and not 0 <= args.min_score <= 100:  # NaN fails both comparisons
        raise CliError(f"--min-score must be a number from 0 to 100, not {args.min_score}")
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
    """Verify one claim; a tweet link the archive lacks is followed on the web (not with --offline)."""
    return service.verify_claim_now(text, _fetch(ctx), limit=ctx.args.limit, min_score=ctx.args.min_score,
                                    all_passages=ctx.args.all_passages)


def _fetch(ctx: Context) -> FetchSettings | None:
    """How links are followed on the web; None with --offline (the archive only)."""
    return None if ctx.args.offline else ctx.config.fetch_settings()


BATCH_CHUNK = 256  # lines verified together: big enough to share between workers, small enough to stream


def _verify_batch(ctx: Context, service: IsnadService) -> int:
    """JSONL in, JSONL out, same order; a bad line gets an error object, not a gap.
    Answers are written (and flushed) chunk by chunk, in step with the input."""
    failures = 0
    for chunk in _chunked(read_jsonl(ctx.args.batch), BATCH_CHUNK):
        for row in _verify_chunk(ctx, service, chunk):
            failures += "error" in row
            ctx.emit_json(row)
        ctx.out.flush()
    return EXIT_ERROR if failures else EXIT_OK


def _verify_chunk(ctx: Context, service: IsnadService,
                  chunk: list[tuple[int, dict[str, Any] | None, str]]) -> list[dict[str, Any]]:
    """Every good line verified together (worker processes for a big chunk),
    tweet and t.co links included; a bad line gets its error. If the shared call
    fails, each claim is verified alone, so a claim that breaks the verifier
    costs only its own line."""
    limit = ctx.config.discord.max_claim_length
    checked = [(number, obj, _batch_error(number, obj, error, limit)) for number, obj, error in chunk]
    texts = [obj["text"] for _, obj, error in checked if obj is not None and not error]
    try:
        reports = iter(service.verify_claims_now(texts, _fetch(ctx), limit=ctx.args.limit,
                                                 min_score=ctx.args.min_score, all_passages=ctx.args.all_passages)
                       if texts else [])
    except Exception:
        reports = None
    rows = []
    for number, obj, error in checked:
        if error or obj is None:
            warn(error)
            rows.append({"id": line_id(obj), "error": error})
            continue
        try:
            report = next(reports) if reports is not None else _verify_text(ctx, service, obj["text"])
        except (ArchiveError, ValueError, RecursionError, MemoryError) as exc:
            message = f"line {number}: could not verify this claim ({' '.join(str(exc).split())[:200]})"
            warn(message)
            rows.append({"id": line_id(obj), "error": message})
            continue
        rows.append({"id": line_id(obj), **report.to_json()})
    return rows


def _batch_error(number: int, obj: dict[str, Any] | None, error: str, max_length: int) -> str:
    from bot.app.policy import ClaimRefused, check_claim

    if error or obj is None:
        return error
    text = obj.get("text")
    if not isinstance(text, str):
        return f"line {number}: \"text\" must be a string"
    if not text.strip():
        return f"line {number}: \"text\" is empty"
    try:
        check_claim(text, max_length)
    except ClaimRefused as refused:
        return f"line {number}: {refused}"
    return ""


def _chunked(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(items, size)):
        yield chunk


def cmd_chat(ctx: Context) -> int:
    from bot.chat import chat

    service = ctx.open_service(index=True)
    if sys.stdin.isatty():  # a session that lasts: embed for English-Arabic matching meanwhile
        service.start_embedding()
    try:
        return chat(service, sys.stdin, ctx.out, fetch=_fetch(ctx))
    finally:
        service.close()
