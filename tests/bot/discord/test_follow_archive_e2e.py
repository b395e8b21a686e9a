"""A bot on a TinyDB archive finds, within seconds, a source that `isnad
ingest` added from another process while the bot runs (issue 11: it did not
until restarted), and forgets one that `isnad sources remove` removed."""
from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

from tests.reliability.helpers import cli_command, cli_env

CLAIM = "انفجار سيارة مفخخة قرب جسر الميادين الحديدي"


async def _cli(home: Path, *argv: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *cli_command(*argv), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=cli_env(home),
        cwd=Path(__file__).resolve().parents[3],
    )
    out, err = await proc.communicate()
    assert b"Traceback" not in err, err.decode()
    return proc.returncode or 0, out.decode()


async def _verify_until(harness, wanted: bool, deadline: float) -> tuple[str, float]:
    started = time.monotonic()
    while True:
        call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": CLAIM}])
        text = (await call.reply(("followup",))).text()
        if ("الميادين" in text and "Nothing in the archive matches" not in text) == wanted:
            return text, time.monotonic() - started
        assert time.monotonic() - started < deadline, text
        await asyncio.sleep(0.2)


async def test_a_cli_ingest_while_the_bot_runs_is_found_by_verify(harness, seeded_archive, tmp_path):
    home = tmp_path / "cli-home"
    batch = tmp_path / "new.jsonl"
    batch.write_text(json.dumps({"id": "bridge-1", "title": "جسر الميادين", "text": CLAIM + " صباح اليوم."},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    first = await harness.slash("verify", [{"type": 3, "name": "claim", "value": CLAIM}])
    assert "Nothing in the archive matches" in (await first.reply(("followup",))).text()

    code, out = await _cli(home, "--db", str(seeded_archive), "ingest", str(batch))
    assert code == 0 and "added bridge-1" in out
    text, found_after = await _verify_until(harness, True, deadline=10)
    assert "جسر الميادين" in text

    code, out = await _cli(home, "--db", str(seeded_archive), "sources", "remove", "bridge-1")
    assert code == 0
    _, gone_after = await _verify_until(harness, False, deadline=10)
    print(f"\nbot on TinyDB: a CLI ingest found by /verify after {found_after:.2f} s, "
          f"a removal after {gone_after:.2f} s")


async def test_the_bots_own_additions_still_reach_its_index_at_once(harness):
    """Its own writes now come back through the same watcher; /verify right
    after /source add must find the source (the service waits for the watcher)."""
    isnad = harness.bot.isnad
    assert isnad.service.shared and isnad.service.following
    from storage.records import Passage, Source

    outcome = await isnad.add_sources(
        [Source(id="", title="own", passages=[Passage("", 0, CLAIM + " مساء أمس.")])], by="test")
    assert outcome.added
    report = await isnad.verify_claim(CLAIM)
    assert report.matches and report.matches[0].source_id == outcome.added[0].id
