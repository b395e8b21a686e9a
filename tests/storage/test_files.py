"""The file lock wait shared by the archive's writers and the index's savers."""
from __future__ import annotations

import os
import time
from pathlib import Path

from storage.files import flock_exclusive


def test_flock_exclusive_waits_for_the_holder_then_takes_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    # Two open file descriptions conflict under flock even in one process.
    holder = os.open(lock, os.O_RDWR | os.O_CREAT)
    waiter = os.open(lock, os.O_RDWR)
    try:
        assert flock_exclusive(holder, 0)
        started = time.monotonic()
        assert not flock_exclusive(waiter, 0.3)  # held: gives up
        assert time.monotonic() - started >= 0.3  # only after the whole wait
        os.close(holder)  # the kernel frees the lock with the descriptor
        holder = -1
        assert flock_exclusive(waiter, 0.3)
    finally:
        for fd in (holder, waiter):
            if fd >= 0:
                os.close(fd)
