"""The vectors the stance model's meaning features need, for one claim (optional: the
`multilingual` extra, verifiers/embeddings.py).

The word model of verifiers/stance.py knows which words differ, not what they mean: «مضطهدة» for
«تحقق المزيد من المكاسب» is a changed account only to a model that knows the words. Where its
decision is uncertain (verifiers/conflicts.py says where), the stance is decided again by the model
that also reads the multilingual-e5 vectors of both texts (docs/verdicts.md). An embedding costs
13-60 ms, so:

- the claim is embedded once, on first need, never when no pair is uncertain;
- an archived item's vector comes from the dense index when it holds the item's text as judged
  (an item without a source title: the index embeds a passage with its title);
- otherwise the item is embedded here, at most MAX_EMBEDDED per claim (the closest first), in the
  same call as the claim, and kept in a small cache (one archive meets many claims).

Embedding runs in the calling thread with the engine's one OpenMP thread, which is safe in
verify_many's forked workers (verifiers/embeddings.py, `configure`).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from verifiers import embeddings, stance
from verifiers.dense import DenseIndex
from verifiers.normalize import is_arabic
from verifiers.report import Match

MAX_EMBEDDED = 3  # items embedded per claim beyond what the dense index holds (about 25 ms each)
CACHE_SIZE = 2_048  # item vectors kept across claims

Embed = Callable[[Sequence[str]], np.ndarray]


class _Cache:
    def __init__(self, size: int) -> None:
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._data.get(text)
            if vector is not None:
                self._data.move_to_end(text)
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._data[text] = vector
            self._data.move_to_end(text)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


_cache = _Cache(CACHE_SIZE)


def _embed(texts: Sequence[str]) -> np.ndarray:
    return embeddings.shared().passages(texts)


class ClaimMeaning:
    """Vectors for one claim's uncertain pairs."""

    def __init__(self, claim_text: str, dense: DenseIndex | None = None, embed: Embed = _embed) -> None:
        self.claim_text = claim_text
        self._dense = dense if dense is not None and len(dense) else None
        self._embed = embed
        self._claim: np.ndarray | None = None
        self.embedded = 0  # items embedded for this claim (the claim not counted)

    def vectors(self, matches: Sequence[Match]) -> dict[str, stance.Vectors]:
        """{item id: (claim vector, item vector)} for these matches, closest first; a match left
        out had no vector within the bound."""
        if not matches:
            return {}
        found: dict[str, np.ndarray] = {}
        if self._dense is not None:
            untitled = [m.item_id for m in matches if not m.title]
            found.update(self._dense.vectors(untitled))
        todo: list[Match] = []
        for m in matches:
            if m.item_id in found:
                continue
            cached = _cache.get(m.text)
            if cached is not None:
                found[m.item_id] = cached
            elif self.embedded + len(todo) < MAX_EMBEDDED:
                todo.append(m)
        texts = [m.text for m in todo]
        if self._claim is None:
            texts.insert(0, self.claim_text)
        if texts:
            vectors = self._embed(texts)
            if self._claim is None:
                self._claim, vectors = vectors[0], vectors[1:]
            for m, vector in zip(todo, vectors):
                _cache.put(m.text, vector)
                found[m.item_id] = vector
            self.embedded += len(todo)
        claim = self._claim
        if claim is None:
            return {}
        return {m.item_id: (claim, found[m.item_id]) for m in matches if m.item_id in found}


def for_claim(claim_text: str, dense: DenseIndex | None) -> ClaimMeaning | None:
    """The claim's meaning provider, or None without the extra or the meaning model."""
    if not claim_text.strip() or not embeddings.available() or not stance.meaning_available():
        return None
    return ClaimMeaning(claim_text, dense)


def pair_vectors(claim_text: str, text: str) -> stance.Vectors | None:
    """Both texts' vectors for `isnad stance` (a batch tool: every Arabic pair gets the meaning
    model), or None without the extra or the model, or for a pair the models do not read."""
    if not (is_arabic(claim_text) and is_arabic(text)) or not embeddings.available() \
            or not stance.meaning_available():
        return None
    todo = [t for t in dict.fromkeys((claim_text, text)) if _cache.get(t) is None]
    if todo:
        for t, vector in zip(todo, _embed(todo)):
            _cache.put(t, vector)
    u, v = _cache.get(claim_text), _cache.get(text)
    return (u, v) if u is not None and v is not None else None
