"""Load on the orgmind service: N concurrent clients, a mix of recall, wake-up and record calls.

    python bench/serve.py                      # fresh embedded home: baseline, load, SIGKILL run
    python bench/serve.py --url http://127.0.0.1:8420 --key KEY --venture lumen   # a running server

With no --url it builds the seeded sample history in a fresh embedded home, times the same calls
in-process on OrgMind (the baseline: one caller, no HTTP), starts ``orgmind serve`` on it, runs
the load, checks that every acknowledged write is stored, and then runs the crash mode: a write
load, SIGKILL of the server in the middle of it, a restart, and a count of acknowledged writes
that are missing (must be 0).

Each client is a loop without think time: it sends its next call as soon as the last one answered,
so latency includes queueing behind the other clients on the server's cores. The clients run in
this process, on the same machine as the server: on a small machine they take part of its CPU.
Every query and wake-up task is new (``Texts``), so no cache keyed by their text answers a call.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SUBJECTS = ("pricing", "churn", "hiring", "paid channel", "event pipeline", "payments vendor", "annual plan",
            "database", "onboarding", "support queue", "referral program", "enterprise deal", "mobile app",
            "data warehouse", "security review", "partner launch")
ASPECTS = ("experiment", "budget", "latency", "migration", "discount", "retention", "rollout", "postmortem",
           "forecast", "contract", "roadmap", "incident", "pilot", "renewal", "benchmark", "audit")
FRAMES = ("what happened with the {} {}", "{} {} results", "lessons from the {} {}", "{} {} last quarter",
          "should we repeat the {} {}", "risks of the {} {}", "who owned the {} {}", "{} {} decision")
TASKS = ("Decide on the {} {}", "Review the {} {} before the board meeting", "Plan next month's {} {}",
         "Should we change the {} {}?")
ROLES = ("ceo", "cto", "cmo", "cfo")


class Texts:
    """Queries and wake-up tasks composed from a small vocabulary, never the same text twice.

    Every text is distinct (a seeded walk over all compositions), so a cache keyed by query or
    task text never answers a call of the benchmark.
    """

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        pairs = [(s, a) for s in SUBJECTS for a in ASPECTS]
        self._queries = [frame.format(s, a) for frame in FRAMES for s, a in pairs]
        self._tasks = [task.format(s, a) for task in TASKS for s, a in pairs]
        rng.shuffle(self._queries)
        rng.shuffle(self._tasks)
        self._asked = itertools.count()
        self._given = itertools.count()

    def query(self) -> str:
        return _nth(self._queries, next(self._asked))

    def task(self) -> str:
        return _nth(self._tasks, next(self._given))


def _nth(texts: list[str], n: int) -> str:
    """The n-th text; past the end of the list, again from the start, numbered so that it is new."""
    return texts[n % len(texts)] + ("" if n < len(texts) else f" ({n // len(texts)})")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"recall": [], "wake_up": [], "record": []})
    errors: dict[str, int] = field(default_factory=dict)
    acknowledged: list[str] = field(default_factory=list)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values[0] if values else float("nan"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, port: int, log: Path, slots: int | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORGMIND_")}
    env.update(PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    process = subprocess.Popen([sys.executable, "-m", "orgmind", "--home", str(home), "serve", "--port", str(port)]
                               + ([] if slots is None else ["--slots", str(slots)]),
                               env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    raise SystemExit(f"server not ready after 300 s; see {log}")


def observation(venture: str) -> dict[str, object]:
    return {"type": "observation", "id": f"bench-{uuid.uuid4().hex[:16]}", "venture_id": venture,
            "text": f"Load test observation {random.randint(0, 10**6)} about {random.choice(SUBJECTS)}"}


async def client_loop(http: httpx.AsyncClient, venture: str, until: float, mix: tuple[float, float], tally: Tally,
                      texts: Texts, write_only: bool = False) -> None:
    while time.monotonic() < until:
        roll = 1.0 if write_only else random.random()
        if roll < mix[0]:
            kind, call = "recall", http.post("/v1/recall", json={
                "query": texts.query(), "venture": venture, "k": 10})
            record_id = None
        elif roll < mix[0] + mix[1]:
            kind, call = "wake_up", http.post("/v1/wake-up", json={
                "venture": venture, "role": random.choice(ROLES), "task": texts.task()})
            record_id = None
        else:
            body = observation(venture)
            kind, call, record_id = "record", http.post("/v1/records", json={"records": [body]}), str(body["id"])
        started = time.perf_counter()
        try:
            response = await call
        except httpx.HTTPError as exc:
            tally.errors[f"{kind}: {type(exc).__name__}"] = tally.errors.get(f"{kind}: {type(exc).__name__}", 0) + 1
            if write_only:
                return  # the crash run: the server is gone; this write was never acknowledged
            continue
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            tally.errors[f"{kind}: {response.status_code}"] = tally.errors.get(f"{kind}: {response.status_code}", 0) + 1
            continue
        tally.latencies[kind].append(elapsed)
        if record_id is not None:
            tally.acknowledged.append(record_id)


async def run_load(url: str, key: str, venture: str, clients: int, seconds: float, mix: tuple[float, float],
                   *, write_only: bool = False, tally: Tally | None = None, seed: int = 1) -> Tally:
    tally = tally or Tally()
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120,
                                 limits=limits) as http:
        texts = Texts(seed)
        await asyncio.gather(*(client_loop(http, venture, until, mix, tally, texts, write_only)
                               for _ in range(clients)))
    return tally


def missing(url: str, key: str, venture: str, ids: list[str]) -> list[str]:
    response = httpx.get(f"{url}/v1/ventures/{venture}/export", headers={"Authorization": f"Bearer {key}"},
                         timeout=300)
    response.raise_for_status()
    stored = {json.loads(line)["id"] for line in response.text.splitlines() if line.strip()}
    return [i for i in ids if i not in stored]


def time_remote_cli(url: str, key: str, runs: int = 5) -> list[float]:
    """Wall time of ``orgmind stats`` with ORGMIND_URL set (a fresh process each time)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORGMIND_")}
    env.update(PYTHONPATH=str(ROOT), ORGMIND_URL=url, ORGMIND_API_KEY=key)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "orgmind", "stats"], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    print("\norgmind stats with ORGMIND_URL set: " + ", ".join(f"{t:.2f}" for t in times) + " s")
    return times


