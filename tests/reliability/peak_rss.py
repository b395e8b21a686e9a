"""Run the CLI in this process and report its exit code and peak memory:
`python -m tests.reliability.peak_rss OUT.json ARGS...` (from the repository root)."""
from __future__ import annotations

import json
import resource
import sys

from bot.cli.app import main

if __name__ == "__main__":
    out = sys.argv[1]
    try:
        code = main(sys.argv[2:])
    finally:
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"peak_mb": peak_kb / 1024}, handle)
    sys.exit(code)
