"""Brief build latency at scale: p50/p95 of OrgMind.wake_up on the embedded default and on Neo4j.

    python bench/brief.py --decisions 100000 --ventures 20 --backends embedded,neo4j

Builds the seeded sample history (decisions with outcomes, observations, pending approvals)
across the ventures, then times wake-ups with a task for random ventures and roles. The query
embedding is inside the timing (each wake-up's task is new text, so it is never a cache hit);
the model load is not (it happens at open). Prints where the time goes.

Ingest is not what this measures: document embeddings are memoised by text for the run (the
sample's template texts repeat), so building 100k decisions into two backends takes minutes,
not hours. bench/recall.py measures ingest throughput honestly. Recall p50/p95 (hybrid, platform
scope, a new query each time) is timed on the same store after the briefs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import random
import resource
import statistics
import tempfile
import time

import numpy as np

from orgmind.mind import OrgMind
from orgmind.retrieval.embedder import Embedder
from orgmind.sample import DEFAULT_END, ROLES, generate, venture_specs

TASKS = (
    "Decide whether to move the billing service to managed Postgres",
    "Pick the paid channel for next month's budget",
    "Should we raise the price of the Team plan?",
    "Hire for the on-call load or buy a vendor?",
    "Plan next quarter's marketing budget",
)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def memoise_document_embeddings() -> None:
    """Embed each distinct document text once per run (ingest speed is not measured here)."""
    original = Embedder.embed_documents
    memo: dict[str, np.ndarray] = {}

    def embed_documents(self: Embedder, texts, batch_size: int = 64) -> np.ndarray:
        missing = sorted({t for t in texts if t not in memo})
        if missing:
            memo.update(zip(missing, original(self, missing, batch_size)))
        return np.stack([memo[t] for t in texts]) if texts else original(self, texts, batch_size)

    Embedder.embed_documents = embed_documents  # type: ignore[method-assign]


def run(backend: str, args: argparse.Namespace) -> dict[str, float]:
    home = tempfile.mkdtemp(prefix="orgmind-bench-brief-")
    overrides = {"home": home}
    if backend == "neo4j":
        overrides.update(graph_url=args.neo4j_url, graph_password=args.neo4j_password)
    records = generate(decisions_per_venture=args.decisions // args.ventures, ventures=args.ventures)
    with OrgMind.open(**overrides) as mind:
        if backend == "neo4j":
            with mind.graph._driver.session() as session:  # noqa: SLF001 - start from an empty database
                session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        started = time.perf_counter()
        for start in range(0, len(records), 2000):
            mind.record_many(records[start : start + 2000])
        ingest = time.perf_counter() - started
        ventures = [v.id for v in venture_specs(args.ventures)]
        rng = random.Random(1)
        mind.wake_up(ventures[0], "cto", task=TASKS[0], now=DEFAULT_END)  # warm caches
        timings = []
        profiler = cProfile.Profile()
        for number in range(args.briefs):
            venture, role = rng.choice(ventures), rng.choice(ROLES)
            task = f"{rng.choice(TASKS)} (request {number})"  # new text: the query is embedded every time
            profiler.enable()
            began = time.perf_counter()
            mind.wake_up(venture, role, task=task, budget_tokens=1200, now=DEFAULT_END)
            timings.append((time.perf_counter() - began) * 1000)
            profiler.disable()
        recall_timings = []
        for number in range(args.briefs):
            query = f"{rng.choice(TASKS)} (question {number})"
            began = time.perf_counter()
            mind.recall(query, venture=rng.choice(ventures), k=10, scope="platform", now=DEFAULT_END)
            recall_timings.append((time.perf_counter() - began) * 1000)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
    print(f"\n--- {backend}: where the time goes (cProfile, cumulative) ---")
    print("\n".join(out.getvalue().splitlines()[:45]))
    return {
        "records": len(records),
        "ingest_s": ingest,
        "p50_ms": percentile(timings, 50),
        "p95_ms": percentile(timings, 95),
        "mean_ms": statistics.mean(timings),
        "recall_p50_ms": percentile(recall_timings, 50),
        "recall_p95_ms": percentile(recall_timings, 95),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--ventures", type=int, default=20)
    parser.add_argument("--briefs", type=int, default=200)
    parser.add_argument("--backends", default="embedded,neo4j")
    parser.add_argument("--neo4j-url", default="bolt://127.0.0.1:7687")
    parser.add_argument("--neo4j-password", default="orgmind-test")
    args = parser.parse_args()
    memoise_document_embeddings()
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}")
    results = {backend: run(backend, args) for backend in args.backends.split(",")}
    print(f"\n{'backend':10} {'records':>8} {'ingest s':>9} {'brief p50':>9} {'brief p95':>9} {'mean':>7} "
          f"{'recall p50':>10} {'recall p95':>10} {'peak RSS MB':>12}")
    for backend, r in results.items():
        print(f"{backend:10} {r['records']:>8} {r['ingest_s']:>9.1f} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f} "
              f"{r['mean_ms']:>7.1f} {r['recall_p50_ms']:>10.1f} {r['recall_p95_ms']:>10.1f} {r['peak_rss_mb']:>12.0f}")
    if "embedded" in results and "neo4j" in results:
        print(f"neo4j / embedded p95: {results['neo4j']['p95_ms'] / results['embedded']['p95_ms']:.2f}x")


if __name__ == "__main__":
    main()
