"""Re-ranking: turn a BM25 candidate into a 0..100 score a threshold can cut.

BM25 finds candidates; it cannot say how much of the claim a candidate
carries, and it misses typos and split words. The score comes from a linear
model per language (English, Arabic) over measures of one (claim, candidate)
pair:

- rel_top, rank: the candidate's BM25 score relative to the first
  candidate's, and its BM25 rank: the model starts from the retrieval order;
- coverage: the share of the claim's idf mass the candidate matched
  (bm25 / bm25_max, capped at 1);
- overlap: the share of the claim's content words the candidate has, with
  partial credit for misspelt words;
- back: the share of the candidate's content words found in the claim (a
  tweet usually carries the whole archived sentence, plus comments);
- wording: rapidfuzz token_set_ratio on normalized text (word order, extra words);
- letters: rapidfuzz partial_ratio on space-stripped text, which survives
  split or glued words (ديرالزور) and small typos;
- author, glued: the share of the pasted tweet's author name, and of the
  words glued in its mentions and hashtags, found in the candidate;
- title, title_cover: word shares between the source title and the claim,
  both ways (fact-check titles restate the claim);
- bigram: adjacent word pairs of the claim the candidate also has;
- num_shared, num_clash: numbers in common, or only different ones.

benchmarks/train_rerank.py learns the weights on the CheckThat! train splits
(pairwise: only differences between candidates of one claim matter), a
logistic that turns the result into P(same claim), and `same_claim`'s
weight on the lead over the next candidate; the decision point, calibrated on
the dev splits, is shifted to `threshold()` (50), the engine's default.
Shipped as plain JSON in data/rerank_weights.json (no scikit-learn at run time).
"""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import fuzz, process

from verifiers.aliases import concept_tokens
from verifiers.aliases import table as alias_table
from verifiers.normalize import is_arabic, normalize, word_groups, word_terms
from verifiers.report import Claim

WEIGHTS_PATH = Path(__file__).parent / "data" / "rerank_weights.json"
FEATURES = ("coverage", "rel_top", "rank", "overlap", "back", "wording", "letters", "author", "has_author", "glued",
            "title", "title_cover", "has_title", "bigram", "num_shared", "num_clash", "rare", "ent_share", "ent_clash")
# What the confidence step (`same_claim`) weighs besides the ranking logit and the lead.
EVIDENCE = ("rare", "ent_clash", "ent_share", "overlap", "wording")
# Words glued in mentions and hashtags: @realDonaldTrump, #BlackLivesMatter (as in engine.query_terms).
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")
MARGIN_CLIP = 4.0  # logit units: beyond this lead over the next candidate, no more evidence
CROSS_REASON = "other language"
FUZZ_FLOOR = 45.0  # what unrelated texts score on the fuzzy ratios
WORD_FUZZ_FLOOR = 60.0  # a claim word this similar to a candidate word earns nothing
SOFT_WORD_CREDIT = 0.8  # a misspelt word counts at most this much of an exact one
SHORT_CLAIM_WORDS = 3
SHORT_CLAIM_CAP = 35.0  # one or two words are a topic, not a claim
# Across languages only concepts (verifiers.aliases) can match; sharing all of
# at least MIN_CONCEPTS of them scores CROSS_LINGUAL_MAX.
CROSS_LINGUAL_MAX, MIN_CONCEPTS = 75.0, 3


@lru_cache(maxsize=1)
def model() -> dict:
    """The shipped weights: {"models": {"en"|"ar": {"weights", "scale", "bias", "cut_logit"}}, ...}."""
    data = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    for lang, m in data["models"].items():
        unknown = [f for f in m["weights"] if f not in FEATURES]
        if unknown:
            raise ValueError(f"{WEIGHTS_PATH.name} ({lang}) has unknown features {', '.join(unknown)}")
    return data


def _rescale(ratio: float) -> float:
    return max(0.0, (ratio - FUZZ_FLOOR) / (100.0 - FUZZ_FLOOR))


