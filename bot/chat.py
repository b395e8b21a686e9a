"""A terminal chat: type a claim, read the report, repeat.

For team members without Discord at hand, and for trying claims quickly. It
goes through the application service like every front end: the claim policy
(empty, too long), then verification with tweet and t.co links followed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from bot.app.policy import ClaimRefused
from bot.render import render_report

if TYPE_CHECKING:
    from bot.app.service import IsnadService
    from storage.fetch import FetchSettings

PROMPT = "claim> "
GREETING = "Isnad: type a claim, a pasted tweet or a tweet link. An empty line or Ctrl-D quits.\n"


def chat(service: IsnadService, stdin: TextIO, out: TextIO, *, limit: int = 5,
         fetch: FetchSettings | None = None) -> int:
    """`fetch=None` keeps it offline: links are looked up in the archive only."""
    interactive = stdin.isatty()
    if interactive:
        out.write(GREETING)
    while True:
        if interactive:
            out.write(PROMPT)
            out.flush()
        line = stdin.readline()
        if not line or not line.strip():
            return 0
        claim = line.strip()
        try:
            service.check_claim(claim)
        except ClaimRefused as refused:
            out.write(f"isnad: {refused}\n")
            out.flush()
            continue
        out.write(render_report(service.verify_claim_now(claim, fetch, limit=limit)))
        out.write("\n")
        out.flush()
