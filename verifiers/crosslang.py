"""The cross-language path: an English claim finds its Arabic account (and the reverse).

The lexical path bridges languages only through the alias table's concepts
(70 names of the seed's region): an English rendering of an Arabic fact-check
tweet finds its claim for 0.07 MAP@5. This path adds candidates from the
dense index (verifiers/dense.py: multilingual-e5-small vectors) and scores
them with a model of its own, since a cosine between two languages is not a
BM25 score; the alias table's concepts stay a feature. The engine calls it
once per claim (`CrossLanguage.extend`), after its own ranking.

When it runs: the claim's script (Arabic or not) is a minority among the
embedded items of the archive, so that other-script accounts are likely; or
the lexical path found nothing strong (nothing at the claim language's strong
cut) and the other script holds OTHER_SCRIPT_SHARE of the archive (where it
holds less, nothing even possibly related). A same-language claim in a
one-language archive never takes it, so it costs nothing there. Only other-script items are taken from the dense
index: same-language matching stays the lexical path's (e5 as an
Arabic-to-Arabic re-ranker did not help: docs/quality.md).

The score starts as P(same claim) x 100, a logistic over
- cosine: the claim's and the item's vectors;
- lead: the cosine's lead over the best other candidate (negative for all
  but the first): the claim's own account stands out from similar stories;
- concepts, has_concepts: the share of the claim's alias-table concepts the
  item carries (and whether the claim has any);
- num_shared, num_clash: numbers in common, or only different ones;
- names, has_names: the share of the Latin side's names (capitalised words:
  Macron, Frankfurt, Haniyeh) whose transliteration skeleton the Arabic side
  has (verifiers/alias_suggest.py), and whether it has any: names the alias
  table has never heard of still count.
benchmarks/train_crosslang.py fits it on English renderings of Arabic train
tweets (benchmarks/data/crosslang_en_ar.tsv) and ships the weights as
data/crosslang_weights.json; no scikit-learn at run time. Arabic claims have a
block of their own, fitted the other way round: the Arabic train tweets asked
of an archive where their English renderings are the right candidates.
Its strong tier was measured at its decision point, P = 0.5 (MODEL_STRONG;
docs/quality.md). The engine cuts each claim's matches at its language's
calibrated cuts (rerank.cuts: English strong 66, Arabic 73), which belong to
the re-ranker's probabilities, not this model's: `on_language_scale` maps
MODEL_STRONG onto the language's strong cut (linearly between the possible
cut and 100; unchanged below the possible cut), so one number means one
tier whichever scorer gave it.
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
from collections import deque
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from verifiers import embeddings
from verifiers.alias_suggest import MIN_CONSONANTS, arabic_skeletons, latin_names, latin_skeleton
from verifiers.aliases import AliasTable, fold, table
from verifiers.dense import ARABIC, OTHER, DenseHit, DenseIndex, directory_for
from verifiers.normalize import is_arabic, titled
from verifiers.report import Claim, Confidence, Match
from verifiers.rerank import CROSS_REASON, sigmoid  # CROSS_REASON: how it words its alias-concept matches

if TYPE_CHECKING:
    from verifiers.backfill import Backfill
    from verifiers.engine import Verifier

WEIGHTS_PATH = Path(__file__).parent / "data" / "crosslang_weights.json"
FEATURES = ("cosine", "lead", "concepts", "has_concepts", "num_shared", "num_clash", "names", "has_names")
TEXT_RECIPE = 1  # bump when backfill.item_texts changes what is embedded: saved vectors are redone
CANDIDATES = 20  # dense hits scored per claim
LEXICAL_CANDIDATES = 10  # and at most this many of the lexical path's other-language matches (its best)
SAME_LANGUAGE_FLOOR = 0.1  # a same-language match with any evidence (scores are rounded: 0.0 is none) ...
SAME_LANGUAGE_SHARE = 0.01  # ... ranks above weak other-language ones where the claim's language has this share
# Where the other script holds at least this share of the archive's vectors, a claim in the majority
# script takes the path when its own language finds nothing strong (elsewhere only when it finds
# nothing even possibly related: a few stray items rarely tell the claim's story), and as that is
# known only after the lexical ranking, its embedding is started ahead, on an idle claim thread,
# and dropped when unused (docs/quality.md, "Issue 15c": Arabic claims on the 100k benchmark).
OTHER_SCRIPT_SHARE = 0.05
# Claim threads: a vector made ahead and then unused (the claim found its account in its own
# language) still runs when the next claim comes; with one thread that claim could not start its
# own ahead and waited behind it (12 of 46 Arabic claims that took the path at 100k passages: p95
# 82-98 ms against 71-80; docs/quality.md). Each has its own embedder (embeddings.thread_embedder).
CLAIM_WORKERS = 2
START_WAIT = 2.0  # seconds a caller waits at most for a claim thread to reach the model (0.2 s to load it)
REASON = "other language"
MODEL_STRONG = 50.0  # the fitted model's own strong cut: its decision point, where docs/quality.md measures it
_NUMBER = re.compile(r"\d+")
log = logging.getLogger("isnad.crosslang")


@lru_cache(maxsize=1)
def model() -> dict:
    """{"weights": {feature: w}, "bias": b, "arabic_claims": {"weights": ..., "bias": ...}}
    (data/crosslang_weights.json): English claims' block, and Arabic claims' own."""
    data = json.loads(WEIGHTS_PATH.read_text(encoding="utf-8"))
    for block in (data, data["arabic_claims"]):
        unknown = [f for f in block["weights"] if f not in FEATURES]
        if unknown:
            raise ValueError(f"{WEIGHTS_PATH.name} has unknown features {', '.join(unknown)}")
    return data


def script(text: str) -> int:
    return ARABIC if is_arabic(text) else OTHER


def claim_tokens(text: str) -> int:
    """How many of a claim's first tokens its vector is made from (embeddings.CLAIM_TOKENS says why)."""
    return embeddings.ARABIC_CLAIM_TOKENS if script(text) == ARABIC else embeddings.CLAIM_TOKENS