def features(
    claim: Claim,
    claim_tokens: list[str],
    candidate_text: str,
    candidate_tokens: list[str],
    bm25: float,
    bm25_max: float,
    *,
    title: str = "",
    rank: int = 0,
    bm25_top: float = 0.0,
    idf: dict[str, float] | None = None,
    used: frozenset[str] | None = None,
) -> dict[str, float] | None:
    """The model's inputs for one pair, or None when there is nothing to compare.

    `idf` holds the archive's idf of the claim's terms (the index knows them):
    the claim's rarest words are the ones that tell its story from others.
    `used`: the features a model needs (None: all); the costlier ones it does
    not use (rare, ent_share, ent_clash) are left at 0.

    `rank` is the candidate's place in the BM25 order (0 = first) and
    `bm25_top` the first candidate's BM25 score: the model starts from the
    retrieval order and only moves a candidate when the other measures agree.
    """
    side = _claim_side(claim.text, claim.author)
    claim_norm, groups, claim_terms, author, glued, claim_nums = side[:6]
    cand_norm = normalize(candidate_text)
    if not claim_norm or not cand_norm:
        return None
    concepts = {t for t in claim_tokens if t.startswith("\u00a7")}
    cand_terms = set(candidate_tokens)
    overlap, exact, near = _overlap(groups, concepts, candidate_text, cand_terms)
    title_groups = word_groups(title) if title else []
    title_terms = {t for _, terms in title_groups for t in terms}
    cand_groups = word_groups(candidate_text)
    cand_nums = {w for w, _ in cand_groups if w.isdigit()} | {w for w, _ in title_groups if w.isdigit()}
    wording = fuzz.token_set_ratio(claim_norm, cand_norm)
    return {
        "coverage": min(1.0, bm25 / bm25_max) if bm25_max > 0 else 0.0,
        "rel_top": min(1.0, bm25 / bm25_top) if bm25_top > 0 else 1.0,
        "rank": math.log1p(rank),
        "overlap": overlap,
        "back": _share(cand_groups, claim_terms),
        "wording": _rescale(wording),
        "_wording": wording,
        "letters": _rescale(_letters_ratio(claim_norm, cand_norm)),
        "author": _share(author, cand_terms | title_terms),
        "glued": _share(glued, cand_terms | title_terms),
        "has_author": 1.0 if author else 0.0,
        "title": _share(title_groups, claim_terms),
        "title_cover": _share(groups, title_terms),
        "has_title": 1.0 if title_groups else 0.0,
        "bigram": _bigram_share(side[6], [cand_groups, title_groups]),
        "num_shared": 1.0 if claim_nums & cand_nums else 0.0,
        "num_clash": 1.0 if claim_nums and cand_nums and not claim_nums & cand_nums else 0.0,
        "rare": (_rare_share(_rarest(claim.text, claim.author, idf), cand_terms | title_terms,
                             [w for w, _ in cand_groups]) if used is None or "rare" in used else 0.0),
        **(_entity_match(side[8], entities(candidate_text, cand_terms, title))
           if used is None or "ent_share" in used or "ent_clash" in used else _NO_ENTITIES),
        "_exact": float(exact),
        "_near": float(near),
        "_units": float(len(groups) + len(concepts)),
        "_short": 1.0 if len(groups) < SHORT_CLAIM_WORDS else 0.0,
    }


@lru_cache(maxsize=64)
def _claim_side(text: str, author: str) -> tuple:
    """What features() needs of the claim alone, computed once per claim (not
    per candidate): normalized text, word groups, their terms, the author's and
    the glued words' groups, numbers, adjacent stem pairs, is it Arabic."""
    groups = word_groups(text)
    glued = " ".join(_CAMEL.sub(" ", w) for w in text.split() if _CAMEL.search(w))
    return (
        normalize(text), groups, {t for _, terms in groups for t in terms},
        word_groups(author) if author else [], word_groups(glued) if glued else [],
        {w for w, _ in groups if w.isdigit()},
        {(a[1][0], b[1][0]) for a, b in zip(groups, groups[1:])},
        is_arabic(text),
        entities(text, set(concept_tokens(text))),
    )


# Capitalized words inside a Latin sentence: names of people, places, groups.
_NAME_RE = re.compile(r"\b([A-Z][a-z]+|[A-Z]{2,5})\b")
_YEAR_RE = re.compile(r"^(1[89]|20)\d\d$")
_ENTITY_KINDS = ("place", "group", "person")
RARE_TERMS = 2  # the claim's rarest words that `rare` looks for
RARE_FUZZ = 75.0  # a word the archive lacks counts as found in a candidate word this similar (fuzz.ratio)


