"""Conflicting accounts: archived passages and posts that tell the claim's event differently.

Candidates are the matches themselves and `related` items (other passages/posts about the same
event: they share places, actors or event words with the claim). Each is classified with the
stance classifier (verifiers/stance.py); a "disagree" becomes a Conflict whose `against` points
at the match it contradicts: the best agreeing match, else the best match.
"""
from __future__ import annotations

from dataclasses import replace

from verifiers import aliases
from verifiers.report import Claim, Conflict, Match, Stance
from verifiers.stance import Verdict, assess

MAX_CONFLICTS = 5
_STANCE: dict[str, Stance] = {"agree": "supports", "disagree": "contradicts", "other": "related"}
# A related item must share this many concepts (places, groups, people, events) with the claim
# to count as "about the same event"; the stance cues then decide whether it conflicts.
MIN_SHARED_CONCEPTS = 2


def _same_event(claim_concepts: set[str], text: str) -> bool:
    shared = claim_concepts & set(aliases.concept_tokens(text))
    return len(shared) >= MIN_SHARED_CONCEPTS


def _conflicting(verdict: Verdict) -> bool:
    """A conflict needs a checkable cue (denial, negation, opposite account, other actor, number):
    the word model alone, trained on headline pairs, is not evidence enough against a whole passage."""
    return verdict.stance == "disagree" and verdict.cue is not None


def find_conflicts(claim: Claim, matches: list[Match], related: list[Match]) -> list[Conflict]:
    """Conflicting accounts among the matches and the related items, best evidence first."""
    if not matches:
        return []
    claim_text = claim.text or claim.raw
    verdicts = [assess(claim_text, m.text) for m in matches]
    for m, verdict in zip(matches, verdicts):
        m.stance = _STANCE[verdict.stance]  # shown beside each match
    agreeing = [i for i, v in enumerate(verdicts) if v.stance == "agree"]
    anchor = agreeing[0] if agreeing else 0

    conflicts: list[Conflict] = []
    seen: set[str] = set()
    for m, verdict in zip(matches, verdicts):
        if _conflicting(verdict):
            conflicts.append(Conflict(m, verdict.reason, against=anchor))
            seen.add(m.item_id)

    claim_concepts = set(aliases.concept_tokens(claim_text))
    chosen = {m.item_id for m in matches}
    for r in related:
        if r.item_id in chosen or r.item_id in seen or not _same_event(claim_concepts, r.text):
            continue
        verdict = assess(claim_text, r.text)
        if _conflicting(verdict):
            conflicts.append(Conflict(replace(r, stance="contradicts"), verdict.reason, against=anchor))
            seen.add(r.item_id)
    return conflicts[:MAX_CONFLICTS]
