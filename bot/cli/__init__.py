"""The `isnad` command line: the same jobs as the bot, for scripts and bulk work.

Its JSON output is a contract (see README): scripts and independent evaluation
parse it, so keys change only with a version bump.
"""
from bot.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
