"""Embedding the archive into the dense index, in the background or in the foreground.

Embedding costs about 30 ms a passage on this kind of machine (two cores),
so a big archive takes an hour: it never blocks an import or a verification.
The bot and the terminal chat start a `Backfill` thread at start and wake it
after each import; it embeds every source the dense index lacks (or holds
in an older version), a batch at a time, saves every SAVE_EVERY passages and
logs its progress. Stopped at any point, it goes on where it was at the next
start: a source counts as embedded only once all its items are. Meanwhile
verification uses what is embedded so far. `isnad embed` runs the same loop
in the foreground with a progress bar.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from storage.records import Source
from verifiers.dense import ARABIC, OTHER, DenseIndex, DenseIndexBusy
from verifiers.embeddings import Embedder
from verifiers.normalize import is_arabic, titled

BATCH = 16  # passages embedded per call: small, so a stop or a new import is seen quickly
SAVE_EVERY = 512  # passages embedded between saves of the dense index
LOG_EVERY = 10.0  # seconds between progress lines
START_DELAY = 5.0  # seconds the background thread waits at start: the bot connects and answers first
RECHECK = 600.0  # seconds between looks for sources that came without a notify (another process's import)
BUSY_RETRY = 60.0  # seconds before the background thread tries again when another process embeds
log = logging.getLogger("isnad.embed")

Progress = Callable[[int, int], None]  # (passages done, passages to do)


def item_texts(source: Source) -> list[tuple[str, str, int]]:
    """(item id, text to embed, script) for each passage and post of a source.
    A passage is embedded with its source's title, as the lexical index does
    (fact-check and news titles restate the claim)."""
    out = []
    for passage in source.passages:
        out.append((passage.id, titled(source.title, passage.text), ARABIC if is_arabic(passage.text) else OTHER))
    for post in source.posts:
        out.append((post.id, post.text, ARABIC if is_arabic(post.text) else OTHER))
    return out


class Backfill:
    """Embeds what the dense index lacks. `wanted` gives the archive's
    {source id: content hash} (the lexical index's view), `fetch` a source,
    `sizes` (optional) its {source id: passages and posts} for the progress
    count without loading the sources (else they are loaded once for it)."""

    def __init__(
        self, dense: DenseIndex, wanted: Callable[[], dict[str, str]],
        fetch: Callable[[str], Source | None], embedder: Embedder | None = None,
        sizes: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.dense = dense
        self._wanted = wanted
        self._fetch = fetch
        self._sizes = sizes
        self._embedder = embedder
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._thread: threading.Thread | None = None
        self.done = 0  # passages embedded by this Backfill
        self._delay = START_DELAY

    # --- what is pending ---------------------------------------------------------------------

    def pending(self) -> list[str]:
        """Sources to embed, and drops the dense rows of sources gone from the archive."""
        wanted = self._wanted()
        for sid in [s for s in self.dense.hashes if s not in wanted]:
            self.dense.remove_source(sid)
        return [sid for sid, h in wanted.items() if not self.dense.has(sid, h)]

    # --- the loop ----------------------------------------------------------------------------

    def run(self, progress: Progress | None = None) -> int:
        """Embed every pending source now; returns how many passages. Stops
        early when asked; DenseIndexBusy when another process is embedding."""
        with self.dense.writing():
            return self._run(progress)

    def _run(self, progress: Progress | None) -> int:
        sources = self.pending()
        embedder = self._embedder or Embedder()
        self._embedder = embedder
        total = self._count(sources)
        done, last_log, started, since_save = 0, time.monotonic(), time.monotonic(), 0
        if progress:
            progress(0, total)
        for source in self._sources(sources):
            if self._stop.is_set():
                break
            items = item_texts(source)
            vectors = [embedder.passages([t for _, t, _ in items[i:i + BATCH]]) for i in range(0, len(items), BATCH)]
            if self._stop.is_set():
                break  # a part-embedded source is not stored: it is pending next time
            matrix = np.vstack(vectors) if vectors else np.zeros((0, self.dense.dim), np.float32)
            self.dense.add_source(source.id, source.content_hash, [i for i, _, _ in items],
                                  [lang for _, _, lang in items], matrix)
            done += len(items)
            since_save += len(items)
            self.done += len(items)
            if progress:
                progress(done, total)
            if since_save >= SAVE_EVERY:
                self.dense.save()
                since_save = 0
            if time.monotonic() - last_log >= LOG_EVERY:
                rate = done / max(1e-9, time.monotonic() - started)
                log.info("embedded %d of %d passages and posts (%.0f a second)", done, total, rate)
                last_log = time.monotonic()
        self.dense.save()
        if done:
            log.info("embedding done: %d passages and posts in %.0f s", done, time.monotonic() - started)
        return done

    def _count(self, source_ids: list[str]) -> int:
        """The passages and posts to embed, for the progress count. From `sizes` (the
        lexical index's documents, which are these items) a source is loaded only once,
        to embed it; without, each is loaded here too."""
        if self._sizes is not None:
            sizes = self._sizes()
            return sum(sizes.get(sid, 0) for sid in source_ids)
        return sum(len(source.passages) + len(source.posts) for source in self._sources(source_ids))

    def _sources(self, source_ids: Iterable[str]) -> Iterator[Source]:
        for sid in source_ids:
            source = self._fetch(sid)
            if source is not None:
                yield source

    # --- the background thread ---------------------------------------------------------------

    def start(self, delay: float = START_DELAY) -> None:
        """Start the background thread (once); after `delay` seconds it embeds
        what is pending, then waits for `notify`."""
        if self._thread is not None:
            return
        self._delay = delay
        self._thread = threading.Thread(target=self._loop, name="isnad-embed", daemon=True)
        self._wake.set()
        self._thread.start()

    @property
    def running(self) -> bool:
        """Is the background thread at work (started, and not stopped or ended by an error)?"""
        return self._thread is not None and self._thread.is_alive()

    def notify(self) -> None:
        """New sources were imported: embed them."""
        self._idle.clear()
        self._wake.set()

    def _loop(self) -> None:
        self._stop.wait(self._delay)
        while not self._stop.is_set():
            self._wake.wait(RECHECK)
            self._wake.clear()
            if self._stop.is_set():
                break
            self._idle.clear()
            try:
                self.run()
            except DenseIndexBusy as exc:  # `isnad embed` runs: try again later
                log.info("%s; trying again in %.0f s", exc, BUSY_RETRY)
                self._stop.wait(BUSY_RETRY)
                self._wake.set()
                continue
            except Exception as exc:  # the bot goes on without new vectors; said once in the log
                log.exception("background embedding stopped: %s", exc)
                self._idle.set()
                return
            if not self._wake.is_set():
                self._idle.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until everything pending is embedded (tests, shutdown)."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._idle.set()
