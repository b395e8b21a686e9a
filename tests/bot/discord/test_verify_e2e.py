"""/verify, the message menu and errors, end to end against the fake Discord."""
from __future__ import annotations

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"


async def test_verify_defers_then_names_the_seed_tweet_and_its_date(harness):
    call = await harness.slash("verify", [{"type": 3, "name": "claim", "value": SEED_CLAIM}])
    reply = await call.reply(("followup",))
    first = call.sent[0]
    assert first.kind == "callback" and first.body["type"] == 5  # deferred before any work
    text = reply.text()
    assert "@mohsarmini" in text
    assert "2014-02-10" in text
    assert not reply.ephemeral
