"""The application service every front end uses: the claim policy, links in
chat, the archive a user names, and adding/removing sources with the index."""
from __future__ import annotations

import io

import pytest

from bot.app.policy import ClaimRefused, PaceLimit
from bot.app.service import IsnadService
from bot.chat import chat
from bot.config import load_config
from storage.records import Passage, Source
from storage.sample import seed_sample
from storage.tinydb_store import TinyDBStore

SEED_CLAIM = "بعد هروب داعش من دير الزور قتلوا كل السجناء"


@pytest.fixture
def service(tmp_path):
    path = tmp_path / "archive.json"
    store = TinyDBStore(path)
    seed_sample(store)
    store.close()
    svc = IsnadService.open(load_config(None, env={}), str(path))
    try:
        yield svc
    finally:
        svc.close()


def test_the_claim_policy_refuses_empty_and_too_long_claims(service):
    limit = service.config.discord.max_claim_length
    with pytest.raises(ClaimRefused) as empty:
        service.check_claim("   ")
    assert empty.value.key == "error.empty"
    with pytest.raises(ClaimRefused) as long:
        service.check_claim("x" * (limit + 1))
    assert long.value.key == "error.too_long" and long.value.params == {"length": limit + 1, "limit": limit}
    assert service.check_claim(SEED_CLAIM) == 0  # a fine claim passes, at once


def test_pace_limit_queues_a_burst_instead_of_refusing_it():
    now = [100.0]
    pace = PaceLimit(member_per_minute=6, member_burst=5, server_per_minute=0, clock=lambda: now[0])
    waits = [pace.reserve("a") for _ in range(7)]
    assert waits[:5] == [0, 0, 0, 0, 0]  # the burst goes at once
    assert waits[5:] == [10, 20]  # then one every 10 s (6 a minute), in order
    assert pace.reserve("b") == 0  # another member is not held up
    now[0] += 60
    assert pace.reserve("a") == 0  # the bucket refilled


def test_the_server_bucket_paces_everyone_and_a_full_queue_is_refused():
    now = [0.0]
    pace = PaceLimit(member_per_minute=0, server_per_minute=60, server_burst=2, max_wait=5, clock=lambda: now[0])
    waits = [pace.reserve(member, "guild") for member in "abcdefg"]
    assert waits == [0, 0, 1, 2, 3, 4, 5]
    with pytest.raises(ClaimRefused) as full:
        pace.reserve("h", "guild")
    assert full.value.key == "error.busy" and full.value.params["seconds"] >= 1
    assert pace.reserve("h", "another guild") == 0


def test_service_check_claim_returns_the_wait(service):
    waits = [service.check_claim(SEED_CLAIM, user="u", server="g") for _ in range(6)]
    assert waits[:5] == [0] * 5 and waits[5] > 0


def test_chat_applies_the_length_limit_and_keeps_going(service):
    too_long = "x" * (service.config.discord.max_claim_length + 1)
    out = io.StringIO()
    chat(service, io.StringIO(f"{too_long}\n{SEED_CLAIM}\n"), out)
    text = out.getvalue()
    assert "characters long; the limit is" in text
    assert "@mohsarmini" in text  # the next claim was answered


def test_chat_matches_a_t_co_link_carried_by_an_archived_tweet(service):
    out = io.StringIO()
    chat(service, io.StringIO("https://t.co/oACHNsTm9h\n"), out)  # offline: fetch=None
    assert "@THAERSORY" in out.getvalue()


def test_added_source_is_found_and_removed_source_is_not(service):
    source = Source(id="", title="Raqqa bridge", passages=[Passage("", 0, "The old bridge of Raqqa was destroyed on Monday")])
    outcome = service.add_sources([source], by="test")
    assert [s.title for s in outcome.added] == ["Raqqa bridge"]
    assert service.events(outcome.added[0].id)[0].by == "test"
    report = service.verify("the old bridge of Raqqa was destroyed")
    assert report.matches and report.matches[0].source_id == outcome.added[0].id
    service.remove(outcome.added[0].id, by="test")
    after = service.verify("the old bridge of Raqqa was destroyed")
    assert all(m.source_id != outcome.added[0].id for m in after.matches)


def test_chat_on_a_terminal_reads_a_pasted_tweet_with_blank_lines_as_one_claim(service):
    """prompt_toolkit driven by a pipe as if typed: bracketed paste, arrow-key editing, Ctrl-D."""
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from bot.chat import make_session

    pasted = f"{SEED_CLAIM}\n\n— محمد سرميني (@mohsarmini) February 10, 2014"
    with create_pipe_input() as keys:
        session = make_session(input=keys, output=DummyOutput(), history=None)
        # A paste holding a blank line, then Enter; then "xy", Left, "Z" (edits inside the line), Enter; then Ctrl-D.
        keys.send_text(f"\x1b[200~{pasted}\x1b[201~\r")
        keys.send_text("The bread price xy\x1b[DZ\r")
        keys.send_text("\x04")
        out = io.StringIO()
        assert chat(service, io.StringIO(""), out, session=session) == 0
    text = out.getvalue()
    assert text.count("Claim: ") == 2  # two claims, the paste being one
    assert "@mohsarmini" in text
    assert "The bread price xZy" in text  # the arrow key moved the cursor; no escape codes in the claim
    assert "\x1b" not in text.split("The bread price")[1][:20]


def test_chat_from_a_pipe_skips_blank_lines_and_ends_at_the_end(service):
    out = io.StringIO()
    chat(service, io.StringIO(f"\n{SEED_CLAIM}\n\nThe price of bread in Paris rose\n"), out)
    assert out.getvalue().count("Claim: ") == 2


def test_the_service_verifies_with_the_moderators_aliases_and_the_configured_workers(tmp_path):
    from verifiers.aliases import add_alias

    add_alias(tmp_path / "aliases.toml", "tabqa", ["الطبقة", "Tabqa"], kind="place")
    (tmp_path / "config.toml").write_text(
        f'[matching]\naliases_file = "{tmp_path / "aliases.toml"}"\nworkers = 1\n', encoding="utf-8")
    config = load_config(tmp_path / "config.toml", env={})
    svc = IsnadService.open(config, str(tmp_path / "archive.json"))
    try:
        assert "tabqa" in svc.verifier.aliases.concepts and svc.verifier.workers == 1
        source = Source(id="", title="سد الطبقة", passages=[Passage("", 0, "توقف العمل في سد الطبقة بعد القصف")])
        svc.add_sources([source], by="test")
        # No word in common: only the moderators' concept §tabqa links the English claim to the Arabic passage.
        found = svc.verify("Tabqa dam stopped working after the shelling", min_score=0).matches
        assert found and found[0].title == "سد الطبقة"
    finally:
        svc.close()
