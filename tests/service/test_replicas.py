"""Two `orgmind serve` processes on one Neo4j and one Qdrant server, sharing no memory.

A record written through one replica is found by recall (by its words too: the BM25 index follows
the graph's change log) and cited in briefs through the other, without a restart; a venture
deleted through one is gone from the other's recall; writers racing through both lose nothing and
duplicate nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from qdrant_client import QdrantClient

from orgmind.graph.neo4j import Neo4jGraphStore
from orgmind.keys import create_key
from orgmind.models import Sharing, Venture
from tests import servers
from tests.conftest import open_neo4j
from tests.service.conftest import ROOT, free_port, server_env, stop_server

pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.qdrant_server,
    pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection"),  # loopback
]

WRITES_PER_REPLICA = 30
COLLECTION: list[str] = []


def start_replica(home: Path, port: int, collection: str) -> subprocess.Popen[bytes]:
    env = {key: value for key, value in server_env().items() if not key.startswith("ORGMIND_")}
    env.update(
        ORGMIND_GRAPH_URL=os.environ.get("ORGMIND_TEST_NEO4J_URL", "bolt://127.0.0.1:7687"),
        ORGMIND_GRAPH_PASSWORD=os.environ.get("ORGMIND_TEST_NEO4J_PASSWORD", "orgmind-test"),
        ORGMIND_QDRANT_URL=servers.qdrant_url(),
        ORGMIND_QDRANT_API_KEY=servers.QDRANT_API_KEY or "",
        ORGMIND_QDRANT_COLLECTION=collection,
        ORGMIND_QDRANT_TIMEOUT_S=str(servers.QDRANT_TIMEOUT_S),
        PYTHONPATH=str(ROOT),
    )
    log = (home / f"serve-{port}.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "orgmind", "--home", str(home), "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"orgmind serve exited with {process.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    pytest.fail(f"orgmind serve was not ready in time: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    graph = open_neo4j()
    graph.upsert([Venture(id="rep", name="Replicated", sharing=Sharing.OPEN),
                  Venture(id="gone", name="Deleted later", sharing=Sharing.OPEN)])
    _, key = create_key(graph, "replicas", [], ["read", "write", "approve"], admin=True)
    graph.close()
    collection = servers.fresh_collection()
    COLLECTION[:] = [collection]
    homes = [tmp_path_factory.mktemp(f"replica-{n}") for n in range(2)]
    ports = [free_port(), free_port()]
    processes = [start_replica(home, port, collection) for home, port in zip(homes, ports, strict=True)]
    try:
        for home, port, process in zip(homes, ports, processes, strict=True):
            wait_ready(f"http://127.0.0.1:{port}", process, home / f"serve-{port}.log")
        headers = {"Authorization": f"Bearer {key}"}
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{p}", headers=headers, timeout=120) for p in ports]
        yield clients[0], clients[1]
        for client in clients:
            client.close()
    finally:
        for process in processes:
            stop_server(process)
        servers.drop_collection(collection)


def record(client: httpx.Client, *records: dict[str, object]) -> None:
    response = client.post("/v1/records", json={"records": list(records)})
    assert response.status_code == 200, response.text


def recall(client: httpx.Client, query: str, venture: str = "rep") -> list[dict[str, object]]:
    response = client.post("/v1/recall", json={"query": query, "venture": venture, "k": 10})
    assert response.status_code == 200, response.text
    hits: list[dict[str, object]] = response.json()
    return hits


def decision(id_: str, title: str, venture: str = "rep") -> dict[str, object]:
    return {"type": "decision", "id": id_, "venture_id": venture, "role": "cto", "kind": "architecture",
            "title": title, "rationale": "measured first"}


def test_a_record_written_through_one_replica_is_recalled_and_briefed_through_the_other(
    replicas: tuple[httpx.Client, httpx.Client],
) -> None:
    first, second = replicas
    record(first, decision("rep-d0", "Keep the monolith for now"))
    assert [h["id"] for h in recall(second, "monolith")][:1] == ["rep-d0"]  # both indexes are warm now
    record(first, decision("rep-d1", "Shard the quokka ledger by tenant"),
           {"type": "outcome", "venture_id": "rep", "decision_id": "rep-d1", "score": 0.8,
            "summary": "ledger writes doubled"})
    hits = {h["id"]: h for h in recall(second, "quokka ledger sharding")}
    assert "rep-d1" in hits
    assert hits["rep-d1"]["explanation"]["lexical_rank"] == 1  # type: ignore[index]  # BM25 followed
    assert hits["rep-d1"]["outcome"]["score"] == 0.8  # type: ignore[index]
    brief = second.post("/v1/wake-up", json={"venture": "rep", "role": "cto", "task": "shard the quokka ledger"})
    assert brief.status_code == 200, brief.text
    assert "rep-d1" in brief.text


def test_a_venture_deleted_through_one_replica_is_gone_from_the_other(
    replicas: tuple[httpx.Client, httpx.Client],
) -> None:
    first, second = replicas
    record(first, decision("gone-d1", "Adopt the wombat queue", venture="gone"))
    assert "gone-d1" in [h["id"] for h in recall(second, "wombat queue", venture="gone")]
    assert first.delete("/v1/ventures/gone").status_code == 200
    hits = second.post("/v1/recall", json={"query": "wombat queue", "scope": "platform", "venture": "rep"})
    assert hits.status_code == 200, hits.text
    assert "gone-d1" not in [h["id"] for h in hits.json()]


def test_concurrent_writers_through_both_replicas_lose_and_duplicate_nothing(
    replicas: tuple[httpx.Client, httpx.Client],
) -> None:
    def write(args: tuple[int, httpx.Client]) -> None:
        n, client = args
        record(client, decision(f"rep-c{n:03d}", f"Concurrent choice {n} about capybara caching"))
        record(client, decision(f"rep-c{n:03d}", f"Concurrent choice {n} about capybara caching"))  # retried

    jobs = [(n, replicas[n % 2]) for n in range(2 * WRITES_PER_REPLICA)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, jobs))
    wanted = {f"rep-c{n:03d}" for n in range(2 * WRITES_PER_REPLICA)}
    graph: Neo4jGraphStore = open_neo4j_keeping_data()
    try:
        stored = {n.id for n in graph.scan(venture_id="rep") if n.id.startswith("rep-c")}
        assert stored == wanted
        assert graph.count(venture_id="rep") == len({n.id for n in graph.scan(venture_id="rep")})
    finally:
        graph.close()
    client = QdrantClient(url=servers.qdrant_url(), api_key=servers.QDRANT_API_KEY, timeout=servers.QDRANT_TIMEOUT_S,
                          check_compatibility=False)
    try:
        points, _ = client.scroll(COLLECTION[0], limit=1000, with_payload=["node_id"])
        indexed = [p.payload["node_id"] for p in points if p.payload and p.payload["node_id"].startswith("rep-c")]
        assert sorted(indexed) == sorted(wanted)  # each once
    finally:
        client.close()
    for client_ in replicas:
        found = {h["id"] for h in recall_many(client_, "capybara caching", 100)}
        assert wanted <= found


def recall_many(client: httpx.Client, query: str, k: int) -> list[dict[str, object]]:
    response = client.post("/v1/recall", json={"query": query, "venture": "rep", "k": k})
    assert response.status_code == 200, response.text
    hits: list[dict[str, object]] = response.json()
    return hits


def open_neo4j_keeping_data() -> Neo4jGraphStore:
    return Neo4jGraphStore(
        os.environ.get("ORGMIND_TEST_NEO4J_URL", "bolt://127.0.0.1:7687"), "neo4j",
        os.environ.get("ORGMIND_TEST_NEO4J_PASSWORD", "orgmind-test"),
    )
