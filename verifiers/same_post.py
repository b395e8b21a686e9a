"""The same tweet, known by its author and its words.

A pasted tweet's attribution line, or a screenshot's @handle, names who
posted it. An archived post by that handle whose text is the claim's (up to
OCR slips) is that tweet: it comes first, like a tweet link that matches,
scored 100 and marked exact. Both sides are compared after the claim clean-up
(hashtags as words, no URLs) and search normalization.
"""
from __future__ import annotations

import re
from dataclasses import replace

from rapidfuzz import fuzz

from verifiers.claim import clean_claim
from verifiers.normalize import normalize
from verifiers.report import Claim, Match

SAME_POST = "same tweet (its handle and text)"
MIN_RATIO = 90.0  # normalized text similarity; an altered tweet (a number, a name changed) stays below
# Characters OCR confuses in handles (docs/field-notes.md §8): "AnasSouri0" is read "AnasSouriO".
_HANDLE_FOLD = str.maketrans({"0": "o", "1": "l", "i": "l", "|": "l"})


_NUMBER = re.compile(r"\d+")


def fold_handle(handle: str) -> str:
    return handle.lstrip("@").lower().translate(_HANDLE_FOLD)


def is_same_post(claim: Claim, match: Match) -> bool:
    if match.kind != "post" or not claim.handle or not match.handle:
        return False
    if fold_handle(claim.handle) != fold_handle(match.handle):
        return False
    said, archived = normalize(claim.text), normalize(clean_claim(match.text).text)
    if not said or not archived or _NUMBER.findall(said) != _NUMBER.findall(archived):
        return False  # a number changed is a different claim, however close the rest
    return fuzz.ratio(said, archived) >= MIN_RATIO


def promote_same_posts(claim: Claim, scored: list[Match]) -> list[Match]:
    """`scored` with the claim's own tweet (by handle and text) first, after
    any exact link matches, scored 100 and marked exact."""
    if not claim.handle:
        return scored
    links = [m for m in scored if m.exact]  # found by a tweet link already (Verifier.find_linked): they stay first
    same = [i for i, m in enumerate(scored) if not m.exact and is_same_post(claim, m)]
    if not same:
        return scored
    promoted = [replace(scored[i], score=100.0, exact=True, reason=SAME_POST) for i in same]
    rest = [m for i, m in enumerate(scored) if i not in same and not m.exact]
    return links + promoted + rest
