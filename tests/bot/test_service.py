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
    service.check_claim(SEED_CLAIM)  # a fine claim passes


def test_pace_limit_makes_a_member_wait_and_lets_others_go():
    now = [100.0]
    pace = PaceLimit(10, clock=lambda: now[0])
    pace.check("a")
    with pytest.raises(ClaimRefused) as wait:
        pace.check("a")
    assert wait.value.key == "error.cooldown" and wait.value.params["seconds"] == 10
    pace.check("b")
    now[0] += 10
    pace.check("a")


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
