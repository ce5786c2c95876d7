"""Congruence suite for the vector indexes: the same tests run on every backend.

Backends: ``EdgeVectorIndex`` (qdrant-edge, on disk), ``QdrantServerIndex`` over qdrant-client's
local mode (on disk), and ``QdrantServerIndex`` on the real Qdrant server of the tests (a fresh
collection per test; see tests/servers.py). Vectors are seeded random 384-dim vectors; the expected
results come from brute-force cosine similarity over the same data. Edge-only tests (the
cross-process lock, surviving a kill, exact search after optimise) and a server-only test (unreachable
server) follow the shared ones.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from qdrant_client import QdrantClient, models

from orgmind.errors import AuthenticationFailed, IndexMismatch, InvalidRecord, StoreLocked, StoreUnavailable
from orgmind.retrieval import edge_index, qdrant_server
from orgmind.retrieval.edge_index import EdgeVectorIndex
from orgmind.retrieval.qdrant_server import QdrantServerIndex
from tests import servers
from orgmind.retrieval.vectors import (
    VectorFilter,
    VectorIndex,
    VectorPayload,
    VectorPoint,
    point_id,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:Payload indexes have no effect"),
    pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection"),  # loopback
]

DIM = 384
MODEL = "test-model-v1"
N = 600
BASE_TS = 1_700_000_000_000_000  # microseconds: large enough to catch float rounding in ranges
VENTURES = ["v0", "v1", "v2", "v3", "v4"]
LABELS = ["Decision", "Outcome", "Observation", "Insight"]
KINDS = ["pricing", "hiring", None]
ROLES = ["ceo", "cmo", "cto", None]
REPO = Path(__file__).resolve().parents[2]

Opener = Callable[..., VectorIndex]


def make_points(n: int = N, seed: int = 7) -> list[VectorPoint]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return [
        VectorPoint(
            node_id=f"node-{i:04d}",
            vector=vectors[i],
            payload=VectorPayload(
                venture_id=None if i % 50 == 0 else VENTURES[i % len(VENTURES)],
                label=LABELS[i % len(LABELS)],
                kind=KINDS[i % len(KINDS)],
                role=ROLES[i % len(ROLES)],
                ts=BASE_TS + i * 1_000,
                score=None if i % 3 else i / N,
                brain_version_id=f"bv-{i % 2}",
            ),
        )
        for i in range(n)
    ]


POINTS = make_points()
QUERIES = np.random.default_rng(11).standard_normal((8, DIM)).astype(np.float32)

FILTERS = {
    "venture": VectorFilter(venture_ids=["v1"]),
    "ventures": VectorFilter(venture_ids=["v1", "v3"]),
    "label": VectorFilter(labels=["Decision"]),
    "kind": VectorFilter(kinds=["hiring"]),
    "role": VectorFilter(roles=["ceo", "cto"]),
    "since": VectorFilter(since_ts=BASE_TS + 300_000),
    "until": VectorFilter(until_ts=BASE_TS + 300_000),
    "time_window": VectorFilter(since_ts=BASE_TS + 100_000, until_ts=BASE_TS + 200_000),
    "exclude": VectorFilter(exclude_ids=[f"node-{i:04d}" for i in range(0, N, 2)]),
    "combined": VectorFilter(
        venture_ids=["v2", "v4"],
        labels=["Decision", "Outcome"],
        roles=["cmo", "ceo"],
        since_ts=BASE_TS + 50_000,
        exclude_ids=["node-0002", "node-0004"],
    ),
}


def passes(point: VectorPoint, flt: VectorFilter | None) -> bool:
    if flt is None:
        return True
    p = point.payload
    checks = [
        (flt.venture_ids, p.venture_id),
        (flt.labels, p.label),
        (flt.kinds, p.kind),
        (flt.roles, p.role),
    ]
    return (
        all(allowed is None or value in allowed for allowed, value in checks)
        and (flt.since_ts is None or p.ts >= flt.since_ts)
        and (flt.until_ts is None or p.ts < flt.until_ts)
        and point.node_id not in (flt.exclude_ids or ())
    )


def unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def brute_force(
    query: np.ndarray, k: int, flt: VectorFilter | None = None
) -> list[tuple[str, float]]:
    candidates = [p for p in POINTS if passes(p, flt)]
    sims = [float(unit(np.asarray(p.vector)) @ unit(query)) for p in candidates]
    ranked = sorted(zip((p.node_id for p in candidates), sims), key=lambda hit: -hit[1])
    return ranked[:k]


def open_backend(kind: str, root: Path) -> tuple[Opener, Callable[[], None], Callable[[], None]]:
    """An opener that (re)opens the index under ``root`` (or in a fresh server collection),
    closing what it opened before; a closer; and a dropper of the server collection."""
    opened: list[VectorIndex | QdrantClient] = []
    collection = servers.fresh_collection()
    made: list[str] = []

    def close_all() -> None:
        while opened:
            opened.pop().close()

    def open_index(dim: int = DIM, model_name: str = MODEL, recreate: bool = False) -> VectorIndex:
        close_all()
        if kind == "edge":
            index: VectorIndex = EdgeVectorIndex(root / "edge", dim, model_name, recreate=recreate)
        elif kind == "qdrant-server":
            index = QdrantServerIndex.from_url(
                servers.qdrant_url(), servers.QDRANT_API_KEY, collection, dim, model_name, recreate=recreate,
                timeout=servers.QDRANT_TIMEOUT_S,
            )
            made[:] = [collection]
        else:
            client = QdrantClient(path=str(root / "qdrant"))
            opened.append(client)
            index = QdrantServerIndex(client, "orgmind", dim, model_name, recreate=recreate)
        opened.append(index)
        return index

    def drop() -> None:
        for name in made:
            servers.drop_collection(name)

    return open_index, close_all, drop


@pytest.fixture(
    params=["edge", "qdrant-local", pytest.param("qdrant-server", marks=pytest.mark.qdrant_server)]
)
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    open_index, close_all, drop = open_backend(request.param, tmp_path)
    yield open_index
    close_all()
    drop()


@pytest.fixture
def loaded(opener: Opener) -> VectorIndex:
    index = opener()
    index.upsert(POINTS)
    index.flush()
    return index


# ---------------------------------------------------------------------------------- shared


def test_point_id_is_deterministic_uuid5() -> None:
    assert point_id("node-1") == point_id("node-1") != point_id("node-2")
    assert point_id("node-1")[14] == "5"  # uuid version 5


def test_payload_round_trips_through_dict() -> None:
    payload = POINTS[3].payload
    assert VectorPayload.from_dict({**payload.to_dict(), "node_id": "x"}) == payload


def test_upsert_is_idempotent(loaded: VectorIndex) -> None:
    loaded.upsert(POINTS)
    assert loaded.count() == N
    assert loaded.ids() == {p.node_id for p in POINTS}


def test_upsert_replaces_vector_and_payload(loaded: VectorIndex) -> None:
    target = POINTS[1]
    moved = replace(target, vector=QUERIES[0], payload=replace(target.payload, label="Pattern"))
    loaded.upsert([moved])
    assert loaded.count() == N
    [hit] = loaded.search(QUERIES[0], 1, VectorFilter(labels=["Pattern"]))
    assert hit.node_id == target.node_id
    assert hit.similarity == pytest.approx(1.0, abs=1e-5)
    assert hit.payload == moved.payload


@pytest.mark.parametrize("q", range(len(QUERIES)))
def test_search_matches_brute_force(loaded: VectorIndex, q: int) -> None:
    hits = loaded.search(QUERIES[q], 10)
    expected = brute_force(QUERIES[q], 10)
    assert [h.node_id for h in hits] == [node_id for node_id, _ in expected]
    assert [h.similarity for h in hits] == pytest.approx([s for _, s in expected], abs=1e-5)


def test_equal_similarities_come_in_node_id_order(opener: Opener) -> None:
    index = opener()
    twins = [replace(POINTS[0], node_id=f"twin-{c}") for c in "dbca"]
    for twin in twins:  # one write each, in reverse id order, so no engine keeps them in id order
        index.upsert([twin])
        index.flush()
    hits = index.search(POINTS[0].vector, 4)
    assert [h.node_id for h in hits] == ["twin-a", "twin-b", "twin-c", "twin-d"]
    assert len({h.similarity for h in hits}) == 1


def test_hits_carry_the_stored_payload(loaded: VectorIndex) -> None:
    by_id = {p.node_id: p.payload for p in POINTS}
    for hit in loaded.search(QUERIES[0], 20):
        assert hit.payload == by_id[hit.node_id]


@pytest.mark.parametrize("name", FILTERS)
def test_filter_matches_brute_force(loaded: VectorIndex, name: str) -> None:
    flt = FILTERS[name]
    for query in QUERIES[:3]:
        hits = loaded.search(query, 10, flt)
        expected = brute_force(query, 10, flt)
        assert len(expected) == 10
        assert [h.node_id for h in hits] == [node_id for node_id, _ in expected]


def test_time_range_is_inclusive_then_exclusive(loaded: VectorIndex) -> None:
    flt = VectorFilter(since_ts=POINTS[100].payload.ts, until_ts=POINTS[200].payload.ts)
    found = {h.node_id for h in loaded.search(QUERIES[0], N, flt)}
    assert found == {p.node_id for p in POINTS[100:200]}


def test_null_fields_never_match_a_list(loaded: VectorIndex) -> None:
    found = loaded.search(QUERIES[0], N, VectorFilter(venture_ids=VENTURES))
    assert len(found) == sum(p.payload.venture_id is not None for p in POINTS)


@pytest.mark.parametrize("field", ["venture_ids", "labels", "kinds", "roles"])
def test_empty_list_matches_nothing(loaded: VectorIndex, field: str) -> None:
    assert loaded.search(QUERIES[0], 10, VectorFilter(**{field: []})) == []


def test_empty_exclude_list_excludes_nothing(loaded: VectorIndex) -> None:
    hits = loaded.search(QUERIES[0], 10, VectorFilter(exclude_ids=[]))
    assert [h.node_id for h in hits] == [node_id for node_id, _ in brute_force(QUERIES[0], 10)]


def test_zero_k_returns_nothing(loaded: VectorIndex) -> None:
    assert loaded.search(QUERIES[0], 0) == []


def test_delete(loaded: VectorIndex) -> None:
    gone = [p.node_id for p in POINTS[:100]]
    loaded.delete([*gone, "never-stored"])
    assert loaded.count() == N - 100
    assert loaded.ids() == {p.node_id for p in POINTS[100:]}
    assert loaded.get_vectors(gone) == {}
    hits = loaded.search(QUERIES[0], N)
    assert len(hits) == N - 100 and not set(gone) & {h.node_id for h in hits}
    loaded.delete([])


def test_get_vectors_returns_unit_vectors(loaded: VectorIndex) -> None:
    wanted = [p.node_id for p in POINTS[:5]]
    vectors = loaded.get_vectors([*wanted, "never-stored"])
    assert sorted(vectors) == wanted
    for point in POINTS[:5]:
        expected = unit(np.asarray(point.vector))
        np.testing.assert_allclose(vectors[point.node_id], expected, atol=1e-6)
    assert loaded.get_vectors([]) == {}


def test_similarities_are_the_cosines_of_the_stored_vectors(loaded: VectorIndex) -> None:
    wanted = [POINTS[i].node_id for i in (3, 50, 77, 599)]
    found = loaded.similarities(QUERIES[1], [*wanted, "never-stored"])
    assert set(found) == set(wanted)
    for node_id in wanted:
        stored = next(p.vector for p in POINTS if p.node_id == node_id)
        assert found[node_id] == pytest.approx(float(unit(np.asarray(stored)) @ unit(QUERIES[1])), abs=1e-5)
    assert loaded.similarities(QUERIES[1], []) == {}


def test_empty_index(opener: Opener) -> None:
    index = opener()
    assert index.count() == 0
    assert index.ids() == set()
    assert index.search(QUERIES[0], 5) == []


@pytest.mark.parametrize(
    "vector", [np.ones(DIM + 1), np.zeros(DIM), np.full(DIM, np.nan)], ids=["dim", "zero", "nan"]
)
def test_invalid_vectors_are_rejected(loaded: VectorIndex, vector: np.ndarray) -> None:
    with pytest.raises(InvalidRecord):
        loaded.upsert([replace(POINTS[0], node_id="new"), replace(POINTS[1], vector=vector)])
    assert loaded.count() == N  # nothing of the batch was written
    with pytest.raises(InvalidRecord):
        loaded.search(vector, 3)


def test_persists_across_close_and_reopen(opener: Opener) -> None:
    index = opener()
    index.upsert(POINTS)
    index.flush()
    before = [h.node_id for h in index.search(QUERIES[0], 10, FILTERS["combined"])]
    index.close()
    reopened = opener()
    assert reopened.count() == N
    assert [h.node_id for h in reopened.search(QUERIES[0], 10, FILTERS["combined"])] == before


def test_dimension_mismatch(opener: Opener) -> None:
    opener().upsert(POINTS[:10])
    with pytest.raises(IndexMismatch, match="orgmind reindex") as info:
        opener(dim=128)
    assert "dim 384" in str(info.value) and "dim 128" in str(info.value)


def test_model_mismatch(opener: Opener) -> None:
    opener().upsert(POINTS[:10])
    with pytest.raises(IndexMismatch, match="orgmind reindex") as info:
        opener(model_name="another-model")
    assert MODEL in str(info.value) and "another-model" in str(info.value)


def test_recreate_wipes_and_takes_the_new_model(opener: Opener) -> None:
    opener().upsert(POINTS[:10])
    index = opener(dim=8, model_name="small", recreate=True)
    assert index.count() == 0
    index.upsert([replace(POINTS[0], vector=np.arange(1, 9, dtype=np.float32))])
    assert index.count() == 1
    assert opener(dim=8, model_name="small").count() == 1
    with pytest.raises(IndexMismatch):
        opener()


@pytest.mark.parametrize(
    "other", ["qdrant-local", pytest.param("qdrant-server", marks=pytest.mark.qdrant_server)]
)
def test_backends_agree(tmp_path: Path, other: str) -> None:
    open_edge, close_edge, _ = open_backend("edge", tmp_path)
    open_local, close_local, drop_local = open_backend(other, tmp_path)
    try:
        edge, local = open_edge(), open_local()
        for index in (edge, local):
            index.upsert(POINTS)
            index.flush()
        for flt in [None, *FILTERS.values()]:
            for query in QUERIES:
                edge_hits = edge.search(query, 10, flt)
                local_hits = local.search(query, 10, flt)
                assert [h.node_id for h in edge_hits] == [h.node_id for h in local_hits]
                assert [h.similarity for h in edge_hits] == pytest.approx(
                    [h.similarity for h in local_hits], abs=1e-5
                )
        assert edge.ids() == local.ids()
    finally:
        close_edge()
        close_local()
        drop_local()


# -------------------------------------------------------------------------------- edge only


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


OPEN_IN_CHILD = """
    import sys
    from pathlib import Path
    from orgmind.errors import StoreLocked
    from orgmind.retrieval.edge_index import EdgeVectorIndex
    try:
        EdgeVectorIndex(Path({path!r}), {dim}, {model!r}).close()
    except StoreLocked as exc:
        print("StoreLocked:", exc)
        sys.exit(3)
