"""A terminal chat: type a claim, read the report, repeat.

For team members without Discord at hand, and for trying claims quickly. It
goes through the application service like every front end: the claim policy
(empty, too long), then verification with tweet and t.co links followed.

On a terminal it reads with prompt_toolkit: line editing (arrow keys move the
cursor instead of becoming part of the claim), a history kept across sessions,
and bracketed paste, so a pasted tweet with blank lines in it is one claim
(it is not sent line by line to the shell after the chat ends). Enter sends,
Ctrl-D (or "quit") leaves, Ctrl-C clears the line. From a pipe (scripts,
tests) each non-empty line is a claim, blank lines are skipped, and the end
of the input ends the chat.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.app.policy import ClaimRefused
from bot.render import render_report

if TYPE_CHECKING:
    from bot.app.service import IsnadService
    from storage.fetch import FetchSettings

PROMPT = "claim> "
GREETING = ("Isnad: type or paste a claim, a tweet or a tweet link, then Enter. "
            "Arrow keys edit and recall earlier claims; Ctrl-D leaves.\n")
QUIT_WORDS = {"quit", "exit", ":q"}


def chat(service: IsnadService, stdin: TextIO, out: TextIO, *, limit: int = 5,
         fetch: FetchSettings | None = None, session: Any = None) -> int:
    """`fetch=None` keeps it offline: links are looked up in the archive only.
    `session` is a prompt_toolkit PromptSession (made here for a terminal)."""
    if session is None and stdin.isatty() and out.isatty():
        session = make_session()
    if session is not None:
        out.write(GREETING)
        out.flush()
        claims = _prompted(session)
    else:
        claims = (line.strip() for line in stdin if line.strip())
    for claim in claims:
        _answer(service, claim, out, limit, fetch)
    return 0


def _prompted(session: Any) -> Any:
    while True:
        try:
            text = session.prompt(PROMPT)
        except KeyboardInterrupt:  # Ctrl-C: drop the line, keep chatting
            continue
        except EOFError:  # Ctrl-D
            return
        claim = text.strip()
        if claim.casefold() in QUIT_WORDS:
            return
        if claim:
            yield claim


def _answer(service: IsnadService, claim: str, out: TextIO, limit: int, fetch: FetchSettings | None) -> None:
    try:
        service.check_claim(claim)
    except ClaimRefused as refused:
        out.write(f"isnad: {refused}\n")
        out.flush()
        return
    out.write(render_report(service.verify_claim_now(claim, fetch, limit=limit)))
    out.write("\n")
    out.flush()


def history_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("isnad")) / "chat_history"


def make_session(**options: Any) -> Any:
    """A prompt_toolkit session: single-line editing where a paste (with its
    blank lines) is inserted whole, and a history file in the data directory."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    history: Any
    try:
        path = history_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        history = FileHistory(str(path))
    except OSError:  # a read-only home: history for this session only
        history = InMemoryHistory()
    options.setdefault("history", history)
    return PromptSession(multiline=False, enable_history_search=False, **options)
