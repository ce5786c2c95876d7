"""Recall benchmark: retrieval quality on a hand-labelled set, and (optionally) ingest/recall speed.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python bench/recall.py [--details] [--speed N [--batch B]]

QUALITY. The labelled set of ``bench/recall_set.py`` (3 ventures, 188 records, 55 judged
queries in four categories) is written into a fresh store through ``OrgMind.record_many``. Every
query is run through ``HybridSearch.search`` with the ``SearchRequest`` that ``OrgMind.recall``
builds (venture scope, kinds/roles/labels, since/until; ``now`` fixed to ``recall_set.NOW``),
three times on the same index: dense only, BM25 only and hybrid (``dense``/``lexical``
switches). Hybrid with the shipped weights is checked to return exactly what ``OrgMind.recall``
returns. Reported per mode, over all queries and per category: recall@5, recall@10 (share of a
query's relevant records in the top 5/10, averaged over queries) and MRR (1/rank of the first
relevant record, 0 if none in the top 10). The three modes are then measured again under ranking
variants (other ``RankWeights`` passed to ``HybridSearch``), among them the textbook RRF (k=60,
equal weights) as the baseline of the shipped weighted fusion. ``--details`` adds, per query,
the rank of each relevant record in each mode.

SPEED (``--speed N``). N records of the seeded ``orgmind.sample`` history are written through
``record_many`` in batches of ``--batch``, embedding included; then 100 distinct recall queries
over the result. Reported: records/s and searchable documents/s, the first recall (which builds
the BM25 index), recall p50/p95 end to end and without the query's embedding, the median recall
in a mixed read/write stream (50 rounds of a one-record write, embedding included, then a recall
with a new query), and peak RSS (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence

from orgmind.mind import OrgMind
from orgmind.models import Node, Observation
from orgmind.retrieval.documents import SEARCHABLE
from orgmind.retrieval.ranking import RankWeights
from orgmind.retrieval.search import HybridSearch, SearchRequest
from orgmind.retrieval.tenancy import visible_ventures

try:
    from bench.recall_set import NOW, QUERIES, Query, check, records
except ImportError:  # run as a script without the repository root on sys.path
    from recall_set import NOW, QUERIES, Query, check, records  # type: ignore[no-redef]

MODES = {"dense": (True, False), "bm25": (False, True), "hybrid": (True, True)}
CATEGORIES = ("paraphrase", "exact", "time", "filtered")
K = 10
MIXED_ROUNDS = 50

SHIPPED = RankWeights()
NO_RERANK = dataclasses.replace(SHIPPED, recency=0.0, outcome_known=0.0, outcome_strength=0.0)
PURE = dataclasses.replace(NO_RERANK, mmr_lambda=1.0)


VARIANTS: dict[str, RankWeights] = {
    "shipped: weighted RRF (k=10, BM25 x0.5-1 by dense spread), neighbours 0.3, recency+outcome rerank, MMR 0.8":
        SHIPPED,
    "shipped without recency/outcome": NO_RERANK,
    "shipped without MMR (lambda=1)": dataclasses.replace(SHIPPED, mmr_lambda=1.0),
    "shipped fusion, pure (no rerank, no MMR)": PURE,
    "textbook RRF k=60, equal weights, rerank+MMR": dataclasses.replace(SHIPPED, rrf_k=60, lexical_weight=1.0),
    "textbook RRF k=60, equal weights, pure": dataclasses.replace(PURE, rrf_k=60, lexical_weight=1.0),
    "BM25 at equal weight (1.0)": dataclasses.replace(SHIPPED, lexical_weight=1.0),
    "fixed BM25 weight 0.5 (no adaptation)": dataclasses.replace(SHIPPED, lexical_weight_unsure=0.5),
    "shipped + names and numbers (0.1)": dataclasses.replace(SHIPPED, exact_weight=0.1),
    "shipped without neighbours": dataclasses.replace(SHIPPED, neighbour_weight=0.0),
    "shipped + named periods (0.1)": dataclasses.replace(SHIPPED, time_weight=0.1),
}
SHIPPED_NAME, PURE_NAME, TEXTBOOK_NAME = list(VARIANTS)[0], list(VARIANTS)[3], list(VARIANTS)[4]


# ---- quality ---------------------------------------------------------------------------------


def request_for(mind: OrgMind, query: Query, dense: bool, lexical: bool) -> SearchRequest:
    """The request ``OrgMind.recall`` builds for ``query`` (scope "venture"), with the switches."""
    return SearchRequest(
        query=query.text,
        venture_ids=visible_ventures(mind.graph, query.venture, "venture"),
        k=K,
        labels=list(query.labels) if query.labels else None,
        kinds=query.kinds,
        roles=query.roles,
        since=query.since,
        until=query.until,
        now=NOW,
        dense=dense,
        lexical=lexical,
    )


def scores(ranked: Sequence[str], relevant: frozenset[str]) -> tuple[float, float, float]:
    """(recall@5, recall@10, reciprocal rank within the top 10)."""
    r5 = len(relevant.intersection(ranked[:5])) / len(relevant)
    r10 = len(relevant.intersection(ranked[:10])) / len(relevant)
    rr = next((1.0 / rank for rank, node_id in enumerate(ranked[:10], 1) if node_id in relevant), 0.0)
    return r5, r10, rr


Runs = dict[str, dict[str, list[str]]]  # mode -> query id -> ranked ids


def run_variant(mind: OrgMind, weights: RankWeights) -> Runs:
    search = HybridSearch(mind.graph, mind.index, weights)
    return {
        mode: {q.id: [h.id for h in search.search(request_for(mind, q, *switches))] for q in QUERIES}
        for mode, switches in MODES.items()
    }


def check_matches_recall(mind: OrgMind, runs: Runs) -> None:
    """Hybrid with the shipped weights must be exactly ``OrgMind.recall``."""
    for q in QUERIES:
        got = [h.id for h in mind.recall(q.text, venture=q.venture, k=K, kinds=q.kinds, roles=q.roles,
                                         labels=q.labels, since=q.since, until=q.until, now=NOW)]
        if got != runs["hybrid"][q.id]:
            raise SystemExit(f"{q.id}: OrgMind.recall returned {got}, the benchmark's request {runs['hybrid'][q.id]}")


def summary(runs: Runs) -> dict[str, dict[str, tuple[float, float, float]]]:
    """mode -> group ("all" or a category) -> mean (recall@5, recall@10, MRR)."""
    out: dict[str, dict[str, tuple[float, float, float]]] = {}
    for mode, ranked in runs.items():
        groups: dict[str, list[tuple[float, float, float]]] = {"all": []}
        for q in QUERIES:
            s = scores(ranked[q.id], q.relevant)
            groups["all"].append(s)
            groups.setdefault(q.category, []).append(s)
        out[mode] = {g: tuple(statistics.fmean(col) for col in zip(*rows)) for g, rows in groups.items()}  # type: ignore[misc]
    return out


def quality_table(stats: dict[str, dict[str, tuple[float, float, float]]]) -> str:
    counts = {c: sum(q.category == c for q in QUERIES) for c in CATEGORIES}
    groups = [("all", len(QUERIES))] + [(c, counts[c]) for c in CATEGORIES]
    header = "| mode | " + " | ".join(f"{g} ({n}) R@5 / R@10 / MRR" for g, n in groups) + " |"
    lines = [header, "|---|" + "---|" * len(groups)]
    for mode in MODES:
        cells = [" / ".join(f"{v:.3f}" for v in stats[mode][g]) for g, _ in groups]
        lines.append(f"| {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def variants_table(all_stats: dict[str, dict[str, dict[str, tuple[float, float, float]]]]) -> str:
    lines = ["| ranking variant | " + " | ".join(f"{m} R@5 / R@10 / MRR" for m in MODES) + " | hybrid beats both on |",
             "|---|" + "---|" * len(MODES) + "---|"]
    for name, stats in all_stats.items():
        cells = [" / ".join(f"{v:.3f}" for v in stats[m]["all"]) for m in MODES]
        wins = [metric for i, metric in enumerate(("R@5", "R@10", "MRR"))
                if stats["hybrid"]["all"][i] > max(stats["dense"]["all"][i], stats["bm25"]["all"][i])]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {', '.join(wins) or 'none'} |")
    return "\n".join(lines)


def details(runs: Runs) -> str:
    """Per query: the rank (1-based, '-' if not in the top 10) of each relevant record per mode."""
    lines = []
    for q in QUERIES:
        cells = []
        for mode in MODES:
            ranked = runs[mode][q.id]
            ranks = [str(ranked.index(r) + 1) if r in ranked else "-" for r in sorted(q.relevant)]
            cells.append(f"{mode}={','.join(ranks)}")
        lines.append(f"{q.id:4} {q.category:10} {q.text[:44]:44} {' '.join(cells)}")
    return "\n".join(lines)


def quality(show_details: bool) -> None:
    check()
    with tempfile.TemporaryDirectory(prefix="orgmind-recall-") as home:
        mind = OrgMind.open(home=home)
        try:
            nodes = records()
            mind.record_many(nodes)
            searchable = sum(n.label in SEARCHABLE for n in nodes)
            print(f"labelled set: {len(nodes)} records ({searchable} searchable), {len(QUERIES)} queries\n")
            all_stats, all_runs = {}, {}
            for name, variant in VARIANTS.items():
                all_runs[name] = run_variant(mind, variant)
                all_stats[name] = summary(all_runs[name])
            check_matches_recall(mind, all_runs[SHIPPED_NAME])
        finally:
            mind.close()
    for name in (SHIPPED_NAME, PURE_NAME, TEXTBOOK_NAME):
        print(f"{name}; per category:\n")
        print(quality_table(all_stats[name]) + "\n")
    print("All queries, per ranking variant (each mode ranked by that variant):\n")
    print(variants_table(all_stats))
    if show_details:
        for name in (SHIPPED_NAME, TEXTBOOK_NAME):
            print(f"\nRanks of the relevant records ({name}):\n")
            print(details(all_runs[name]))


# ---- speed -----------------------------------------------------------------------------------


def synthetic(n: int) -> list[Node]:
    """The first ``n`` records of a seeded sample history large enough to hold them."""
    from orgmind.sample import generate

    per_venture = max(10, n // 9)  # ~9.6 records per decision-per-venture; generate, then trim
    while True:
        nodes = generate(seed=11, decisions_per_venture=per_venture, days=365)
        if len(nodes) >= n:
            return nodes[:n]
        per_venture = int(per_venture * 1.3) + 1


def speed_queries() -> list[tuple[str, str]]:
    """100 distinct (venture, text) recall queries over the sample history's ventures."""
    rng = random.Random(5)
    texts = [q.text for q in QUERIES]
    texts += [f"{t} last quarter" for t in texts][: 100 - len(texts)]
    ventures = ("lumen", "harbor", "sprout", "nimbus")
    return [(rng.choice(ventures), t) for t in texts[:100]]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def speed(n: int, batch: int) -> None:
    load_before = os.getloadavg()[0]
    nodes = synthetic(n)
    searchable = sum(x.label in SEARCHABLE for x in nodes)
    with tempfile.TemporaryDirectory(prefix="orgmind-speed-") as home:
        started = time.perf_counter()
        mind = OrgMind.open(home=home)
        opened = time.perf_counter() - started
        rss_open = rss_mib()
        try:
            started = time.perf_counter()
            for start in range(0, len(nodes), batch):
                mind.record_many(nodes[start : start + batch])
            ingest = time.perf_counter() - started
            started = time.perf_counter()
            mind.index.vectors.flush()
            flush = time.perf_counter() - started
            queries = speed_queries()
            started = time.perf_counter()
            mind.recall("warm-up: build the BM25 index", venture="lumen", k=10)
            first = time.perf_counter() - started
            latencies, searches = [], []  # end to end; without embedding the query (cached first)
            for venture, text in queries:
                started = time.perf_counter()
                mind.index.embedder.embed_query(text)
                embedded = time.perf_counter()
                mind.recall(text, venture=venture, k=10)
                done = time.perf_counter()
                latencies.append(done - started)
                searches.append(done - embedded)
            writes, after_write = [], []  # mixed: each recall right after a one-record write
            for number in range(MIXED_ROUNDS):
                started = time.perf_counter()
                mind.record(Observation(id=f"speed-extra-{number}", venture_id="lumen",
                                        text=f"Extra note {number} on {queries[number][1]}"))
                written = time.perf_counter()
                mind.recall(f"{queries[number][1]} (after write {number})", venture="lumen", k=10)
                after_write.append(time.perf_counter() - written)
                writes.append(written - started)
        finally:
            mind.close()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    s = statistics.quantiles(searches, n=100, method="inclusive")
    m = statistics.quantiles(after_write, n=100, method="inclusive")
    w = statistics.quantiles(writes, n=100, method="inclusive")
    print("| records | searchable docs | batch | ingest s | records/s | docs/s | flush s | first recall s "
          "| recall p50 / p95 ms | of which search (query embedded) p50 / p95 ms "
          "| mixed: write p50 / p95 ms | mixed: recall right after it p50 / p95 ms | peak RSS MiB (after open) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {len(nodes)} | {searchable} | {batch} | {ingest:.1f} | {len(nodes) / ingest:.0f} | "
          f"{searchable / ingest:.0f} | {flush:.2f} | {first:.2f} | {q[49] * 1000:.0f} / {q[94] * 1000:.0f} | "
          f"{s[49] * 1000:.0f} / {s[94] * 1000:.0f} | {w[49] * 1000:.0f} / {w[94] * 1000:.0f} | "
          f"{m[49] * 1000:.0f} / {m[94] * 1000:.0f} | "
          f"{rss_mib():.0f} ({rss_open:.0f}) |")
    print(f"\n(open took {opened:.1f} s, model load included; {os.cpu_count()} CPUs; 1-minute load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--details", action="store_true", help="per-query ranks of the relevant records")
    parser.add_argument("--speed", type=int, metavar="N", help="also ingest N synthetic records and time recall")
    parser.add_argument("--batch", type=int, default=500, help="records per record_many call (--speed)")
    parser.add_argument("--no-quality", action="store_true", help="skip the quality part")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    if not args.no_quality:
        quality(args.details)
    if args.speed:
        print(f"\nSpeed, {args.speed} records:\n")
        speed(args.speed, args.batch)


if __name__ == "__main__":
    sys.exit(main())
