"""Faults on the production path (Neo4j + Qdrant server), on real servers this file may break.

A throwaway Qdrant server (killed in the middle of an import, then started again on its data) and
a Neo4j of its own (``ORGMIND_TEST_NEO4J_FAULT_PORT``, default 7724: frozen with SIGSTOP, killed,
restarted), so the servers the other tests use are never disturbed. Time limits are set low here
(``graph_*_s`` settings) so a fault shows within seconds.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orgmind.errors import AuthenticationFailed, StoreUnavailable
from orgmind.mind import OrgMind
from orgmind.models import Decision, Sharing, Venture
from orgmind.sample import generate
from tests import servers

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.qdrant_server,
    pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection"),  # loopback
]

PASSWORD = os.environ.get("ORGMIND_TEST_NEO4J_PASSWORD", "orgmind-test")
LIMITS = {"graph_connect_timeout_s": 2.0, "graph_acquire_timeout_s": 3.0, "graph_transaction_timeout_s": 10.0,
          "graph_retry_s": 1.0}
"""Low enough for a fault to show within seconds, high enough for a slow machine's first queries."""
FROZEN_BOUND_S = 3.0 + 10.0 + 1.0 + 5.0  # acquire + transaction + retry, and slack


@pytest.fixture(scope="module")
def fault_neo4j() -> Iterator[str]:
    servers.neo4j_fault_server("start")
    yield servers.neo4j_fault_url()
    servers.neo4j_fault_server("stop")


def open_on(neo4j_url: str, qdrant_url: str, api_key: str | None, tmp_path: Path, **more: object) -> OrgMind:
    return OrgMind.open(home=tmp_path / "home", graph_url=neo4j_url, graph_password=PASSWORD, qdrant_url=qdrant_url,
                        qdrant_api_key=api_key, qdrant_collection=servers.fresh_collection(),
                        qdrant_timeout_s=servers.QDRANT_TIMEOUT_S, **more)


def test_a_wrong_qdrant_key_is_refused_at_open(fault_neo4j: str, tmp_path: Path) -> None:
    url = servers.qdrant_url()
    with pytest.raises(AuthenticationFailed, match="refused the credentials"):
        open_on(fault_neo4j, url, "not-the-key", tmp_path)


def test_qdrant_killed_mid_import_loses_nothing_and_reconciles(fault_neo4j: str, tmp_path: Path) -> None:
    qdrant = servers.start_qdrant(tmp_path / "qdrant")
    try:
        records = generate(decisions_per_venture=15)  # in an order that satisfies every reference
        acknowledged: list[str] = []
        failures: list[Exception] = []
        with open_on(fault_neo4j, qdrant.url, qdrant.api_key, tmp_path) as mind:
            for start in range(0, len(records), 10):
                if start == 40:
                    qdrant.kill()
                batch = records[start : start + 10]
                try:
                    mind.record_many(batch)
                except StoreUnavailable as exc:  # the graph has the batch; the index lacks it
                    failures.append(exc)
                acknowledged += [r.id for r in batch]
            assert failures, "writes with the Qdrant server down must raise StoreUnavailable"
            stored = mind.store.graph.get_many(acknowledged)
            assert set(stored) == set(acknowledged)  # nothing acknowledged is lost
            qdrant.start()
            servers.wait_for_http(qdrant.url, qdrant.api_key)
            mind.reconcile()
            searchable = {r.id for r in records if isinstance(r, Decision)}
            assert searchable <= mind.store.index.vectors.ids()
            assert not mind.store.graph.unindexed(limit=1)
            late = next(r for r in records[40:] if isinstance(r, Decision))
            assert late.id in [h.id for h in mind.recall(late.title, venture=late.venture_id, k=10)]
    finally:
        qdrant.kill()


def test_neo4j_frozen_then_killed_gives_store_unavailable_within_the_limits_and_the_handle_recovers(
    fault_neo4j: str, tmp_path: Path
) -> None:
    venture = Venture(id="faulty", name="Faulty", sharing=Sharing.OPEN)
    with open_on(fault_neo4j, servers.qdrant_url(), servers.QDRANT_API_KEY, tmp_path, **LIMITS) as mind:
        mind.record(venture)
        pid = servers.neo4j_fault_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(0.5)
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                mind.record(Decision(id="faulty-d1", venture_id="faulty", role="cto", kind="ops", title="Frozen"))
            frozen_s = time.monotonic() - started
        finally:
            os.kill(pid, signal.SIGCONT)
        assert frozen_s < FROZEN_BOUND_S, f"a frozen Neo4j blocked record for {frozen_s:.1f} s"
        mind.record(Decision(id="faulty-d2", venture_id="faulty", role="cto", kind="ops", title="Thawed"))
        assert mind.store.graph.get("faulty-d2") is not None  # the same handle works again

        os.kill(servers.neo4j_fault_pid(), signal.SIGKILL)
        time.sleep(0.5)
        timings = []
        for n in range(2):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                mind.record(Decision(id=f"faulty-k{n}", venture_id="faulty", role="cto", kind="ops", title="Killed"))
            timings.append(time.monotonic() - started)
        assert max(timings) < 10, f"a killed Neo4j took {timings} s per call"
        servers.neo4j_fault_server("start")  # a fresh, empty database on the same port
        mind.record(venture)
        mind.record(Decision(id="faulty-d3", venture_id="faulty", role="cto", kind="ops", title="Restarted"))
        assert mind.store.graph.get("faulty-d3") is not None
