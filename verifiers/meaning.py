"""Both texts' vectors for the stance model that reads their meaning (optional: the
`multilingual` extra, verifiers/embeddings.py).

The word model of verifiers/stance.py knows which words differ, not what they mean: «مضطهدة» for
«تحقق المزيد من المكاسب» is a changed account only to a model that knows the words. `isnad stance`
(a batch tool: accuracy before speed) gives every Arabic pair to the model that also reads the
multilingual-e5 vectors of both texts (docs/verdicts.md: held-out macro-F1 0.775 against 0.691).
`isnad verify` does not use it: asked only where the word model is unsure it cost 2-3x the p95
latency and 0.012 MAP@5 on the CheckThat! tweets for 3-5 points of altered headlines caught
(docs/verdicts.md, "Tried").

Embedding runs in the calling thread with the engine's one OpenMP thread (verifiers/embeddings.py,
`configure`); a text's vector is kept in a small cache.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from verifiers import embeddings, stance
from verifiers.normalize import is_arabic

CACHE_SIZE = 2_048  # vectors kept across pairs (one claim meets many texts, one text many claims)


def _embed(texts: Sequence[str]) -> np.ndarray:
    return embeddings.shared().passages(texts)


@lru_cache(maxsize=CACHE_SIZE)
def _vector(text: str) -> np.ndarray:
    return _embed([text])[0]


def pair_vectors(claim_text: str, text: str) -> stance.Vectors | None:
    """Both texts' vectors for `isnad stance` (a batch tool: every Arabic pair gets the meaning
    model), or None without the extra or the model, or for a pair the models do not read."""
    if not (is_arabic(claim_text) and is_arabic(text)) or not embeddings.available() \
            or not stance.meaning_available():
        return None
    return _vector(claim_text), _vector(text)
