"""What every command shares: the parsed arguments, the application service,
the config, one-line errors and JSONL input."""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO

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
    """Yield (line number, object or None, error) for each non-blank line."""
    stream = sys.stdin if path == "-" else open_text(path)
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


def open_text(path: str) -> TextIO:
    try:
        return open(path, encoding="utf-8", errors="strict")
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