def entities(text: str, concept_terms: set[str], title: str = "") -> dict[str, set[str]]:
    """What a text names, by kind: concepts of the alias table (place, group,
    person), numbers, years, and, in Latin text, capitalized names (as stems).
    Two accounts on the same template differ exactly here ("... in Idlib" /
    "... in Homs", "5 killed" / "50 killed")."""
    out: dict[str, set[str]] = {}
    concepts = alias_table().concepts
    for term in concept_terms:
        concept = concepts.get(term[1:]) if term.startswith("\u00a7") else None
        if concept is not None and concept.kind in _ENTITY_KINDS:
            out.setdefault(concept.kind, set()).add(term)
    for part in (text, title):
        for word, _ in word_groups(part):
            if word.isdigit():
                out.setdefault("date" if _YEAR_RE.match(word) else "number", set()).add(word)
        if part and not is_arabic(part) and sum(c.isupper() for c in part) < 0.3 * sum(c.isalpha() for c in part):
            for name in _NAME_RE.findall(part):
                terms = word_terms(normalize(name))
                if terms:
                    out.setdefault("name", set()).add(terms[0])
    return out


def _entity_match(claim: dict[str, set[str]], cand: dict[str, set[str]]) -> dict[str, float]:
    """ent_share: the claim's named things the candidate names too; ent_clash:
    kinds that both name and where they share nothing (another country, another
    person, another figure), up to 2."""
    total = sum(len(v) for v in claim.values())
    if not total:
        return {"ent_share": 0.0, "ent_clash": 0.0}
    shared = sum(len(v & cand.get(kind, set())) for kind, v in claim.items())
    clash = sum(1 for kind, v in claim.items() if cand.get(kind) and not v & cand[kind])
    return {"ent_share": shared / total, "ent_clash": min(clash, 2) / 2.0}


_NO_ENTITIES = {"ent_share": 0.0, "ent_clash": 0.0}
_Rare = tuple[tuple[float, str, tuple[str, ...]], ...]
_rarest_memo: dict[tuple[str, str, int], tuple[dict[str, float], _Rare]] = {}


def _rarest(text: str, author: str, idf: dict[str, float] | None) -> _Rare:
    """The claim's RARE_TERMS rarest words (idf, word, terms), computed once
    per claim: rarity is the archive's idf, and a word the archive lacks is
    the rarest of all (a claim about oil prices does not match oil fields
    through "oil")."""
    if idf is None:
        return ()
    key = (text, author, id(idf))
    hit = _rarest_memo.get(key)
    if hit is not None and hit[0] is idf:
        return hit[1]
    top = max(idf.values(), default=0.0) + 1.0
    groups = _claim_side(text, author)[1]
    scored = sorted(((max((idf.get(t, top) for t in ts), default=top), w, ts) for w, ts in groups),
                    key=lambda x: -x[0])
    rarest = tuple((value if value < top else math.inf, w, ts) for value, w, ts in scored[:RARE_TERMS])
    if len(_rarest_memo) > 64:
        _rarest_memo.clear()
    _rarest_memo[key] = (idf, rarest)
    return rarest


def _rare_share(rarest: _Rare, terms: set[str], cand_words: list[str]) -> float:
    """Share of the claim's rarest words that the candidate has: a rare name
    carried by both outweighs generic overlap. A word the archive lacks counts
    as found when the candidate has a word a letter or two from it (a typo)."""
    if not rarest:
        return 0.0
    found = 0
    for value, word, ts in rarest:
        if terms.intersection(ts):
            found += 1
        elif value == math.inf and len(word) >= 4 and cand_words and process.extractOne(
                word, cand_words, scorer=fuzz.ratio, score_cutoff=RARE_FUZZ) is not None:
            found += 1
    return found / len(rarest)


def _bigram_share(pairs: set[tuple[str, str]], others: list[list[tuple[str, tuple[str, ...]]]]) -> float:
    """Share of the claim's adjacent content-word pairs (by stem) that the
    candidate also has adjacent: word order and phrases, which BM25 ignores."""
    if not pairs:
        return 0.0
    theirs: set[tuple[str, str]] = set()
    for other in others:
        theirs.update((a[1][0], b[1][0]) for a, b in zip(other, other[1:]))
    return len(pairs & theirs) / len(pairs)


class Scored(NamedTuple):
    """One candidate's re-ranking: the ranking model's P(same claim) x 100
    (before the lead over the others is weighed), the reason in words, and the
    evidence `same_claim` weighs."""

    value: float
    reason: str
    evidence: dict[str, float]
    logit: float = -40.0  # the ranking logit behind `value`, unrounded: it orders candidates whose values round alike


