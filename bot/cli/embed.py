"""`isnad embed` (the cross-language path's backfill) and `isnad alias suggest`."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.cli.context import EXIT_OK, CliError, Context, load_aliases_for


def register(sub: argparse._SubParsersAction, alias_actions: argparse._SubParsersAction) -> None:
    """Add `embed` to the commands and `suggest` to `alias`'s actions."""
    embed = sub.add_parser(
        "embed",
        help="embed the archive for English-Arabic matching (needs the multilingual extra)",
        description="Embed every archived passage and post that the cross-language index lacks, with a progress "
        "bar. Stopped, it goes on where it was next time. The bot does the same in the background.",
    )
    embed.add_argument("--quiet", action="store_true", help="no progress bar")
    embed.set_defaults(handler=cmd_embed)

    suggest = alias_actions.add_parser(
        "suggest",
        help="propose names written in both scripts in the same sources",
        description="List names that appear in Latin and Arabic letters in the same sources (transliterations "
        "of places, groups, people) and that the alias table does not join yet, with the command that adds each.",
    )
    suggest.add_argument("--min-sources", type=int, default=1, metavar="N", help="found in N sources or more")
    suggest.add_argument("--limit", type=int, default=50, metavar="N", help="at most N suggestions (default 50)")
    suggest.add_argument("--json", action="store_true", help="JSON lines output")
    suggest.set_defaults(handler=cmd_alias_suggest)


def cmd_embed(ctx: Context) -> int:
    from verifiers import embeddings

    if not embeddings.available():
        raise CliError(embeddings.MISSING)
    from tqdm import tqdm

    embeddings.configure(threads=2)  # a foreground job: both cores (this process forks no workers)

    from verifiers.dense import DenseIndexBusy

    logging.getLogger("isnad.embed").setLevel(logging.WARNING)  # the bar says it
    service = ctx.open_service(index=True)
    try:
        backfill = service.verifier.crosslang.make_backfill()
        assert backfill is not None
        bar = tqdm(total=0, unit=" passages", disable=ctx.args.quiet or None, file=sys.stderr, smoothing=0.05)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            done = backfill.run(progress)
        except KeyboardInterrupt:
            backfill.dense.save()  # what was embedded is kept: the next run goes on from there
            bar.close()
            raise
        bar.close()
        dense = backfill.dense
        ctx.out.write(f"Embedded {done} passages and posts; the cross-language index holds {len(dense)}.\n")
    except DenseIndexBusy as exc:
        raise CliError(f"{exc} (the bot embeds in the background; try again when it is done)") from None
    finally:
        service.close()
    return EXIT_OK


def cmd_alias_suggest(ctx: Context) -> int:
    from verifiers.alias_suggest import suggest

    if ctx.args.min_sources < 1 or ctx.args.limit < 1:
        raise CliError("--min-sources and --limit must be 1 or more")
    table = load_aliases_for(ctx)
    service = ctx.open_service()
    try:
        found = suggest(service.sources(), table, min_sources=ctx.args.min_sources)[:ctx.args.limit]
    finally:
        service.close()
    if ctx.args.json:
        for s in found:
            ctx.emit_json({"latin": s.latin, "arabic": s.arabic, "sources": s.sources})
        return EXIT_OK
    if not found:
        ctx.out.write("No new names found in both scripts in the same sources.\n")
        return EXIT_OK
    for s in found:
        where = f"{s.count} source{'s' if s.count > 1 else ''}"
        concept = "_".join(s.latin.lower().replace("-", " ").replace("'", "").split())
        ctx.out.write(f"{s.latin}  =  {s.arabic}   ({where}: {', '.join(s.sources[:3])})\n"
                      f"    isnad alias add {concept} \"{s.latin}\" \"{s.arabic}\" --kind place|group|person|event\n")
    return EXIT_OK
