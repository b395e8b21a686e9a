"""The stance of every match, and the conflicting accounts: archived passages and posts that tell the
claim's event otherwise.

Each match and each of the closest other candidates is aligned with the claim
(verifiers/stance.py: shared words and alias-table concepts, numbers, negation and denial, the
antonym lexicon, who does what to whom) and judged from what differs:

- contradicts: the text tells the same event (most of the claim is found in it once the differing
  words are set aside) and a difference changes what happened: a reversed act, swapped roles, a
  negation or denial on one side only, another number, date, place or speaker. The stance model
  alone (no checkable cue) counts only for short texts that tell nearly the whole claim and that it
  is sure of: a headline or a tweet reworded into its opposite;
- supports: the same account with no such difference (a synonym, another wording, more detail);
- related: about the same event, neither.

A contradicting passage is never also a supporting match: it leaves `matches` for `conflicts`. Its
`against` is the index of the supporting match it contradicts, or None when no match supports the
claim (it contradicts the claim itself). Candidates below the match threshold are looked at too:
the original of a distorted claim often scores low exactly because of the distorted detail.
"""
from __future__ import annotations

from dataclasses import replace

from verifiers.aliases import PREFIX, concept_tokens
from verifiers.normalize import is_arabic, stems
from verifiers.report import Claim, Conflict, Match, Note
from verifiers.stance import Verdict, assess

MAX_CONFLICTS = 5
CLOSEST = 8  # candidates below the threshold judged for contradictions, best-ranked first
# How much of the claim a text must tell too (the differing words set aside) to contradict it rather
# than tell another event. Chosen on a held-out fifth of ANS train pairs, never dev (docs/verdicts.md).
ALIGNED_CUE = 0.5
# Opposites the alias table lists are curated for one event each (طرد vs حقنا للدماء, غدر vs مؤامرة):
# an account that shares the actors and tells the other version counts with less of the claim in it.
ALIGNED_CURATED = 0.35
# Without a checkable cue: the model's probability of "disagree" and the alignment it needs.
ALIGNED_MODEL = 0.5
P_MODEL = 0.8
# A match supports the claim when the model says agree, with at most this probability of "disagree",
# and this much of the claim is in it.
P_SUPPORT = 0.35
ALIGNED_SUPPORT = 0.5
ALIGNED_ADDED = 0.7  # a text that holds this much of the claim and only adds words supports it...
P_ADDED = 0.65  # ...unless the model leans this much toward "disagree"


# A candidate the ranking did not keep as a match must tell more of the claim, and with a checkable cue:
# archives hold many accounts of one topic (the dollar rose one day and fell the next), and only the
# closest of them is the claim's own story.
ALIGNED_CANDIDATE = 0.65
# ...and share this much of the claim's words before it is aligned at all (concepts and other word forms
# can raise the alignment above the plain word overlap, hence lower than ALIGNED_CANDIDATE).
PREFILTER = 0.4
SAME_EVENT_CUES = frozenset({"opposite", "actor", "swap"})


def contradicts(v: Verdict, *, matched: bool = True) -> bool:
    if v.stance != "disagree":
        return False
    if v.cue == "opposite":
        return v.aligned >= ALIGNED_CURATED
    if v.cue is not None:
        return v.aligned >= (ALIGNED_CUE if matched else ALIGNED_CANDIDATE)
    # the model alone: never for a detail only the text has (an account that adds detail still agrees)
    added_detail = v.reason.code == "changed_in_text"
    return matched and v.short and not added_detail and v.aligned >= ALIGNED_MODEL and v.p_disagree >= P_MODEL


