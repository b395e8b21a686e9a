"""The `isnad` command line: the same jobs as the bot, for scripts and bulk work.

Its JSON output is a contract (see README): scripts and independent evaluation
parse it, so keys change only with a version bump.
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TextIO

from bot.config import ConfigError
from storage.errors import ArchiveError
from storage.store import ArchiveStore

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 1."""


def _version() -> str:
    try:
        return version("isnad-bot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


# --- shared plumbing -------------------------------------------------------------


@dataclass
class Context:
    args: argparse.Namespace
    out: TextIO

    def open_store(self) -> ArchiveStore:
        from storage.backends import is_postgres_url
        from storage.backends import open_store as open_url
        from storage.sample import open_store

        target = self.args.db or os.environ.get("ISNAD_DB") or self.config.storage.url or self.config.storage_path
        if is_postgres_url(target):
            return open_url(target)
        return open_store(Path(target).expanduser() if target else None)

    @cached_property
    def config(self):
        from bot.config import load_config

        return load_config(self.args.config)

    def emit_json(self, data: Any) -> None:
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")


def _read_jsonl(path: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Yield (line number, object or None, error) for each non-blank line."""
    stream = sys.stdin if path == "-" else _open_text(path)
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, None, f"line {number}: not valid JSON ({exc.msg})"
                continue
            if not isinstance(obj, dict):
                yield number, None, f"line {number}: expected a JSON object"
                continue
            yield number, obj, ""


def _open_text(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8", errors="strict")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def _warn(message: str) -> None:
    print(f"isnad: {message}", file=sys.stderr)


# --- ingest ----------------------------------------------------------------------


def cmd_ingest(ctx: Context) -> int:
    from bot.render import render_ingest

    urls = [p for p in ctx.args.paths if p.startswith(("http://", "https://"))]
    paths = [p for p in ctx.args.paths if p not in urls]
    store = ctx.open_store()
    try:
        report = _ingest_files(ctx, store, paths)
        if urls:
            fetched = _ingest_urls(ctx, store, urls)
            report.added.extend(fetched.added)
            report.skipped.extend(fetched.skipped)
        if report.added:
            _update_index(ctx, store)
    finally:
        store.close()
    ctx.out.write(render_ingest(report))
    return EXIT_OK if report.added or not report.skipped else EXIT_ERROR


def _ingest_files(ctx: Context, store: ArchiveStore, paths: list[str]):
    from storage.ingest import IngestReport, ingest_paths

    if not paths:
        return IngestReport()
    with _progress_bar() as progress:
        return ingest_paths(store, paths, fmt=ctx.args.format, by=_whoami(), progress=progress)


def _ingest_urls(ctx: Context, store: ArchiveStore, urls: list[str]):
    """Fetch pages through the safe fetcher (SSRF checks, size and time limits)."""
    from storage.fetch import ingest_urls

    return asyncio.run(ingest_urls(store, urls, settings=ctx.config.fetch_settings(), by=_whoami()))


class _progress_bar:
    """A tqdm bar on a terminal; nothing when stderr is piped."""

    def __enter__(self) -> Callable[[int, int], None] | None:
        self.bar = None
        if not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        def update(done: int, total: int) -> None:
            if self.bar is None:
                self.bar = tqdm(total=total, unit="file", file=sys.stderr, leave=False)
            self.bar.n = done
            self.bar.refresh()

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _update_index(ctx: Context, store: ArchiveStore) -> None:
    """Index what was just written, so the next verify or bot start does no indexing."""
    from verifiers.engine import update_index

    _load_aliases(ctx)  # the saved index is built with the moderators' names too
    update_index(store)


def _whoami() -> str:
    """Who to record in the audit trail: the account running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (some containers)
        return "cli:unknown"


# --- verify ----------------------------------------------------------------------


def cmd_verify(ctx: Context) -> int:
    args = ctx.args
    if args.batch and args.claim:
        raise CliError("give either a CLAIM or --batch FILE, not both")
    if not args.batch and not args.claim:
        raise CliError("nothing to verify: give a CLAIM or --batch FILE")
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    verifier = _verifier(ctx)
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


def _verifier(ctx: Context):
    from verifiers.engine import Verifier

    _load_aliases(ctx)
    store = ctx.open_store()
    threshold = ctx.config.match_threshold
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
    limit = ctx.config.max_claim_chars
    if not claim.strip():
        raise CliError("the claim is empty")
    if len(claim) > limit:
        raise CliError(f"the claim is {len(claim)} characters long; the limit is {limit}")


BATCH_CHUNK = 256  # lines verified together: big enough to share between workers, small enough to stream


def _verify_batch(ctx: Context, verifier) -> int:
    """JSONL in, JSONL out, same order; a bad line gets an error object, not a gap."""
    failures = 0
    for chunk in _chunked(_read_jsonl(ctx.args.batch), BATCH_CHUNK):
        for row in _verify_chunk(ctx, verifier, chunk):
            failures += "error" in row
            ctx.emit_json(row)
    return EXIT_ERROR if failures else EXIT_OK


def _verify_chunk(ctx: Context, verifier, chunk: list[tuple[int, dict | None, str]]) -> list[dict[str, Any]]:
    """Plain claims go to verify_many together; claims with tweet links one by one."""
    from verifiers.tweet_links import tweet_links

    checked = [(obj, _batch_error(number, obj, error)) for number, obj, error in chunk]
    plain = [obj["text"] for obj, error in checked if not error and not tweet_links(obj["text"])]
    reports = iter(verifier.verify_many(plain, limit=ctx.args.limit, min_score=ctx.args.min_score))
    rows = []
    for obj, error in checked:
        if error:
            _warn(error)
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
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- sources ---------------------------------------------------------------------


def cmd_sources(ctx: Context) -> int:
    from bot import render

    store = ctx.open_store()
    try:
        action = ctx.args.action
        if action == "list":
            sources = list(store.sources())
            if ctx.args.json:
                ctx.emit_json([render.source_summary_json(s) for s in sources])
            else:
                ctx.out.write(render.render_source_list(sources))
        elif action == "show":
            source = _get_source(store, ctx.args.id)
            if ctx.args.json:
                ctx.emit_json(render.source_detail_json(source))
            else:
                ctx.out.write(render.render_source(source, store.events(source.id)))
        elif action == "remove":
            removed = store.remove(ctx.args.id, by=_whoami())
            if removed is None:
                raise CliError(f"no source with id {ctx.args.id!r}")
            _update_index(ctx, store)
            ctx.out.write(f"Removed {removed.id}: {removed.title or '(untitled)'}\n")
    finally:
        store.close()
    return EXIT_OK


def _get_source(store: ArchiveStore, source_id: str):
    source = store.get(source_id)
    if source is None:
        raise CliError(f"no source with id {source_id!r}")
    return source


# --- stance ----------------------------------------------------------------------


def cmd_stance(ctx: Context) -> int:
    from verifiers.stance import classify

    failures = 0
    for number, obj, error in _read_jsonl(ctx.args.batch):
        if obj is not None and not (isinstance(obj.get("claim"), str) and isinstance(obj.get("text"), str)):
            error = f"line {number}: \"claim\" and \"text\" must be strings"
        if error:
            failures += 1
            _warn(error)
            ctx.emit_json({"id": obj.get("id") if obj else None, "error": error})
            continue
        stance, reason = classify(obj["claim"], obj["text"])
        ctx.emit_json({"id": obj.get("id"), "stance": stance, "reason": reason})
    return EXIT_ERROR if failures else EXIT_OK


# --- aliases ---------------------------------------------------------------------


def _load_aliases(ctx: Context):
    """The shipped table plus the moderators' additions, made the default for matching."""
    from verifiers.aliases import load_aliases

    try:
        return load_aliases(ctx.config.aliases_path())
    except ValueError as exc:
        raise CliError(str(exc)) from exc


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
    table = _load_aliases(ctx)
    for concept in table.concepts.values():
        ctx.out.write(f"{concept.id} ({concept.kind}): {' | '.join(concept.names)}\n")
    return EXIT_OK


# --- migrate ---------------------------------------------------------------------


def cmd_migrate(ctx: Context) -> int:
    from storage.migrate import migrate_between

    report = migrate_between(ctx.args.src, ctx.args.dst)
    if ctx.args.json:
        ctx.emit_json(report.to_json())
    else:
        ctx.out.write(report.summary() + "\n")
    return EXIT_OK if report.ok else EXIT_ERROR


# --- run (Discord) and chat ------------------------------------------------------


def cmd_run(ctx: Context) -> int:
    from bot.discord.run import run_bot

    return run_bot(ctx.args.config)


def cmd_chat(ctx: Context) -> int:
    from bot.chat import chat

    return chat(_verifier(ctx), sys.stdin, ctx.out)


# --- the parser ------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isnad",
        description="Find where a claim already appears in the archive, when, and who tells it differently.",
    )
    parser.add_argument("--version", action="version", version=f"isnad {_version()}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="the archive: a file, or a postgresql:// URL (default: $ISNAD_DB, else the config's storage, "
        "else a file in your data directory that starts with the bundled sample; a new explicit path starts empty)",
    )
    parser.add_argument(
        "--config", metavar="PATH", type=Path, help="a config file (format: config.example.toml)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ingest = sub.add_parser(
        "ingest",
        help="add sources from files or web pages",
        description="Add sources from files (text, JSONL, HTML, PDF) or http(s) URLs of articles.",
    )
    ingest.add_argument(
        "--format", default="auto", choices=_formats(), help="input format (default: by extension and content)"
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH|URL", help="files, folders or article URLs to import")
    ingest.set_defaults(handler=cmd_ingest)

    verify = sub.add_parser(
        "verify", help="verify a claim against the archive", description="Verify a claim against the archive."
    )
    verify.add_argument("claim", nargs="*", metavar="CLAIM", help="a quoted claim, a pasted tweet or a tweet link")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.add_argument("--batch", metavar="FILE", help='JSONL of {"id", "text"} ("-" for stdin); JSONL out')
    verify.add_argument("--limit", type=int, default=5, metavar="N", help="at most N matches (default 5)")
    verify.add_argument(
        "--min-score",
        type=float,
        default=None,
        metavar="S",
        help="keep matches scoring at least S (0-100; default: the configured threshold; 0 keeps the top N)",
    )
    verify.set_defaults(handler=cmd_verify)

    sources = sub.add_parser("sources", help="list, show or remove sources", description="Manage archived sources.")
    actions = sources.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list sources")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    show = actions.add_parser("show", help="show one source with its passages and posts")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="print JSON")
    remove = actions.add_parser("remove", help="remove a source")
    remove.add_argument("id")
    sources.set_defaults(handler=cmd_sources)

    stance = sub.add_parser(
        "stance",
        help="classify the stance of texts toward claims",
        description='Classify stance: JSONL {"id","claim","text"} in, {"id","stance","reason"} out.',
    )
    stance.add_argument("--json", action="store_true", help="JSON lines output (the only format)")
    stance.add_argument("--batch", metavar="FILE", required=True, help='JSONL input ("-" for stdin)')
    stance.set_defaults(handler=cmd_stance)

    alias = sub.add_parser(
        "alias",
        help="list or extend the table of names (places, groups, people, events)",
        description="The alias table lets an English claim find Arabic sources and the reverse. "
        "Additions go to a file of your own (matching.aliases_file, default aliases.toml in your data directory).",
    )
    alias_actions = alias.add_subparsers(dest="action", metavar="ACTION", required=True)
    alias_actions.add_parser("list", help="list every concept with its names")
    alias_add = alias_actions.add_parser("add", help="add names to a concept (or a new concept)")
    alias_add.add_argument("concept", help="the concept id, e.g. deir_ezzor")
    alias_add.add_argument("names", nargs="+", metavar="NAME", help="names or spellings, Arabic or English")
    alias_add.add_argument("--kind", choices=["place", "group", "person", "event"], help="needed for a new concept")
    alias.set_defaults(handler=cmd_alias)

    migrate = sub.add_parser(
        "migrate",
        help="copy an archive between backends (TinyDB file <-> PostgreSQL) and verify the copy",
        description="Copy every source, event and setting, then check counts and hashes on both sides.",
    )
    migrate.add_argument(
        "--from", dest="src", required=True, metavar="ARCHIVE",
        help="the archive to copy: a file path, tinydb://PATH or postgresql://USER@HOST/DB",
    )
    migrate.add_argument(
        "--to", dest="dst", required=True, metavar="ARCHIVE", help="an empty or new archive to copy into (same forms)"
    )
    migrate.add_argument("--json", action="store_true", help="print the report as JSON")
    migrate.set_defaults(handler=cmd_migrate)

    run = sub.add_parser("run", help="run the Discord bot", description="Run the Discord bot.")
    run.set_defaults(handler=cmd_run)

    chat = sub.add_parser("chat", help="verify claims interactively in the terminal")
    chat.set_defaults(handler=cmd_chat)
    return parser


def _formats() -> list[str]:
    from storage.importers import FORMATS

    return ["auto", *FORMATS]


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    ctx = Context(args=args, out=out or sys.stdout)
    try:
        return args.handler(ctx)
    except (CliError, ArchiveError, ConfigError) as exc:
        _warn(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `isnad ... | head` closed the pipe: not an error
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
