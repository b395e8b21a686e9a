"""A terminal chat: type a claim, read the report, repeat.

For team members without Discord at hand, and for trying claims quickly.
"""
from __future__ import annotations

from typing import TextIO

from bot.render import render_report

PROMPT = "claim> "
GREETING = "Isnad: type a claim, a pasted tweet or a tweet link. An empty line or Ctrl-D quits.\n"


def chat(verifier, stdin: TextIO, out: TextIO, *, limit: int = 5) -> int:
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
        out.write(render_report(verifier.verify(line.strip(), limit=limit)))
        out.write("\n")
        out.flush()
