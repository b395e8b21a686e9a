"""The benchmark scripts skip with a clear message, and succeed, where the public data is absent."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "argv",
    [
        ["benchmarks/eval_retrieval.py"],
        ["benchmarks/eval_abstain.py"],
        ["benchmarks/eval_typos.py"],
        ["benchmarks/train_rerank.py"],
        ["benchmarks/eval_stance.py"],
        ["benchmarks/eval_verdicts.py"],
        ["benchmarks/train_stance.py"],
        ["benchmarks/bench_verify.py"],
        ["benchmarks/bench_links.py"],
        ["benchmarks/eval_crosslang.py"],
        ["benchmarks/train_crosslang.py"],
        ["benchmarks/train_same_e5.py"],
        ["-m", "benchmarks.bench_scale", "--sizes", "10k"],
    ],
)
def test_skips_with_a_message_without_the_data(argv, tmp_path):
    result = subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env={**os.environ, "ISNAD_BENCHDATA": str(tmp_path / "absent")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "not found" in result.stdout and "skipping" in result.stdout
