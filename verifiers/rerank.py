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

from rapidfuzz import fuzz, process

from verifiers.normalize import is_arabic, normalize, word_groups
from verifiers.report import Claim

# Blend weights (sum 1). H5 tunes these on benchdata.
W_COVERAGE, W_OVERLAP, W_WORDING, W_LETTERS = 0.30, 0.35, 0.10, 0.25
FUZZ_FLOOR = 45.0  # what unrelated texts score on the fuzzy ratios
WORD_FUZZ_FLOOR = 60.0  # a claim word this similar to a candidate word earns nothing
SOFT_WORD_CREDIT = 0.8  # a misspelt word counts at most this much of an exact one
SHORT_CLAIM_WORDS = 3
SHORT_CLAIM_CAP = 35.0  # one or two words are a topic, not a claim
# Across languages only concepts (verifiers.aliases) can match; sharing all of
# at least MIN_CONCEPTS of them scores CROSS_LINGUAL_MAX.
CROSS_LINGUAL_MAX, MIN_CONCEPTS = 75.0, 3


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
    groups = word_groups(claim.text)
    concepts = {t for t in claim_tokens if t.startswith("\u00a7")}
    if is_arabic(claim.text) != is_arabic(candidate_text):
        return _cross_lingual(concepts, set(candidate_tokens))
    overlap, exact = _overlap(groups, concepts, candidate_text, set(candidate_tokens))
    units = len(groups) + len(concepts)
    coverage = min(1.0, bm25 / bm25_max) if bm25_max > 0 else 0.0
    wording = fuzz.token_set_ratio(claim_norm, cand_norm)
    letters = _letters_ratio(claim_norm, cand_norm)
    value = 100.0 * (
        W_COVERAGE * coverage
        + W_OVERLAP * overlap
        + W_WORDING * _rescale(wording)
        + W_LETTERS * _rescale(letters)
    )
    if len(groups) < SHORT_CLAIM_WORDS:
        value = min(value, SHORT_CLAIM_CAP)
    value = max(0.0, min(100.0, value))
    reason = f"wording {wording:.0f}%, {exact} of {units} words and concepts shared"
    return round(value, 1), reason


def _cross_lingual(concepts: set[str], cand_terms: set[str]) -> tuple[float, str]:
    shared = concepts & cand_terms
    if not concepts:
        return 0.0, "other language, no known names or events"
    value = CROSS_LINGUAL_MAX * len(shared) / len(concepts)
    if len(shared) < MIN_CONCEPTS:
        value = min(value, SHORT_CLAIM_CAP)
    return round(value, 1), f"other language, {len(shared)} of {len(concepts)} names and events shared"


def _overlap(
    groups: list[tuple[str, tuple[str, ...]]], concepts: set[str], candidate_text: str, cand_terms: set[str]
) -> tuple[float, int]:
    """Share of the claim's words (and concepts) found in the candidate, with
    partial credit for a misspelt or dialect-spelt word close to one of the
    candidate's words. Returns (share, words found exactly)."""
    units = len(groups) + len(concepts)
    if not units:
        return 0.0, 0
    exact = sum(1 for _, terms in groups if cand_terms.intersection(terms))
    exact += len(concepts & cand_terms)
    missing = [surface for surface, terms in groups if not cand_terms.intersection(terms)]
    soft = 0.0
    if missing:
        cand_words = [surface for surface, _ in word_groups(candidate_text)]
        if cand_words:
            best = process.cdist(missing, cand_words, scorer=fuzz.ratio).max(axis=1)
            credit = (best - WORD_FUZZ_FLOOR) / (100.0 - WORD_FUZZ_FLOOR)
            soft = float(credit.clip(0.0, 1.0).sum()) * SOFT_WORD_CREDIT
    return (exact + soft) / units, exact


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
