"""Run the CLI in this process and report its exit code and peak memory:
`python -m tests.reliability.peak_rss OUT.json ARGS...` (from the repository root)."""
from __future__ import annotations

import json
import resource
import sys

from bot.cli.app import main


def _peak_kb() -> int:
    """This process's own peak resident memory. VmHWM belongs to the memory map
    made at exec; ru_maxrss would also count the parent's (pytest's) pages,
    which the kernel carries over a fork and exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


if __name__ == "__main__":
    out = sys.argv[1]
    try:
        code = main(sys.argv[2:])
    finally:
        peak_kb = _peak_kb()
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"peak_mb": peak_kb / 1024}, handle)
    sys.exit(code)
