"""A full disk, for real: the store on a small tmpfs, mounted in a private user and mount namespace.

No SIGBUS (qdrant-edge writes through memory-mapped sparse files), no raw SQLite error, no bare
exception from close: ``StoreFull`` (a ``StoreUnavailable``), nothing half-written, and the store
carries on once space is freed. The namespace needs no privileges; where the kernel refuses it the
test fails (it is never skipped).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from tests.faults.forkserver import REPO

TMPFS_SIZE = "256m"


def run_on_tmpfs(tmp_path: Path) -> dict[str, dict[str, object]]:
    mount, results = tmp_path / "mnt", tmp_path / "results.jsonl"
    mount.mkdir()
    script = (
        f"mount -t tmpfs -o size={TMPFS_SIZE} tmpfs {shlex.quote(str(mount))} && "
        f"exec {shlex.quote(sys.executable)} -m tests.faults.diskfull_scenario "
        f"{shlex.quote(str(mount))} {shlex.quote(str(results))}"
    )
    env = os.environ | {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                        "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    steps = {}
    if results.exists():
        steps = {row["step"]: row for row in map(json.loads, results.read_text().splitlines())}
    assert done.returncode == 0, (
        f"the disk-full scenario died with status {done.returncode} (135/-7 is SIGBUS); "
        f"steps {list(steps)}; stderr: {done.stderr[-3000:]}"
    )
    return steps


def test_a_full_disk_gives_store_full_nothing_half_written_and_recovery(tmp_path: Path) -> None:
    steps = run_on_tmpfs(tmp_path)

    assert steps["fill"]["error"] == "StoreFull"  # vector writes stop before the disk is out
    assert steps["refused_batch_absent"]["stored"] == []  # a refused batch left nothing behind
    for step in ("close_when_full", "open_when_full", "graph_open_when_full", "graph_write_when_full",
                 "graph_close_when_full"):
        outcome = steps[step]
        assert outcome["error"] is None or outcome["full"], f"{step}: {outcome}"
    assert steps["open_when_full"]["error"] == "StoreFull"
    assert steps["graph_write_when_full"]["error"] == "StoreFull"
    assert steps["graph_write_absent"]["stored"] == []

    recovered = steps["recovered"]
    assert recovered["present"] == recovered["acknowledged"] > 0
    assert recovered["ok"], recovered["counts"]
    written = set(recovered["acknowledged_ids"]) | set(recovered["retried"])
    assert recovered["hits"] and set(recovered["hits"]) <= written  # recall works again, on what was written
    assert len(recovered["retried"]) == 5