"""


def test_second_process_gets_store_locked_at_once(tmp_path: Path) -> None:
    path = tmp_path / "edge"
    index = EdgeVectorIndex(path, DIM, MODEL)
    code = OPEN_IN_CHILD.format(path=str(path), dim=DIM, model=MODEL)
    started = time.monotonic()
    child = run_python(code)
    assert child.returncode == 3, child.stderr
    assert "StoreLocked" in child.stdout and str(path) in child.stdout
    assert str(os.getpid()) in child.stdout  # names the holder
    assert time.monotonic() - started < 20
    index.close()
    assert run_python(code).returncode == 0  # released on close


def test_second_open_in_the_same_process_is_locked(tmp_path: Path) -> None:
    index = EdgeVectorIndex(tmp_path, DIM, MODEL)
    with pytest.raises(StoreLocked, match=str(tmp_path)):
        EdgeVectorIndex(tmp_path, DIM, MODEL)
    index.close()
    EdgeVectorIndex(tmp_path, DIM, MODEL).close()


def test_failed_open_releases_the_lock(tmp_path: Path) -> None:
    EdgeVectorIndex(tmp_path, DIM, MODEL).close()
    with pytest.raises(IndexMismatch):
        EdgeVectorIndex(tmp_path, DIM, "other")
    EdgeVectorIndex(tmp_path, DIM, "other", recreate=True).close()


def test_flushed_writes_survive_a_kill(tmp_path: Path) -> None:
    path = tmp_path / "edge"
    child = run_python(
        f"""
        import os, signal
        from pathlib import Path
        from orgmind.retrieval.edge_index import EdgeVectorIndex
        from tests.retrieval.test_vector_index import POINTS
        index = EdgeVectorIndex(Path({str(path)!r}), {DIM}, {MODEL!r})
        index.upsert(POINTS[:300])
        index.flush()
        index.delete([p.node_id for p in POINTS[:10]])
        index.flush()
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    index = EdgeVectorIndex(path, DIM, MODEL)  # the dead holder's lock is gone with it
    try:
        assert index.ids() == {p.node_id for p in POINTS[10:300]}
        stored = index.get_vectors([POINTS[42].node_id])[POINTS[42].node_id]
        np.testing.assert_allclose(stored, unit(np.asarray(POINTS[42].vector)), atol=1e-6)
    finally:
        index.close()


