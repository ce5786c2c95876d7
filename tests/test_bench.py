"""Every benchmark script still imports (a module move elsewhere would break it silently)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

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


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scale_growth_exponent_is_the_log_log_slope() -> None:
    scale = _load("scale")
    assert scale.exponent([(10_000, 5.0), (100_000, 50.0), (1_000_000, 500.0)]) == pytest.approx(1.0)
    assert scale.exponent([(10_000, 7.0), (1_000_000, 7.0)]) == pytest.approx(0.0)
    assert scale.exponent([(10_000, 7.0)]) is None


def test_scale_data_draws_from_a_bounded_pool_of_texts(tmp_path: Path) -> None:
    scale = _load("scale")
    path = tmp_path / "data.jsonl"
    lines = scale.generate(path, decisions=300, ventures=3, distinct=20, seed=1)
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines == len(records) == 3 * (1 + len(scale.ROLES)) + 2 * 300
    decisions = [r for r in records if r["type"] == "decision"]
    assert len({(d["title"], d["rationale"]) for d in decisions}) <= 20
    assert [r["decision_id"] for r in records if r["type"] == "outcome"] == [d["id"] for d in decisions]
