"""What every command shares: the parsed arguments, the archive, the config,
one-line errors and JSONL input."""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TextIO

from storage.store import ArchiveStore

EXIT_OK, EXIT_ERROR = 0, 1


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 1."""


@dataclass
class Context:
    args: argparse.Namespace
    out: TextIO

    def open_store(self) -> ArchiveStore:
        from storage.sample import open_archive

        return open_archive(self.args.db or os.environ.get("ISNAD_DB") or self.config.storage.url or self.config.storage.path)

    @cached_property
    def config(self):
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


def load_aliases_for(ctx: Context):
    """The shipped table plus the moderators' additions, made the default for matching."""
    from verifiers.aliases import load_aliases

    try:
        return load_aliases(ctx.config.aliases_path())
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def update_index_for(ctx: Context, store: ArchiveStore) -> None:
    """Index what was just written, so the next verify or bot start does no indexing."""
    from verifiers.engine import update_index

    load_aliases_for(ctx)  # the saved index is built with the moderators' names too
    update_index(store)