def score(
    claim: Claim,
    claim_tokens: list[str],
    candidate_text: str,
    candidate_tokens: list[str],
    bm25: float,
    bm25_max: float,
    *,
    title: str = "",
    rank: int = 0,
    bm25_top: float = 0.0,
    idf: dict[str, float] | None = None,
) -> Scored:
    """The ranking model's 0..100 score and a short reason, for one candidate of one claim."""
    claim_ar = _claim_side(claim.text, claim.author)[7]
    if claim_ar != is_arabic(candidate_text) and normalize(claim.text) and normalize(candidate_text):
        concepts = {t for t in claim_tokens if t.startswith("\u00a7")}
        value, reason = _cross_lingual(concepts, set(candidate_tokens), short_claim_cap("ar" if claim_ar else "en"))
        return Scored(value, reason, {})
    lang = "ar" if claim_ar else "en"
    f = features(claim, claim_tokens, candidate_text, candidate_tokens, bm25, bm25_max,
                 title=title, rank=rank, bm25_top=bm25_top or bm25, idf=idf, used=used_features(lang))
    if f is None:
        return Scored(0.0, "nothing to compare", {})
    logit = ranking_logit(f, lang)
    value = sigmoid(logit)
    if f["_short"]:
        value = min(value, short_claim_cap(lang))
    # The raw ratio (not the model's rescaled input), so "wording 0%" never
    # stands beside a high score: unrelated texts read 30-45% here.
    wording = f["_wording"]
    near = f" (+{f['_near']:.0f} spelt differently)" if f["_near"] else ""
    reason = f"{f['_exact']:.0f} of {f['_units']:.0f} words and concepts shared{near}, wording {wording:.0f}% alike"
    evidence = {name: f[name] for name in EVIDENCE}
    evidence["_short"] = f["_short"]
    return Scored(round(value, 1), reason, evidence, logit)


@lru_cache(maxsize=4)
def used_features(lang: str) -> frozenset[str]:
    """The features the language's models weigh (ranking and same-claim)."""
    m = model()["models"][lang]
    weights = {name for name, w in m["weights"].items() if w}
    return frozenset(weights | {name for name, w in m.get("same_claim", {}).get("evidence", {}).items() if w})


def ranking_value(f: dict[str, float], lang: str) -> float:
    """The learned ranking score (pairwise-trained: only differences matter)."""
    m = model()["models"][lang]
    return sum(w * f.get(name, 0.0) for name, w in m["weights"].items())


def ranking_logit(f: dict[str, float], lang: str = "en") -> float:
    """The logit of P(relevant) of one candidate from the ranking score alone
    (a logistic calibrated on the train candidates)."""
    m = model()["models"][lang]
    return m["scale"] * ranking_value(f, lang) + m["bias"]


def probability(f: dict[str, float], lang: str = "en") -> float:
    """100 x P(relevant) of one candidate from the ranking score alone."""
    return sigmoid(ranking_logit(f, lang))


def same_claim(claim: Claim, scored: list[Scored]) -> list[float]:
    """The final scores of one claim's candidates: the calibrated probability
    that each is the same claim, x 100 (benchmarks/train_rerank.py learns it on
    train and calibrates it per language on dev, half the claims archived).

    It weighs the ranking score, the evidence (the claim's rarest words found,
    names and figures shared or clashing) and the lead over the best other
    candidate: a candidate far ahead of the rest is more likely the claim
    itself than one of several similar fact-checks. A lead lifts only a
    candidate whose own evidence is already fair (ranking P at least the
    model's `gate`): the best of weak candidates is still weak.
    Cross-lingual scores (a rule, not the model) are left as they are."""
    lang = "ar" if is_arabic(claim.text) else "en"
    m = model()["models"][lang].get("same_claim")
    model_scored = [i for i, s in enumerate(scored) if s.evidence]
    if m is None or not model_scored:
        return [s.value for s in scored]
    z = {i: scored[i].logit for i in model_scored}
    order = sorted(model_scored, key=lambda i: -z[i])
    lead = leads(z, order)
    cap = short_claim_cap(lang) if len(word_groups(claim.text)) < SHORT_CLAIM_WORDS else 100.0
    out = [s.value for s in scored]
    gate = logit(m["gate"])
    ceiling = cap
    for i in order:  # best first: the ranking's order is kept (a later candidate never scores above an earlier one)
        out[i] = ceiling = round(min(ceiling, sigmoid(confidence_logit(m, z[i], lead[i], scored[i].evidence, gate))), 1)
    return out


