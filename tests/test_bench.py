"""The benchmark entry point stays runnable (its figures live in bench/README.md, not in tests)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_python_m_bench_is_the_one_entry_point():
    result = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "--only {source,module,runtime,host,growth}" in result.stdout and "--runs" in result.stdout