def report(title: str, tally: Tally, seconds: float) -> dict[str, object]:
    total = sum(len(v) for v in tally.latencies.values())
    rows = {kind: {"n": len(v), "p50_ms": round(pct(v, 50) * 1000, 1), "p95_ms": round(pct(v, 95) * 1000, 1),
                   "p99_ms": round(pct(v, 99) * 1000, 1)} for kind, v in tally.latencies.items() if v}
    print(f"\n{title}: {total} calls in {seconds:.0f} s = {total / seconds:.1f} calls/s; "
          f"errors {sum(tally.errors.values())} {tally.errors or ''}")
    for kind, row in rows.items():
        print(f"  {kind:8} n={row['n']:<6} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
              f"p99 {row['p99_ms']:7.1f} ms")
    return {"calls": total, "throughput": round(total / seconds, 1), "errors": tally.errors, "per_call": rows}


def baseline(home: Path, venture: str, calls: int) -> dict[str, object]:
    """The same calls in-process, one caller, no HTTP: what the service adds is measured against it."""
    from orgmind.mind import OrgMind

    tally, texts = Tally(), Texts(seed=0)
    with OrgMind.open(home=home) as mind:
        started_all = time.perf_counter()
        for n in range(calls):
            for kind in ("recall", "wake_up", "record"):
                started = time.perf_counter()
                if kind == "recall":
                    mind.recall(texts.query(), venture, 10)
                elif kind == "wake_up":
                    mind.wake_up(venture, random.choice(ROLES), texts.task())
                else:
                    mind.record(observation(venture))
                tally.latencies[kind].append(time.perf_counter() - started)
        elapsed = time.perf_counter() - started_all
    return report(f"baseline (in-process OrgMind, 1 caller, {calls} calls each)", tally, elapsed)


