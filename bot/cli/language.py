"""The language knowledge behind matching: `isnad stance` and `isnad alias`."""
from __future__ import annotations

from bot.cli.context import EXIT_ERROR, EXIT_OK, CliError, Context, line_id, load_aliases_for, read_jsonl, warn


def cmd_stance(ctx: Context) -> int:
    """JSONL in, JSONL out, in step; a bad line gets {"id", "error"} and the rest go on."""
    from verifiers.meaning import pair_vectors
    from verifiers.stance import classify

    failures = 0
    for number, obj, error in read_jsonl(ctx.args.batch):
        strings = obj is not None and isinstance(obj.get("claim"), str) and isinstance(obj.get("text"), str)
        if not error and obj is not None and not strings:
            error = f"line {number}: \"claim\" and \"text\" must be strings"
        if not error and obj is not None:
            try:
                # with the multilingual extra, the model that also reads both texts' meaning
                stance, reason = classify(obj["claim"], obj["text"], pair_vectors(obj["claim"], obj["text"]))
            except (ValueError, RecursionError, MemoryError) as exc:
                error = f"line {number}: could not classify this pair ({' '.join(str(exc).split())[:200]})"
        if error or obj is None:
            failures += 1
            warn(error)
            ctx.emit_json({"id": line_id(obj), "error": error})
            continue
        ctx.emit_json({"id": line_id(obj), "stance": stance, "reason": reason})
    return EXIT_ERROR if failures else EXIT_OK


def cmd_alias(ctx: Context) -> int:
    from verifiers.aliases import add_alias

    path = ctx.config.aliases_path()
    if ctx.args.action == "add":
        try:
            add_alias(path, ctx.args.concept, ctx.args.names, kind=ctx.args.kind)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        ctx.out.write(f"Added {', '.join(ctx.args.names)} to {ctx.args.concept} in {path}\n")
        return EXIT_OK
    table = load_aliases_for(ctx)
    for concept in table.concepts.values():
        ctx.out.write(f"{concept.id} ({concept.kind}): {' | '.join(concept.names)}\n")
    return EXIT_OK
