"""The same-claim score with e5 cosines (optional: the multilingual extra).

`rerank.same_claim` scores a claim's first candidate from lexical evidence:
the ranking logit and its lead over the next candidate. For English claims,
when the archive's items have vectors (the dense index: `isnad embed`, the
background worker), this block adds the e5 cosine between the claim and the
candidate and that cosine's lead over the best other of the POOL first
candidates: the claim's own fact-check reads alike in meaning, a fact-check
of a neighbouring story on the same template less so. It is another logistic,
Platt-calibrated on dev like the lexical one, so the score keeps its meaning
(P(same claim) x 100), with the language's cuts recalibrated for it
(benchmarks/train_same_e5.py, data/same_claim_e5.json; docs/quality.md
gives the figures and why Arabic keeps the lexical score).

Embedding a claim costs 13-60 ms on this machine, so it is done only when the
decision is uncertain: the lexical score of the first candidate lies in the
block's `band`, where on the train and dev tweets the e5 score turned the
strong decision (41% of the English dev verifications). Outside the band, or for a first candidate without
a vector (added since), the lexical score stands; without the extra, or while
the archive is being embedded, the lexical score and the lexical cuts. The ranking order never changes:
a later candidate never scores above an earlier one.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from concurrent.futures import Future
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from verifiers import embeddings, rerank
from verifiers.crosslang import claim_tokens
from verifiers.normalize import is_arabic, word_groups
from verifiers.report import Claim, Match

if TYPE_CHECKING:
    import numpy as np

    from verifiers.crosslang import CrossLanguage

WEIGHTS_PATH = Path(__file__).parent / "data" / "same_claim_e5.json"
# Start every claim's embedding before the lexical ranking? Measured on the English dev tweets
# (bench_verify.py --vectors, shared machine at load 5): with it median / p95 57-63 / 164-173 ms,
# CPU median 40-42 ms; without 43-45 / 101-125 ms, CPU 21 ms: 59% of the claims end outside the
# band and their embedding is spent for nothing, on cores the lexical path needs. Off; the
# cross-language path's own head start is still used when it took one.
PREFETCH = False
PREFETCHED = 8  # claims' vectors started ahead and kept until their ranking asks (a few verifications at once)
log = logging.getLogger("isnad.same_e5")
# (pid, id(crosslang), claim text) -> (its vector, the tokens it was cut to: None for the whole text)
_started: dict[tuple[int, int, str], tuple[Future[np.ndarray], int | None]] = {}
_started_lock = threading.Lock()


def fingerprint(ranking: dict) -> str:
    """The lexical model a block was fitted on (its ranking logit is an input)."""
    used = {k: ranking[k] for k in ("weights", "scale", "bias", "same_claim")}
    return hashlib.sha1(json.dumps(used, sort_keys=True).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def model() -> dict[str, dict]:
    """{lang: block} for the languages whose block fits the shipped ranking model."""
    if not WEIGHTS_PATH.exists():
        return {}
    blocks = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))["models"]
    ranking = rerank.model()["models"]
    out = {}
    for lang, block in blocks.items():
        if lang in ranking and block.get("ranking") == fingerprint(ranking[lang]):
            out[lang] = block
        else:  # the re-ranker was refitted: this block weighs another logit
            log.warning("%s: the %s block was fitted on another ranking model; run benchmarks/train_same_e5.py",
                        WEIGHTS_PATH.name, lang)
    return out


def _language(claim: Claim) -> str:
    return "ar" if is_arabic(claim.text) else "en"


def active(crosslang: CrossLanguage, lang: str) -> dict | None:
    """The block for this language when it runs: every archived source has its
    vectors (so the extra is installed: without it there is no dense index).
    While the archive is still being embedded (`isnad embed`, the background
    worker), scores and cuts stay the lexical ones: a lexical score against the
    block's cuts would show more wrong matches (EN dev at the block's strong
    cut: 12.2% and 11.1% wrongly shown)."""
    block = model().get(lang)
    if block is None or not crosslang.complete:
        return None
    return block


def cuts(crosslang: CrossLanguage, lang: str) -> tuple[float, float] | None:
    """(strong, possible) for the block's scores, None when it does not run."""
    block = active(crosslang, lang)
    return (block["cuts"]["strong"], block["cuts"]["possible"]) if block is not None else None


