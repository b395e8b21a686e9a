"""bot/discord/cogs/verify.py: long messages are split into claims, never cut."""
from __future__ import annotations

from bot.discord.cogs.verify import message_claims, split_claims


def test_a_long_message_is_split_at_sentences_and_keeps_its_end():
    sentences = [f"Sentence number {i} says something about the siege of the city." for i in range(40)]
    text = " ".join(sentences) + " The last claim: the bridge was destroyed on Monday."
    claims = split_claims(text, 1000)
    assert len(claims) > 1 and all(len(c) <= 1000 for c in claims)
    assert claims[-1].endswith("the bridge was destroyed on Monday.")  # the end is not lost
    assert " ".join(claims).split() == text.split()  # nothing dropped or duplicated


def test_a_sentence_longer_than_the_limit_is_cut_at_a_space():
    text = "كلمة " * 500
    claims = split_claims(text, 1000)
    assert all(len(c) <= 1000 for c in claims) and " ".join(claims).split() == text.split()


def test_a_short_message_is_one_claim():
    assert message_claims("  قصف الجسر  ", 1000) == ["قصف الجسر"]
