"""Writing a file so that a crash leaves the old file or the new one, never a
mix: the one atomic-write helper of the code base (the TinyDB archive, the
moderators' alias file); and the one wait for a file lock (the archive's
writers, the index's savers)."""
from __future__ import annotations

import fcntl
import os
import tempfile
import time
from contextlib import suppress
from pathlib import Path


def atomic_write(path: Path, text: str, *, temp_prefix: str | None = None) -> None:
    """Replace `path` with `text`: written to a temporary file in the same
    directory, fsynced, given the old file's permissions (mkstemp makes 0600),
    renamed over `path`, and the directory fsynced so the rename itself lasts.
    `temp_prefix` names the temporary file (default: ".<name>.")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix or f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with suppress(OSError):  # a new file keeps mkstemp's 0600
            os.chmod(tmp_name, path.stat().st_mode & 0o7777)
        os.replace(tmp_name, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp_name)
        raise
    fsync_directory(path.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable. Not possible on every OS (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def flock_exclusive(fd: int, timeout: float) -> bool:
    """Take an exclusive flock on `fd`, trying again after a pause that grows
    from 0.01 to 0.2 s; False if another process still holds it after `timeout`
    seconds. Any other OSError is raised. The kernel frees the lock when its
    holder closes the descriptor or dies, so a killed holder blocks no one."""
    deadline = time.monotonic() + timeout
    pause = 0.01
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