def test_upsert_optimizes_without_building_hnsw_so_search_stays_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edge_index, "OPTIMIZE_AFTER", 5_000)
    rng = np.random.default_rng(5)
    centres = rng.standard_normal((200, DIM))
    vectors = (centres[rng.integers(0, 200, 8_000)] + 0.7 * rng.standard_normal((8_000, DIM)))
    queries = centres[:20] + 0.7 * rng.standard_normal((20, DIM))
    points = [replace(POINTS[0], node_id=f"n{i}", vector=v) for i, v in enumerate(vectors)]
    index = EdgeVectorIndex(tmp_path, DIM, MODEL)
    try:
        index.upsert(points)  # past OPTIMIZE_AFTER: optimises on its own
        assert index._pending == 0  # the optimisers ran
        assert index._shard.info().indexed_vectors_count == 0  # and built no HNSW graph
        matrix = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        for query in queries:
            exact = [f"n{i}" for i in np.argsort(-(matrix @ unit(query)))[:10]]
            assert [h.node_id for h in index.search(query, 10)] == exact
    finally:
        index.close()


def test_wide_filters_answered_from_an_unfiltered_scan_match_brute_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edge_index, "WIDE_SCAN_MIN_POINTS", 0)  # every filter counts as wide
    monkeypatch.setattr(edge_index, "WIDE_SHARE", 0.0)
    monkeypatch.setattr(edge_index, "WIDE_OVERSAMPLE", 1.0)  # narrow ones then fall back, too few passing
    answered_wide: list[bool] = []
    original = EdgeVectorIndex._search_wide

    def spy(self: EdgeVectorIndex, values: list[float], k: int, flt: VectorFilter) -> object:
        found = original(self, values, k, flt)
        answered_wide.append(found is not None)
        return found

    monkeypatch.setattr(EdgeVectorIndex, "_search_wide", spy)
    index = EdgeVectorIndex(tmp_path, DIM, MODEL)
    try:
        index.upsert(POINTS)
        for name, flt in FILTERS.items():
            answered_wide.clear()
            for query in QUERIES[:3]:
                expected = brute_force(query, 10, flt)
                assert [h.node_id for h in index.search(query, 10, flt)] == [n for n, _ in expected], name
            if name in ("label", "since", "until", "exclude"):  # a quarter or more of the points pass
                assert any(answered_wide), name
    finally:
        index.close()


