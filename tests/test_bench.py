"""Every benchmark script still imports (a module move elsewhere would break it silently)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(BENCH.glob("*.py"))
LOAD = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('bench_under_test', sys.argv[1])\n"
    "module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(module)\n"
)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_benchmark_script_imports(script: Path) -> None:
    done = subprocess.run([sys.executable, "-c", LOAD, str(script)], capture_output=True, text=True, timeout=300,
                          cwd=BENCH)
    assert done.returncode == 0, done.stderr[-2000:]