def _supports(v: Verdict) -> bool:
    """The same account: the model agrees and is not torn toward "disagree" (an unsure match is shown as
    related, never as support: a wrong "supported" confirms a distortion)."""
    if v.stance == "agree":
        return v.p_disagree < P_SUPPORT and v.aligned >= ALIGNED_SUPPORT
    # all of the claim is in the text, which only adds words: more detail, not another account
    added_detail = v.reason.code == "changed_in_text"
    # (the model learned from headline pairs: on a long passage only the alignment speaks)
    return (v.stance == "disagree" and v.cue is None and added_detail and v.aligned >= ALIGNED_ADDED
            and (v.p_disagree < P_ADDED or not v.short))


def _support_reason(v: Verdict) -> Note | None:
    """None for the same account; for one that adds words, which ones."""
    if v.stance == "agree":
        return None
    words = v.reason.params.get("words", "")
    return Note("adds_detail", f"the text adds detail: {words}", words=words)


def _terms(text: str) -> set[str]:
    return set(stems(text)) | set(concept_tokens(text))


def _closest(claim_text: str, candidates: list[Match], seen: set[str]) -> list[Match]:
    """The candidates worth judging, cheap test first: a candidate that shares too few of the claim's
    words cannot be aligned enough. The first CLOSEST in the ranking's order in the claim's language;
    across languages only the alias table's concepts can be shared (as verifiers/stance.py aligns
    them), and the ranking there scores the same claim, not the same event (an account told otherwise
    ranks low by design), so the CLOSEST sharing most of the claim's concepts."""
    claim_terms = _terms(claim_text)
    claim_concepts = {t for t in claim_terms if t.startswith(PREFIX)}
    claim_arabic = is_arabic(claim_text)
    same: list[Match] = []
    other: list[tuple[float, int, Match]] = []
    position = 0
    for i, c in enumerate(candidates):
        cross = is_arabic(c.text) != claim_arabic
        if not cross:
            position += 1
            if position > CLOSEST:
                continue
        if c.item_id in seen:
            continue
        seen.add(c.item_id)
        mine = claim_concepts if cross else claim_terms
        share = len(mine & _terms(c.text)) / len(mine) if mine else 0.0
        if share < PREFILTER or not mine:
            continue
        if cross:
            other.append((-share, i, c))
        else:
            same.append(c)
    return same + [c for _, _, c in sorted(other, key=lambda x: x[:2])[:CLOSEST]]


def judge(claim: Claim, matches: list[Match], candidates: list[Match]) -> tuple[list[Match], list[Conflict]]:
    """(matches left, each with its stance; conflicts, best evidence first).

    `candidates` are the lower-ranked retrieval results, best first."""
    claim_text = claim.text
    if not claim_text:  # a bare link: its exact matches are the claim itself
        return [replace(m, stance="supports", stance_reason=None) for m in matches], []
    kept: list[Match] = []
    against_claim: list[tuple[Match, str]] = []
    closest_support = 0.0  # how much of the claim the best supporting match tells
    for m in matches:
        v = assess(claim_text, m.text)
        if contradicts(v):
            against_claim.append((replace(m, stance="contradicts", stance_reason=v.reason), v.reason))
        elif _supports(v):
            kept.append(replace(m, stance="supports", stance_reason=_support_reason(v)))
            closest_support = max(closest_support, v.aligned)
        else:
            kept.append(replace(m, stance="related", stance_reason=v.reason))
    for c in _closest(claim_text, candidates, {m.item_id for m in matches}):
        v = assess(claim_text, c.text)
        # a far account contradicts only if it is as close to the claim as the match that supports it
        # (the dollar that rose today is not contradicted by the dollar that fell last week); the alias
        # table's curated opposites, and another actor for the act at the same place, are about one event
        if v.cue not in SAME_EVENT_CUES and v.aligned < closest_support:
            continue
        if contradicts(v, matched=False):
            against_claim.append((replace(c, stance="contradicts", stance_reason=v.reason), v.reason))
    anchor = next((i for i, m in enumerate(kept) if m.stance == "supports"), None)
    conflicts = [Conflict(m, reason, against=anchor) for m, reason in against_claim]
    return kept, conflicts[:MAX_CONFLICTS]
