"""What every command shares: the parsed arguments, the application service,
the config, one-line errors and JSONL input."""
from __future__ import annotations

import argparse
import codecs
import getpass
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

if TYPE_CHECKING:
    from bot.app.service import IsnadService
    from bot.config import Config

EXIT_OK, EXIT_ERROR = 0, 1


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 1."""


@dataclass
class Context:
    args: argparse.Namespace
    out: TextIO

    def open_service(self, *, index: bool = False) -> IsnadService:
        """The archive named by --db, $ISNAD_DB or the config (bot.app.archive).
        `index`: load the search index now (verifying), else when a write needs it."""
        from bot.app.service import IsnadService

        return IsnadService.open(self.config, self.args.db, index=index)

    @cached_property
    def config(self) -> Config:
        from bot.config import load_config

        return load_config(self.args.config)

    def emit_json(self, data: Any) -> None:
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")


def read_jsonl(path: str) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Yield (line number, object or None, error) for each non-blank line.

    A bad line costs only itself: bytes that are not UTF-8, JSON that is
    invalid or nested too deeply, something other than an object, or a lone
    surrogate (\\ud800, which is not text and cannot be written back out) give
    that line an error and the next line is read. The file is read as bytes,
    so a bad byte does not end the whole stream."""
    stream = sys.stdin.buffer if path == "-" else open_binary(path)
    with stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw.strip():
                continue
            yield number, *_parse_line(number, raw)


def _parse_line(number: int, raw: bytes) -> tuple[dict[str, Any] | None, str]:
    from storage.importers.jsonl import has_lone_surrogate, parse_line

    obj, reason = parse_line(raw)
    if reason:
        return None, f"line {number}: {reason}"
    if not isinstance(obj, dict):
        return None, f"line {number}: expected a JSON object"
    if has_lone_surrogate(obj):
        return obj, f"line {number}: contains a lone surrogate (such as \\ud800), which is not text"
    return obj, ""


def line_id(obj: dict[str, Any] | None) -> Any:
    """The "id" to echo in a batch answer: a string or number as given, else null
    (an id that is an object, or holds a lone surrogate, cannot be echoed)."""
    value = obj.get("id") if obj else None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    from storage.importers.jsonl import has_lone_surrogate

    if isinstance(value, str) and has_lone_surrogate(value):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def open_binary(path: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from exc


def warn(message: str) -> None:
    print(f"isnad: {message}", file=sys.stderr)


def whoami() -> str:
    """Who to record in the audit trail: the account running the command."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (some containers)
        return "cli:unknown"


def load_aliases_for(ctx: Context) -> Any:
    """The shipped table plus the moderators' additions, made the default for matching."""
    from verifiers.aliases import load_aliases

    try:
        return load_aliases(ctx.config.aliases_path())
    except ValueError as exc:
        raise CliError(str(exc)) from exc
