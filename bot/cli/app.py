"""The `isnad` argument parser and entry point."""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TextIO

from bot.cli.archive import cmd_ingest, cmd_migrate, cmd_sources
from bot.cli.context import EXIT_ERROR, EXIT_OK, CliError, Context, warn
from bot.cli.embed import register as register_embed
from bot.cli.language import cmd_alias, cmd_stance
from bot.cli.verify import cmd_chat, cmd_verify
from bot.config import ConfigError
from storage.errors import ArchiveError


def _version() -> str:
    try:
        return version("isnad-bot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def cmd_run(ctx: Context) -> int:
    from bot.discord.run import run_bot

    return run_bot(ctx.args.config)


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
    verify.add_argument(
        "--image", metavar="PATH",
        help="a screenshot of the claim (PNG, JPEG or WebP), e.g. of a tweet: read with OCR (needs Tesseract)",
    )
    verify.add_argument("--limit", type=int, default=5, metavar="N", help="at most N matches (default 5)")
    verify.add_argument(
        "--min-score",
        type=float,
        default=None,
        metavar="S",
        help="keep matches scoring at least S (0-100; default: the language's possible cut; 0 keeps the top N)",
    )
    verify.add_argument(
        "--all-passages",
        action="store_true",
        help="every matching passage and post (default: one per source and kind, its best passage)",
    )
    verify.add_argument("--offline", action="store_true",
                        help="never go to the web: tweet and t.co links are looked up in the archive only")
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
    register_embed(sub, alias_actions)  # `isnad embed`, `isnad alias suggest` (bot/cli/embed.py)

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

    run = sub.add_parser("run", help="run the Discord bot", description="Run the Discord bot until SIGTERM or Ctrl-C.")
    # Also accepted after `run`, as `isnad run --config PATH`; SUPPRESS keeps the global one otherwise.
    run.add_argument("--config", metavar="PATH", type=Path, default=argparse.SUPPRESS, help="a config file")
    run.set_defaults(handler=cmd_run)

    chat = sub.add_parser("chat", help="verify claims interactively in the terminal")
    chat.add_argument("--offline", action="store_true", help="never go to the web (links: the archive only)")
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
        warn(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `isnad ... | head` closed the pipe: not an error
        return EXIT_OK
