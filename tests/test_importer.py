"""JSONL import: bad lines reported with number and reason, good lines kept, re-runs idempotent,
and no acknowledged record lost when the process is killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from orgmind.cli import app
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.mind import OrgMind
from orgmind.models import NodeLabel

LINES = [
    {"type": "venture", "id": "v1", "name": "Acme", "sharing": "open"},
    {"type": "agent", "id": "v1-cto", "venture_id": "v1", "role": "cto"},
    {"type": "decision", "id": "d1", "venture_id": "v1", "role": "cto", "kind": "architecture",
     "title": "Adopt managed Postgres", "made_at": "2026-02-01T09:00:00Z"},
    {"type": "outcome", "id": "o1", "venture_id": "v1", "decision_id": "d1", "score": 1.7},
    {"type": "outcome", "id": "o2", "venture_id": "v1", "decision_id": "d-missing", "score": 0.2},
    {"type": "observation", "id": "obs1", "venture_id": "v1", "text": "Latency halved",
     "observed_at": "2026-02-10T09:00:00"},
    {"type": "spaceship", "id": "x"},
    {"type": "outcome", "id": "o3", "venture_id": "v1", "decision_id": "d1", "score": 0.6},
]


def write_lines(path: Path, rows: list[object], extra: str = "") -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n" + extra)
    return path


def test_bad_lines_are_reported_and_good_ones_kept(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "history.jsonl", LINES, "{not json\n\n[1, 2]\n")
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "import", str(source)])
    assert result.exit_code == 1
    assert "imported 4 records (Agent 1, Decision 1, Outcome 1, Venture 1); rejected 6 lines" in result.output
    errors = result.stderr.splitlines()
    assert errors[0].startswith("line 4: Outcome.score: Input should be less than or equal to 1")
    assert errors[1] == "line 5: Outcome.decision_id: no Decision with id 'd-missing' is stored"
    assert errors[2].startswith("line 6: Observation.observed_at: Input should have timezone info")
    assert errors[3].startswith("line 7: type: unknown record type 'spaceship'")
    assert errors[4].startswith("line 9: (line): invalid JSON")
    assert errors[5] == "line 11: (line): expected a JSON object"
    with OrgMind.open(home=tmp_path / "home") as mind:
        assert mind.graph.count() == 4
        assert mind.graph.get("o3").score == 0.6


def test_reimport_is_idempotent(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "good.jsonl", [LINES[i] for i in (0, 1, 2, 7)])
    with OrgMind.open(home=tmp_path) as mind:
        first = mind.import_jsonl(source)
        second = mind.import_jsonl(source)
        assert first.total == second.total == 4 and not second.rejected
        assert mind.graph.count() == 4
        assert len(mind.graph.edges_of(["d1"])) == 2  # IN and LED_TO, once each


def test_lines_may_refer_to_lines_rejected_earlier_only_if_stored(tmp_path: Path) -> None:
    rows = [LINES[0], {**LINES[2], "title": ""}, {"type": "outcome", "id": "o9", "venture_id": "v1",
                                                   "decision_id": "d1", "score": 0.1}]
    with OrgMind.open(home=tmp_path) as mind:
        report = mind.import_jsonl(write_lines(tmp_path / "x.jsonl", rows))
    assert [r.line for r in report.rejected] == [2, 3]
    assert "no Decision with id 'd1'" in report.rejected[1].reason


def big_history(path: Path, decisions: int) -> Path:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("w") as handle:
        handle.write(json.dumps({"type": "venture", "id": "v", "name": "Big"}) + "\n")
        for i in range(decisions):
            handle.write(json.dumps({
                "type": "decision", "id": f"d{i}", "venture_id": "v", "role": "ceo", "kind": "pricing",
                "title": f"Decision number {i}", "made_at": (start + timedelta(minutes=i)).isoformat(),
            }) + "\n")
            handle.write(json.dumps({"type": "outcome", "id": f"o{i}", "venture_id": "v",
                                     "decision_id": f"d{i}", "score": 0.5}) + "\n")
    return path


def test_sigkill_during_import_loses_no_acknowledged_record(tmp_path: Path) -> None:
    source = big_history(tmp_path / "big.jsonl", 30_000)
    home = tmp_path / "home"
    process = subprocess.Popen(
        [sys.executable, "-m", "orgmind", "--home", str(home), "import", str(source),
         "--batch-size", "100", "--progress"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    acknowledged = 0
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("committed through line "):
            acknowledged = int(line.split()[-1])
            if acknowledged >= 3_000:
                break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert acknowledged >= 3_000, "the import finished or failed before it could be killed"

    with sqlite3.connect(home / "graph.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = SqliteGraphStore(home / "graph.sqlite3")
    stored_decisions = store.count(NodeLabel.DECISION)
    acknowledged_decisions = (acknowledged - 1) // 2
    assert stored_decisions >= acknowledged_decisions
    expected = [f"d{i}" for i in range(acknowledged_decisions)] + [f"o{i}" for i in range(acknowledged_decisions)]
    assert len(store.get_many(expected)) == len(expected)
    assert stored_decisions < 30_000, "the import was not interrupted"
    store.close()
