"""What a claim must be to be verified (the claim policy), and pace limits.

Every front end applies the same policy through IsnadService.check_claim: a
claim is not empty and not longer than `[discord] max_claim_length`; in chat
front ends a member waits `[discord] cooldown_seconds` between verifications.
"""
from __future__ import annotations

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


class PaceLimit:
    """Per-user rate limit on verification; the seconds come from config."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[Hashable, float] = {}

    def retry_after(self, user: Hashable) -> float:
        """0 if the user may go now (and records the use), else seconds to wait."""
        if self.seconds <= 0:
            return 0.0
        now = self._clock()
        last = self._last.get(user)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[user] = now
        if len(self._last) > 10_000:  # forget users whose wait is long over
            self._last = {u: t for u, t in self._last.items() if now - t < self.seconds}
        return 0.0

    def check(self, user: Hashable) -> None:
        """Raise ClaimRefused when the user must wait."""
        wait = self.retry_after(user)
        if wait > 0:
            seconds = max(1, round(wait))
            raise ClaimRefused("error.cooldown", f"please wait {seconds} s before the next verification",
                               seconds=seconds)
