"""The retrieval index: BM25 over numpy posting arrays, persisted beside the archive.

Built to stay fast at a million documents on two cores (docs/performance.md):

- Every document is a row of compact arrays (its source number, kind, item
  number, length, alive flag) plus its term ids in text order (a forward index:
  `fwd[fwd_ptr[d]:fwd_ptr[d+1]]`). Keys and the re-ranker's candidate terms
  come from those arrays, so nothing per document lives as a Python object.
- The main segment is a CSR matrix over terms: `indptr[t]:indptr[t+1]` slices
  `post_docs` (int32, ascending) and `post_w` (float32), where `post_w` is the
  BM25 term weight tf*(k1+1)/(tf + k1*(1-b+b*dl/avgdl)), computed at merge.
  A query is a gather and a scaled add per term, then argpartition for top k.
- Terms in more than `common_share` of the documents (the, سوريا) are not
  gathered when the query has enough rarer terms: they barely move BM25 but
  are most of the postings read. The top candidates are then re-scored with
  them exactly (a binary search per candidate), so scores are unchanged; only
  the candidate set can differ, which benchmarks/bench_scale.py measures.
- New documents go to a small delta segment (term -> lists), scored on the fly
  and merged into the main arrays (rebuilt from the forward index) once it
  grows past `merge_every` documents or a tenth of the index.
- Removal clears the alive flag and decrements df; postings go at the next merge.
  Document numbers never change, so keys stay valid.
- `save` writes .npy arrays named with a generation token plus meta.json (vocabulary,
  source ids, the caller's `extra`), meta last via os.replace: a crash or a second
  writer leaves the old or the new index, never a mix. `load` memory-maps the big
  arrays, so a cold start reads what a query touches, not the whole index.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from storage.files import flock_exclusive, fsync_directory

FORMAT_VERSION = 2
KINDS = ("passage", "post")
_KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
_ITEM_LETTER = {"passage": "p", "post": "t"}
_ITEM_RE = re.compile(r":([pt])(\d+)$")
COMMON_SHARE = 0.05  # terms in more documents than this share are skipped when...
MIN_RARE_TERMS = 3  # ...the query keeps at least this many rarer terms
FUZZY_MIN_LEN = 4  # query terms this long or longer that the archive lacks get fuzzy expansion
_ARABIC_START = re.compile(r"[\u0621-\u064a]")
FUZZY_MAX_TERMS = 6  # at most this many missing terms per query are expanded
FUZZY_PER_TERM = 2  # archive terms added per missing one
_BIG = ("indptr", "post_docs", "post_w", "fwd")  # memory-mapped at load
_SMALL = ("df", "doc_len", "alive", "doc_source", "doc_kind", "doc_item", "fwd_ptr")  # copied, they change


class IndexFileError(ValueError):
    """A saved index that cannot be used (missing, damaged, other format)."""


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


class _Growable:
    """A numpy array that grows by doubling, so adding one document is O(1)."""

    def __init__(self, dtype: Any, data: np.ndarray | None = None) -> None:
        self.n = 0 if data is None else len(data)
        self.buf = np.zeros(max(16, self.n), dtype=dtype)
        if data is not None:
            self.buf[: self.n] = data

    @property
    def a(self) -> np.ndarray:
        return self.buf[: self.n]

    def extend(self, values: np.ndarray | Sequence) -> None:
        values = np.asarray(values, dtype=self.buf.dtype)
        need = self.n + len(values)
        if need > len(self.buf):
            grown = np.zeros(max(need, 2 * len(self.buf)), dtype=self.buf.dtype)
            grown[: self.n] = self.buf[: self.n]
            self.buf = grown
        self.buf[self.n:need] = values
        self.n = need


@dataclass
class _FuzzyLookup:
    """Vocabulary tables for `Index.similar_terms`."""

    seen: int = 0  # terms of the vocabulary already in the tables
    by_prefix: dict[str, list[str]] = field(default_factory=dict)
    by_suffix: dict[str, list[str]] = field(default_factory=dict)
    folded: dict[str, list[str]] = field(default_factory=dict)


# Spellings that vary in Arabic without changing the word: the hamza's seat
# (ء ؤ ئ, after normalize has folded أ إ آ), and ج غ ق ك for a foreign g
# (جوجل غوغل قوقل كوكل).
_LOAN_FOLD = str.maketrans({"\u0621": None, "\u0624": None, "\u0626": None,
                            "\u063a": "\u062c", "\u0642": "\u062c", "\u0643": "\u062c"})


def _fold_loan(term: str) -> str:
    return term.translate(_LOAN_FOLD)


class Index:
    def __init__(
        self, *, k1: float = 1.2, b: float = 0.75, merge_every: int = 20_000, common_share: float = COMMON_SHARE
    ) -> None:
        self.k1, self.b, self.merge_every, self.common_share = k1, b, merge_every, common_share
        self.extra: dict[str, Any] = {}  # the caller's data, saved and loaded with the index
        self._vocab: dict[str, int] = {}
        self._terms: list[str] = []
        self._sources: list[str] = []
        self._source_num: dict[str, int] = {}
        self._odd: dict[int, str] = {}  # item ids not of the form <source>:p<n> / :t<n>
        # per document
        self._doc_source = _Growable(np.int32)
        self._doc_kind = _Growable(np.int8)
        self._doc_item = _Growable(np.int32)
        self._doc_len = _Growable(np.float32)
        self._alive = _Growable(np.bool_)
        self._fwd_ptr = _Growable(np.int64, np.zeros(1, dtype=np.int64))
        self._fwd_main = np.zeros(0, dtype=np.int32)  # memory-mapped after a load
        self._fwd_tail = _Growable(np.int32)  # term ids of documents added since
        # main segment
        self._indptr = np.zeros(1, dtype=np.int64)
        self._post_docs = np.zeros(0, dtype=np.int32)
        self._post_w = np.zeros(0, dtype=np.float32)
        self._df = _Growable(np.int32)  # live df per term, both segments
        self._main_docs = 0
        self._avgdl = 1.0
        # delta segment: term id -> ([doc], [tf])
        self._delta: dict[int, tuple[list[int], list[float]]] = {}
        self._delta_docs = 0
        self._pending = 0  # added with defer=True, not searchable before commit()
        self._live = 0
        self._len_sum = 0.0
        self._dead = 0  # tombstones since the last merge

    # --- size and keys ----------------------------------------------------------

    def __len__(self) -> int:
        """Live documents."""
        return self._live

    @property
    def n_docs(self) -> int:
        """Document numbers handed out, dead ones included."""
        return self._alive.n

    @property
    def avgdl(self) -> float:
        return self._len_sum / self._live if self._live else 1.0

    def key(self, doc: int) -> DocKey:
        kind = KINDS[int(self._doc_kind.buf[doc])]
        source_id = self._sources[int(self._doc_source.buf[doc])]
        item_id = self._odd.get(doc) or f"{source_id}:{_ITEM_LETTER[kind]}{int(self._doc_item.buf[doc])}"
        return DocKey(kind, item_id, source_id)

    def alive(self, doc: int) -> bool:
        return bool(self._alive.buf[doc]) if 0 <= doc < self.n_docs else False

    def doc_terms(self, doc: int) -> list[str]:
        """The document's index terms in text order (what it was added with)."""
        start, end = int(self._fwd_ptr.buf[doc]), int(self._fwd_ptr.buf[doc + 1])
        main = len(self._fwd_main)
        ids = self._fwd_main[start:end] if end <= main else self._fwd_tail.buf[start - main:end - main]
        terms = self._terms
        return [terms[t] for t in ids.tolist()]

    def source_docs(self, source_id: str) -> np.ndarray:
        """Live document numbers of a source."""
        num = self._source_num.get(source_id)
        if num is None:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero((self._doc_source.a == num) & self._alive.a)

    def source_sizes(self) -> dict[str, int]:
        """Live documents per source id, in one pass over the arrays."""
        counts = np.bincount(self._doc_source.a[self._alive.a], minlength=len(self._sources))
        return {sid: int(n) for sid, n in zip(self._sources, counts.tolist()) if n}

    # --- building -----------------------------------------------------------------

    def _term_id(self, term: str) -> int:
        tid = self._vocab.get(term)
        if tid is None:
            tid = self._vocab[term] = len(self._terms)
            self._terms.append(term)
        return tid

    def term_ids(self, terms: Iterable[str]) -> np.ndarray:
        """Term ids for these terms, adding new ones to the vocabulary."""
        get = self._term_id
        return np.fromiter((get(t) for t in terms), dtype=np.int32)

    def add(self, key: DocKey, terms: Sequence[str]) -> int:
        """Add one document; returns its number."""
        return self.add_many([(key, terms)])[0]

    def add_many(self, docs: Iterable[tuple[DocKey, Sequence[str]]]) -> list[int]:
        keys: list[DocKey] = []
        ids: list[np.ndarray] = []
        for key, terms in docs:
            keys.append(key)
            ids.append(self.term_ids(terms))
        return self.add_encoded(keys, ids)

    def add_encoded(self, keys: Sequence[DocKey], term_ids: Sequence[np.ndarray]) -> list[int]:
        """Add documents whose terms are already term ids (see `term_ids`)."""
        lengths = np.fromiter((len(t) for t in term_ids), dtype=np.int64, count=len(term_ids))
        flat = np.concatenate(term_ids) if len(term_ids) else np.zeros(0, dtype=np.int32)
        return self.add_flat(keys, flat, lengths)

    def add_flat(self, keys: Sequence[DocKey], flat: np.ndarray, lengths: np.ndarray, *,
                 defer: bool = False) -> list[int]:
        """Add documents given as one array of term ids and each document's length.

        `defer=True` (bulk loads) only records them: they are searchable after
        `commit()`, which then merges once instead of once per batch.
        """
        first = self.n_docs
        if not len(keys):
            return []
        lengths = np.asarray(lengths, dtype=np.int64)
        self._doc_source.extend([self._source_number(k.source_id) for k in keys])
        self._doc_kind.extend([_KIND_CODE[k.kind] for k in keys])
        self._doc_item.extend([self._item_number(first + i, k) for i, k in enumerate(keys)])
        self._doc_len.extend(lengths.astype(np.float32))
        self._alive.extend(np.ones(len(keys), dtype=bool))
        self._fwd_ptr.extend(self._fwd_ptr.buf[self._fwd_ptr.n - 1] + np.cumsum(lengths))
        self._fwd_tail.extend(np.asarray(flat, dtype=np.int32))
        if len(self._df.a) < len(self._terms):
            self._df.extend(np.zeros(len(self._terms) - len(self._df.a), dtype=np.int32))
        self._live += len(keys)
        self._len_sum += float(lengths.sum())
        self._pending += len(keys)
        if not defer:
            self.commit()
        return list(range(first, first + len(keys)))

    def commit(self) -> None:
        """Make recorded documents searchable: into the delta segment, or a
        merge when the delta has grown past `merge_every` or a tenth of the index."""
        if not self._pending:
            return
        first = self.n_docs - self._pending
        self._delta_docs += self._pending
        self._pending = 0
        if self._delta_docs >= max(self.merge_every, self._main_docs // 10):
            self.merge()  # rebuilds the postings from the forward index, df included
            return
        ptr = self._fwd_ptr.a
        for doc in range(first, self.n_docs):
            counts = Counter(self._fwd_slice(int(ptr[doc]), int(ptr[doc + 1])).tolist())
            for tid, tf in counts.items():
                docs_, tfs = self._delta.setdefault(tid, ([], []))
                docs_.append(doc)
                tfs.append(float(tf))
            if counts:
                np.add.at(self._df.buf, np.fromiter(counts, dtype=np.int64), 1)

    def _source_number(self, source_id: str) -> int:
        num = self._source_num.get(source_id)
        if num is None:
            num = self._source_num[source_id] = len(self._sources)
            self._sources.append(source_id)
        return num

    def _item_number(self, doc: int, key: DocKey) -> int:
        m = _ITEM_RE.search(key.item_id)
        if m and key.item_id[: m.start()] == key.source_id and m.group(1) == _ITEM_LETTER[key.kind]:
            return int(m.group(2))
        self._odd[doc] = key.item_id
        return -1

    def remove_source(self, source_id: str) -> int:
        """Tombstone every document of a source; returns how many."""
        docs = self.source_docs(source_id)
        for doc in docs.tolist():
            self._kill(doc)
        return len(docs)

    def remove(self, doc: int) -> None:
        self._kill(doc)

    def _kill(self, doc: int) -> None:
        if not self._alive.buf[doc]:
            return
        self._alive.buf[doc] = False
        self._live -= 1
        self._len_sum -= float(self._doc_len.buf[doc])
        self._dead += 1
        start, end = int(self._fwd_ptr.buf[doc]), int(self._fwd_ptr.buf[doc + 1])
        if end > start:
            ids = np.unique(self._fwd_slice(start, end))
            np.subtract.at(self._df.buf, ids.astype(np.int64), 1)
        if self._dead >= max(self.merge_every, self._main_docs // 10):
            self.merge()

    def _fwd_slice(self, start: int, end: int) -> np.ndarray:
        main = len(self._fwd_main)
        if end <= main:
            return np.asarray(self._fwd_main[start:end])
        return self._fwd_tail.buf[start - main:end - main]

    def _fwd_all(self) -> np.ndarray:
        if not self._fwd_tail.n:
            return np.asarray(self._fwd_main)
        return np.concatenate([np.asarray(self._fwd_main), self._fwd_tail.a])

    def merge(self) -> None:
        """Rebuild the main postings from the forward index of the live documents."""
        n_docs, n_terms = self.n_docs, len(self._terms)
        fwd = self._fwd_all()
        lengths = np.diff(self._fwd_ptr.a)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        keep = self._alive.a[doc_of] if self._live < n_docs else slice(None)
        pairs = fwd[keep].astype(np.int64) * max(n_docs, 1) + doc_of[keep]
        pairs, tf = np.unique(pairs, return_counts=True)  # sorted: by term, then document
        tid = (pairs // max(n_docs, 1)).astype(np.int64)
        doc = (pairs % max(n_docs, 1)).astype(np.int32)
        del pairs
        self._indptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(tid, minlength=n_terms), out=self._indptr[1:])
        self._post_docs = doc
        self._avgdl = self.avgdl
        self._post_w = self._weight(tf.astype(np.float32), self._doc_len.a[doc])
        self._df = _Growable(np.int32, np.diff(self._indptr).astype(np.int32))
        self._main_docs = n_docs
        self._delta, self._delta_docs, self._dead, self._pending = {}, 0, 0, 0

    def _weight(self, tf: np.ndarray, dl: np.ndarray) -> np.ndarray:
        k1, b = self.k1, self.b
        norm = k1 * (1.0 - b + b * dl / self._avgdl)
        return (tf * (k1 + 1.0) / (tf + norm)).astype(np.float32)

    # --- searching ------------------------------------------------------------------

    def idf(self, df: np.ndarray | float) -> np.ndarray | float:
        n = max(self._live, 1)
        return np.log1p((n - df + 0.5) / (df + 0.5))

    def search(self, terms: Sequence[str], k: int = 100, *, exhaustive: bool = False) -> SearchResult:
        """The top k live documents by BM25 for these query terms.

        `exhaustive=True` gathers every term's postings (for measuring what
        skipping the common ones costs); the default skips them when it can.
        """
        qterms = list(dict.fromkeys(terms))
        df = self._df.a
        known = [self._vocab[t] for t in qterms if t in self._vocab and df[self._vocab[t]] > 0]
        unknown = len(qterms) - len(known)
        # bm25_max: tf=1 at average length gives weight 1, so the sum of idfs.
        # Terms the archive lacks count as if one document had them, so a claim
        # whose words are mostly absent cannot look like a perfect match.
        idfs = np.asarray(self.idf(df[known].astype(np.float64))) if known else np.zeros(0)
        bm25_max = float(idfs.sum()) + unknown * float(self.idf(1.0))
        if not known or not self._live:
            return SearchResult([], bm25_max)
        common = df[known] > self.common_share * self._live
        if exhaustive or len(known) - int(common.sum()) < MIN_RARE_TERMS:
            common[:] = False
        scores = np.zeros(self.n_docs, dtype=np.float32)
        for tid, idf, skip in zip(known, idfs, common):
            if not skip:
                self._score_term(scores, tid, np.float32(idf))
        if self._dead:
            scores[: len(scores)][~self._alive.a] = 0.0
        top = self._top(scores, k)
        if common.any() and len(top):
            exact = scores[top].astype(np.float64)
            for tid, idf in zip(np.asarray(known)[common], idfs[common]):
                exact += idf * self._term_weights(tid, top)
            order = np.lexsort((top, -exact))  # ties: lower document number first, always
            top, values = top[order], exact[order]
        else:
            values = scores[top].astype(np.float64)
        return SearchResult([Hit(int(d), self.key(int(d)), float(v)) for d, v in zip(top, values)], bm25_max)

    def term_idf(self, terms: Iterable[str]) -> dict[str, float]:
        """idf of the terms the archive holds (absent terms are left out)."""
        df = self._df.a
        out: dict[str, float] = {}
        for term in set(terms):
            tid = self._vocab.get(term)
            if tid is not None and df[tid] > 0:
                out[term] = float(self.idf(float(df[tid])))
        return out

    def similar_terms(self, terms: Sequence[str], *, limit: int = FUZZY_PER_TERM) -> list[str]:
        """Archive terms close to query terms the archive lacks, so such a claim
        still reaches the re-ranker: another hamza seat (مسئول/مسؤول) or ج/غ/ق/ك
        in a loanword (جوجل/غوغل/قوقل), found by a folded spelling; a typo
        (داعس), one edit in words of 4-6 letters, two in longer ones, looked
        for among terms sharing the word's first or last two letters (a
        Levenshtein scan of the whole vocabulary costs 30-50 ms per word at
        182k terms; these buckets hold a few hundred). Arabic words only: on
        the English dev sets the expansion cost MAP@5 (EN 2020 0.800 -> 0.795),
        on Arabic it gains (0.835 -> 0.840; docs/quality.md)."""
        missing = [t for t in dict.fromkeys(terms)
                   if len(t) >= FUZZY_MIN_LEN and _ARABIC_START.match(t) and self._df_of(t) == 0]
        if not missing:
            return []
        fuzzy = self._fuzzy_lookup()
        out: list[str] = []
        for term in missing[:FUZZY_MAX_TERMS]:
            folded = [w for w in fuzzy.folded.get(_fold_loan(term), ()) if self._df_of(w) > 0]
            if folded:
                out.extend(sorted(folded, key=lambda w: -self._df_of(w))[:limit])
                continue
            edits = 1 if len(term) <= 6 else 2
            pool = {w for w in (*fuzzy.by_prefix.get(term[:2], ()), *fuzzy.by_suffix.get(term[-2:], ()))
                    if abs(len(w) - len(term)) <= edits}
            near = process.extract(term, list(pool), scorer=Levenshtein.distance, score_cutoff=edits, limit=limit * 4)
            live = [(str(word), int(dist)) for word, dist, _ in near if self._df_of(word) > 0]
            out.extend(word for word, _ in sorted(live, key=lambda x: (x[1], -self._df_of(x[0])))[:limit])
        return out

    def _df_of(self, term: str) -> int:
        tid = self._vocab.get(term)
        return int(self._df.buf[tid]) if tid is not None and tid < self._df.n else 0

    def _fuzzy_lookup(self) -> _FuzzyLookup:
        """The vocabulary's fuzzy tables, brought up to date with terms added
        since (the vocabulary only grows, so this is incremental)."""
        lookup: _FuzzyLookup | None = getattr(self, "_fuzzy", None)
        if lookup is None:
            lookup = self._fuzzy = _FuzzyLookup()
        for term in self._terms[lookup.seen:]:
            if len(term) >= FUZZY_MIN_LEN - 2 and term[0] not in "\u00a7@" and not term.isdigit():
                lookup.by_prefix.setdefault(term[:2], []).append(term)
                lookup.by_suffix.setdefault(term[-2:], []).append(term)
                lookup.folded.setdefault(_fold_loan(term), []).append(term)
        lookup.seen = len(self._terms)
        return lookup

    def score_docs(self, terms: Sequence[str], docs: Sequence[int]) -> np.ndarray:
        """Exact BM25 of these documents for these query terms."""
        wanted = np.asarray(docs, dtype=np.int64)
        out = np.zeros(len(wanted), dtype=np.float64)
        df = self._df.a
        for term in dict.fromkeys(terms):
            tid = self._vocab.get(term)
            if tid is not None and df[tid] > 0:
                out += float(self.idf(float(df[tid]))) * self._term_weights(tid, wanted)
        return out

    def _score_term(self, scores: np.ndarray, tid: int, idf: np.float32) -> None:
        if tid < len(self._indptr) - 1:
            start, end = self._indptr[tid], self._indptr[tid + 1]
            if end > start:
                scores[self._post_docs[start:end]] += idf * self._post_w[start:end]
        if tid in self._delta:
            docs_, tfs = self._delta[tid]
            d = np.asarray(docs_, dtype=np.int64)
            scores[d] += idf * self._delta_weight(d, np.asarray(tfs, dtype=np.float32))

    def _delta_weight(self, docs: np.ndarray, tf: np.ndarray) -> np.ndarray:
        norm = self.k1 * (1.0 - self.b + self.b * self._doc_len.buf[docs] / self.avgdl)
        return (tf * (self.k1 + 1.0) / (tf + norm)).astype(np.float32)

    def _term_weights(self, tid: int, docs: np.ndarray) -> np.ndarray:
        """One term's BM25 weight in each of `docs` (0 where absent): binary
        search in the term's posting list, which is sorted by document."""
        out = np.zeros(len(docs), dtype=np.float64)
        if tid < len(self._indptr) - 1:
            start, end = int(self._indptr[tid]), int(self._indptr[tid + 1])
            if end > start:
                postings = self._post_docs[start:end]
                pos = np.searchsorted(postings, docs).clip(0, end - start - 1)
                found = postings[pos] == docs
                out[found] = self._post_w[start:end][pos[found]]
        if tid in self._delta:
            docs_, tfs = self._delta[tid]
            tf_of = dict(zip(docs_, tfs))
            for i, doc in enumerate(docs.tolist()):
                if doc in tf_of:
                    out[i] += float(self._delta_weight(np.asarray([doc]), np.asarray([tf_of[doc]], np.float32))[0])
        return out

    @staticmethod
    def _top(scores: np.ndarray, k: int) -> np.ndarray:
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        nonzero = np.flatnonzero(scores > 0)
        if len(nonzero) > k:
            # Keep every document tied with the k-th score, then cut after a
            # deterministic sort: equal scores are ordered by document number,
            # whatever k is (the re-ranker sees ranks, so they must not wobble).
            kth = np.partition(scores[nonzero], len(nonzero) - k)[len(nonzero) - k]
            nonzero = nonzero[scores[nonzero] >= kth]
        order = np.lexsort((nonzero, -scores[nonzero]))
        return nonzero[order][:k]

    # --- persistence ---------------------------------------------------------------

    def save(self, directory: str | Path, *, mode: int | None = None) -> None:
        """Write the index to a directory (merging the delta first).

        One saver at a time (a flock on `<dir>/.lock`); each array's CRC-32 goes
        into meta.json, so `load` notices values damaged with shapes intact.
        Other generations' files are deleted once the new meta.json is in place:
        under the lock no other save is half-written, so anything else is left
        over (a killed save, or a superseded index). `mode`: the files'
        permission bits (the archive's, so the index is no more readable than it).
        """
        if self._delta_docs or self._dead or self._pending or self._main_docs != self.n_docs:
            self.merge()
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        if mode is not None:
            with contextlib.suppress(OSError):
                os.chmod(path, (mode & 0o777) | ((mode & 0o444) >> 2))  # a directory needs x where r is given
        with _save_lock(path, mode):
            gen = f"{int(time.time())}-{secrets.token_hex(4)}"
            arrays = {
                "indptr": self._indptr, "post_docs": self._post_docs, "post_w": self._post_w,
                "fwd": self._fwd_all(), "df": self._df.a, "doc_len": self._doc_len.a, "alive": self._alive.a,
                "doc_source": self._doc_source.a, "doc_kind": self._doc_kind.a, "doc_item": self._doc_item.a,
                "fwd_ptr": self._fwd_ptr.a,
            }
            checksums = {}
            for name, array in arrays.items():
                data = np.ascontiguousarray(array)
                checksums[name] = _crc(data)
                _write_file(path / f"{name}.{gen}.npy", mode, lambda h, d=data: np.save(h, d))
            meta = {
                "version": FORMAT_VERSION, "generation": gen, "k1": self.k1, "b": self.b, "avgdl": self._avgdl,
                "merge_every": self.merge_every, "common_share": self.common_share, "docs": self.n_docs,
                "terms": self._terms, "sources": self._sources, "odd": {str(d): i for d, i in self._odd.items()},
                "extra": self.extra, "checksums": checksums,
            }
            text = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            tmp = path / f"meta.json.{gen}.tmp"
            _write_file(tmp, mode, lambda h: h.write(text))
            os.replace(tmp, path / "meta.json")  # written last: its presence means complete
            fsync_directory(path)
            self._remove_old_generations(path, gen)

    @staticmethod
    def _remove_old_generations(path: Path, gen: str) -> None:
        """Delete every file of other generations (called under the save lock).
        A reader that memory-mapped them keeps its copy; one that read the old
        meta.json but not yet the arrays retries with the new one (`load`)."""
        for file in path.iterdir():
            if file.name in ("meta.json", _LOCK_NAME) or gen in file.name:
                continue
            if len(file.name.split(".")) < 3:
                continue  # not ours
            with contextlib.suppress(OSError):
                file.unlink()

    @classmethod
    def load(cls, directory: str | Path, *, mmap: bool = True) -> Index:
        """The saved index; IndexFileError (with the reason) when it is unusable."""
        path = Path(directory)
        for attempt in range(3):
            try:
                meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise IndexFileError(f"cannot read {path / 'meta.json'}: {exc}") from None
            if not isinstance(meta, dict) or meta.get("version") != FORMAT_VERSION:
                version = meta.get("version") if isinstance(meta, dict) else None
                raise IndexFileError(f"index format {version} is not {FORMAT_VERSION}; rebuild the index")
            try:
                return cls._from_files(path, meta, mmap)
            except FileNotFoundError as exc:
                if attempt < 2:  # a save replaced this generation between our two reads
                    continue
                raise IndexFileError(f"the index in {path} is incomplete ({exc}); rebuild the index") from None
            except _OlderFormat:
                raise IndexFileError("it was saved by an older Isnad, without checksums") from None
            except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
                raise IndexFileError(f"the index in {path} is damaged ({exc}); rebuild the index") from None
        raise AssertionError("unreachable")

    @classmethod
    def _from_files(cls, path: Path, meta: dict[str, Any], mmap: bool) -> Index:
        index = cls(k1=meta["k1"], b=meta["b"], merge_every=meta["merge_every"], common_share=meta["common_share"])
        gen = meta["generation"]
        arrays = {
            name: np.load(path / f"{name}.{gen}.npy", mmap_mode="r" if mmap and name in _BIG else None)
            for name in (*_BIG, *_SMALL)
        }
        n_docs, terms = int(meta["docs"]), meta["terms"]
        _check_checksums(arrays, meta.get("checksums"))
        _check_shapes(arrays, n_docs, len(terms), len(meta["sources"]))
        index._indptr, index._post_docs, index._post_w = arrays["indptr"], arrays["post_docs"], arrays["post_w"]
        index._fwd_main = arrays["fwd"]
        index._df = _Growable(np.int32, arrays["df"])
        index._doc_len = _Growable(np.float32, arrays["doc_len"])
        index._alive = _Growable(np.bool_, arrays["alive"])
        index._doc_source = _Growable(np.int32, arrays["doc_source"])
        index._doc_kind = _Growable(np.int8, arrays["doc_kind"])
        index._doc_item = _Growable(np.int32, arrays["doc_item"])
        index._fwd_ptr = _Growable(np.int64, arrays["fwd_ptr"])
        index._terms = terms
        index._vocab = {t: i for i, t in enumerate(terms)}
        index._sources = meta["sources"]
        index._source_num = {s: i for i, s in enumerate(index._sources)}
        index._odd = {int(d): i for d, i in meta["odd"].items()}
        index.extra = meta.get("extra") or {}
        index._avgdl = float(meta["avgdl"])
        index._main_docs = n_docs
        alive = index._alive.a
        index._live = int(alive.sum())
        index._len_sum = float(index._doc_len.a[alive].sum())
        return index


_LOCK_NAME = ".lock"
SAVE_LOCK_TIMEOUT = 60.0  # seconds to wait for another process's save of the same index


def _crc(array: np.ndarray) -> int:
    """CRC-32 of an array's bytes (memory-mapped ones are read, not copied): 0.13 s for 200 MB."""
    data = np.ascontiguousarray(array)
    return zlib.crc32(data.data.cast("B")) if data.size else 0


class _OlderFormat(ValueError):
    """An index saved before arrays carried checksums: rebuilt once, not "damaged"."""


def _check_checksums(arrays: dict[str, np.ndarray], checksums: Any) -> None:
    """Every array's CRC-32 as saved: flipped bits, NaN weights or shuffled
    postings with the shapes intact are caught here, before a query uses them."""
    if not isinstance(checksums, dict):
        raise _OlderFormat()
    for name, array in arrays.items():
        if checksums.get(name) != _crc(array):
            raise ValueError(f"{name} does not match its checksum")
    if len(arrays["post_w"]) and not np.isfinite(arrays["post_w"]).all():
        raise ValueError("post_w holds values that are not numbers")


@contextlib.contextmanager
def _save_lock(path: Path, mode: int | None) -> Iterator[None]:
    fd = os.open(path / _LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, (mode or 0o600) & 0o666)
    try:
        if not flock_exclusive(fd, SAVE_LOCK_TIMEOUT):
            raise OSError(f"another process has been saving the index in {path} for too long")
        yield
    finally:
        os.close(fd)


def _write_file(file: Path, mode: int | None, write: Any) -> None:
    """Create `file` with the given permissions from the start, write and fsync it."""
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, (mode or 0o644) & 0o666)
    with os.fdopen(fd, "wb") as handle:
        if mode is not None:
            os.fchmod(handle.fileno(), mode & 0o666)  # the umask must not widen or narrow it
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())


