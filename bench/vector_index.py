"""Benchmark the vector indexes: bulk load, optimise, top-10 query latency and recall.

    PYTHONPATH=. python bench/vector_index.py [--edge-n 100000] [--local-n 20000]

Points are seeded random 384-dim vectors drawn around 2,000 random centres (structureless
Gaussian noise is a pathological case for HNSW, unlike real embeddings), spread over 20
ventures, 4 labels, 3 kinds, 4 roles and a year of timestamps. The edge index is loaded in
batches of ``--batch`` points (its upsert optimises on a geometric schedule), then optimised;
the qdrant-client local mode (in memory, exact numpy search) gets a smaller size by default
because its loading and filtering run in Python. Recall@10 is measured against brute force.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient

from orgmind.retrieval.edge_index import EdgeVectorIndex
from orgmind.retrieval.qdrant_server import QdrantServerIndex
from orgmind.retrieval.vectors import VectorFilter, VectorIndex, VectorPayload, VectorPoint

DIM = 384
VENTURES = [f"venture-{i}" for i in range(20)]
LABELS = ["Decision", "Outcome", "Observation", "Insight"]
KINDS = ["pricing", "hiring", "product"]
ROLES = ["ceo", "cmo", "cto", "cfo"]
YEAR_US = 365 * 24 * 3600 * 1_000_000
START_US = 1_700_000_000_000_000


def make_data(n: int, queries: int, seed: int = 0) -> tuple[list[VectorPoint], np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((2_000, DIM))
    vectors = centres[rng.integers(0, len(centres), n)] + 0.7 * rng.standard_normal((n, DIM))
    query_vectors = centres[rng.integers(0, len(centres), queries)]
    query_vectors = query_vectors + 0.7 * rng.standard_normal((queries, DIM))
    points = [
        VectorPoint(
            node_id=f"node-{i}",
            vector=vectors[i].astype(np.float32),
            payload=VectorPayload(
                venture_id=VENTURES[i % 20],
                label=LABELS[(i // 20) % 4],
                kind=KINDS[i % 3],
                role=ROLES[(i // 7) % 4],
                ts=START_US + int(rng.integers(0, YEAR_US)),
                score=None,
                brain_version_id=None,
            ),
        )
        for i in range(n)
    ]
    return points, query_vectors.astype(np.float32)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def query_stats(
    index: VectorIndex,
    points: list[VectorPoint],
    queries: np.ndarray,
    filters: list[VectorFilter | None],
) -> tuple[float, float, float]:
    """(p50 ms, p95 ms, mean recall@10) of top-10 searches, query i with filter i."""
    latencies, found = [], []
    for query, flt in zip(queries, filters, strict=True):  # timed apart from numpy's threads
        started = time.perf_counter()
        hits = index.search(query, 10, flt)
        latencies.append(time.perf_counter() - started)
        found.append({h.node_id for h in hits})
    matrix = np.stack([np.asarray(p.vector) for p in points])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ventures = np.array([p.payload.venture_id for p in points])
    labels = np.array([p.payload.label for p in points])
    recalls = []
    for query, flt, hits in zip(queries, filters, found, strict=True):
        sims = matrix @ (query / np.linalg.norm(query))
        if flt is not None:
            mask = np.isin(ventures, flt.venture_ids or []) & np.isin(labels, flt.labels or [])
            sims = np.where(mask, sims, -np.inf)
        exact = {points[i].node_id for i in np.argsort(-sims)[:10]}
        recalls.append(len(exact & hits) / 10)
    p50, p95 = np.percentile(latencies, [50, 95]) * 1000
    return float(p50), float(p95), float(np.mean(recalls))


def run(name: str, index: VectorIndex, n: int, batch: int, queries: int) -> list[str]:
    points, query_vectors = make_data(n, queries)
    load_s = timed(lambda: [index.upsert(points[i : i + batch]) for i in range(0, n, batch)])
    optimize_s = timed(index.optimize)
    rng = np.random.default_rng(1)
    filtered = [
        VectorFilter(venture_ids=[str(rng.choice(VENTURES))], labels=[str(rng.choice(LABELS))])
        for _ in range(queries)
    ]
    index.search(query_vectors[0], 10)  # warm up
    f50, f95, f_recall = query_stats(index, points, query_vectors, filtered)
    u50, u95, u_recall = query_stats(index, points, query_vectors, [None] * queries)
    return [
        name,
        f"{n:,}",
        f"{load_s:.1f}",
        f"{optimize_s:.1f}",
        f"{f50:.2f}",
        f"{f95:.2f}",
        f"{f_recall:.3f}",
        f"{u50:.2f}",
        f"{u95:.2f}",
        f"{u_recall:.3f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edge-n", type=int, default=100_000)
    parser.add_argument("--local-n", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="Payload indexes have no effect")

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        edge = EdgeVectorIndex(Path(tmp), DIM, "bench")
        try:
            rows.append(run("qdrant-edge", edge, args.edge_n, args.batch, args.queries))
        finally:
            edge.close()
    local = QdrantServerIndex(QdrantClient(":memory:"), "bench", DIM, "bench")
    rows.append(run("qdrant-client local", local, args.local_n, args.batch, args.queries))

    header = [
        "backend", "points", "load s", "optimize s",
        "filt p50 ms", "filt p95 ms", "filt recall",
        "all p50 ms", "all p95 ms", "all recall",
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
    print(f"top-10 over {args.queries} queries; filt = one venture + one label (~1/80 of points)")


if __name__ == "__main__":
    main()
