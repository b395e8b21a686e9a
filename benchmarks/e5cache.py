"""A cache of e5 vectors shared by the benchmarks (the model is slow on this machine).

A directory of `.npz` files, each with `keys` (sha1 hex of the exact text given
to `Embedder.passages`: bare, clipped to embeddings.MAX_CHARS) and `vecs`
(float32, L2-normalized). Every file in it is read; this module writes its own
file, atomically (tmp + rename), so two processes never see half a file.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from verifiers.embeddings import Embedder

SAVE_EVERY = 640


def key(text: str) -> str:
    from verifiers.embeddings import MAX_CHARS

    return hashlib.sha1((text[:MAX_CHARS] or " ").encode("utf-8")).hexdigest()


class VectorCache:
    def __init__(self, directory: Path | None, name: str = "isnad_checkthat") -> None:
        self.directory, self.name = directory, name
        self.vectors: dict[str, np.ndarray] = {}
        self._own: set[str] = set()  # what this file holds: the others' files are only read
        self._saved = 0
        self._embedder: Embedder | None = None
        if directory is not None and directory.is_dir():
            for path in sorted(directory.glob("*.npz")):
                with np.load(path) as data:
                    keys = [str(k) for k in data["keys"]]
                    self.vectors.update(zip(keys, data["vecs"]))
                if path.stem == name:
                    self._own.update(keys)
                    self._saved = len(self._own)

    def get(self, text: str) -> np.ndarray | None:
        return self.vectors.get(key(text))

    def fill(self, texts: Iterable[str], *, batch: int = 32) -> int:
        """Embed the texts the cache lacks; returns how many. Saved every SAVE_EVERY
        new vectors (and by `save`)."""
        todo = {key(t): t for t in texts if key(t) not in self.vectors}
        if not todo:
            return 0
        if self._embedder is None:
            from verifiers.embeddings import Embedder

            self._embedder = Embedder()
        embedder = self._embedder
        items = sorted(todo.items(), key=lambda kv: len(kv[1]))  # similar lengths batch better
        for start in range(0, len(items), batch):
            part = items[start:start + batch]
            for (k, _), vec in zip(part, embedder.passages([t for _, t in part])):
                self.vectors[k] = vec
                self._own.add(k)
            if len(self._own) - self._saved >= SAVE_EVERY:
                self.save()
        return len(items)

    def save(self) -> None:
        if self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        mine = {k: self.vectors[k] for k in sorted(self._own)}
        if not mine or len(mine) == self._saved:
            return
        tmp = self.directory / f".{self.name}.{os.getpid()}.tmp.npz"
        np.savez(tmp, keys=np.asarray(list(mine)), vecs=np.stack(list(mine.values())).astype(np.float32))
        os.replace(tmp, self.directory / f"{self.name}.npz")
        self._saved = len(mine)


def fill_dense_index(verifier, cache: VectorCache, *, on_demand: bool = False) -> tuple[int, int]:
    """Put the cached vectors of the archive's items into the verifier's dense
    index, as `isnad embed` would: (sources filled, sources not cached).

    `on_demand`: a source the cache lacks is embedded the first time the engine
    asks for its cosine (`DenseIndex.cosines`, the same-claim score's only use
    of the vectors of a one-language archive), and stands meanwhile as
    embedded: the figures are those of a fully embedded archive, at the cost
    of the items a claim's candidates reach (a 24k-claim collection is an hour
    of this shared machine). Without it those sources have no vectors."""
    from verifiers.backfill import item_texts

    dense = verifier.crosslang.dense
    if dense is None:
        return 0, 0
    filled = 0
    pending: dict[str, tuple[str, list[tuple[str, str, int]]]] = {}
    for source_id, content_hash in verifier._hashes.items():
        source = verifier.store.get(source_id)
        items = item_texts(source) if source is not None else []
        found = [cache.get(text) for _, text, _ in items]
        vecs = [v for v in found if v is not None]
        if source is None or len(vecs) < len(found):
            pending[source_id] = (content_hash, items)
            continue
        matrix = np.stack(vecs) if vecs else np.zeros((0, dense.dim), np.float32)
        dense.add_source(source_id, content_hash, [i for i, _, _ in items], [s for _, _, s in items], matrix)
        filled += 1
    if on_demand and pending:
        for source_id, (content_hash, _) in pending.items():  # counted as embedded; rows come on demand
            dense.hashes[source_id] = content_hash
        cosines = dense.cosines

        def embed_then_cosines(query, item_ids):
            for source_id in {i.rpartition(":")[0] for i in item_ids} & pending.keys():
                content_hash, items = pending.pop(source_id)
                if source_id not in dense.hashes:
                    continue  # removed from the archive meanwhile
                cache.fill([text for _, text, _ in items])
                vecs = [cache.get(text) for _, text, _ in items]
                dense.hashes.pop(source_id)
                dense.add_source(source_id, content_hash, [i for i, _, _ in items], [s for _, _, s in items],
                                 np.stack([v for v in vecs if v is not None]))
            return cosines(query, item_ids)

        dense.cosines = embed_then_cosines
    return filled, len(pending)