def _check_shapes(arrays: dict[str, np.ndarray], n_docs: int, n_terms: int, n_sources: int) -> None:
    """Cheap consistency checks, so a truncated or mixed-up file is caught at
    load and rebuilt, instead of failing (or answering wrongly) at query time."""
    def need(ok: bool, what: str) -> None:
        if not ok:
            raise ValueError(what)

    for name in ("doc_len", "alive", "doc_source", "doc_kind", "doc_item"):
        need(len(arrays[name]) == n_docs, f"{name} has {len(arrays[name])} rows, not {n_docs}")
    need(len(arrays["fwd_ptr"]) == n_docs + 1, "fwd_ptr length")
    need(len(arrays["indptr"]) == n_terms + 1 and len(arrays["df"]) == n_terms, "term arrays length")
    need(int(arrays["indptr"][-1]) == len(arrays["post_docs"]) == len(arrays["post_w"]), "posting arrays length")
    need(int(arrays["fwd_ptr"][-1]) == len(arrays["fwd"]), "forward index length")
    if len(arrays["post_docs"]):
        need(0 <= int(arrays["post_docs"].min()) and int(arrays["post_docs"].max()) < n_docs, "document numbers")
    if n_docs:
        need(int(arrays["doc_source"].max()) < n_sources, "source numbers")
    if len(arrays["fwd"]):
        need(int(arrays["fwd"].max()) < n_terms, "term numbers")