def _numbers(text: str) -> set[str]:
    return {n.lstrip("0") or "0" for n in _NUMBER.findall(fold(text))}


def features(
    claim_text: str, cosines: list[float], texts: list[str], aliases: AliasTable | None = None,
) -> list[dict[str, float]]:
    """The features of each candidate of one claim (cosines best first, texts alike); concepts
    by `aliases` (the verifier's table: the moderators' names count; default the module's)."""
    aliases = aliases if aliases is not None else table()
    concepts = set(aliases.concept_tokens(claim_text))
    numbers = _numbers(claim_text)
    claim_latin = not is_arabic(claim_text)
    claim_side: Collection[str] = _names(claim_text) if claim_latin else arabic_skeletons(claim_text)
    out = []
    for i, (cos, text) in enumerate(zip(cosines, texts)):
        others = [c for j, c in enumerate(cosines) if j != i]
        best_other = max(others) if others else cos - 0.05
        theirs = set(aliases.concept_tokens(text))
        their_numbers = _numbers(text)
        names: Collection[str]
        skeletons: Collection[str]
        if claim_latin:
            names, skeletons = claim_side, (arabic_skeletons(text) if claim_side else frozenset())
        else:
            names, skeletons = _names(text), claim_side
        out.append({
            "cosine": cos,
            "lead": cos - best_other,
            "concepts": len(concepts & theirs) / len(concepts) if concepts else 0.0,
            "has_concepts": 1.0 if concepts else 0.0,
            "num_shared": 1.0 if numbers & their_numbers else 0.0,
            "num_clash": 1.0 if numbers and their_numbers and not numbers & their_numbers else 0.0,
            "names": sum(1 for n in names if n in skeletons) / len(names) if names else 0.0,
            "has_names": 1.0 if names else 0.0,
        })
    return out


