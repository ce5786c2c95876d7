"""The graph's indexed marks belong to one vector index (orgmind.core.binding).

Two processes sharing one Neo4j, each with an embedded vector index of its own, would otherwise
mark each other's records indexed; the second is refused at open. Sharing a Qdrant server works
(tests/service/test_replicas.py), and an embedded store whose index was lost is re-indexed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from orgmind.errors import IndexMismatch
from orgmind.mind import OrgMind
from orgmind.models import Decision, Sharing, Venture
from tests.conftest import NEO4J_PASSWORD, NEO4J_URL, open_neo4j

REPO = Path(__file__).resolve().parents[2]

VENTURE = Venture(id="bound", name="Bound", sharing=Sharing.OPEN)
DECISION = Decision(id="bound-d1", venture_id="bound", role="cto", kind="architecture",
                    title="Move the ledger to a columnar store")

OPEN_SECOND = """
    import sys
    from orgmind.errors import IndexMismatch
    from orgmind.mind import OrgMind
    try:
        OrgMind.open(home=sys.argv[1], graph_url=sys.argv[2], graph_password=sys.argv[3]).close()
    except IndexMismatch as exc:
        print("refused:", exc)
        sys.exit(3)
"""


@pytest.mark.neo4j
def test_a_second_process_with_its_own_embedded_index_on_the_same_neo4j_is_refused(tmp_path: Path) -> None:
    open_neo4j().close()  # empty
    with OrgMind.open(home=tmp_path / "first", graph_url=NEO4J_URL, graph_password=NEO4J_PASSWORD) as first:
        first.record_many([VENTURE, DECISION])
        env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        second = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(OPEN_SECOND), str(tmp_path / "second"), NEO4J_URL, NEO4J_PASSWORD],
            capture_output=True, text=True, env=env, timeout=300, check=False,
        )
        assert second.returncode == 3, second.stdout + second.stderr
        assert "share a Qdrant server" in second.stdout
        assert [h.id for h in first.recall("columnar ledger", venture="bound", k=3)][:1] == ["bound-d1"]


@pytest.mark.neo4j
def test_reindex_takes_the_graph_over_and_indexes_everything(tmp_path: Path) -> None:
    open_neo4j().close()
    servers = {"graph_url": NEO4J_URL, "graph_password": NEO4J_PASSWORD}
    with OrgMind.open(home=tmp_path / "first", **servers) as first:
        first.record_many([VENTURE, DECISION])
    with pytest.raises(IndexMismatch):
        OrgMind.open(home=tmp_path / "second", **servers)
    with OrgMind.open(home=tmp_path / "second", reindex=True, **servers) as second:
        assert [h.id for h in second.recall("columnar ledger", venture="bound", k=3)][:1] == ["bound-d1"]
    with pytest.raises(IndexMismatch):  # now the first home's index is the stranger
        OrgMind.open(home=tmp_path / "first", **servers)


def test_an_embedded_store_whose_vector_index_was_lost_is_reindexed_on_open(tmp_path: Path) -> None:
    with OrgMind.open(home=tmp_path) as mind:
        mind.record_many([VENTURE, DECISION])
    shutil.rmtree(tmp_path / "vectors")
    with OrgMind.open(home=tmp_path) as mind:
        assert "bound-d1" in mind.store.index.vectors.ids()
        assert [h.id for h in mind.recall("columnar ledger", venture="bound", k=3)][:1] == ["bound-d1"]
