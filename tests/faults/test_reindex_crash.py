"""``orgmind reindex`` killed with SIGKILL at several points: the next open repairs the index."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.forkserver import ForkServer
from tests.faults.probes import assert_consistent, copy_home, recall_probes, sample_lines

KILL_POINTS = [
    pytest.param("orgmind.retrieval.edge_index:_write_json", 1, id="old-shard-moved-aside"),
    pytest.param("orgmind.retrieval.index:SearchIndex._index_batch", 1, id="new-shard-empty"),
    pytest.param("orgmind.retrieval.index:SearchIndex._index_batch", 2, id="first-batch-written"),
    pytest.param("orgmind.retrieval.edge_index:EdgeVectorIndex.optimize", 1, id="all-written-not-optimised"),
]


@pytest.mark.parametrize(("target", "call"), KILL_POINTS)
def test_a_reindex_killed_anywhere_leaves_every_record_findable_after_reopening(
    forks: ForkServer, base_home: Path, sample_file: Path, tmp_path: Path, target: str, call: int
) -> None:
    home = copy_home(base_home, tmp_path / "home")
    outcome = forks.run("reindex", kill=(target, call), home=str(home))
    assert outcome["killed"], f"the reindex was not killed at {target} call {call}: {outcome}"

    after = forks.must("reopen_and_check", home=str(home), probes=recall_probes(sample_lines(sample_file)))

    assert_consistent(after)
    assert after["report"]["vectors"] == after["searchable"] == _searchable(sample_file)


def test_open_repairs_vectors_lost_while_the_graph_says_indexed(
    forks: ForkServer, base_home: Path, tmp_path: Path
) -> None:
    """However the vector index lost points (a lost segment, a restored backup), the open notices."""
    home = copy_home(base_home, tmp_path / "home")
    assert forks.must("drop_vectors", home=str(home), count=40)["dropped"] == 40

    as_is = forks.must("check_as_is", home=str(home))["report"]
    assert as_is["counts"].get("missing_vector", 0) == 40  # the checker sees the drift ...
    assert "unindexed" not in as_is["counts"]  # ... which the indexed flags do not show

    assert_consistent(forks.must("reopen_and_check", home=str(home)))


def _searchable(sample: Path) -> int:
    searchable = {"decision", "observation", "insight", "pattern"}
    return sum(1 for line in sample_lines(sample) if line["type"] in searchable)
