"""The dense index: one multilingual embedding per archived passage and post.

It lives beside the lexical index (`<index dir>.dense/`, e.g.
`archive.json.index.dense/`) and is searched by one matrix product.

Layout (format 1):
- `vectors.<gen>.i8`: int8 rows (dim bytes each), memory-mapped. A unit
  vector's components are small, so each row is scaled to use the int8 range
  and `scales.<gen>.f4` keeps the factor: cosine = (row . q) * scale. int8
  rather than float16: numpy has no fast float16 product, while int8 rows
  converted block by block to float32 and multiplied by OpenBLAS on one
  thread, half the rows in a helper thread, take 4.9 ms of the calling
  thread's CPU for 111k rows (a float32 copy: 6.6 ms, memory-bound, at four
  times the memory); docs/quality.md ("Cross-language matching").
- `langs.<gen>.u1`: the row's script (1 Arabic, 2 other, 0 removed).
- `meta.json`: the stamp (model, text recipe), the row count, each row's item
  and source ids, and each embedded source's content hash, written last with
  os.replace, so its presence means complete. Rows are appended in place past
  the saved count (a crash loses only unsaved rows, which are embedded again);
  a save that finds many removed rows writes a compacted generation first.

A source is embedded whole or not at all (`add_source`), which is what makes
the background backfill resumable: what is pending is any source whose
content hash the index does not hold.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

FORMAT = 1
ARABIC, OTHER, REMOVED = 1, 2, 0
GROW_MIN = 1_024  # rows of room added at least when the files grow
BLOCK = 4_096  # rows converted to float32 at once while searching (6 MB: 16k-row blocks were 15% slower)
SPLIT_MIN = 32_768  # rows from which a search is shared between two threads (measured: docs/quality.md)
COMPACT_SHARE = 0.25  # removed rows that make a save write a compacted generation
log = logging.getLogger("isnad.dense")
_CORES = os.cpu_count() or 1


class DenseIndexError(ValueError):
    """The saved dense index cannot be used (the reason says why); it is rebuilt."""


class DenseIndexBusy(RuntimeError):
    """Another process is embedding into the same dense index."""


@dataclass(frozen=True)
class DenseHit:
    item_id: str
    source_id: str
    cosine: float


def directory_for(index_dir: Path | None) -> Path | None:
    """Where the dense index of a lexical index directory lives."""
    return index_dir.with_name(index_dir.name + ".dense") if index_dir is not None else None


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 rows -> (int8 rows, per-row scale) with row ~= int8 * scale."""
    vectors = np.asarray(vectors, dtype=np.float32)
    peak = np.abs(vectors).max(axis=1) if len(vectors) else np.zeros(0, np.float32)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    rows = np.clip(np.rint(vectors / scale[:, None]), -127, 127).astype(np.int8)
    return rows, scale


