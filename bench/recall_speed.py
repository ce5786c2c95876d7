"""Recall speed, side by side: this checkout against a baseline checkout, on one demo store.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python bench/recall_speed.py --baseline /path/to/old/checkout

A demo store is built once (``orgmind --home DIR demo``, the four sample ventures, patterns and
a wake-up). Each side then runs in its own process, its ``orgmind`` imported from its checkout
via PYTHONPATH, and times ``OrgMind.recall`` over the same queries: every (query, venture) pair
once untimed (the query embedding is then cached, as it is for a repeated question), then
``--repeats`` timed passes. Sides alternate (baseline, current, baseline, current, ...) for
``--rounds`` rounds so load on a shared machine falls on both alike; the timings of each side
are pooled. Reported: recall p50 / p95 / mean in ms per side, the difference of the p50s, and
whether both sides returned the same hit ids. A baseline checkout of an older commit:
``git worktree add /tmp/base <commit>`` (or ``git archive <commit> | tar -x -C /tmp/base``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUERIES = [
    "raise prices on the team plan",
    "event pipeline latency at peak",
    "hire a contractor team or full-time engineers",
    "paid social ads for acquisition",
    "churn after onboarding changes",
    "annual discount for new customers",
    "security review before the enterprise deal",
    "migrate the database to a managed service",
    "launch a referral programme",
    "cut cloud spend this quarter",
    "partnership with a distributor",
    "free trial length and conversion",
]
VENTURES = ["lumen", "harbor", "sprout", "nimbus"]

WORKER = """
import json, sys, time
from datetime import datetime, timezone
from orgmind.mind import OrgMind

home, queries, ventures, repeats = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
now = datetime(2026, 11, 20, 17, 0, tzinfo=timezone.utc)
pairs = [(q, v) for q in queries for v in ventures]
with OrgMind.open(home=home) as mind:
    hits = {f"{q}|{v}": [h.id for h in mind.recall(q, venture=v, k=10, now=now)] for q, v in pairs}
    times = []
    for _ in range(repeats):
        for q, v in pairs:
            start = time.perf_counter()
            mind.recall(q, venture=v, k=10, now=now)
            times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"times_ms": times, "hits": hits}))
"""


def run_side(checkout: Path, home: Path, repeats: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(home), json.dumps(QUERIES), json.dumps(VENTURES), str(repeats)],
        env=env, cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {statistics.median(ordered):6.1f} ms  p95 {p95:6.1f} ms  mean {statistics.fmean(ordered):6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, required=True, help="checkout of the baseline commit")
    parser.add_argument("--home", type=Path, help="an existing demo store (default: build one)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per side and round")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="orgmind-recall-speed-"))
    if args.home is None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        subprocess.run([sys.executable, "-m", "orgmind", "--home", str(home), "demo"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    sides = {"baseline": args.baseline.resolve(), "current": REPO}
    times: dict[str, list[float]] = {name: [] for name in sides}
    hits: dict[str, object] = {}
    started = time.perf_counter()
    for _ in range(args.rounds):
        for name, checkout in sides.items():
            result = run_side(checkout, home, args.repeats)
            times[name].extend(result["times_ms"])  # type: ignore[arg-type]
            hits[name] = result["hits"]
    pairs = len(QUERIES) * len(VENTURES)
    print(f"demo store {home}; {pairs} (query, venture) pairs, k=10, query embedding cached; "
          f"{args.rounds} rounds x {args.repeats} passes per side ({time.perf_counter() - started:.0f} s)")
    for name in sides:
        print(f"{name:9} {summary(times[name])}  ({len(times[name])} recalls, {sides[name]})")
    delta = statistics.median(times["baseline"]) - statistics.median(times["current"])
    print(f"p50 lower by {delta:.1f} ms; same hits on both sides: {hits['baseline'] == hits['current']}")


if __name__ == "__main__":
    main()