def _names(latin_text: str) -> list[str]:
    """The transliteration skeletons of a Latin text's names."""
    skeletons = {latin_skeleton(n) for n in latin_names(latin_text)}
    return sorted(s for s in skeletons if len(s) >= MIN_CONSONANTS)


def probability(f: dict[str, float], arabic_claim: bool = False) -> float:
    """100 x P(same claim), by the claim's script's block: the two directions differ (an Arabic
    tweet against English passages has other cosines than an English claim against Arabic ones)."""
    m = model()["arabic_claims"] if arabic_claim else model()
    return sigmoid(m["bias"] + sum(w * f[name] for name, w in m["weights"].items()))


def on_language_scale(value: float, strong: float, possible: float) -> float:
    """The model's score on the claim language's scale: MODEL_STRONG becomes `strong`; below the
    `possible` cut unchanged (what is shown as possibly related stays as it was), linear between."""
    low = possible if possible < MODEL_STRONG and possible < strong else 0.0
    if value <= low:
        return value
    if value < MODEL_STRONG:
        return low + (value - low) * (strong - low) / (MODEL_STRONG - low)
    return strong + (value - MODEL_STRONG) * (100.0 - strong) / (100.0 - MODEL_STRONG)


def _alias_strong(match: Match, threshold: float) -> bool:
    """The re-ranker's alias rule found all (of three or more) of the claim's
    names and events in this item. That keeps its score: the alias table is
    the team's own knowledge of its region, which the fitting data (general
    Arabic fact-checks, few of the table's names) cannot teach the model to
    weigh; the seed's English claims measure it."""
    return match.reason.startswith(CROSS_REASON) and match.score >= threshold


def reason(f: dict[str, float]) -> str:
    words = f"{REASON}, meaning {100 * f['cosine']:.0f}% alike"
    if f["has_concepts"]:
        words += f", {100 * f['concepts']:.0f}% of names and events shared"
    return words


class _OwnLoad:
    """This process's CPU use over about the last minute (cores' worth): its own share of the load
    average, which the verifying itself raises (the calling thread, and the claim threads)."""

    WINDOW = 60.0  # seconds, as the load average's first figure

    def __init__(self) -> None:
        self._samples: deque[tuple[float, float]] = deque([(time.monotonic(), time.process_time())])
        self._lock = threading.Lock()

    def rate(self) -> float:
        now, cpu = time.monotonic(), time.process_time()
        with self._lock:
            samples = self._samples
            if now - samples[-1][0] >= 1.0:
                samples.append((now, cpu))
            while len(samples) > 1 and now - samples[1][0] >= self.WINDOW:
                samples.popleft()  # keep one sample at least a window old, once there is one
            start, start_cpu = samples[0]
        return (cpu - start_cpu) / max(now - start, 1.0)


_own_load = _OwnLoad()


def _core_free() -> bool:
    """Is a core left over by other work? A vector made ahead runs on a second
    core: where none is free it slows the lexical ranking it was meant to
    overlap (measured at load 5-6 on two cores: claims that did not take the
    path, median 25 -> 40 ms). The load average counts this process's own
    verifying too (1.3-1.7 while claims come back to back, where a fixed
    cut at the core count less half turned the head start off for most of
    them: docs/quality.md), so that is taken out."""
    try:
        others = os.getloadavg()[0] - _own_load.rate()
    except OSError:  # no load average on this platform
        return False
    return others < (os.cpu_count() or 1) - 1


