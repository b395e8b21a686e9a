"""The antonym lexicon: acts that tell the same event the opposite way (verifiers/data/antonyms.toml).

"أطلقوا سراح السجناء" (released) against "قتلوا السجناء" (killed), "ارتفع" (rose) against "انخفض" (fell):
the claim and its closest account share everything but the act, and the act is reversed. The lexicon is
data in the alias table's format, matched by the same code (Arabic folded, a clitic on the first word
accepted, multi-word names), but kept apart from the alias table: its words are not names to search by.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from verifiers.aliases import AliasTable, Concept, Mention

PATH = Path(__file__).parent / "data" / "antonyms.toml"


@dataclass(frozen=True)
class Reversal:
    """An act in the claim and the act that reverses it in the text, as written on each side."""

    claim_act: str  # concept id, e.g. "release"
    text_act: str
    claim_words: str
    text_words: str
    claim_span: tuple[int, int]  # token positions, to leave these words out of the overlap
    text_span: tuple[int, int]


@lru_cache(maxsize=1)
def table() -> AliasTable:
    with open(PATH, "rb") as fh:
        data = tomllib.load(fh)
    concepts = {
        cid: Concept(cid, "event", list(entry.get("names", [])), [], list(entry.get("opposes", [])))
        for cid, entry in data.items()
    }
    return AliasTable(concepts)


def acts(text: str) -> list[Mention]:
    return table().mentions(text)


def reversals(claim_acts: list[Mention], text_acts: list[Mention]) -> list[Reversal]:
    """Acts of the claim reversed in the text. An act both sides name is the same act, not a reversal
    (the text may tell both: "rose, then fell")."""
    lexicon = table()
    c_ids = {m.concept for m in claim_acts}
    t_ids = {m.concept for m in text_acts}
    out = []
    for a in claim_acts:
        if a.concept in t_ids:
            continue
        for b in text_acts:
            if b.concept not in c_ids and lexicon.opposes(a.concept, b.concept):
                out.append(Reversal(a.concept, b.concept, a.surface, b.surface, (a.start, a.end), (b.start, b.end)))
                break
    return out