class DenseIndex:
    def __init__(self, directory: Path | None, stamp: dict, dim: int) -> None:
        self.directory = directory
        self.stamp = stamp
        self.dim = dim
        self._lock = threading.RLock()
        self._gen = 0
        self._count = 0  # rows in use (removed ones included)
        self._items: list[str] = []
        self._sources: list[str] = []
        self._rows_of: dict[str, list[int]] = {}
        self.hashes: dict[str, str] = {}  # embedded source id -> content hash
        self._removed = 0
        self._dirty = False
        self._vec: np.ndarray = np.zeros((0, dim), np.int8)
        self._scale: np.ndarray = np.zeros(0, np.float32)
        self._lang: np.ndarray = np.zeros(0, np.uint8)
        self._meta_seen: float | None = None  # mtime of the meta.json this process last read or wrote
        self._counts: dict[int, int] | None = None  # rows per script, None: to count

    # --- opening and saving ------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path | None, stamp: dict, dim: int) -> DenseIndex:
        """The saved index when it is usable, else an empty one (with a log line)."""
        index = cls(directory, stamp, dim)
        if directory is not None and (directory / "meta.json").exists():
            try:
                index._load()
            except DenseIndexError as exc:
                log.warning("starting the dense index in %s again: %s", directory, exc)
                index = cls(directory, stamp, dim)
        return index

    def _files(self, gen: int) -> tuple[Path, Path, Path]:
        assert self.directory is not None
        d = self.directory
        return d / f"vectors.{gen}.i8", d / f"scales.{gen}.f4", d / f"langs.{gen}.u1"

    def _load(self) -> None:
        assert self.directory is not None
        try:
            meta = json.loads((self.directory / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DenseIndexError(f"cannot read meta.json: {exc}") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise DenseIndexError("it is of another format")
        if meta.get("stamp") != self.stamp or meta.get("dim") != self.dim:
            raise DenseIndexError("it was built with another model or text recipe")
        try:
            gen, count = int(meta["gen"]), int(meta["count"])
            items, sources, hashes = list(meta["items"]), list(meta["sources"]), dict(meta["hashes"])
            if len(items) != count or len(sources) != count:
                raise DenseIndexError("its row lists do not match its count")
            vec_path, scale_path, lang_path = self._files(gen)
            capacity = vec_path.stat().st_size // self.dim
            if capacity < count or scale_path.stat().st_size < 4 * count or lang_path.stat().st_size < count:
                raise DenseIndexError("its vector files are shorter than its count")
        except (KeyError, TypeError, ValueError, OSError) as exc:
            raise DenseIndexError(f"it is damaged ({exc})") from None
        self._gen, self._count = gen, count
        self._items, self._sources, self.hashes = items, sources, hashes
        self._map(capacity)
        for row, sid in enumerate(sources):
            if self._lang[row] != REMOVED:
                self._rows_of.setdefault(sid, []).append(row)
        self._removed = int(np.count_nonzero(self._lang[:count] == REMOVED))
        self._meta_seen = self._meta_mtime()

    def _meta_mtime(self) -> float | None:
        try:
            return (self.directory / "meta.json").stat().st_mtime if self.directory is not None else None
        except OSError:
            return None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index for writing: one embedding process at a time (the bot's
        background thread, or `isnad embed`). DenseIndexBusy when another holds
        it. What the other process saved meanwhile is read first."""
        if self.directory is None:
            yield
            return
        import fcntl

        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "lock", "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise DenseIndexBusy(f"another process is embedding into {self.directory}") from None
            try:
                if self._meta_mtime() != self._meta_seen:
                    self._reload()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _reload(self) -> None:
        fresh = DenseIndex.open(self.directory, self.stamp, self.dim)
        with self._lock:
            self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "_lock"})

    def _map(self, capacity: int) -> None:
        """Memory-map the current generation's files with room for `capacity` rows."""
        vec_path, scale_path, lang_path = self._files(self._gen)
        for path, size in ((vec_path, capacity * self.dim), (scale_path, capacity * 4), (lang_path, capacity)):
            if not path.exists() or path.stat().st_size < size:
                with open(path, "ab") as handle:
                    handle.truncate(size)
        self._vec = np.memmap(vec_path, dtype=np.int8, mode="r+", shape=(capacity, self.dim))
        self._scale = np.memmap(scale_path, dtype=np.float32, mode="r+", shape=(capacity,))
        self._lang = np.memmap(lang_path, dtype=np.uint8, mode="r+", shape=(capacity,))

    def _grow(self, need: int) -> None:
        capacity = len(self._scale)
        if need <= capacity:
            return
        capacity = max(need, capacity * 2, GROW_MIN)
        if self.directory is None:
            vec = np.zeros((capacity, self.dim), np.int8)
            scale, lang = np.zeros(capacity, np.float32), np.zeros(capacity, np.uint8)
            vec[:self._count], scale[:self._count], lang[:self._count] = (
                self._vec[:self._count], self._scale[:self._count], self._lang[:self._count])
            self._vec, self._scale, self._lang = vec, scale, lang
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._map(capacity)

    def save(self) -> None:
        """Write what changed. A failure is logged, never raised: the rows are
        still in memory, and what was not saved is embedded again next time."""
        if self.directory is None or not self._dirty:
            return
        with self._lock:
            try:
                if self._removed and self._removed >= COMPACT_SHARE * self._count:
                    self._compact()
                self.directory.mkdir(parents=True, exist_ok=True)
                for array in (self._vec, self._scale, self._lang):
                    if isinstance(array, np.memmap):
                        array.flush()
                meta = {
                    "format": FORMAT, "stamp": self.stamp, "dim": self.dim, "gen": self._gen,
                    "count": self._count, "items": self._items, "sources": self._sources, "hashes": self.hashes,
                }
                tmp = self.directory / f"meta.json.{os.getpid()}.tmp"
                tmp.write_text(json.dumps(meta, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
                os.replace(tmp, self.directory / "meta.json")
            except OSError as exc:
                log.warning("could not save the dense index in %s: %s", self.directory, exc)
                return
            self._dirty = False
            self._meta_seen = self._meta_mtime()
            self._drop_old_generations()

    def _compact(self) -> None:
        """Write the live rows to a new generation (the old one stays until meta points past it)."""
        keep = np.flatnonzero(self._lang[:self._count] != REMOVED)
        vec, scale, lang = self._vec[keep], self._scale[keep], self._lang[keep]
        self._gen += 1
        self._count = len(keep)
        self._items = [self._items[i] for i in keep]
        self._sources = [self._sources[i] for i in keep]
        self._map(max(len(keep), GROW_MIN))
        self._vec[:len(keep)], self._scale[:len(keep)], self._lang[:len(keep)] = vec, scale, lang
        self._rows_of = {}
        for row, sid in enumerate(self._sources):
            self._rows_of.setdefault(sid, []).append(row)
        self._removed = 0

    def _drop_old_generations(self) -> None:
        assert self.directory is not None
        for path in self.directory.glob("*.*.*"):
            parts = path.name.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) != self._gen:
                path.unlink(missing_ok=True)

    # --- keeping it in step with the archive ---------------------------------------------------

    def __len__(self) -> int:
        return self._count - self._removed

    def has(self, source_id: str, content_hash: str) -> bool:
        return self.hashes.get(source_id) == content_hash

    def add_source(
        self, source_id: str, content_hash: str, item_ids: Sequence[str], langs: Sequence[int], vectors: np.ndarray
    ) -> None:
        """Store one source's vectors (replacing an older version of it)."""
        rows, scale = quantize(vectors)
        with self._lock:
            if source_id in self.hashes:
                self.remove_source(source_id)
            start = self._count
            self._grow(start + len(item_ids))
            end = start + len(item_ids)
            self._vec[start:end], self._scale[start:end] = rows, scale
            self._lang[start:end] = np.asarray(langs, dtype=np.uint8)
            self._items.extend(item_ids)
            self._sources.extend([source_id] * len(item_ids))
            self._rows_of[source_id] = list(range(start, end))
            self.hashes[source_id] = content_hash
            self._count, self._dirty, self._counts = end, True, None

    def remove_source(self, source_id: str) -> int:
        with self._lock:
            rows = self._rows_of.pop(source_id, [])
            had = self.hashes.pop(source_id, None) is not None
            if rows:
                self._lang[rows] = REMOVED
                self._removed += len(rows)
                self._counts = None
            self._dirty = self._dirty or had
            return len(rows)

    def lang_counts(self) -> dict[int, int]:
        """Rows per script: {ARABIC: n, OTHER: m} (kept up to date: every verification asks)."""
        counts = self._counts
        if counts is None:
            langs = self._lang[:self._count]
            counts = {ARABIC: int(np.count_nonzero(langs == ARABIC)), OTHER: int(np.count_nonzero(langs == OTHER))}
            self._counts = counts
        return dict(counts)

    # --- searching ---------------------------------------------------------------------------

    def cosines(self, query: np.ndarray, item_ids: Sequence[str]) -> list[DenseHit]:
        """Hits for these items (those embedded), whatever their rank."""
        out = []
        q = np.asarray(query, dtype=np.float32)
        with self._lock:
            for item_id in item_ids:
                source_id = item_id.rpartition(":")[0]
                for row in self._rows_of.get(source_id, []):
                    if self._items[row] == item_id:
                        cos = float(self._vec[row].astype(np.float32) @ q) * float(self._scale[row])
                        out.append(DenseHit(item_id, source_id, cos))
                        break
        return out

    def search(self, query: np.ndarray, *, k: int = 20, lang: int | None = None) -> list[DenseHit]:
        """The k rows most like `query` (a unit vector), best first; `lang`
        keeps rows of that script only. From SPLIT_MIN rows on, the second
        half of the rows is searched in a helper thread meanwhile (numpy lets
        go of the GIL): the claim's vector came from the claim thread, so the
        second core is free then."""
        with self._lock:  # a snapshot: rows past `count` may be written meanwhile
            count, vec, scale, langs = self._count, self._vec, self._scale, self._lang
            items, sources = self._items, self._sources
        if count == 0 or k <= 0:
            return []
        q = np.asarray(query, dtype=np.float32)
        k = min(k, count)
        middle = (count // 2 // BLOCK) * BLOCK if count >= SPLIT_MIN and _CORES > 1 else count
        with _one_blas_thread() as blas:
            other = None if middle == count else _helper().submit(
                _top, vec, scale, langs, q, lang, middle, count, k, blas)
            rows, scores = _top(vec, scale, langs, q, lang, 0, middle, k, blas)
            if other is not None:
                more_rows, more_scores = other.result()
                rows, scores = np.concatenate([rows, more_rows]), np.concatenate([scores, more_scores])
        order = np.lexsort((rows, -scores))[:k]  # best first; equal scores in row order
        return [DenseHit(items[i], sources[i], float(s)) for i, s in zip(rows[order], scores[order]) if np.isfinite(s)]


def _top(
    vec: np.ndarray, scale: np.ndarray, langs: np.ndarray, q: np.ndarray, lang: int | None, start: int, end: int,
    k: int, blas: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cosines) of the best k rows among start..end (unordered). `blas`: the
    product may use BLAS (held to one thread: _one_blas_thread), else numpy's einsum."""
    scores = np.empty(end - start, dtype=np.float32)
    buffer = np.empty((min(BLOCK, end - start), vec.shape[1]), dtype=np.float32)  # reused: stays in the CPU's cache
    for first in range(start, end, BLOCK):
        last = min(end, first + BLOCK)
        block = buffer[:last - first]
        np.copyto(block, vec[first:last], casting="unsafe")
        if blas:
            np.dot(block, q, out=scores[first - start:last - start])
        else:
            np.einsum("ij,j->i", block, q, out=scores[first - start:last - start])
    scores *= scale[start:end]
    keep = langs[start:end] == lang if lang is not None else langs[start:end] != REMOVED
    scores[~keep] = -np.inf
    k = min(k, end - start)
    top = np.argpartition(-scores, k - 1)[:k]
    return top + start, scores[top]


_blas_lock = threading.Lock()


@lru_cache(maxsize=1)
def _blas_controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # it comes with the multilingual extra
        return None
    return ThreadpoolController()  # finds the loaded BLAS once (about 1.5 ms)


@contextmanager
def _one_blas_thread() -> Iterator[bool]:
    """BLAS held to one thread while a search runs (True), or no BLAS (False:
    threadpoolctl missing). OpenBLAS's matrix-vector product on one thread is the
    fastest (100k int8 rows converted block by block: 6.9 ms of CPU against 11.2
    with numpy's einsum), but left alone it spreads over its threads, which on a
    busy two-core machine took 180 ms instead of 56 (docs/quality.md). The limit is
    process-wide, so searches take turns (each is a few milliseconds)."""
    controller = _blas_controller()
    if controller is None:
        yield False
        return
    with _blas_lock, controller.limit(limits=1, user_api="blas"):
        yield True


_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


def _helper() -> ThreadPoolExecutor:
    """The thread that searches the second half of the rows (one per process: a forked batch
    worker starts its own)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="isnad-dense")
            _pool_pid = os.getpid()
        return _pool
