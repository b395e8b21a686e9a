"""Alias candidates: one name written in both scripts in the same source."""
from __future__ import annotations

from storage.records import Passage, Post, Source
from verifiers.alias_suggest import arabic_skeleton, latin_names, latin_skeleton, suggest
from verifiers.aliases import load_aliases

REPORT = Source(
    id="s1", title="Clashes east of Deir ez-Zor",
    passages=[Passage("s1", 0, "Two fighters were killed in Hajin on Monday, and the Free Syrian Army "
                               "withdrew from Hajeen's outskirts, said Abu Omar al-Shaitat.")],
    posts=[Post("s1:t1", "s1", "مقتل عنصرين في هجين بريف دير الزور الشرقي", handle="x"),
           Post("s1:t2", "s1", "قال أبو عمر الشعيطات إن المعارك مستمرة", handle="y")],
)
OTHER = Source(
    id="s2", title="Hajin again",
    passages=[Passage("s2", 0, "Shelling hit Hajin. قصف على هجين صباح اليوم")],
)
ENGLISH_ONLY = Source(id="s3", title="Hajin", passages=[Passage("s3", 0, "Nothing in Arabic here, Hajin.")])


def test_transliterations_share_a_skeleton():
    assert latin_skeleton("Hajin") == arabic_skeleton("هجين")
    assert latin_skeleton("Mohasan") == arabic_skeleton("موحسن")
    assert latin_skeleton("Deir ez-Zor") == arabic_skeleton("دير الزور")
    assert latin_skeleton("Raqqa") == arabic_skeleton("الرقة") == latin_skeleton("Raqqah")
    assert latin_skeleton("Busayrah") == arabic_skeleton("البصيرة")
    assert latin_skeleton("Abu Omar al-Shaitat") == arabic_skeleton("أبو عمر الشعيطات")
    assert latin_skeleton("Homs") != arabic_skeleton("حماة")


def test_names_are_capitalised_runs_not_common_words():
    names = latin_names("The Free Syrian Army said Abu Omar al-Shaitat was in Hajin. Army units left.")
    assert {"Hajin", "Abu Omar al-Shaitat", "Free Syrian Army"} <= names
    assert "Army" not in names and "The" not in names


def test_names_in_both_scripts_of_one_source_are_proposed_most_frequent_first():
    found = suggest([REPORT, OTHER, ENGLISH_ONLY], load_aliases())
    pairs = [(s.latin, s.arabic) for s in found]
    assert pairs[0] == ("Hajin", "هجين") and found[0].sources == ["s1", "s2"]
    assert ("Abu Omar al-Shaitat", "أبو عمر الشعيطات") in pairs
    assert all(latin != "Deir ez-Zor" for latin, _ in pairs)  # the alias table joins it already
    assert [s.latin for s in suggest([REPORT, OTHER], load_aliases(), min_sources=2)] == ["Hajin"]
