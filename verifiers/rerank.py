"""Re-ranking: turn a BM25 candidate into a 0..100 score a threshold can cut.

BM25 finds candidates; it cannot say how much of the claim a candidate
carries, and it misses typos and split words. The score blends:

- coverage: the share of the claim's idf mass the candidate matched
  (bm25 / bm25_max, capped at 1);
- overlap: the share of the claim's content words (stems) the candidate has;
- wording: rapidfuzz token_set_ratio on normalized text (word order, extra words);
- letters: rapidfuzz partial_ratio on space-stripped text, which survives
  split or glued words (ديرالزور) and small typos.

The fuzzy ratios of two unrelated Arabic texts sit around 30-50 (shared
letters, not shared meaning), so they are rescaled from that floor before
blending. Short claims are capped: three words found anywhere are weak
evidence.
"""
from __future__ import annotations

from rapidfuzz import fuzz

from verifiers.normalize import normalize, stems
from verifiers.report import Claim

# Blend weights (sum 1). H5 tunes these on benchdata.
W_COVERAGE, W_OVERLAP, W_WORDING, W_LETTERS = 0.30, 0.30, 0.15, 0.25
FUZZ_FLOOR = 45.0  # what unrelated texts score on the fuzzy ratios
SHORT_CLAIM_WORDS = 3


def _rescale(ratio: float) -> float:
    return max(0.0, (ratio - FUZZ_FLOOR) / (100.0 - FUZZ_FLOOR))


def score(
    claim: Claim,
    claim_tokens: list[str],
    candidate_text: str,
    candidate_tokens: list[str],
    bm25: float,
    bm25_max: float,
) -> tuple[float, str]:
    """A 0..100 score and a short reason, for one candidate of one claim."""
    claim_norm = normalize(claim.text)
    cand_norm = normalize(candidate_text)
    if not claim_norm or not cand_norm:
        return 0.0, "nothing to compare"
    claim_stems = set(stems(claim.text))
    cand_terms = set(candidate_tokens)
    shared = claim_stems & cand_terms
    overlap = len(shared) / len(claim_stems) if claim_stems else 0.0
    coverage = min(1.0, bm25 / bm25_max) if bm25_max > 0 else 0.0
    wording = fuzz.token_set_ratio(claim_norm, cand_norm)
    letters = _letters_ratio(claim_norm, cand_norm)
    value = 100.0 * (
        W_COVERAGE * coverage
        + W_OVERLAP * overlap
        + W_WORDING * _rescale(wording)
        + W_LETTERS * _rescale(letters)
    )
    if len(claim_stems) < SHORT_CLAIM_WORDS:
        value = min(value, 60.0)
    value = max(0.0, min(100.0, value))
    reason = f"wording {wording:.0f}%, {len(shared)} of {len(claim_stems)} words shared"
    return round(value, 1), reason


def _letters_ratio(claim_norm: str, cand_norm: str) -> float:
    """partial_ratio without spaces: the claim's letters inside the candidate's.

    partial_ratio aligns the shorter string inside the longer one; when the
    claim is much longer than the candidate, that would reward a short
    candidate for being found inside the claim, so scale by the length ratio.
    """
    a, b = claim_norm.replace(" ", ""), cand_norm.replace(" ", "")
    ratio = fuzz.partial_ratio(a, b)
    if len(b) < len(a):
        ratio *= len(b) / len(a)
    return ratio
