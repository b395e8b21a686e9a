"""`isnad run [--config PATH]`: run the Discord bot until SIGTERM or Ctrl-C."""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import discord

from bot.config import Config, ConfigError, load_config

log = logging.getLogger("isnad.run")


class _Redact(logging.Filter):
    """Belt and braces: the token never reaches a log line, whoever logs it."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        if self.secret in record.getMessage():
            record.msg, record.args = record.getMessage().replace(self.secret, "[token]"), ()
        # A traceback is formatted after the filters ran, from exc_info; format
        # it here (the formatter then reuses exc_text) so it is redacted too.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.secret in record.exc_text:
            record.exc_text = record.exc_text.replace(self.secret, "[token]")
        if record.stack_info and self.secret in record.stack_info:
            record.stack_info = record.stack_info.replace(self.secret, "[token]")
        return True


def setup_logging(config: Config) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if config.logging.file:
        handlers.append(logging.FileHandler(config.logging.file, encoding="utf-8"))
    redact = _Redact(config.token.reveal())
    for handler in handlers:
        handler.addFilter(redact)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=config.logging.level.upper(), handlers=handlers, force=True)


async def serve(config: Config, *, stop: asyncio.Event | None = None, bot: Any = None,
                handle_signals: bool = True, **bot_options: Any) -> None:
    """Run the bot until `stop` is set (or SIGTERM/SIGINT), then shut down
    cleanly: the scheduler stops and the stores are flushed (IsnadBot.close)."""
    from bot.discord.client import IsnadBot

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT) if handle_signals else ():
        try:
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            pass
    bot = bot or IsnadBot(config, **bot_options)
    try:
        async with bot:
            runner = asyncio.create_task(bot.start(config.token.reveal()))
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if runner in done:
                stopper.cancel()
                runner.result()  # re-raise a login or connection failure
            else:
                log.info("stopping")
                await bot.close()
                await asyncio.wait_for(runner, timeout=10)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


TEST_API_ENV, TEST_GATEWAY_ENV = "ISNAD_DISCORD_API_BASE", "ISNAD_DISCORD_GATEWAY"


def use_test_endpoints(env: Mapping[str, str]) -> bool:
    """TESTS ONLY: point discord.py at a local fake Discord (tests/bot/discord/
    fake_discord.py) instead of discord.com, so `isnad run` itself can be
    tested end to end:
        ISNAD_DISCORD_API_BASE=http://127.0.0.1:PORT/api/v10
        ISNAD_DISCORD_GATEWAY=ws://127.0.0.1:PORT/gw/
    Only loopback addresses are accepted, so these variables can never send
    the bot's token to another machine. Returns True when they were applied."""
    api, gateway = env.get(TEST_API_ENV, ""), env.get(TEST_GATEWAY_ENV, "")
    if not api and not gateway:
        return False
    import yarl

    for name, value in ((TEST_API_ENV, api), (TEST_GATEWAY_ENV, gateway)):
        host = yarl.URL(value).host if value else None
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(f"{name} is for tests against a local fake Discord: it must point at 127.0.0.1")
    discord.http.Route.BASE = api.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    return True


def _reason(exc: BaseException) -> str:
    """The innermost cause, in a few words (aiohttp wraps the OS error)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        inner = exc.__cause__ or exc.__context__
        assert inner is not None
        exc = inner
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:200]


def run_bot(config_path: Path | None, *, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    try:
        config = load_config(config_path, env=env)
        testing = use_test_endpoints(env)
    except ConfigError as exc:
        print(f"isnad run: {exc}", file=sys.stderr)
        return 2
    setup_logging(config)
    if testing:
        log.warning("talking to a test Discord at %s (%s is set)", discord.http.Route.BASE, TEST_API_ENV)
    if not config.token:
        print("isnad run: no Discord token: set ISNAD_DISCORD_TOKEN, or ISNAD_TOKEN_FILE / [discord] token_file",
              file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(config))
    except discord.LoginFailure:
        print("isnad run: Discord refused the token (check ISNAD_DISCORD_TOKEN)", file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print("isnad run: mentions need the Message Content intent: enable it in the Developer Portal "
              "or set [discord] mention_enabled = false", file=sys.stderr)
        return 1
    except (OSError, aiohttp.ClientError, discord.GatewayNotFound, discord.ConnectionClosed) as exc:
        # No network, DNS failure, a proxy or firewall: one line, not a traceback.
        print(f"isnad run: cannot reach Discord ({discord.http.Route.BASE}): {_reason(exc)}; "
              "check the network connection and try again", file=sys.stderr)
        return 1
    except discord.HTTPException as exc:
        print(f"isnad run: Discord answered {exc.status} at start: {exc.text or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    log.info("stopped")
    return 0
