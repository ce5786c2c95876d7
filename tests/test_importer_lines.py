"""Every import line is judged alone: whatever a line holds, it is imported or reported with
its number and reason, and the lines around it are kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgmind.approvals.gates import default_policy
from orgmind.approvals.service import ApprovalService
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.importer import ImportReport, import_jsonl
from orgmind.core.store import Store
from orgmind.models import BrainVersion, Decision, Insight, Venture, WakeUp

VENTURE = json.dumps({"type": "venture", "id": "v1", "name": "Acme"})
OBSERVATION = json.dumps({"type": "observation", "id": "obs1", "venture_id": "v1", "text": "after the bad line"})


def run(tmp_path: Path, payload: bytes, store: Store | None = None) -> tuple[ImportReport, SqliteGraphStore]:
    source = tmp_path / "in.jsonl"
    source.write_bytes(payload)
    graph = store.graph if store is not None else SqliteGraphStore(tmp_path / "g.sqlite3")
    assert isinstance(graph, SqliteGraphStore)
    store = store or Store(graph)
    report = import_jsonl(graph, source, write=store.commit, gate=ApprovalService(store, default_policy()).gate_history)
    return report, graph


def lines(*rows: str | bytes) -> bytes:
    return b"".join((row if isinstance(row, bytes) else row.encode()) + b"\n" for row in rows)


def assert_only_line_2_rejected(report: ImportReport, graph: SqliteGraphStore, reason: str) -> None:
    assert [r.line for r in report.rejected] == [2], report.rejected
    assert reason in report.rejected[0].reason
    assert graph.get("v1") is not None and graph.get("obs1") is not None


def test_invalid_utf8_rejects_only_its_line(tmp_path: Path) -> None:
    report, graph = run(tmp_path, lines(VENTURE, b'{"type": "venture", "id": "v2", "name": "\xff\xfe"}', OBSERVATION))
    assert_only_line_2_rejected(report, graph, "not valid UTF-8")


def test_utf8_bom_does_not_reject_line_1(tmp_path: Path) -> None:
    report, graph = run(tmp_path, b"\xef\xbb\xbf" + lines(VENTURE, OBSERVATION))
    assert not report.rejected and report.total == 2


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_files_are_detected_by_their_bom_and_decoded(tmp_path: Path, codec: str) -> None:
    text = "\ufeff" + "\n".join([VENTURE, OBSERVATION.replace("after", "apr\u00e8s")]) + "\n"
    report, graph = run(tmp_path, text.encode(codec))
    assert not report.rejected and report.total == 2
    observation = graph.get("obs1")
    assert observation is not None and "apr\u00e8s" in getattr(observation, "text")


def test_deep_nesting_rejects_only_its_line(tmp_path: Path) -> None:
    deep = '{"type": "decision", "context": ' + "[" * 100_000 + "]" * 100_000 + "}"
    report, graph = run(tmp_path, lines(VENTURE, deep, OBSERVATION))
    assert_only_line_2_rejected(report, graph, "nested")


def test_a_5000_digit_number_rejects_only_its_line(tmp_path: Path) -> None:
    big = json.dumps({"type": "outcome", "id": "o", "venture_id": "v1", "decision_id": "d"})[:-1] + ', "score": ' + "9" * 5000 + "}"
    report, graph = run(tmp_path, lines(VENTURE, big, OBSERVATION))
    assert_only_line_2_rejected(report, graph, "digits")


def test_out_of_range_date_rejects_only_its_line(tmp_path: Path) -> None:
    bad = json.dumps({"type": "observation", "id": "o2", "venture_id": "v1", "text": "x",
                      "observed_at": "0001-01-01T00:00:00+05:00"})
    report, graph = run(tmp_path, lines(VENTURE, bad, OBSERVATION))
    assert_only_line_2_rejected(report, graph, "Observation.observed_at")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_literals_are_rejected_naming_the_field(tmp_path: Path, literal: str) -> None:
    bad = ('{"type": "decision", "id": "d1", "venture_id": "v1", "role": "cto", "kind": "spend",'
           f' "title": "t", "context": {{"amount": {literal}}}}}')
    report, graph = run(tmp_path, lines(VENTURE, bad, OBSERVATION))
    assert_only_line_2_rejected(report, graph, "Decision.context.amount")


def test_a_line_adding_to_a_sealed_brain_version_is_reported_with_its_number(tmp_path: Path) -> None:
    graph = SqliteGraphStore(tmp_path / "g.sqlite3")
    store = Store(graph)
    store.commit([
        Venture(id="v1", name="Acme"),
        BrainVersion(id="b1", venture_id="v1", version=1),
        Insight(id="i1", venture_id="v1", text="first", brain_version_id="b1"),
        WakeUp(id="w1", venture_id="v1", role="cto", brain_version_id="b1"),  # b1 is now in use: sealed
    ])
    late = json.dumps({"type": "insight", "id": "i2", "venture_id": "v1", "text": "late", "brain_version_id": "b1"})
    decision = json.dumps({"type": "decision", "id": "d1", "venture_id": "v1", "role": "cto", "kind": "k", "title": "t"})
    report, _ = run(tmp_path, lines(decision, late, OBSERVATION), store)
    assert [r.line for r in report.rejected] == [2]
    assert "sealed" in report.rejected[0].reason
    assert isinstance(graph.get("d1"), Decision) and graph.get("obs1") is not None and graph.get("i2") is None
