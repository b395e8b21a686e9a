"""What a claim must be to be verified (the claim policy), and pace limits.

Every front end applies the same policy through IsnadService.check_claim: a
claim is not empty and not longer than `[discord] max_claim_length`. In chat
front ends claims are paced by `[pace]`: a claim over a member's or the
server's pace waits its turn (the front end says it is queued), never dropped.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable


class ClaimRefused(Exception):
    """Why a claim is not verified now. `key` is the reply string's key in
    bot/i18n.py; `params` its values; str() is the command line's wording."""

    def __init__(self, key: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


def check_claim(text: str, max_length: int) -> None:
    """Raise ClaimRefused for an empty or too long claim."""
    if not text.strip():
        raise ClaimRefused("error.empty", "the claim is empty")
    if len(text) > max_length:
        raise ClaimRefused("error.too_long", f"the claim is {len(text)} characters long; the limit is {max_length}",
                           length=len(text), limit=max_length)


class Bucket:
    """A token bucket kept as its "theoretical arrival time" (GCRA): a claim
    costs one token, `per_minute` tokens come back a minute, at most `burst`
    are saved up. `reserve` books the earliest time the next claim may run,
    so claims over the limit queue in order instead of being refused."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.tolerance = self.interval * max(0, burst - 1)
        self._tat: dict[Hashable, float] = {}

    def earliest(self, key: Hashable, now: float) -> float:
        if not self.interval:
            return now
        return max(now, self._tat.get(key, now) - self.tolerance)

    def book(self, key: Hashable, at: float) -> None:
        if self.interval:
            self._tat[key] = max(self._tat.get(key, at), at) + self.interval

    def forget_idle(self, now: float) -> None:
        """Drop keys whose bucket is full again (a bounded memory for many members)."""
        if len(self._tat) > 10_000:
            self._tat = {k: t for k, t in self._tat.items() if t > now}


class PaceLimit:
    """Pace limits for chat front ends: a bucket per member and one per server
    (configured in [pace]). `reserve` returns how long a claim waits in the
    queue; a wait longer than `max_wait` is refused instead (a Discord
    interaction can be answered for 15 minutes only, docs/field-notes.md §5)."""

    def __init__(self, *, member_per_minute: float = 6.0, member_burst: int = 5, server_per_minute: float = 30.0,
                 server_burst: int = 10, max_wait: float = 600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.member = Bucket(member_per_minute, member_burst)
        self.server = Bucket(server_per_minute, server_burst)
        self.max_wait = max_wait
        self._clock = clock
        self._lock = threading.Lock()

    def reserve(self, user: Hashable, server: Hashable | None = None) -> float:
        """Book the claim's turn; the seconds it waits (0 = now). Raises
        ClaimRefused when the queue is longer than `max_wait`."""
        with self._lock:
            now = self._clock()
            at = self.member.earliest(user, now)
            if server is not None:
                at = max(at, self.server.earliest(server, now))
            wait = at - now
            if wait > self.max_wait:
                seconds = max(1, round(wait - self.max_wait))
                raise ClaimRefused("error.busy", f"too many claims are queued; try again in {seconds} s",
                                   seconds=seconds)
            self.member.book(user, at)
            if server is not None:
                self.server.book(server, at)
            self.member.forget_idle(now)
            self.server.forget_idle(now)
            return wait
