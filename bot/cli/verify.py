"""`isnad verify` (one claim or a JSONL batch) and `isnad chat`."""
from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from itertools import islice
from typing import Any

from bot.cli.context import EXIT_ERROR, EXIT_OK, CliError, Context, load_aliases_for, read_jsonl, warn


def cmd_verify(ctx: Context) -> int:
    args = ctx.args
    if args.batch and args.claim:
        raise CliError("give either a CLAIM or --batch FILE, not both")
    if not args.batch and not args.claim:
        raise CliError("nothing to verify: give a CLAIM or --batch FILE")
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
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
        return verifier.verify(text, limit=ctx.args.limit, min_score=ctx.args.min_score,
                               all_passages=ctx.args.all_passages)
    return asyncio.run(_verify_linked(ctx, verifier, text))


async def _verify_linked(ctx: Context, verifier, text: str):
    from storage.fetch import Fetcher
    from verifiers.tweet_links import verify_claim

    async def verify(claim: str, claim_date):
        return verifier.verify(claim, limit=ctx.args.limit, min_score=ctx.args.min_score, claim_date=claim_date,
                               all_passages=ctx.args.all_passages)

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
    """JSONL in, JSONL out, same order; a bad line gets an error object, not a gap."""
    failures = 0
    for chunk in _chunked(read_jsonl(ctx.args.batch), BATCH_CHUNK):
        for row in _verify_chunk(ctx, verifier, chunk):
            failures += "error" in row
            ctx.emit_json(row)
    return EXIT_ERROR if failures else EXIT_OK


def _verify_chunk(ctx: Context, verifier, chunk: list[tuple[int, dict | None, str]]) -> list[dict[str, Any]]:
    """Plain claims go to verify_many together; claims with tweet links one by one."""
    from verifiers.tweet_links import tweet_links

    checked = [(obj, _batch_error(number, obj, error)) for number, obj, error in chunk]
    plain = [obj["text"] for obj, error in checked if not error and not tweet_links(obj["text"])]
    reports = iter(verifier.verify_many(plain, limit=ctx.args.limit, min_score=ctx.args.min_score,
                                        all_passages=ctx.args.all_passages))
    rows = []
    for obj, error in checked:
        if error:
            warn(error)
            rows.append({"id": obj.get("id") if obj else None, "error": error})
            continue
        text = obj["text"]
        report = _verify_text(ctx, verifier, text) if tweet_links(text) else next(reports)
        rows.append({"id": obj.get("id"), **report.to_json()})
    return rows


def _batch_error(number: int, obj: dict | None, error: str) -> str:
    if error or obj is None:
        return error
    return "" if isinstance(obj.get("text"), str) else f"line {number}: \"text\" must be a string"


def _chunked(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def cmd_chat(ctx: Context) -> int:
    from bot.chat import chat

    return chat(open_verifier(ctx), sys.stdin, ctx.out)
