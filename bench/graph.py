"""Graph store benchmark: write throughput and query latency, embedded (SQLite) vs Neo4j.

For each backend, into a fresh store (a temporary directory for SQLite; for Neo4j the database is
wiped first), it writes the ventures, one agent per role and venture, then ``--decisions``
decisions with one outcome each, spread over ``--ventures`` ventures, in batches of ``--batch``
records through ``store.upsert`` (each decision is followed by its outcome in the same batch).
Then it times ``--queries`` random queries of each kind:

* ``recent``    ``decisions_with_outcomes(venture_id=v, limit=50)`` for a random venture
* ``expand``    ``expand([d], hops=2)`` from a random decision, unfiltered (hop 2 goes through the
                venture node, so it returns the venture's whole decision set: thousands of nodes)
* ``filtered``  ``expand([d], hops=2, rel_types=[LED_TO, MADE_BY, UNDER])``: the outcome, the agent
                and the agent's other decisions (no venture fan-out)
* ``local``     ``expand([d], hops=2, labels=[Decision, Outcome])``: the decision's own outcome only

The data is seeded (``--seed``) and identical for every backend; the embedded store is the
baseline and the table shows neo4j/embedded ratios. Run from the repository root:

    PYTHONPATH=. python bench/graph.py --backends embedded,neo4j \\
        --neo4j-url bolt://127.0.0.1:7700 --neo4j-password orgmind-test

WARNING: the Neo4j backend DELETES EVERYTHING in the target database before writing.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import platform
import pstats
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orgmind.graph.base import GraphStore
from orgmind.models import Agent, Decision, DecisionStatus, Node, NodeLabel, Outcome, RelType, Venture

# ---- synthetic, seeded data --------------------------------------------------------------------

ROLES = ("ceo", "cto", "growth", "sales", "support", "finance", "product", "ops")

# kind -> (roles that make this kind of decision, title templates, option templates)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pricing": (
        ("ceo", "finance", "growth", "sales"),
        (
            "Raise the {plan} plan from ${a} to ${b} per month",
            "Offer a {pct}% annual-billing discount on {plan}",
            "Introduce a usage-based tier above {plan}",
            "Run a {days}-day free trial of {plan} for {segment}",
        ),
    ),
    "hiring": (
        ("ceo", "cto", "ops"),
        (
            "Hire a {position}",
            "Contract a {position} for {weeks} weeks",
            "Pause hiring for the {team} team until next quarter",
        ),
    ),
    "campaign": (
        ("growth", "sales"),
        (
            "Launch a {channel} campaign aimed at {segment}",
            "Double the {channel} budget to ${budget}/week",
            "Stop the {channel} campaign for {segment}",
        ),
    ),
    "feature": (
        ("cto", "product"),
        (
            "Ship {feature} to {segment}",
            "Put {feature} behind a feature flag for {pct}% of users",
            "Deprecate {feature}",
            "Prioritise {feature} over {feature2} this sprint",
        ),
    ),
    "vendor": (
        ("cto", "ops", "finance"),
        (
            "Switch {service} provider to {vendor}",
            "Renew the {vendor} contract for {months} months",
        ),
    ),
    "support": (
        ("support", "ops"),
        (
            "Refund order #{order} for a {segment} customer",
            "Escalate ticket #{order} to engineering",
            "Extend support hours to {hours}h for {segment}",
        ),
    ),
    "budget": (
        ("ceo", "finance"),
        (
            "Cut the {team} budget by {pct}%",
            "Move ${budget} from {team} to {team2}",
        ),
    ),
    "roadmap": (
        ("ceo", "product", "cto"),
        (
            "Make {feature} the Q{quarter} headline",
            "Drop {feature} from the Q{quarter} roadmap",
        ),
    ),
}

FILL = {
    "plan": ("Starter", "Team", "Pro", "Business", "Enterprise"),
    "segment": ("SMB", "agencies", "freelancers", "mid-market", "EU customers", "students", "churned users"),
    "position": ("senior backend engineer", "growth marketer", "customer success lead", "designer",
                 "data analyst", "account executive", "DevOps engineer"),
    "team": ("engineering", "marketing", "sales", "support", "design", "operations"),
    "channel": ("Google Ads", "LinkedIn", "newsletter", "podcast", "SEO", "referral", "TikTok"),
    "feature": ("SSO", "bulk export", "the mobile app", "usage analytics", "the public API", "dark mode",
                "Slack integration", "audit log", "two-factor login", "invoice reminders"),
    "service": ("email", "payments", "hosting", "analytics", "CRM", "error tracking"),
    "vendor": ("Postmark", "Stripe", "Hetzner", "PostHog", "HubSpot", "Sentry", "Fly.io", "Paddle"),
}

VENTURE_NAMES = (
    "Acme Analytics", "Brightdesk", "Cobalt Payroll", "Dunebox", "Evergreen Tutors", "Fernway Travel",
    "Gridline Energy", "Harbor Legal", "Inkwell Studio", "Juniper Health", "Kestrel Logistics",
    "Lumen Books", "Mosaic HR", "Northwind Foods", "Orbit Fitness", "Pinecone Pets", "Quarry CRM",
    "Riverbend Realty", "Sable Security", "Tandem Events",
)
STAGES = ("idea", "mvp", "launched", "growth", "scale")
SUMMARIES_GOOD = ("Revenue up {x}% over {d} days", "Conversion improved by {x}%", "Churn fell {x}% month over month",
                  "Support backlog down {x}%", "Shipped on time; adoption {x}% in week one")
SUMMARIES_BAD = ("Revenue down {x}% over {d} days", "No measurable effect after {d} days",
                 "Churn rose {x}%", "Missed the deadline by {d} days", "Costs {x}% over plan")

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)


@dataclass
class Dataset:
    ventures: list[Venture]
    agents: list[Agent]
    pairs: list[tuple[Decision, Outcome]]
    decisions_by_venture: dict[str, list[str]] = field(default_factory=dict)


def _title(rng: random.Random, template: str) -> str:
    values = {key: rng.choice(options) for key, options in FILL.items()}
    values.update(
        a=rng.choice((9, 19, 29, 49, 99)), b=rng.choice((12, 24, 39, 59, 129)), pct=rng.choice((5, 10, 15, 20, 30)),
        days=rng.choice((7, 14, 30)), weeks=rng.choice((4, 6, 12)), months=rng.choice((12, 24, 36)),
        budget=rng.choice((500, 1000, 2500, 5000)), order=rng.randint(10_000, 99_999), hours=rng.choice((12, 16, 24)),
        quarter=rng.randint(1, 4), feature2=rng.choice(FILL["feature"]), team2=rng.choice(FILL["team"]),
    )
    return template.format(**values)


def build_dataset(decisions: int, ventures: int, seed: int) -> Dataset:
    rng = random.Random(seed)
    venture_nodes = [
        Venture(
            id=f"ven_{i:03d}",
            name=VENTURE_NAMES[i % len(VENTURE_NAMES)] + ("" if i < len(VENTURE_NAMES) else f" {i}"),
            stage=rng.choice(STAGES),
            description="Synthetic venture for the graph benchmark.",
            created_at=T0 - timedelta(days=rng.randint(30, 365)),
        )
        for i in range(ventures)
    ]
    agents = [
        Agent(id=f"agt_{v.id}_{role}", venture_id=v.id, role=role, name=f"{role.upper()} agent",
              created_at=v.created_at + timedelta(days=1))
        for v in venture_nodes
        for role in ROLES
    ]
    kinds = list(KINDS)
    # Decision times: sorted uniformly over two years, written in time order (as an append log).
    offsets = sorted(rng.random() for _ in range(decisions))
    pairs: list[tuple[Decision, Outcome]] = []
    by_venture: dict[str, list[str]] = {v.id: [] for v in venture_nodes}
    for i, offset in enumerate(offsets):
        venture = rng.choice(venture_nodes)
        kind = rng.choice(kinds)
        roles, templates = KINDS[kind]
        role = rng.choice(roles)
        title = _title(rng, rng.choice(templates))
        made_at = T0 + SPAN * offset
        options = [title, _title(rng, rng.choice(templates))]
        confidence = round(rng.uniform(0.3, 0.95), 2)
        decision = Decision(
            id=f"dec_{i:07d}",
            venture_id=venture.id,
            role=role,
            kind=kind,
            title=title,
            rationale=f"Based on last {rng.choice(('week', 'month', 'quarter'))}'s numbers for {venture.name}.",
            options=options,
            chosen=title,
            confidence=confidence,
            status=DecisionStatus.EXECUTED if rng.random() < 0.9 else DecisionStatus.ABANDONED,
            context={"budget_usd": rng.choice((0, 500, 2000, 10000)), "urgent": rng.random() < 0.2},
            agent_id=f"agt_{venture.id}_{role}",
            made_at=made_at,
        )
        score = max(-1.0, min(1.0, rng.gauss(0.15 * (confidence - 0.5) * 4, 0.45)))
        template = rng.choice(SUMMARIES_GOOD if score >= 0 else SUMMARIES_BAD)
        outcome = Outcome(
            id=f"out_{i:07d}",
            venture_id=venture.id,
            decision_id=decision.id,
            score=round(score, 3),
            summary=template.format(x=rng.randint(1, 40), d=rng.choice((7, 14, 30, 60))),
            metrics={"revenue_delta_pct": round(rng.gauss(1, 5), 2), "cost_usd": float(rng.randint(0, 20000))},
            observed_at=made_at + timedelta(days=rng.randint(1, 30), seconds=rng.randint(0, 86399)),
        )
        pairs.append((decision, outcome))
        by_venture[venture.id].append(decision.id)
    return Dataset(venture_nodes, agents, pairs, by_venture)


# ---- machine facts -----------------------------------------------------------------------------


def machine_facts() -> dict[str, str]:
    facts: dict[str, str] = {}
    facts["cpus"] = str(os.cpu_count())
    try:
        facts["cpus_usable"] = str(len(os.sched_getaffinity(0)))
    except AttributeError:
        pass
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    facts["cpu_model"] = model
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                facts["ram"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        facts["ram"] = "?"
    facts["python"] = platform.python_version()
    facts["platform"] = platform.platform()
    facts["sqlite"] = sqlite3.sqlite_version
    try:
        import neo4j

        facts["neo4j_driver"] = neo4j.__version__
    except ImportError:
        pass
    return facts


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def neo4j_server_facts(url: str, user: str, password: str) -> dict[str, str]:
    from neo4j import GraphDatabase

    facts: dict[str, str] = {}
    with GraphDatabase.driver(url, auth=(user, password)) as driver:
        with driver.session() as session:
            for r in session.run("CALL dbms.components() YIELD name, versions, edition"):
                facts["neo4j"] = f"{r['name']} {', '.join(r['versions'])} {r['edition']}"
            try:
                rows = session.run(
                    "SHOW SETTINGS YIELD name, value WHERE name IN"
                    " ['server.memory.pagecache.size', 'server.memory.heap.max_size',"
                    " 'db.tx_log.preallocate']"
                    " RETURN name, value"
                )
                for r in rows:
                    facts[r["name"]] = str(r["value"])
            except Exception:  # noqa: BLE001 - informational only
                pass
    return facts


def wipe_neo4j(url: str, user: str, password: str) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(url, auth=(user, password)) as driver:
        with driver.session() as session:
            # CALL { } IN TRANSACTIONS must run in an auto-commit transaction (session.run).
            session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
            left = session.run("MATCH (n) RETURN count(n) AS n").single()["n"]
    if left:
        raise SystemExit(f"wiping Neo4j at {url} left {left} nodes")


# ---- measurement ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": statistics.fmean(values) if values else float("nan"),
        "max": max(values) if values else float("nan"),
    }


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def open_store(backend: str, args: argparse.Namespace, tmp: Path) -> GraphStore:
    if backend == "embedded":
        from orgmind.graph.sqlite import SqliteGraphStore

        return SqliteGraphStore(tmp / "graph.db")
    if backend == "neo4j":
        from orgmind.graph.neo4j import Neo4jGraphStore

        wipe_neo4j(args.neo4j_url, args.neo4j_user, args.neo4j_password)
        return Neo4jGraphStore(args.neo4j_url, args.neo4j_user, args.neo4j_password)
    raise SystemExit(f"unknown backend {backend!r} (expected embedded or neo4j)")


def run_backend(backend: str, data: Dataset, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"backend": backend}
    with tempfile.TemporaryDirectory(prefix="orgmind-bench-") as tmpdir:
        store = open_store(backend, args, Path(tmpdir))
        try:
            result.update(measure_writes(store, backend, data, args))
            result.update(measure_queries(store, backend, data, args))
            if backend == "embedded":
                result["db_size_mib"] = sum(
                    p.stat().st_size for p in Path(tmpdir).iterdir() if p.is_file()
                ) / 2**20
        finally:
            store.close()
    return result


def measure_writes(store: GraphStore, backend: str, data: Dataset, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    store.upsert(data.ventures)
    store.upsert(data.agents)
    setup_s = time.perf_counter() - started

    pairs_per_batch = max(1, args.batch // 2)
    batch_times: list[float] = []
    profiler = cProfile.Profile() if args.profile_writes else None
    log(f"[{backend}] writing {len(data.pairs)} decisions + outcomes, {2 * pairs_per_batch} records per upsert")
    write_started = time.perf_counter()
    cpu_started = time.process_time()
    for start in range(0, len(data.pairs), pairs_per_batch):
        batch: list[Node] = [node for pair in data.pairs[start : start + pairs_per_batch] for node in pair]
        t = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        store.upsert(batch)
        if profiler is not None:
            profiler.disable()
        batch_times.append(time.perf_counter() - t)
        done = len(batch_times)
        if done % args.progress_every == 0:
            elapsed = time.perf_counter() - write_started
            written = 2 * min(start + pairs_per_batch, len(data.pairs))
            log(
                f"[{backend}]   batch {done}: {batch_times[-1] * 1000:.0f} ms,"
                f" {written} records in {elapsed:.1f} s ({written / elapsed:,.0f} rec/s), load {loadavg()}"
            )
    write_s = time.perf_counter() - write_started
    write_cpu_s = time.process_time() - cpu_started
    records = 2 * len(data.pairs)
    if profiler is not None:
        path = Path(args.profile_writes).with_suffix(f".{backend}.prof")
        profiler.dump_stats(path)
        log(f"[{backend}] write profile saved to {path}")
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)

    expected = len(data.ventures) + len(data.agents) + records
    stored = store.count()
    if stored != expected:
        raise SystemExit(f"[{backend}] stored {stored} nodes, expected {expected}")
    n = len(batch_times)
    tenth = max(1, n // 10)
    return {
        "setup_s": setup_s,
        "records": records,
        "records_per_batch": 2 * pairs_per_batch,
        "batches": n,
        "write_s": write_s,
        "write_rps": records / write_s,
        "write_client_cpu_s": write_cpu_s,
        "batch_ms": {k: v * 1000 for k, v in summary(batch_times).items()},
        "batch_ms_first_tenth": statistics.fmean(batch_times[:tenth]) * 1000,
        "batch_ms_last_tenth": statistics.fmean(batch_times[-tenth:]) * 1000,
        "nodes": stored,
    }


def measure_queries(store: GraphStore, backend: str, data: Dataset, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed + 1)  # same query sequence for every backend
    venture_ids = [v.id for v in data.ventures]
    decision_ids = [d.id for d, _ in data.pairs]
    plan = {
        "recent": [rng.choice(venture_ids) for _ in range(args.queries)],
        "expand": [rng.choice(decision_ids) for _ in range(args.queries)],
        "filtered": [rng.choice(decision_ids) for _ in range(args.queries)],
        "local": [rng.choice(decision_ids) for _ in range(args.queries)],
    }
    filtered_rels = [RelType.LED_TO, RelType.MADE_BY, RelType.UNDER]
    local_labels = [NodeLabel.DECISION, NodeLabel.OUTCOME]

    def recent(venture_id: str) -> int:
        rows = store.decisions_with_outcomes(venture_id=venture_id, limit=50)
        expected = min(50, len(data.decisions_by_venture[venture_id]))
        if len(rows) != expected or any(len(r.outcomes) != 1 for r in rows):
            raise SystemExit(f"[{backend}] recent({venture_id}) returned a wrong result")
        return len(rows)

    def expand(decision_id: str) -> int:
        return len(store.expand([decision_id], hops=2).nodes)

    def filtered(decision_id: str) -> int:
        return len(store.expand([decision_id], hops=2, rel_types=filtered_rels).nodes)

    def local(decision_id: str) -> int:
        graph = store.expand([decision_id], hops=2, labels=local_labels)
        if len(graph.nodes) != 2:
            raise SystemExit(f"[{backend}] local expand({decision_id}) returned {len(graph.nodes)} nodes")
        return len(graph.nodes)

    queries: dict[str, Callable[[str], int]] = {
        "recent": recent, "expand": expand, "filtered": filtered, "local": local,
    }
    out: dict[str, Any] = {"queries": {}}
    for name, fn in queries.items():
        warm = rng.sample(plan[name], min(args.warmup, len(plan[name])))
        for arg in warm:  # plan caches, page cache; not timed
            fn(arg)
        times: list[float] = []
        sizes: list[int] = []
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        for arg in plan[name]:
            t = time.perf_counter()
            sizes.append(fn(arg))
            times.append(time.perf_counter() - t)
        stats = {k: v * 1000 for k, v in summary(times).items()}
        stats["avg_nodes"] = statistics.fmean(sizes)
        stats["client_cpu"] = (time.process_time() - cpu0) / len(times) * 1000
        stats["qps"] = len(times) / (time.perf_counter() - t0)
        out["queries"][name] = stats
        log(
            f"[{backend}] {name:9s} p50 {stats['p50']:8.2f} ms  p95 {stats['p95']:8.2f} ms"
            f"  mean {stats['mean']:8.2f} ms  client CPU {stats['client_cpu']:8.2f} ms"
            f"  avg nodes {stats['avg_nodes']:.0f}"
        )
    return out


# ---- report ----------------------------------------------------------------------------------------


def print_table(results: list[dict[str, Any]]) -> None:
    by_backend = {r["backend"]: r for r in results}
    backends = list(by_backend)
    base = by_backend.get("embedded")
    other = by_backend.get("neo4j")

    rows: list[tuple[str, Callable[[dict[str, Any]], float], str]] = [
        ("write throughput (decisions+outcomes, rec/s)", lambda r: r["write_rps"], "{:,.0f}"),
        ("write total (s)", lambda r: r["write_s"], "{:,.1f}"),
        ("  of which client (Python) CPU (s)", lambda r: r["write_client_cpu_s"], "{:,.1f}"),
        ("upsert batch p50 (ms)", lambda r: r["batch_ms"]["p50"], "{:,.1f}"),
        ("upsert batch p95 (ms)", lambda r: r["batch_ms"]["p95"], "{:,.1f}"),
        ("upsert batch mean, first 10% (ms)", lambda r: r["batch_ms_first_tenth"], "{:,.1f}"),
        ("upsert batch mean, last 10% (ms)", lambda r: r["batch_ms_last_tenth"], "{:,.1f}"),
    ]
    labels = {
        "recent": "recent 50 decisions+outcomes",
        "expand": "expand 2 hops, unfiltered",
        "filtered": "expand 2 hops, LED_TO|MADE_BY|UNDER",
        "local": "expand 2 hops, labels Decision|Outcome",
    }
    for key, label in labels.items():
        for stat in ("p50", "p95", "mean", "client_cpu"):
            name = f"{label} {stat.replace('client_cpu', 'client CPU/query')} (ms)"
            rows.append((name, lambda r, k=key, s=stat: r["queries"][k][s], "{:,.2f}"))
        rows.append((f"{label}: avg nodes", lambda r, k=key: r["queries"][k]["avg_nodes"], "{:,.0f}"))

    header = ["metric", *backends]
    if base and other:
        header.append("neo4j/embedded")
    table = [header]
    for name, get, fmt in rows:
        line = [name, *(fmt.format(get(by_backend[b])) for b in backends)]
        if base and other:
            b, o = get(base), get(other)
            line.append(f"{o / b:.2f}x" if b else "-")
        table.append(line)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table[1:]:
        print("| " + " | ".join([row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:]))]) + " |")
    print()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=100_000, help="decisions to write (each gets one outcome)")
    parser.add_argument("--ventures", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000,
                        help="records per store.upsert call (decision+outcome pairs, so batch/2 decisions)")
    parser.add_argument("--queries", type=int, default=200, help="timed queries of each kind")
    parser.add_argument("--warmup", type=int, default=10, help="untimed queries of each kind first")
    parser.add_argument("--backends", default="embedded,neo4j", help="comma-separated: embedded,neo4j")
    parser.add_argument("--neo4j-url", default=os.environ.get("ORGMIND_BENCH_NEO4J_URL", "bolt://127.0.0.1:7700"),
                        help="Neo4j to use; ITS DATABASE IS WIPED (default: bolt://127.0.0.1:7700)")
    parser.add_argument("--neo4j-user", default="neo4j")
    parser.add_argument("--neo4j-password", default=os.environ.get("ORGMIND_BENCH_NEO4J_PASSWORD", "orgmind-test"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--progress-every", type=int, default=20, help="log every N batches (stderr)")
    parser.add_argument("--profile-writes", metavar="PATH",
                        help="cProfile the upsert calls; stats saved to PATH.<backend>.prof and summarised")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    # Server notifications (deprecations, "property key does not exist" on an empty database)
    # would interleave with the progress log.
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    facts = machine_facts()
    if "neo4j" in backends:
        facts.update(neo4j_server_facts(args.neo4j_url, args.neo4j_user, args.neo4j_password))
    facts["load_avg_at_start"] = loadavg()
    print("machine:")
    for key, value in facts.items():
        print(f"  {key}: {value}")
    print(
        f"workload: {args.decisions} decisions + {args.decisions} outcomes, {args.ventures} ventures,"
        f" {len(ROLES)} agents per venture, {args.batch} records per upsert, {args.queries} queries per kind"
        f" (+{args.warmup} warm-up), seed {args.seed}"
    )
    sys.stdout.flush()

    t = time.perf_counter()
    data = build_dataset(args.decisions, args.ventures, args.seed)
    log(f"built the dataset in {time.perf_counter() - t:.1f} s (not timed)")

    results = []
    for backend in backends:
        results.append(run_backend(backend, data, args))
    facts["load_avg_at_end"] = loadavg()
    print(f"load average at end: {facts['load_avg_at_end']}")
    for r in results:
        print(
            f"{r['backend']}: {r['records']} records in {r['write_s']:.1f} s ({r['write_rps']:,.0f} rec/s),"
            f" {r['batches']} upserts of {r['records_per_batch']} records; ventures+agents {r['setup_s']:.2f} s;"
            f" {r['nodes']} nodes stored"
            + (f"; db {r['db_size_mib']:.0f} MiB" if "db_size_mib" in r else "")
        )
    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps({"facts": facts, "args": vars(args), "results": results}, indent=2))


if __name__ == "__main__":
    main()
