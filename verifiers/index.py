"""The retrieval index: BM25 over numpy posting arrays.

Built to stay fast at a million documents on two cores:

- The main segment is a CSR matrix over terms: `indptr[t]:indptr[t+1]` slices
  `post_docs` (int32) and `post_w` (float32), where `post_w` is the BM25 term
  weight tf*(k1+1)/(tf + k1*(1-b+b*dl/avgdl)), computed once at merge time. A
  query is then a gather, one multiply by idf, and a bincount per query.
- New documents go to a small delta segment (term -> lists), scored on the fly
  and merged into the main arrays when it grows past `merge_every` documents.
- Removal sets a tombstone; dead documents' postings are dropped at merge.
  Document numbers never change, so keys stay valid.
- `save`/`load` write .npy arrays plus JSON (vocabulary, keys) to a directory;
  `load(..., mmap=True)` memory-maps the arrays for a fast cold start.

The weights use the avgdl of the last merge; it drifts a little as documents
are added between merges, which moves scores by far less than the reranker's
own noise.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1


@dataclass(frozen=True)
class DocKey:
    """What an index document stands for in the archive."""

    kind: str  # "passage" | "post"
    item_id: str
    source_id: str


@dataclass(frozen=True)
class Hit:
    doc: int  # the index's document number
    key: DocKey
    bm25: float


@dataclass
class SearchResult:
    hits: list[Hit]
    bm25_max: float  # what a document holding every query term once, at average length, scores


class Index:
    def __init__(self, *, k1: float = 1.2, b: float = 0.75, merge_every: int = 20_000) -> None:
        self.k1, self.b, self.merge_every = k1, b, merge_every
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._keys: list[DocKey] = []
        self._by_source: dict[str, list[int]] = {}
        self._doc_len = np.zeros(0, dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        # main segment
        self._indptr = np.zeros(1, dtype=np.int64)
        self._post_docs = np.zeros(0, dtype=np.int32)
        self._post_w = np.zeros(0, dtype=np.float32)
        self._df = np.zeros(0, dtype=np.int32)  # live df per term, both segments
        self._main_docs = 0
        self._avgdl = 1.0
        # delta segment: term id -> ([doc], [tf])
        self._delta: dict[int, tuple[list[int], list[float]]] = {}
        self._delta_len: list[float] = []
        self._live = 0
        self._len_sum = 0.0
        self._dead = 0  # tombstones since the last merge

    # --- size ---------------------------------------------------------------

    def __len__(self) -> int:
        """Live documents."""
        return self._live

    @property
    def avgdl(self) -> float:
        return self._len_sum / self._live if self._live else 1.0

    def key(self, doc: int) -> DocKey:
        return self._keys[doc]

    # --- building -----------------------------------------------------------

    def _term_id(self, term: str) -> int:
        tid = self._vocab.get(term)
        if tid is None:
            tid = self._vocab[term] = len(self._terms)
            self._terms.append(term)
        return tid

    def add(self, key: DocKey, terms: Sequence[str]) -> int:
        """Add one document; returns its number."""
        return self.add_many([(key, terms)])[0]

    def add_many(self, docs: Iterable[tuple[DocKey, Sequence[str]]]) -> list[int]:
        numbers: list[int] = []
        df_inc: list[int] = []
        for key, terms in docs:
            doc = len(self._keys)
            self._keys.append(key)
            self._by_source.setdefault(key.source_id, []).append(doc)
            counts = Counter(self._term_id(t) for t in terms)
            for tid, tf in counts.items():
                docs_, tfs = self._delta.setdefault(tid, ([], []))
                docs_.append(doc)
                tfs.append(float(tf))
            df_inc.extend(counts)
            self._delta_len.append(float(len(terms)))
            self._live += 1
            self._len_sum += len(terms)
            numbers.append(doc)
        self._sync_arrays(len(numbers))
        if df_inc:
            np.add.at(self._df, np.asarray(df_inc, dtype=np.int64), 1)
        if len(self._delta_len) >= max(self.merge_every, self._main_docs // 10):
            self.merge()
        return numbers

    def _sync_arrays(self, added: int) -> None:
        n_terms = len(self._terms)
        if added:
            self._alive = np.concatenate([self._alive, np.ones(added, dtype=bool)])
            self._doc_len = np.concatenate([self._doc_len, np.asarray(self._delta_len[-added:], dtype=np.float32)])
        if len(self._df) < n_terms:
            self._df = np.concatenate([self._df, np.zeros(n_terms - len(self._df), dtype=np.int32)])

    def remove_source(self, source_id: str) -> int:
        """Tombstone every document of a source; returns how many."""
        docs = self._by_source.pop(source_id, [])
        for doc in docs:
            self._kill(doc)
        return len(docs)

    def remove(self, doc: int) -> None:
        key = self._keys[doc]
        docs = self._by_source.get(key.source_id, [])
        if doc in docs:
            docs.remove(doc)
        self._kill(doc)

    def _kill(self, doc: int) -> None:
        # df is not decremented here (finding a main-segment document's terms
        # means a scan of all postings); it is exact again after the next merge,
        # which runs once tombstones pile up.
        if not self._alive[doc]:
            return
        self._alive[doc] = False
        self._live -= 1
        self._len_sum -= float(self._doc_len[doc])
        self._dead += 1
        if self._dead >= max(self.merge_every, self._main_docs // 10):
            self.merge()

    def merge(self) -> None:
        """Fold the delta into the main arrays, drop dead postings, reweight."""
        n_terms = len(self._terms)
        main_tid = np.repeat(np.arange(len(self._indptr) - 1, dtype=np.int32), np.diff(self._indptr))
        main_docs = np.asarray(self._post_docs)
        main_tf = self._main_tf(main_docs, np.asarray(self._post_w))
        d_tid, d_doc, d_tf = [], [], []
        for tid, (docs_, tfs) in self._delta.items():
            d_tid.append(np.full(len(docs_), tid, dtype=np.int32))
            d_doc.append(np.asarray(docs_, dtype=np.int32))
            d_tf.append(np.asarray(tfs, dtype=np.float32))
        tid = np.concatenate([main_tid, *d_tid])
        doc = np.concatenate([main_docs, *d_doc])
        tf = np.concatenate([main_tf, *d_tf])
        keep = self._alive[doc]
        tid, doc, tf = tid[keep], doc[keep], tf[keep]
        order = np.lexsort((doc, tid))
        tid, doc, tf = tid[order], doc[order], tf[order]
        self._indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(tid, minlength=n_terms), out=self._indptr[1:])
        self._post_docs = doc
        self._avgdl = self.avgdl
        self._post_w = self._weight(tf, np.asarray(self._doc_len)[doc])
        self._df = np.diff(self._indptr).astype(np.int32)
        self._main_docs = len(self._keys)
        self._delta, self._delta_len = {}, []
        self._dead = 0

    def _weight(self, tf: np.ndarray, dl: np.ndarray) -> np.ndarray:
        k1, b = self.k1, self.b
        norm = k1 * (1.0 - b + b * dl / self._avgdl)
        return (tf * (k1 + 1.0) / (tf + norm)).astype(np.float32)

    def _main_tf(self, docs: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Invert the stored weights back to term frequencies for a re-merge."""
        if not len(docs):
            return np.zeros(0, dtype=np.float32)
        k1, b = self.k1, self.b
        norm = k1 * (1.0 - b + b * np.asarray(self._doc_len)[docs] / self._avgdl)
        tf = w * norm / np.maximum(k1 + 1.0 - w, 1e-6)
        return np.rint(tf).astype(np.float32)

    # --- searching ------------------------------------------------------------

    def idf(self, df: np.ndarray | float) -> np.ndarray | float:
        n = max(self._live, 1)
        return np.log1p((n - df + 0.5) / (df + 0.5))

    def search(self, terms: Sequence[str], k: int = 100) -> SearchResult:
        """The top k live documents by BM25 for these query terms."""
        qterms = list(dict.fromkeys(terms))
        known = [self._vocab[t] for t in qterms if t in self._vocab and self._df[self._vocab[t]] > 0]
        unknown = len(qterms) - len(known)
        # bm25_max: tf=1 at average length gives weight 1, so the sum of idfs.
        # Terms the archive lacks count as if one document had them, so a claim
        # whose words are mostly absent cannot look like a perfect match.
        idfs = self.idf(self._df[known].astype(np.float64)) if known else np.zeros(0)
        bm25_max = float(idfs.sum()) + unknown * float(self.idf(1.0))
        if not known or not self._live:
            return SearchResult([], bm25_max)
        scores = np.zeros(len(self._keys), dtype=np.float32)
        avgdl = self.avgdl
        for tid, idf in zip(known, idfs):
            start, end = (self._indptr[tid], self._indptr[tid + 1]) if tid < len(self._indptr) - 1 else (0, 0)
            if end > start:
                docs = self._post_docs[start:end]
                scores[docs] += np.float32(idf) * self._post_w[start:end]
            if tid in self._delta:
                docs_, tfs = self._delta[tid]
                d = np.asarray(docs_, dtype=np.int64)
                tf = np.asarray(tfs, dtype=np.float32)
                norm = self.k1 * (1.0 - self.b + self.b * self._doc_len[d] / avgdl)
                np.add.at(scores, d, np.float32(idf) * tf * (self.k1 + 1.0) / (tf + norm))
        scores[~self._alive] = 0.0
        return SearchResult(self._top(scores, k), bm25_max)

    def _top(self, scores: np.ndarray, k: int) -> list[Hit]:
        nonzero = np.flatnonzero(scores > 0)
        if len(nonzero) > k:
            part = np.argpartition(scores[nonzero], -k)[-k:]
            nonzero = nonzero[part]
        order = nonzero[np.argsort(-scores[nonzero], kind="stable")]
        return [Hit(int(d), self._keys[d], float(scores[d])) for d in order]

    # --- persistence ------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        """Write the index to a directory (merging the delta first)."""
        self.merge()
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        arrays = {
            "indptr": self._indptr, "post_docs": self._post_docs, "post_w": self._post_w,
            "df": self._df, "doc_len": self._doc_len, "alive": self._alive,
        }
        for name, array in arrays.items():
            np.save(path / f"{name}.npy", np.asarray(array))
        meta = {
            "version": FORMAT_VERSION, "k1": self.k1, "b": self.b, "avgdl": self._avgdl,
            "merge_every": self.merge_every, "terms": self._terms,
            "keys": [[k.kind, k.item_id, k.source_id] for k in self._keys],
        }
        tmp = path / "meta.json.tmp"
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path / "meta.json")  # written last: its presence means complete

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = True) -> "Index":
        path = Path(directory)
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"index format {meta.get('version')} is not {FORMAT_VERSION}; rebuild the index")
        index = cls(k1=meta["k1"], b=meta["b"], merge_every=meta["merge_every"])
        mode = "r" if mmap else None
        load = lambda name: np.load(path / f"{name}.npy", mmap_mode=mode)  # noqa: E731
        index._indptr, index._post_docs, index._post_w = load("indptr"), load("post_docs"), load("post_w")
        # Arrays that change on add/remove are copied into memory.
        index._df = np.array(load("df"))
        index._doc_len = np.array(load("doc_len"))
        index._alive = np.array(load("alive"))
        index._terms = meta["terms"]
        index._vocab = {t: i for i, t in enumerate(index._terms)}
        index._keys = [DocKey(*k) for k in meta["keys"]]
        for doc, key in enumerate(index._keys):
            if index._alive[doc]:
                index._by_source.setdefault(key.source_id, []).append(doc)
        index._avgdl = meta["avgdl"]
        index._main_docs = len(index._keys)
        index._live = int(index._alive.sum())
        index._len_sum = float(index._doc_len[index._alive].sum())
        return index

