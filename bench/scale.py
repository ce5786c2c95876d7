"""Scale benchmark: how ingest, recall and wake-up costs grow from 10k to 1M decisions.

Each run builds one store of ``--decisions`` decisions, each with one outcome, spread over
``--ventures`` ventures, in one configuration:

* ``embedded``  the default: SQLite graph + in-process qdrant-edge vectors + in-process BM25
  (a fresh home under ``--workdir``);
* ``servers``   the production path: Neo4j (``--neo4j-url``) + a Qdrant server (``--qdrant-url``).
  The Neo4j database must be empty (start a fresh one) and the Qdrant collection is recreated.

and measures, through the public API only:

* ingest: ``OrgMind.import_jsonl`` of a generated JSONL file (ventures, agents, then each
  decision followed by its outcome); records and decisions per second, end to end (parsing,
  checks, graph transaction, embedding, vector and lexical index writes);
* first recall after reopening (``OrgMind.open`` then one ``recall``): what a restarted process
  pays before it answers (the BM25 index is rebuilt from the graph);
* recall: ``OrgMind.recall(q, venture=v, k=10)`` for the same fixed queries and ventures at every
  size, one untimed pass (query embeddings are then cached, as for a repeated question), then
  ``--repeats`` timed passes; p50 / p95;
* wake-up: ``OrgMind.wake_up(v, role, task)`` for fixed (venture, role, task) triples, one untimed
  pass then timed passes; p50 / p95 (each wake-up records its WakeUp and Brief, as in production);
* memory: peak and final resident set of this process (the orgmind process) and, given their
  pids, of the Neo4j and Qdrant servers; disk: bytes under the store's directories.

Document embeddings are memoised by text: decisions are drawn from a bounded pool of texts
(``--distinct`` title/rationale/outcome combinations), each distinct document text is embedded
once by the real model and the vector reused (kept across runs in ``--workdir``). Everything
else (parsing, checks, graph and index writes, query embeddings) runs as in production. The
output says how many distinct texts were embedded and how long that took apart from ingest.

    PYTHONPATH=. python bench/scale.py run --config embedded --decisions 10000 --out bench-out/
    PYTHONPATH=. python bench/scale.py run --config servers --decisions 10000 --out bench-out/ \\
        --neo4j-url bolt://127.0.0.1:7687 --neo4j-password orgmind-test --neo4j-pid PID --neo4j-dir DIR \\
        --qdrant-url http://127.0.0.1:6333 --qdrant-api-key KEY --qdrant-pid PID --qdrant-dir DIR
    PYTHONPATH=. python bench/scale.py measure --decisions 1000000 --ingest-records R --ingest-s S \\
        --out bench-out/ --neo4j-url ... --qdrant-url ...   # the servers store as it is now
    PYTHONPATH=. python bench/scale.py report bench-out/*.json [--json]

``report`` prints the table and, per configuration, the growth exponent of each latency: the
least-squares slope of log(latency) against log(decisions) over the sizes measured (1 = linear,
0 = flat).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graph import FILL, SPAN, T0  # noqa: E402  (the graph benchmark's vocabulary and time span)
from graph import SUMMARIES_BAD as BAD  # noqa: E402
from graph import SUMMARIES_GOOD as GOOD  # noqa: E402
from orgmind.mind import OrgMind  # noqa: E402
from orgmind.models import NodeLabel  # noqa: E402
from orgmind.retrieval.embedder import Embedder  # noqa: E402

ROLES = ("ceo", "cto", "growth", "sales", "support", "finance")
KINDS = {
    "pricing": ("Raise the {plan} plan from ${a} to ${b} a month", "Offer {pct}% off annual {plan} billing",
                "Add a usage-based tier above {plan}", "Run a {days}-day free trial of {plan} for {segment}"),
    "hiring": ("Hire a {position}", "Contract a {position} for {weeks} weeks", "Pause {team} hiring until next quarter"),
    "campaign": ("Launch a {channel} campaign for {segment}", "Double the {channel} budget to ${budget} a week",
                 "Stop the {channel} campaign for {segment}"),
    "feature": ("Ship {feature} to {segment}", "Put {feature} behind a flag for {pct}% of users",
                "Deprecate {feature}", "Prioritise {feature} over {feature2} this sprint"),
    "vendor": ("Switch {service} to {vendor}", "Renew the {vendor} contract for {months} months"),
    "support": ("Extend support hours to {hours}h for {segment}", "Refund annual plans for {segment} on request"),
    "budget": ("Cut the {team} budget by {pct}%", "Move ${budget} from {team} to {team2}"),
    "roadmap": ("Make {feature} the Q{quarter} headline", "Drop {feature} from the Q{quarter} roadmap"),
}
RATIONALES = ("Last {period}'s numbers point this way.", "Customers in {segment} keep asking for it.",
              "The {team} team is over capacity.", "A competitor moved first on {feature}.",
              "Cash runway is {months} months.", "Churn in {segment} rose last {period}.")

QUERIES = (
    "raise prices on the team plan", "hire a senior backend engineer", "paid ads campaign for agencies",
    "churn after a price change", "annual billing discount", "switch payment provider",
    "ship SSO to enterprise customers", "cut the marketing budget", "free trial length and conversion",
    "support hours for EU customers", "roadmap headline for next quarter", "missed deadline on a launch",
)
WAKE_TASKS = ("Plan next month's pricing", "Decide on the next hire", "Pick a growth channel",
              "Trim spend for the quarter")
NOW = T0 + SPAN + timedelta(days=1)
BASELINE_DECISIONS = 1_000
BASELINED = ("recall_p50_ms", "recall_p95_ms", "wake_p50_ms", "wake_p95_ms")
LATENCIES = ("recall_p50_ms", "recall_p95_ms", "wake_p50_ms", "wake_p95_ms", "first_recall_s")


# ---- data ----------------------------------------------------------------------------------------

def _fill(rng: random.Random, template: str) -> str:
    values: dict[str, object] = {key: rng.choice(options) for key, options in FILL.items()}
    values.update(
        a=rng.choice((9, 19, 29, 49)), b=rng.choice((12, 24, 39, 59)), pct=rng.choice((5, 10, 15, 20, 30)),
        days=rng.choice((7, 14, 30)), weeks=rng.choice((4, 6, 12)), months=rng.choice((6, 12, 18, 24)),
        budget=rng.choice((500, 1000, 2500, 5000)), hours=rng.choice((12, 16, 24)), quarter=rng.randint(1, 4),
        feature2=rng.choice(FILL["feature"]), team2=rng.choice(FILL["team"]), x=rng.randint(2, 40),
        d=rng.choice((14, 30, 60, 90)), period=rng.choice(("week", "month", "quarter")),
    )
    return template.format(**values)


def text_pool(size: int, seed: int) -> list[tuple[str, str, str, str, float]]:
    """``size`` (kind, title, rationale, outcome summary, score) combinations, seeded."""
    rng = random.Random(seed)
    pool = []
    for _ in range(size):
        kind = rng.choice(list(KINDS))
        score = round(max(-1.0, min(1.0, rng.gauss(0.1, 0.45))), 2)
        pool.append((kind, _fill(rng, rng.choice(KINDS[kind])), _fill(rng, rng.choice(RATIONALES)),
                     _fill(rng, rng.choice(GOOD if score >= 0 else BAD)), score))
    return pool


def generate(path: Path, decisions: int, ventures: int, distinct: int, seed: int) -> int:
    """Write the import file; returns its number of lines."""
    rng = random.Random(seed + 1)
    pool = text_pool(distinct, seed)
    lines = 0
    partial_path = path.with_suffix(".partial")
    with partial_path.open("w", encoding="utf-8") as out:
        def put(record: dict[str, Any]) -> None:
            nonlocal lines
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            lines += 1

        for v in range(ventures):
            put({"type": "venture", "id": f"ven_{v:03d}", "name": f"Venture {v}", "stage": "growth",
                 "sharing": "open" if v % 2 else "patterns", "created_at": T0.isoformat()})
            for role in ROLES:
                put({"type": "agent", "id": f"agt_{v:03d}_{role}", "venture_id": f"ven_{v:03d}", "role": role,
                     "created_at": T0.isoformat()})
        step = SPAN / max(decisions, 1)
        for i in range(decisions):
            kind, title, rationale, summary, score = pool[rng.randrange(distinct)]
            venture, role = f"ven_{rng.randrange(ventures):03d}", rng.choice(ROLES)
            made_at = T0 + step * i
            put({"type": "decision", "id": f"dec_{i:07d}", "venture_id": venture, "role": role, "kind": kind,
                 "title": title, "rationale": rationale, "chosen": title, "confidence": 0.6,
                 "agent_id": f"agt_{venture[4:]}_{role}", "made_at": made_at.isoformat()})
            put({"type": "outcome", "id": f"out_{i:07d}", "venture_id": venture, "decision_id": f"dec_{i:07d}",
                 "score": score, "summary": summary, "observed_at": (made_at + timedelta(days=14)).isoformat()})
    partial_path.replace(path)
    return lines


# ---- memoised document embeddings ----------------------------------------------------------------

class MemoisedDocuments:
    """Wraps ``Embedder.embed_documents``: each distinct text is embedded once, then reused."""

    def __init__(self, cache_file: Path) -> None:
        self.cache_file = cache_file
        self.vectors: dict[str, np.ndarray] = {}
        self.embedded = 0
        self.embed_s = 0.0
        if cache_file.exists():
            with np.load(cache_file) as saved:
                self.vectors = dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))
        self._original: Callable[..., np.ndarray] = Embedder.embed_documents

    def install(self) -> None:
        memo = self

        def embed_documents(self: Embedder, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
            missing = sorted({t for t in texts if t not in memo.vectors})
            if missing:
                started = time.perf_counter()
                fresh = memo._original(self, missing, batch_size)
                memo.embed_s += time.perf_counter() - started
                memo.embedded += len(missing)
                memo.vectors.update(zip(missing, fresh, strict=True))
            if not texts:
                return np.empty((0, self.dim), dtype=np.float32)
            return np.stack([memo.vectors[t] for t in texts])

        Embedder.embed_documents = embed_documents  # type: ignore[method-assign]

    def save(self) -> None:
        texts = list(self.vectors)
        tmp = self.cache_file.with_suffix(".tmp.npz")
        np.savez(tmp, texts=np.array(texts), vectors=np.stack([self.vectors[t] for t in texts]))
        tmp.replace(self.cache_file)


# ---- measuring -----------------------------------------------------------------------------------

def rss_mb(pid: int | str = "self") -> dict[str, float]:
    """Current and peak resident set of a process, in MiB (empty if it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {name: int(fields[key].split()[0]) / 1024 for name, key in (("rss", "VmRSS"), ("peak", "VmHWM"))
            if key in fields}


def disk_mb(path: Path) -> float:
    """Bytes under ``path`` (du, allocated blocks), in MiB."""
    done = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=False)
    return int(done.stdout.split()[0]) / 1024 if done.returncode == 0 and done.stdout else float("nan")


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def timed(calls: Sequence[Callable[[], object]], baseline: Sequence[Callable[[], object]],
          repeats: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each call and of its baseline twin, interleaved so that load falls on both
    alike, after one untimed pass over all of them."""
    for call in (*calls, *baseline):
        call()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for pair in zip(calls, baseline, strict=True):
            for call, into in zip(pair, times, strict=True):
                started = time.perf_counter()
                call()
                into.append((time.perf_counter() - started) * 1000)
    return times


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def open_mind(args: argparse.Namespace, home: Path) -> OrgMind:
    if args.config == "embedded":
        return OrgMind.open(home=home)
    return OrgMind.open(home=home, graph_url=args.neo4j_url, graph_password=args.neo4j_password,
                        qdrant_url=args.qdrant_url, qdrant_api_key=args.qdrant_api_key,
                        qdrant_collection=args.qdrant_collection, qdrant_timeout_s=args.qdrant_timeout_s)


def wait_for_qdrant(args: argparse.Namespace) -> tuple[float, str]:
    """Wait (at most ``--settle-max-s``) until the Qdrant server has built its indexes for what
    was written (collection status green), so that latencies are timed on a settled collection;
    returns the seconds waited and the status then."""
    from qdrant_client import QdrantClient, models

    client = QdrantClient(url=args.qdrant_url, api_key=args.qdrant_api_key, timeout=60)
    started = time.perf_counter()
    while (status := client.get_collection(args.qdrant_collection).status) != models.CollectionStatus.GREEN:
        if time.perf_counter() - started > args.settle_max_s:
            break
        time.sleep(5)
    client.close()
    settle_s = time.perf_counter() - started
    log(f"qdrant collection {status.value} after {settle_s:.0f} s of waiting for the optimizer")
    return settle_s, status.value


def segments(data: Path, header: int, sizes: Sequence[int], workdir: Path) -> Iterator[tuple[int, Path]]:
    """The import file cut at each size: (decisions so far, file of the lines added since the last cut)."""
    with data.open(encoding="utf-8") as source:
        done = 0
        for size in sizes:
            part = workdir / f"segment-{size}.jsonl"
            with part.open("w", encoding="utf-8") as out:
                wanted = (header if done == 0 else 0) + 2 * (size - done)
                for _ in range(wanted):
                    out.write(next(source))
            done = size
            yield size, part


def run(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """Build the store up to each checkpoint size (then ``--decisions``) and measure it there."""
    workdir: Path = args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    data = workdir / f"scale-{args.decisions}-{args.ventures}-{args.distinct}-{args.seed}.jsonl"
    if not data.exists():
        log(f"generating {data}")
        generate(data, args.decisions, args.ventures, args.distinct, args.seed)
    home = workdir / f"home-{args.config}-{args.decisions}"
    shutil.rmtree(home, ignore_errors=True)
    memo = MemoisedDocuments(workdir / f"embeddings-{args.distinct}-{args.seed}.npz")
    cached_before = len(memo.vectors)
    memo.install()

    if args.config == "servers":
        from qdrant_client import QdrantClient

        client = QdrantClient(url=args.qdrant_url, api_key=args.qdrant_api_key, timeout=60)
        if client.collection_exists(args.qdrant_collection):
            client.delete_collection(args.qdrant_collection)
        client.close()
    build_baseline(args, workdir)
    mind = open_mind(args, home)
    if mind.graph.count() != 0:
        mind.close()
        raise SystemExit("the graph is not empty: start a fresh Neo4j database for each size")
    sizes = sorted({*(c for c in args.checkpoints if c < args.decisions), args.decisions})
    records = 0
    ingest_total_s = embed_total_s = 0.0
    for size, part in segments(data, args.ventures * (1 + len(ROLES)), sizes, workdir):
        log(f"{args.config}: importing up to {size} decisions with outcomes over {args.ventures} ventures")
        embed_before = memo.embed_s
        progress = {"next": time.perf_counter() + 60.0}
        started = time.perf_counter()

        def on_commit(line: int) -> None:
            if time.perf_counter() >= progress["next"]:
                elapsed = time.perf_counter() - started
                log(f"  line {line}: {line / elapsed:.0f} records/s ({memo.embed_s:.0f} s embedding); "
                    f"rss {rss_mb()['rss']:.0f} MiB")
                progress["next"] = time.perf_counter() + 60.0

        report = mind.import_jsonl(part, batch_size=args.batch_size, on_commit=on_commit)
        ingest_s = time.perf_counter() - started
        if report.rejected:
            raise SystemExit(f"{len(report.rejected)} lines rejected, first: {report.rejected[0]}")
        part.unlink()
        memo.save()
        embed_s = memo.embed_s - embed_before
        records += report.total
        ingest_total_s += ingest_s
        embed_total_s += embed_s
        rss_after_ingest = rss_mb()
        mind.close()
        log(f"ingest: {report.total} records in {ingest_s:.0f} s ({embed_s:.0f} s embedding new texts)")
        settle_s, qdrant_status = wait_for_qdrant(args) if args.config == "servers" else (0.0, "-")
        result = measure(args, home, size)
        mind = open_mind(args, home)
        yield {
            "config": args.config, "decisions": size, "records": records, "ventures": args.ventures,
            "batch_size": args.batch_size, "segment_records": report.total, "segment_ingest_s": round(ingest_s, 1),
            "segment_records_per_s": round(report.total / (ingest_s - embed_s), 1),
            "ingest_s": round(ingest_total_s, 1), "embedding_s": round(embed_total_s, 1),
            "ingest_net_s": round(ingest_total_s - embed_total_s, 1),
            "ingest_records_per_s": round(records / (ingest_total_s - embed_total_s), 1),
            "ingest_decisions_per_s": round(size / (ingest_total_s - embed_total_s), 1),
            "distinct_texts_embedded": memo.embedded, "distinct_texts_cached": cached_before,
            "index_settle_s": round(settle_s, 1), "qdrant_status_when_timed": qdrant_status, **result,
            "rss_mb": {"orgmind_after_ingest": round(rss_after_ingest.get("rss", 0)), **result.pop("rss_mb")},
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}",
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    mind.close()


def measure_existing(args: argparse.Namespace) -> dict[str, Any]:
    """Measure the servers store that an earlier ``run`` built, as it is now: reopen and first
    recall at once, then (at most ``--settle-max-s``) wait for the Qdrant server to finish
    indexing before timing; the collection's status is recorded. The ingest figures are the run's, given as ``--ingest-records`` and ``--ingest-s`` (its log prints them); a run
    stopped in the middle of an import leaves its last batch to the reopen's reconcile."""
    from qdrant_client import QdrantClient

    MemoisedDocuments(args.workdir / f"embeddings-{args.distinct}-{args.seed}.npz").install()  # records left unindexed
    home = args.workdir / f"home-servers-{args.decisions}"
    with OrgMind.open(home=home, graph_url=args.neo4j_url, graph_password=args.neo4j_password, read_only=True) as mind:
        size = mind.graph.count(NodeLabel.DECISION)
    client = QdrantClient(url=args.qdrant_url, api_key=args.qdrant_api_key, timeout=60)
    settled: list[tuple[float, str]] = []
    result = measure(args, home, size, before_timing=lambda: settled.append(wait_for_qdrant(args)))
    info = client.get_collection(args.qdrant_collection)
    client.close()
    log(f"{size}: qdrant collection {info.status.value}, {info.indexed_vectors_count:,} of "
        f"{info.points_count:,} vectors HNSW-indexed")
    return {
        "config": "servers", "decisions": size, "records": args.ingest_records, "ventures": args.ventures,
        "ingest_s": args.ingest_s, "embedding_s": 0.0, "ingest_net_s": args.ingest_s,
        "ingest_records_per_s": round(args.ingest_records / args.ingest_s, 1),
        "ingest_decisions_per_s": round(size / args.ingest_s, 1),
        "distinct_texts_embedded": 0, "distinct_texts_cached": args.distinct,
        "index_settle_s": round(settled[0][0], 1), "qdrant_status_when_timed": settled[0][1],
        "qdrant_indexed_share_after_timing": round((info.indexed_vectors_count or 0) / max(info.points_count or 1, 1), 3),
        **result,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def build_baseline(args: argparse.Namespace, workdir: Path) -> None:
    """The baseline: an embedded store of BASELINE_DECISIONS decisions, timed beside every measurement."""
    home = workdir / "baseline"
    shutil.rmtree(home, ignore_errors=True)
    data = workdir / "baseline.jsonl"
    generate(data, BASELINE_DECISIONS, args.ventures, args.distinct, args.seed)
    with OrgMind.open(home=home) as mind:
        mind.import_jsonl(data, batch_size=args.batch_size)


def measure(args: argparse.Namespace, home: Path, size: int,
            before_timing: Callable[[], object] | None = None) -> dict[str, Any]:
    """Reopen the store, then time the first recall, recalls and wake-ups (each beside the same
    call on the baseline store; ``before_timing`` runs just before those); memory and disk."""
    load_before = os.getloadavg()[0]
    base = OrgMind.open(home=args.workdir / "baseline")
    started = time.perf_counter()
    mind = open_mind(args, home)
    open_s = time.perf_counter() - started
    started = time.perf_counter()
    mind.recall(QUERIES[0], venture="ven_000", k=10, now=NOW)
    first_recall_s = time.perf_counter() - started
    log(f"{size}: reopen {open_s:.1f} s, first recall {first_recall_s:.1f} s")
    if before_timing is not None:
        before_timing()

    ventures = [f"ven_{v:03d}" for v in range(min(4, args.ventures))]
    def recalls(m: OrgMind) -> list[Callable[[], object]]:
        return [partial(m.recall, q, venture=v, k=10, now=NOW) for q in QUERIES for v in ventures]

    def wakes(m: OrgMind) -> list[Callable[[], object]]:
        return [partial(m.wake_up, v, r, t, now=NOW)
                for v in ventures for r, t in zip(("ceo", "growth"), WAKE_TASKS[::2], strict=True)]

    recall_ms, base_recall_ms = timed(recalls(mind), recalls(base), args.repeats)
    log(f"{size}: recall p50 {statistics.median(recall_ms):.1f} ms p95 {percentile(recall_ms, 0.95):.1f} ms "
        f"(baseline {statistics.median(base_recall_ms):.1f} / {percentile(base_recall_ms, 0.95):.1f} ms)")
    wake_ms, base_wake_ms = timed(wakes(mind), wakes(base), args.repeats)
    log(f"{size}: wake-up p50 {statistics.median(wake_ms):.1f} ms p95 {percentile(wake_ms, 0.95):.1f} ms "
        f"(baseline {statistics.median(base_wake_ms):.1f} / {percentile(base_wake_ms, 0.95):.1f} ms)")
    rss_final = rss_mb()
    mind.close()
    base.close()

    disks = {"home": disk_mb(home)}
    rss = {"orgmind_final": round(rss_final.get("rss", 0)), "orgmind_peak": round(rss_final.get("peak", 0))}
    for name, pid, path in (("neo4j", args.neo4j_pid, args.neo4j_dir), ("qdrant", args.qdrant_pid, args.qdrant_dir)):
        if pid:
            rss.update({f"{name}_{key}": round(value) for key, value in rss_mb(pid).items()})
        if path:
            disks[name] = disk_mb(path)
    return {
        "reopen_s": round(open_s, 2), "first_recall_s": round(first_recall_s, 2),
        "recall_n": len(recall_ms), "recall_p50_ms": round(statistics.median(recall_ms), 2),
        "recall_p95_ms": round(percentile(recall_ms, 0.95), 2),
        "wake_n": len(wake_ms), "wake_p50_ms": round(statistics.median(wake_ms), 2),
        "wake_p95_ms": round(percentile(wake_ms, 0.95), 2),
        "baseline": {"decisions": BASELINE_DECISIONS, "recall_p50_ms": round(statistics.median(base_recall_ms), 2),
                     "recall_p95_ms": round(percentile(base_recall_ms, 0.95), 2),
                     "wake_p50_ms": round(statistics.median(base_wake_ms), 2),
                     "wake_p95_ms": round(percentile(base_wake_ms, 0.95), 2)},
        "rss_mb": rss, "disk_mb": {name: round(value, 1) for name, value in disks.items()},
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


# ---- reporting -----------------------------------------------------------------------------------

def exponent(points: Sequence[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(latency) against log(decisions), or None under two sizes."""
    if len({n for n, _ in points}) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(value, 1e-9)) for _, value in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def summarise(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    configs: dict[str, list[dict[str, Any]]] = {}
    for result in sorted(results, key=lambda r: (r["config"], r["decisions"])):
        configs.setdefault(result["config"], []).append(result)
    exponents = {
        config: {key: exponent([(r["decisions"], r[key]) for r in rows]) for key in LATENCIES}
        for config, rows in configs.items()
    }
    relative = {  # each latency over the same call on the baseline store, timed beside it
        config: {key: exponent([(r["decisions"], r[key] / r["baseline"][key]) for r in rows if "baseline" in r])
                 for key in BASELINED}
        for config, rows in configs.items()
    }
    target = {}
    for config, rows in configs.items():
        by_size = {r["decisions"]: r for r in rows}
        largest = max(by_size)
        if 100_000 in by_size and largest > 100_000:
            ratio = by_size[largest]["recall_p95_ms"] / by_size[100_000]["recall_p95_ms"]
            target[config] = {"largest": largest, "recall_p95_ratio_to_100k": round(ratio, 2),
                              "within_2x": ratio <= 2.0, "is_1m": largest >= 1_000_000}
    return {"results": list(results), "exponents": exponents, "relative_exponents": relative, "target": target}


def table(summary: dict[str, Any]) -> str:
    head = ("| config | decisions | ingest rec/s | ingest time | reopen | first recall | recall p50 / p95 "
            "| wake-up p50 / p95 | baseline recall / wake-up p50 | load | RSS orgmind (peak) | RSS servers | disk |")
    lines = [head, "|" + " --- |" * 13]
    for r in sorted(summary["results"], key=lambda r: (r["config"], r["decisions"])):
        rss = r["rss_mb"]
        servers = ", ".join(f"{name} {rss[f'{name}_rss']:,} MiB" for name in ("neo4j", "qdrant") if f"{name}_rss" in rss)
        disk = ", ".join(f"{name} {value:,.0f} MiB" for name, value in r["disk_mb"].items() if value >= 1)
        base = r.get("baseline")
        baseline = f"{base['recall_p50_ms']:.0f} / {base['wake_p50_ms']:.0f} ms" if base else "-"
        lines.append(
            f"| {r['config']} | {r['decisions']:,} | {r['ingest_records_per_s']:,.0f} | {r['ingest_net_s'] / 60:.1f} min "
            f"| {r['reopen_s']:.0f} s | {r['first_recall_s']:.0f} s | {r['recall_p50_ms']:.0f} / {r['recall_p95_ms']:.0f} ms "
            f"| {r['wake_p50_ms']:.0f} / {r['wake_p95_ms']:.0f} ms | {baseline} | {r['load_avg'][0]:.0f} "
            f"| {rss['orgmind_final']:,} ({rss['orgmind_peak']:,}) MiB | {servers or '-'} | {disk} |"
        )
    lines += ["", "| growth exponent | " + " | ".join(LATENCIES) + " |", "|" + " --- |" * (len(LATENCIES) + 1)]
    for config, values in summary["exponents"].items():
        cells = " | ".join("-" if v is None else f"{v:.2f}" for v in values.values())
        lines.append(f"| {config} | {cells} |")
        relative = summary["relative_exponents"][config]
        cells = " | ".join("-" if relative.get(key) is None else f"{relative[key]:.2f}" for key in LATENCIES)
        lines.append(f"| {config}, over baseline | {cells} |")
    for config, verdict in summary["target"].items():
        size = "1M" if verdict["is_1m"] else f"{verdict['largest']:,} (largest measured, not 1M)"
        lines.append(f"\n{config}: recall p95 at {size} / 100k = {verdict['recall_p95_ratio_to_100k']} "
                     f"({'within' if verdict['within_2x'] else 'NOT within'} 2x)")
    embedded = {r["config"]: r["distinct_texts_embedded"] + r["distinct_texts_cached"] for r in summary["results"]}
    lines.append(f"\nDocument embeddings memoised by text (distinct texts embedded per run, incl. cache: {embedded}).")
    return "\n".join(lines)


def _paths(values: Sequence[str]) -> Iterator[Path]:
    for value in values:
        yield from sorted(Path().glob(value)) if any(c in value for c in "*?[") else [Path(value)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("run", help="build one store and measure it")
    one.add_argument("--config", choices=("embedded", "servers"), required=True)
    one.add_argument("--decisions", type=int, required=True)
    one.add_argument("--ventures", type=int, default=50)
    one.add_argument("--distinct", type=int, default=4_000, help="size of the pool of decision texts")
    one.add_argument("--seed", type=int, default=7)
    one.add_argument("--checkpoints", type=lambda text: [int(n) for n in text.split(",")], default=[],
                     help="also measure when the store reaches these sizes (one growing store), e.g. 100000,300000")
    one.add_argument("--batch-size", type=int, default=2000)
    one.add_argument("--repeats", type=int, default=3)
    one.add_argument("--workdir", type=Path, default=Path("/tmp/orgmind-scale"))
    one.add_argument("--out", type=Path, required=True, help="directory for the result JSON")
    one.add_argument("--neo4j-url")
    one.add_argument("--neo4j-password", default="orgmind-test")
    one.add_argument("--neo4j-pid", type=int)
    one.add_argument("--neo4j-dir", type=Path)
    one.add_argument("--qdrant-url")
    one.add_argument("--qdrant-api-key")
    one.add_argument("--qdrant-collection", default="orgmind_scale")
    one.add_argument("--qdrant-timeout-s", type=int, default=60, help="the client's timeout per Qdrant call")
    one.add_argument("--settle-max-s", type=float, default=2700,
                     help="longest wait for the Qdrant collection to turn green before timing")
    one.add_argument("--qdrant-pid", type=int)
    one.add_argument("--qdrant-dir", type=Path)
    again = commands.add_parser("measure", help="measure the servers store an earlier run built, as it is now")
    for name, kind in (("--decisions", int), ("--ingest-records", int), ("--ingest-s", float)):
        again.add_argument(name, type=kind, required=True)
    again.add_argument("--ventures", type=int, default=50)
    again.add_argument("--distinct", type=int, default=4_000)
    again.add_argument("--seed", type=int, default=7)
    again.add_argument("--repeats", type=int, default=3)
    again.add_argument("--workdir", type=Path, default=Path("/tmp/orgmind-scale"))
    again.add_argument("--out", type=Path, required=True)
    for name in ("--neo4j-url", "--qdrant-url"):
        again.add_argument(name, required=True)
    again.add_argument("--neo4j-password", default="orgmind-test")
    again.add_argument("--qdrant-api-key")
    again.add_argument("--qdrant-collection", default="orgmind_scale")
    again.add_argument("--qdrant-timeout-s", type=int, default=60)
    again.add_argument("--settle-max-s", type=float, default=2700,
                       help="longest wait, after the first recall, for the collection to turn green")
    for process in ("neo4j", "qdrant"):
        again.add_argument(f"--{process}-pid", type=int)
        again.add_argument(f"--{process}-dir", type=Path)
    many = commands.add_parser("report", help="the table and growth exponents of saved results")
    many.add_argument("results", nargs="+")
    many.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args()
    if args.command == "run":
        if args.config == "servers" and not (args.neo4j_url and args.qdrant_url):
            parser.error("--config servers needs --neo4j-url and --qdrant-url")
        args.out.mkdir(parents=True, exist_ok=True)
        for result in run(args):
            (args.out / f"{args.config}-{result['decisions']}.json").write_text(json.dumps(result, indent=2) + "\n")
            print(json.dumps(result, indent=2), flush=True)
        return
    if args.command == "measure":
        args.config = "servers"
        args.out.mkdir(parents=True, exist_ok=True)
        result = measure_existing(args)
        (args.out / f"servers-{result['decisions']}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2), flush=True)
        return
    summary = summarise([json.loads(path.read_text()) for path in _paths(args.results)])
    print(json.dumps(summary, indent=2) if args.json else table(summary))


if __name__ == "__main__":
    main()