def prefetch(crosslang: CrossLanguage, claim: Claim, started: Future[np.ndarray] | None = None) -> None:
    """Keep `started` (the cross-language path's embedding of the claim, begun
    before the lexical ranking from its first `crosslang.claim_tokens`) for the
    same-claim step; with PREFETCH, start one of the whole text when there is
    none (the engine calls this before ranking)."""
    if started is None and not PREFETCH:
        return
    if active(crosslang, _language(claim)) is None or len(word_groups(claim.text)) < rerank.SHORT_CLAIM_WORDS:
        return
    entry: tuple[Future[np.ndarray], int | None]
    if started is not None:
        entry = started, claim_tokens(claim.text)
    else:
        entry = crosslang.embed(claim.text, alone=False), None
    with _started_lock:
        _started[(os.getpid(), id(crosslang), claim.text)] = entry  # the pid: a forked worker never waits on these
        while len(_started) > PREFETCHED:
            _started.pop(next(iter(_started)))


def _vector(crosslang: CrossLanguage, text: str) -> np.ndarray:
    with _started_lock:
        future, cut = _started.pop((os.getpid(), id(crosslang), text), (None, None))
    if future is not None and cut is not None and embeddings.shared().token_count(text) > cut:
        # Made from the claim's first tokens (the cross-language path's cut); the block was
        # fitted on whole claims' cosines (benchmarks/train_same_e5.py), so embed it whole.
        future = None
    if future is None:  # not started ahead (a sentence of a pasted paragraph, a caller other than verify)
        future = crosslang.embed(text, alone=True)  # in a claim thread (embeddings.claim_threads)
    return future.result()


def rescore(
    crosslang: CrossLanguage, claim: Claim, ranked: list[Match], scored: list[rerank.Scored], values: list[float]
) -> list[float]:
    """`values` (rerank.same_claim's, aligned with `ranked` and `scored`) with the
    block's scores where it runs and the decision is uncertain; else as they are."""
    block = active(crosslang, _language(claim))
    lexical = [i for i, s in enumerate(scored) if s.evidence]  # cross-lingual rule scores are not the model's
    if block is None or not lexical:
        return values
    if len(word_groups(claim.text)) < rerank.SHORT_CLAIM_WORDS:  # a topic, not a claim: never even possible
        cap = min(rerank.SHORT_CLAIM_CAP, block["cuts"]["possible"] - 1.0)
        return [min(v, cap) if scored[i].evidence else v for i, v in enumerate(values)]
    order = sorted(lexical, key=lambda i: -scored[i].logit)
    low, high = block["band"]
    if not low <= values[order[0]] <= high:
        return values
    pool = order[:block["pool"]]
    assert crosslang.dense is not None
    vector = _vector(crosslang, claim.text)
    cosine = {h.item_id: h.cosine for h in crosslang.dense.cosines(vector, [ranked[i].item_id for i in pool])}
    if ranked[order[0]].item_id not in cosine:
        return values  # not embedded yet: the lexical score stands
    out = list(values)
    ceiling = 100.0
    z = {i: scored[i].logit for i in lexical}
    lead = rerank.leads(z, order)
    gate = rerank.logit(block["gate"])  # as benchmarks/train_same_e5.py computes it (to the last bit)
    for i in order:  # best first, as same_claim: a later candidate never scores above an earlier one
        cos = cosine.get(ranked[i].item_id)
        if cos is not None and i in pool:
            others = [c for j in pool if j != i and (c := cosine.get(ranked[j].item_id)) is not None]
            raw = (block["a"] * z[i] + block["b"] * rerank.gated_lead(lead[i], z[i], gate) + block["cos"] * cos
                   + block["cos_lead"] * (cos - max(others) if others else 0.0) + block["c"])
            value = rerank.sigmoid(block["alpha"] * raw + block["beta"])
        else:
            value = values[i]
        out[i] = ceiling = round(min(ceiling, value), 1)
    return out