def test_wide_filters_are_recognised_by_their_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edge_index, "WIDE_SCAN_MIN_POINTS", 0)
    index = EdgeVectorIndex(tmp_path, DIM, MODEL)
    try:
        index.upsert(POINTS)
        values = [float(x) for x in unit(QUERIES[0])]
        assert index._search_wide(values, 10, VectorFilter(venture_ids=VENTURES[:3])) is not None  # ~60 %
        assert index._search_wide(values, 10, FILTERS["combined"]) is None  # a few per cent
    finally:
        index.close()


# ------------------------------------------------------------------------------ server only


def test_unreachable_server_raises_store_unavailable() -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        QdrantServerIndex.from_url("http://127.0.0.1:1", None, "orgmind", DIM, MODEL, timeout=5)
    assert time.monotonic() - started < 10


@pytest.mark.qdrant_server
def test_wrong_api_key_raises_authentication_failed() -> None:
    url = servers.qdrant_url()
    if servers.QDRANT_API_KEY is None:
        pytest.skip("the test Qdrant server has no API key to get wrong")
    with pytest.raises(AuthenticationFailed, match="refused the credentials"):
        QdrantServerIndex.from_url(url, "not-the-key", servers.fresh_collection(), DIM, MODEL)


@pytest.mark.qdrant_server
def test_bulk_load_defers_indexing_then_turns_it_back_on() -> None:
    collection = servers.fresh_collection()
    client = QdrantClient(url=servers.qdrant_url(), api_key=servers.QDRANT_API_KEY, check_compatibility=False)

    def threshold() -> int | None:
        return client.get_collection(collection).config.optimizer_config.indexing_threshold

    index = QdrantServerIndex.from_url(servers.qdrant_url(), servers.QDRANT_API_KEY, collection, DIM, MODEL)
    try:
        with index.bulk_load():
            assert threshold() == 0
            index.upsert(make_points(300))
        assert threshold() == qdrant_server.INDEXING_THRESHOLD_KB
        assert index.count() == 300  # every chunk applied once the last one is
        with pytest.raises(RuntimeError), index.bulk_load():
            raise RuntimeError("the import failed")
        assert threshold() == qdrant_server.INDEXING_THRESHOLD_KB
        client.update_collection(collection, optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0))
        index.close()
        index = QdrantServerIndex.from_url(servers.qdrant_url(), servers.QDRANT_API_KEY, collection, DIM, MODEL)
        assert threshold() == qdrant_server.INDEXING_THRESHOLD_KB  # a bulk load cut short is undone on open
    finally:
        index.close()
        client.close()
        servers.drop_collection(collection)
