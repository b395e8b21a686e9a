"""`isnad run` as a real process: it connects to the fake Discord (through the
test-only ISNAD_DISCORD_API_BASE / ISNAD_DISCORD_GATEWAY variables), answers
a /verify, and on SIGTERM shuts down cleanly (scheduler stopped, exit 0, no
traceback), never printing or logging its token."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.bot.discord.harness import Harness, write_config

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "FAKE-TOKEN-isnad-run-test-7d1e5b.Zq9"
SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"


async def test_isnad_run_answers_then_stops_cleanly_on_sigterm(fake, seeded_archive, tmp_path):
    log_file = tmp_path / "isnad.log"
    config = write_config(tmp_path, seeded_archive,
                          extra=f'\n[logging]\nlevel = "DEBUG"\nfile = "{log_file}"\n')
    env = dict(os.environ, ISNAD_DISCORD_TOKEN=TOKEN, PYTHONUNBUFFERED="1",
               ISNAD_DISCORD_API_BASE=f"{fake.base}/api/v10",
               ISNAD_DISCORD_GATEWAY=f"ws://127.0.0.1:{fake.port}/gw/")
    env.pop("ISNAD_DB", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    output = asyncio.ensure_future(process.communicate())
    try:
        await fake.wait_for(lambda: fake.ready.is_set() or output.done(), timeout=30)
        assert not output.done(), (await output)[1].decode()[-3000:]
        call = await Harness(fake, None).slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
        reply = await call.reply(("followup",), timeout=20)
        assert "@mohsarmini" in reply.text()

        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(output, timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stdout, stderr = out.decode(), err.decode()
    logged = log_file.read_text(encoding="utf-8")
    assert process.returncode == 0, stderr[-3000:]
    assert "Traceback" not in stderr and "Traceback" not in logged
    assert "Scheduler has been shut down" in logged  # the digest scheduler was stopped
    assert "stopped" in logged.splitlines()[-1]
    for text in (stdout, stderr, logged):
        assert TOKEN not in text
        assert TOKEN.split(".")[0] not in text  # not even in part


def test_the_test_endpoints_must_be_local(tmp_path, capsys):
    import discord

    from bot.discord.run import run_bot

    before = discord.http.Route.BASE
    config = write_config(tmp_path, tmp_path / "archive.json")
    env = {"ISNAD_DISCORD_TOKEN": TOKEN, "ISNAD_DISCORD_API_BASE": "https://discord.example.net/api/v10",
           "ISNAD_DISCORD_GATEWAY": "wss://discord.example.net/gw/"}
    assert run_bot(config, env=env) == 2
    err = capsys.readouterr().err
    assert "ISNAD_DISCORD_API_BASE is for tests" in err and TOKEN not in err
    assert discord.http.Route.BASE == before  # nothing was redirected


async def test_isnad_run_says_in_one_line_when_discord_cannot_be_reached(seeded_archive, tmp_path):
    import socket

    with socket.socket() as probe:  # a local port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, seeded_archive)
    env = dict(os.environ, ISNAD_DISCORD_TOKEN=TOKEN, ISNAD_DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
               ISNAD_DISCORD_GATEWAY=f"ws://127.0.0.1:{port}/gw/")
    env.pop("ISNAD_DB", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), "run", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    stderr = err.decode()
    assert process.returncode == 1
    assert "Traceback" not in stderr
    problems = [line for line in stderr.splitlines() if line.startswith("isnad run:")]
    assert len(problems) == 1 and "cannot reach Discord" in problems[0], stderr
    assert TOKEN not in stderr + out.decode()
