"""English claims about the Arabic seed article: the alias table bridges the languages."""
from __future__ import annotations

import pytest

from verifiers.engine import Verifier

# claim -> what the best match must be: a post's handle, or words of the passage.
FINDS = [
    ("After fleeing Deir ez-Zor, ISIS killed all of its prisoners", "@mohsarmini"),
    ("Unknown men blew up the military bridge in Deir Ezzor, near the Euphrates", "@syria_omar"),
    ("Rebels found maps of the oil fields in ISIS headquarters in Deir ez-Zor", "@THAERSORY"),
    ("The military emir of the Islamic State in Deir ez-Zor, Abu Dujana al-Libi, was killed", "@zaidbenjamin"),
    ("Free Syrian Army columns entered the Conoco field", "@AnasSouri0"),
    ("ISIS withdrew from Deir ez-Zor to spare blood", "حقنا للدماء"),
    ("Nusra Front drove ISIS out of Deir Ezzor after days of fierce fighting", "معارك عنيفة"),
    ("Two Nusra fighters were killed by ISIS treachery in Mohasan", "موحسن"),
]

UNRELATED = [
    "The price of bread went up in Cairo this week",
    "Real Madrid signed a new striker for the summer",
    "Heavy snow closed the airport in Moscow",
]


@pytest.fixture(scope="module")
def verifier(seed_archive):
    return Verifier(seed_archive)


@pytest.mark.parametrize("claim, expected", FINDS)
def test_english_claim_finds_the_arabic_account(verifier, claim, expected):
    report = verifier.verify(claim)
    assert report.matches, claim
    best = report.matches[0]
    if expected.startswith("@"):
        assert best.kind == "post" and best.handle == expected[1:]
    else:
        assert expected in best.text


@pytest.mark.parametrize("claim", UNRELATED)
def test_unrelated_english_claims_find_nothing(verifier, claim):
    assert verifier.verify(claim).matches == []


def test_english_claim_gets_the_arabic_conflict_with_its_reason(verifier):
    report = verifier.verify("Nusra Front drove ISIS out of Deir Ezzor after days of fierce fighting")
    reasons = [c.reason for c in report.conflicts]
    assert any("حقنا للدماء" in r for r in reasons), reasons