def prepare_home(home: Path, decisions: int) -> str:
    """The sample history in a fresh embedded home and an admin key; returns the key."""
    from orgmind.graph.sqlite import SqliteGraphStore
    from orgmind.keys import create_key
    from orgmind.mind import OrgMind
    from orgmind.sample import generate, write_jsonl

    sample = write_jsonl(generate(decisions_per_venture=decisions), home / "sample.jsonl")
    with OrgMind.open(home=home) as mind:
        mind.import_jsonl(sample)
    with SqliteGraphStore(home / "graph.sqlite3") as graph:
        return create_key(graph, "bench", [], ["read", "write"], admin=True)[1]


def crash_run(home: Path, key: str, venture: str, clients: int, kill_after: float,
              slots: int | None = None) -> dict[str, object]:
    """Write load, SIGKILL mid-load, restart, count acknowledged writes that are missing."""
    port, log = free_port(), home / "crash-server.log"
    url = f"http://127.0.0.1:{port}"
    server = start_server(home, port, log, slots)
    tally = Tally()

    async def load_then_kill() -> None:
        load = asyncio.create_task(run_load(url, key, venture, clients, kill_after + 5, (0, 0), write_only=True,
                                            tally=tally))
        await asyncio.sleep(kill_after)
        server.send_signal(signal.SIGKILL)
        await load

    asyncio.run(load_then_kill())
    server.wait()
    restarted = start_server(home, port, log, slots)
    try:
        lost = missing(url, key, venture, tally.acknowledged)
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=60)
    print(f"\nSIGKILL run ({clients} writers): {len(tally.acknowledged)} writes acknowledged before the kill, "
          f"{sum(tally.errors.values())} in flight at the kill (never acknowledged), "
          f"acknowledged but lost after restart: {len(lost)}")
    return {"acknowledged": len(tally.acknowledged), "failed_at_kill": sum(tally.errors.values()), "lost": len(lost)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="A running server (default: start one on a fresh embedded home).")
    parser.add_argument("--key", help="API key with read and write on --venture (with --url).")
    parser.add_argument("--venture", default="lumen")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--mix", default="0.6,0.2", help="Shares of recall and wake-up; the rest are records.")
    parser.add_argument("--decisions", type=int, default=120, help="Sample decisions per venture (fresh home).")
    parser.add_argument("--baseline-calls", type=int, default=30)
    parser.add_argument("--kill-after", type=float, default=8.0, help="Seconds of write load before SIGKILL.")
    parser.add_argument("--slots", type=int, help="The server's --slots (default: its own default).")
    parser.add_argument("--json", type=Path, help="Write the figures to this file.")
    args = parser.parse_args()
    recall_share, wake_share = (float(x) for x in args.mix.split(","))
    results: dict[str, object] = {"clients": args.clients, "seconds": args.seconds, "mix": args.mix}

    if args.url:
        tally = asyncio.run(run_load(args.url, args.key, args.venture, args.clients, args.seconds,
                                     (recall_share, wake_share)))
        results["load"] = report(f"load ({args.clients} clients)", tally, args.seconds)
        results["lost"] = len(missing(args.url, args.key, args.venture, tally.acknowledged))
        print(f"acknowledged writes: {len(tally.acknowledged)}, missing afterwards: {results['lost']}")
        results["remote_stats_s"] = time_remote_cli(args.url, args.key)
    else:
        with tempfile.TemporaryDirectory(prefix="orgmind-serve-bench-") as folder:
            home = Path(folder)
            started = time.perf_counter()
            key = prepare_home(home, args.decisions)
            print(f"sample history ({args.decisions} decisions per venture) imported in "
                  f"{time.perf_counter() - started:.0f} s")
            results["baseline"] = baseline(home, args.venture, args.baseline_calls)
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            server = start_server(home, port, home / "server.log", args.slots)
            try:
                tally = asyncio.run(run_load(url, key, args.venture, args.clients, args.seconds,
                                             (recall_share, wake_share)))
                results["load"] = report(f"load ({args.clients} clients over HTTP)", tally, args.seconds)
                results["lost"] = len(missing(url, key, args.venture, tally.acknowledged))
                print(f"acknowledged writes: {len(tally.acknowledged)}, missing afterwards: {results['lost']}")
                results["remote_stats_s"] = time_remote_cli(url, key)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=60)
            results["crash"] = crash_run(home, key, args.venture, args.clients, args.kill_after, args.slots)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