class CrossLanguage:
    """The verifier's cross-language path: its dense index, its background
    embedding, and the scoring of other-language candidates."""

    def __init__(self, verifier: Verifier) -> None:
        self.verifier = verifier
        self.dense: DenseIndex | None = None
        self.backfill: Backfill | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self._running = 0  # embeddings submitted to the claim threads and not yet done
        self._running_lock = threading.Lock()
        # Off in verify_many's forked workers: a batch wants throughput, and the
        # CPU spent on an unused vector is taken from the other worker.
        self.speculate = True
        if not embeddings.available():
            return
        stamp = {"model": embeddings.model_id(), "text": TEXT_RECIPE}
        self.dense = DenseIndex.open(directory_for(verifier._dir), stamp, embeddings.DIM)

    # --- keeping the dense index in step (the engine calls these) -----------------------------

    def make_backfill(self) -> Backfill | None:
        """The embedding loop over what the dense index lacks (None without the extra)."""
        if self.dense is None:
            return None
        if self.backfill is None:
            from verifiers.backfill import Backfill

            self.backfill = Backfill(self.dense, self._wanted, self._fetch, sizes=self._sizes)
        return self.backfill

    def start_background(self, delay: float | None = None) -> None:
        """Embed the archive in a background thread (the bot and the chat call this at start)."""
        backfill = self.make_backfill()
        if backfill is not None:
            backfill.start() if delay is None else backfill.start(delay)

    def stop_background(self) -> None:
        """Stop the background embedding (at the end of its batch) and save what it embedded."""
        if self.backfill is not None and self.backfill.running:
            self.backfill.stop(timeout=30.0)
        if self.dense is not None:
            self.dense.save()

    def sources_changed(self) -> None:
        """Sources were added: wake the background embedding, if it runs."""
        if self.backfill is not None and self.backfill.running:
            self.backfill.notify()

    def source_removed(self, source_id: str) -> None:
        if self.dense is not None:
            self.dense.remove_source(source_id)

    def _wanted(self) -> dict[str, str]:
        return dict(self.verifier._hashes)

    def _sizes(self) -> dict[str, int]:
        return self.verifier._index.source_sizes()  # the index's documents are the items embedded

    def _fetch(self, source_id: str):
        return self.verifier.store.get(source_id) or self.verifier._outside.get(source_id)

    @property
    def complete(self) -> bool:
        """Does every archived source have its vectors (the background
        embedding has caught up)?"""
        dense = self.dense
        return dense is not None and bool(dense.hashes) and len(dense.hashes) >= len(self.verifier._hashes)

    # --- verifying ---------------------------------------------------------------------------

    def takes_path(
        self, claim: Claim, ranked: list[Match], threshold: float, possible: float | None = None,
    ) -> tuple[int, bool] | None:
        """(the script to search, whether the claim's is the archive's minority)
        when the claim takes the path, else None. A claim in the archive's
        majority script takes it when the lexical path found nothing strong
        (nothing at `threshold`, the claim language's strong cut) where the
        other script is a real part of the archive (OTHER_SCRIPT_SHARE), else
        only when it found nothing even possibly related (nothing at
        `possible`); the path then adds only strong other-language matches.
        At "nothing strong" the reverse set's Arabic tweets find their English
        account first and strong 29 times of 73 against 23, same-language
        MAP@5 unchanged; its cost is hidden by the vector made ahead, which
        the same share gates (docs/quality.md)."""
        scripts = self._scripts(claim)
        if scripts is None:
            return None
        mine, other, counts = scripts
        if counts[mine] < counts[other]:
            return other, True  # the claim's language is the archive's minority
        present = counts[other] >= OTHER_SCRIPT_SHARE * sum(counts.values())
        cut = threshold if present or possible is None else min(possible, threshold)
        related = any(m.score >= cut for m in ranked)
        return None if related else (other, False)

    def prefetch(self, claim: Claim) -> Future[np.ndarray] | None:
        """Start embedding the claim in a thread when it will surely take the
        path (its language is the archive's minority), so that the model (C
        code, without the GIL) runs while the lexical path ranks: on two cores
        the embedding then costs little more than itself."""
        scripts = self._scripts(claim)
        if scripts is None:
            return None
        mine, other, counts = scripts
        if counts[mine] >= counts[other] and not self._worth_speculating(counts[other], sum(counts.values())):
            return None
        return self.embed(claim.text, alone=False, tokens=claim_tokens(claim.text))

    def _scripts(self, claim: Claim) -> tuple[int, int, dict[int, int]] | None:
        """(the claim's script, the other, the embedded items by script), or None when
        the path cannot run: no dense index, an empty claim, no item in the other script."""
        if self.dense is None or not claim.text.strip() or len(self.dense) == 0:
            return None
        mine = script(claim.text)
        other = OTHER if mine == ARABIC else ARABIC
        counts = self.dense.lang_counts()
        return None if counts[other] == 0 else (mine, other, counts)

    def _worth_speculating(self, other: int, total: int) -> bool:
        """Start a majority-script claim's vector before knowing it will be
        needed? Only where the other script is a real part of the archive and
        a claim thread is idle: behind vectors still being made for earlier
        claims this one would wait, not gain."""
        return self.speculate and other >= OTHER_SCRIPT_SHARE * total and self._running < CLAIM_WORKERS and _core_free()

    def embed(self, text: str, *, alone: bool, tokens: int | None = None) -> Future[np.ndarray]:
        """The claim's vector, computed in a claim thread: OpenMP threads
        beyond one run there only, never in the calling thread (a process
        forked from that could not embed: embeddings.claim_threads). When the
        caller goes on meanwhile (the lexical path), it first waits until the
        model runs (a millisecond or so): the claim thread then needs the GIL
        no more until the vector is made (embeddings.Embedder.claim). `tokens`:
        the claim is embedded from its first ones (the path asks for
        claim_tokens; without, the whole text)."""
        if self._pool is None or self._pool_pid != os.getpid():  # a forked batch worker needs its own threads
            self._pool = ThreadPoolExecutor(max_workers=CLAIM_WORKERS, thread_name_prefix="isnad-claim")
            self._pool_pid = os.getpid()
        started = threading.Event()
        with self._running_lock:
            self._running += 1
        future = self._pool.submit(self._counted, text, alone=alone, started=started, tokens=tokens)
        if not alone:
            started.wait(START_WAIT)
        return future

    @property
    def running(self) -> int:
        """Claims' vectors being made (some made ahead may go unused)."""
        return self._running

    def _counted(self, text: str, **kwargs) -> np.ndarray:
        """embeddings.embed_claim, counted in `running` until just before its vector is handed over
        (a done-callback would run after the caller's `result()` returned, so the next claim could
        still see every claim thread busy and go without its head start)."""
        try:
            return embeddings.embed_claim(text, **kwargs)
        finally:
            with self._running_lock:
                self._running -= 1

    def extend(
        self, claim: Claim, ranked: list[Match], *, exclude: set[str], threshold: float,
        possible: float | None = None, prefetched: Future[np.ndarray] | None = None,
    ) -> list[Match]:
        """`ranked` (the lexical path's matches, best first) with other-language
        candidates from the dense index scored in; best first. `threshold` and
        `possible` are the claim language's strong and possible cuts.

        The lexical path's own other-language matches (alias concepts only, a
        rule) are scored again by this model when they are embedded: a
        cross-language pair gets one calibrated score, whichever path found it.
        Same-language results stay as they were: when the claim's language is
        the archive's majority (the "nothing strong" case), only strong
        other-language matches are added; otherwise weak ones rank after the
        same-language matches with any evidence, unless the claim's language
        is nearly absent from the archive (under SAME_LANGUAGE_SHARE: its few
        items are then no better evidence, and all rank by score). Measured on
        the dev sets: interleaving by score everywhere cost 0.07 MAP@5 on
        English tweets in a mixed archive and 0.01 on Arabic ones; keeping
        same-language first everywhere cost 0.05 on English claims against
        the Arabic collection (17 Latin-script items in 6,761), docs/quality.md."""
        path = self.takes_path(claim, ranked, threshold, possible)
        if path is None or self.dense is None:
            return ranked
        lang, minority = path
        query = prefetched.result() if prefetched is not None else None
        hits = self.candidates(claim.text, ranked, lang, exclude, query)
        scored = self.score(claim.text, hits, threshold, threshold if possible is None else possible)
        if not minority:
            scored = [m for m in scored if m.score >= threshold]
        if not scored:
            return ranked
        by_item = {m.item_id: m for m in ranked}
        for match in scored:
            old = by_item.get(match.item_id)
            if old is None or not _alias_strong(old, threshold) or match.score > old.score:
                by_item[match.item_id] = match
        cross = {m.item_id for m in scored}
        counts = self.dense.lang_counts()
        present = counts[script(claim.text)] >= SAME_LANGUAGE_SHARE * sum(counts.values())
        floor = SAME_LANGUAGE_FLOOR if present else math.inf

        def order(m: Match) -> tuple[int, float]:
            rule_only = m.item_id not in cross and m.reason.startswith(CROSS_REASON)  # beyond the scored few
            same_language = m.item_id not in cross and not rule_only
            if m.score >= threshold or (same_language and m.score >= floor):
                return 0, -m.score
            return (2 if rule_only else 1), -m.score

        return sorted(by_item.values(), key=order)

    def candidates(
        self, claim_text: str, ranked: list[Match], lang: int, exclude: set[str], query: np.ndarray | None = None
    ) -> list[DenseHit]:
        """The dense top CANDIDATES in script `lang`, plus the lexical path's
        best LEXICAL_CANDIDATES other-language matches that are embedded; best
        cosine first."""
        assert self.dense is not None
        if query is None:
            query = self.embed(claim_text, alone=True, tokens=claim_tokens(claim_text)).result()
        hits = [h for h in self.dense.search(query, k=CANDIDATES, lang=lang) if h.item_id not in exclude]
        seen = {h.item_id for h in hits}
        lexical = [m.item_id for m in ranked if m.reason.startswith(CROSS_REASON) and m.item_id not in seen]
        lexical = lexical[:LEXICAL_CANDIDATES]  # `ranked` is best first; each candidate costs a store read
        hits += [h for h in self.dense.cosines(query, lexical) if h.item_id not in exclude]
        return sorted(hits, key=lambda h: -h.cosine)

    def score(self, claim_text: str, hits: list[DenseHit], threshold: float, possible: float) -> list[Match]:
        """Matches for dense hits, scored by the cross-language model on the scale of the claim
        language's cuts (`threshold`: strong, `possible`)."""
        out = []
        arabic = script(claim_text) == ARABIC
        for match, f in self.featurize(claim_text, hits):
            value = round(on_language_scale(probability(f, arabic), threshold, possible), 1)
            confidence: Confidence = "strong" if value >= threshold else "possible"
            out.append(replace(match, score=value, reason=reason(f), confidence=confidence))
        return out

    def featurize(self, claim_text: str, hits: list[DenseHit]) -> list[tuple[Match, dict[str, float]]]:
        """Each hit still in the archive as a Match (score 0) with its features."""
        fetched = self.verifier.store.get_items(h.item_id for h in hits)
        present = []
        for hit in hits:
            match = self.verifier._template(hit.item_id, fetched.get(hit.item_id))
            if match is not None:  # None: removed from the store since it was embedded
                present.append((hit, match))
        # A post's title goes in too (item_texts embeds posts without it): the model was
        # fitted on these texts (benchmarks/train_crosslang.py goes through featurize).
        texts = [titled(m.title, m.text) for _, m in present]
        feats = features(claim_text, [h.cosine for h, _ in present], texts, self.verifier.aliases)
        return [(m, f) for (_, m), f in zip(present, feats)]
