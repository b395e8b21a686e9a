"""What the two change feeds share: a follower in a thread of its own.

`TinyDBStore.watch` (file polling) and `PostgresStore.watch` (LISTEN/NOTIFY)
differ only in how they read their change log; both start and stop a daemon
thread, hand each change to the callback, and let a writer wait until the
changes up to a cursor were delivered (the service does, so a moderator's own
addition is searchable when the reply says it was added).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from storage.capabilities import Change

log = logging.getLogger(__name__)


class ThreadedWatcher:
    """Subclasses read their log in `_run` (until `_stop` is set) and pass
    each change to `_deliver`."""

    def __init__(self, callback: Callable[[Change], None], cursor: int, *, poll_interval: float, name: str) -> None:
        self.callback = callback
        self.cursor = cursor
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._progress = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait_for(self, cursor: int, timeout: float) -> bool:
        """Block until changes up to `cursor` were delivered; False on timeout."""
        with self._progress:
            return self._progress.wait_for(lambda: self.cursor >= cursor, timeout)

    def _run(self) -> None:
        raise NotImplementedError

    def _deliver(self, change: Change) -> None:
        try:
            self.callback(change)
        except Exception:  # one bad change must not stop the index from following the rest
            log.exception("%s: callback failed on %s", self._thread.name, change)
        self._advance(change.cursor)

    def _advance(self, cursor: int) -> None:
        with self._progress:
            self.cursor = max(self.cursor, cursor)
            self._progress.notify_all()
