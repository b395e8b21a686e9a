"""`isnad verify` (one claim or a JSONL batch) and `isnad chat`."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from itertools import islice
from typing import Any

from bot.cli.context import EXIT_ERROR, EXIT_OK, CliError, Context, line_id, load_aliases_for, read_jsonl, warn
from storage.errors import ArchiveError


def cmd_verify(ctx: Context) -> int:
    args = ctx.args
    if args.batch and args.claim:
        raise CliError("give either a CLAIM or --batch FILE, not both")
    if not args.batch and not args.claim:
        raise CliError("nothing to verify: give a CLAIM or --batch FILE")
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    if args.min_score is not None and not 0 <= args.min_score <= 100:  # NaN fails both comparisons
        raise CliError(f"--min-score must be a number from 0 to 100, not {args.min_score}")
    verifier = open_verifier(ctx)
    if args.batch:
        return _verify_batch(ctx, verifier)
    claim = " ".join(args.claim)
    _check_claim(claim, ctx)
    report = _verify_text(ctx, verifier, claim)
    if args.json:
        ctx.emit_json(report.to_json())
    else:
        from bot.render import render_report

        ctx.out.write(render_report(report))
    return EXIT_OK


def open_verifier(ctx: Context):
    from verifiers.engine import Verifier

    load_aliases_for(ctx)
    store = ctx.open_store()
    threshold = ctx.config.matching.threshold
    kwargs = {} if threshold is None else {"threshold": threshold}
    return Verifier(store, **kwargs)


def _verify_text(ctx: Context, verifier, text: str):
    """Verify one claim; a tweet link the archive lacks is followed on the web."""
    from verifiers.tweet_links import tweet_links

    if not tweet_links(text):
        return verifier.verify(text, limit=ctx.args.limit, min_score=ctx.args.min_score)
    return asyncio.run(_verify_linked(ctx, verifier, text))


async def _verify_linked(ctx: Context, verifier, text: str):
    from storage.fetch import Fetcher
    from verifiers.tweet_links import verify_claim

    async def verify(claim: str, claim_date):
        return verifier.verify(claim, limit=ctx.args.limit, min_score=ctx.args.min_score, claim_date=claim_date)

    async with Fetcher(ctx.config.fetch_settings()) as fetcher:
        return await verify_claim(verify, text, verifier.store, fetcher)


def _check_claim(claim: str, ctx: Context) -> None:
    limit = ctx.config.discord.max_claim_length
    if not claim.strip():
        raise CliError("the claim is empty")
    if len(claim) > limit:
        raise CliError(f"the claim is {len(claim)} characters long; the limit is {limit}")


BATCH_CHUNK = 256  # lines verified together: big enough to share between workers, small enough to stream


def _verify_batch(ctx: Context, verifier) -> int:
    """JSONL in, JSONL out, same order; a bad line gets an error object, not a gap.
    Answers are written (and flushed) chunk by chunk, in step with the input."""
    failures = 0
    for chunk in _chunked(read_jsonl(ctx.args.batch), BATCH_CHUNK):
        for row in _verify_chunk(ctx, verifier, chunk):
            failures += "error" in row
            ctx.emit_json(row)
        ctx.out.flush()
    return EXIT_ERROR if failures else EXIT_OK


def _verify_chunk(ctx: Context, verifier, chunk: list[tuple[int, dict | None, str]]) -> list[dict[str, Any]]:
    """Plain claims go to verify_many together; claims with tweet links one by one.
    If the shared call fails, each claim is verified alone, so one claim that
    breaks the verifier costs only its own line."""
    from verifiers.tweet_links import tweet_links

    limit = ctx.config.discord.max_claim_length
    checked = [(number, obj, _batch_error(number, obj, error, limit)) for number, obj, error in chunk]
    plain = [obj["text"] for _, obj, error in checked if obj is not None and not error and not tweet_links(obj["text"])]
    try:
        reports = iter(verifier.verify_many(plain, limit=ctx.args.limit, min_score=ctx.args.min_score))
    except Exception:
        reports = None
    rows = []
    for number, obj, error in checked:
        if error:
            warn(error)
            rows.append({"id": line_id(obj), "error": error})
            continue
        assert obj is not None
        text = obj["text"]
        try:
            if tweet_links(text):
                report = _verify_text(ctx, verifier, text)
            elif reports is not None:
                report = next(reports)
            else:
                report = verifier.verify(text, limit=ctx.args.limit, min_score=ctx.args.min_score)
        except (ArchiveError, ValueError, RecursionError, MemoryError) as exc:
            message = f"line {number}: could not verify this claim ({' '.join(str(exc).split())[:200]})"
            warn(message)
            rows.append({"id": line_id(obj), "error": message})
            continue
        rows.append({"id": line_id(obj), **report.to_json()})
    return rows


def _batch_error(number: int, obj: dict | None, error: str, max_length: int) -> str:
    if error or obj is None:
        return error
    text = obj.get("text")
    if not isinstance(text, str):
        return f"line {number}: \"text\" must be a string"
    if not text.strip():
        return f"line {number}: \"text\" is empty"
    if len(text) > max_length:
        return f"line {number}: the claim is {len(text)} characters long; the limit is {max_length}"
    return ""


def _chunked(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def cmd_chat(ctx: Context) -> int:
    from bot.chat import chat

    return chat(open_verifier(ctx), sys.stdin, ctx.out)