def leads(z: dict[int, float], order: list[int]) -> dict[int, float]:
    """Each candidate's ranking-logit lead over the best other (`order`: best first), clipped
    to MARGIN_CLIP: the first's over the second (alone, MARGIN_CLIP), the others' over the first."""
    first = z[order[0]]
    second = z[order[1]] if len(order) > 1 else first - MARGIN_CLIP
    return {i: max(-MARGIN_CLIP, min(MARGIN_CLIP, z[i] - (second if i == order[0] else first))) for i in order}


def gated_lead(lead: float, z: float, gate: float) -> float:
    """The lead a candidate is credited with: none above zero below the `gate` logit, since
    weak evidence is not lifted by its lead over weaker ones."""
    return 0.0 if lead > 0 and z < gate else lead


def confidence_logit(m: dict, z: float, lead: float, evidence: dict[str, float], gate: float) -> float:
    """The same-claim logit before dev calibration is applied (`alpha`, `beta`)."""
    raw = (m["a"] * z + m["b"] * gated_lead(lead, z, gate) + m["c"]
           + sum(w * evidence.get(k, 0.0) for k, w in m["evidence"].items()))
    return m["alpha"] * raw + m["beta"]


def sigmoid(z: float) -> float:
    """A logit as a probability x 100 (clipped at ±40: no overflow)."""
    return 100.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def logit(value: float) -> float:
    """A probability x 100 as a logit (kept off 0 and 100)."""
    p = min(max(value, 0.01), 99.99) / 100.0
    return math.log(p / (1.0 - p))


def _file() -> dict:
    # Read without model()'s checks: train_rerank.py imports the engine (which
    # asks for the cuts) while the file may still hold an older feature set.
    return json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def cuts() -> dict[str, tuple[float, float]]:
    """Per language, (strong, possible): a match scoring at least `strong` is
    the answer, one scoring at least `possible` is shown as possibly related,
    below that nothing is shown (calibrated on dev by benchmarks/train_rerank.py)."""
    out = {}
    for lang, m in _file()["models"].items():
        c = m.get("cuts", {})
        out[lang] = (float(c.get("strong", 50.0)), float(c.get("possible", 30.0)))
    return out


def short_claim_cap(lang: str) -> float:
    """One or two words are a topic, not a claim: never even a possible match."""
    return min(SHORT_CLAIM_CAP, cuts().get(lang, (50.0, 30.0))[1] - 1.0)


def threshold() -> float:
    """The lowest strong cut of the two languages (what `Verifier.threshold`
    defaults to for code that asks for one number; the engine cuts per language)."""
    return min(strong for strong, _ in cuts().values())


def _share(groups: list[tuple[str, tuple[str, ...]]], terms: set[str]) -> float:
    if not groups:
        return 0.0
    return sum(1 for _, t in groups if terms.intersection(t)) / len(groups)


def _cross_lingual(concepts: set[str], cand_terms: set[str], cap: float = SHORT_CLAIM_CAP) -> tuple[float, str]:
    shared = concepts & cand_terms
    if not concepts:
        return 0.0, f"{CROSS_REASON}, no known names or events"
    value = CROSS_LINGUAL_MAX * len(shared) / len(concepts)
    if len(shared) < MIN_CONCEPTS:
        value = min(value, cap)  # one or two shared names: not even a possible match
    return round(value, 1), f"{CROSS_REASON}, {len(shared)} of {len(concepts)} names and events shared"


def _overlap(
    groups: list[tuple[str, tuple[str, ...]]], concepts: set[str], candidate_text: str, cand_terms: set[str]
) -> tuple[float, int, int]:
    """Share of the claim's words (and concepts) found in the candidate, with
    partial credit for a misspelt or dialect-spelt word close to one of the
    candidate's words. Returns (share, words found exactly, words found
    spelt differently: fuzz.ratio 70 or more)."""
    units = len(groups) + len(concepts)
    if not units:
        return 0.0, 0, 0
    exact = sum(1 for _, terms in groups if cand_terms.intersection(terms))
    exact += len(concepts & cand_terms)
    missing = [surface for surface, terms in groups if not cand_terms.intersection(terms)]
    soft = 0.0
    near = 0
    if missing:
        cand_words = [surface for surface, _ in word_groups(candidate_text)]
        if cand_words:
            best = process.cdist(missing, cand_words, scorer=fuzz.ratio).max(axis=1)
            credit = (best - WORD_FUZZ_FLOOR) / (100.0 - WORD_FUZZ_FLOOR)
            soft = float(credit.clip(0.0, 1.0).sum()) * SOFT_WORD_CREDIT
            near = int((credit >= 0.25).sum())  # fuzz.ratio 70 or more
    return (exact + soft) / units, exact, near


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
