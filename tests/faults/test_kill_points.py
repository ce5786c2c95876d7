"""kill -9 at seeded points of import, reindex, synthesis, pattern mining and venture deletion.

Each case copies a store holding the sample history, runs the operation in a forked process that
sends itself SIGKILL on entering the n-th call of a function on the write path (chosen from the
seed), then reopens the store and checks it with the checker ``orgmind check`` uses: graph and
indexes agree, references resolve, the audit trail and brain versions are intact, every
acknowledged record is present and recall finds the probes. An operation that ends before its
kill point counts as a kill after its last write and is checked the same way.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.faults.forkserver import ForkServer
from tests.faults.probes import assert_consistent, copy_home, recall_probes, sample_lines

SQLITE = "orgmind.graph.sqlite:SqliteGraphStore"
INDEX = "orgmind.retrieval.index:SearchIndex"
VECTORS = "orgmind.retrieval.edge_index:EdgeVectorIndex"

KILL_POINTS: dict[str, list[tuple[str, int]]] = {
    # target, the highest call number to pick
    "import": [(f"{SQLITE}._write", 14), (f"{INDEX}._index_batch", 14), (f"{SQLITE}.mark_indexed", 14),
               (f"{VECTORS}.upsert", 14)],
    "reindex": [("orgmind.retrieval.edge_index:_write_json", 1), (f"{INDEX}._index_batch", 2),
                (f"{VECTORS}.upsert", 2), (f"{VECTORS}.optimize", 1), (f"{VECTORS}.flush", 2)],
    "synthesize": [(f"{SQLITE}._write", 2), (f"{INDEX}._index_batch", 2), (f"{SQLITE}.mark_indexed", 2)],
    "mine_patterns": [(f"{SQLITE}._write", 2), (f"{INDEX}._index_batch", 2), (f"{SQLITE}.mark_indexed", 2)],
    "delete_venture": [(f"{SQLITE}._delete_venture", 1), (f"{VECTORS}.delete", 1), (f"{INDEX}.remove", 1),
                       (f"{VECTORS}.flush", 2)],
}
SEEDS = (1, 2, 3)
CASES = [pytest.param(op, seed, id=f"{op}-seed{seed}") for op in KILL_POINTS for seed in SEEDS]


@pytest.mark.parametrize(("operation", "seed"), CASES)
def test_a_kill_anywhere_leaves_a_consistent_store_with_every_acknowledged_record(
    forks: ForkServer, base_home: Path, sample_file: Path, tmp_path: Path, operation: str, seed: int
) -> None:
    rng = random.Random(f"{operation}-{seed}")
    target, highest = rng.choice(KILL_POINTS[operation])
    kill = (target, rng.randint(1, highest))
    lines = sample_lines(sample_file)
    venture = sorted(line["id"] for line in lines if line["type"] == "venture")[seed % 4]
    ack = tmp_path / "acknowledged"

    if operation == "import":
        home = tmp_path / "home"
        args: dict[str, Any] = {"home": str(home), "path": str(sample_file), "ack": str(ack)}
    else:
        home = copy_home(base_home, tmp_path / "home")
        args = {"home": str(home)} | ({"venture": venture} if operation in ("synthesize", "delete_venture") else {})
    outcome = forks.run("import_file" if operation == "import" else operation, kill=kill, **args)
    assert outcome["killed"] or outcome.get("ok"), f"{operation} failed on its own: {outcome}"

    if operation == "import":
        last = max(map(int, ack.read_text().split()), default=0) if ack.exists() else 0
        acknowledged = lines[:last]  # the sample has no blank lines: line n is lines[n - 1]
    else:
        acknowledged = lines
    if operation == "delete_venture":
        acknowledged = [line for line in lines if line.get("venture_id", line["id"]) != venture]
    after = forks.must("reopen_and_check", home=str(home), probes=recall_probes(acknowledged))

    assert_consistent(after)
    stored = set(after["ids"])
    missing = [line["id"] for line in acknowledged if line["id"] not in stored]
    assert not missing, f"acknowledged records lost after a kill at {kill}: {missing[:5]}"
    if operation == "delete_venture":  # one transaction: all of the venture or none of it
        owned = {line["id"] for line in lines if line.get("venture_id", line["id"]) == venture}
        assert owned <= stored or not owned & stored, f"venture {venture} half deleted after a kill at {kill}"
