"""Property: whatever a JSONL file holds, every non-blank line is either imported (and reads back
equal to its record, also after a reopen) or rejected with its number and a reason naming a
field; the store always reopens with nothing unreadable in it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from orgmind.approvals.gates import default_policy
from orgmind.approvals.service import ApprovalService
from orgmind.core.store import Store
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.importer import import_jsonl
from orgmind.models import RECORD_TYPE_NAMES, import_line
from tests.properties.strategies import PROFILE, record_data
from tests.properties.test_records import SEEDS

SEED_LINES = [json.dumps(import_line(node)).encode() for node in SEEDS]


@st.composite
def lines(draw: st.DrawFn) -> tuple[bytes, list[dict[str, Any] | None]]:
    """A file body (seed lines first) and, per generated line, its record data (None: garbage)."""
    body = list(SEED_LINES)
    generated: list[dict[str, Any] | None] = []
    for position in range(draw(st.integers(1, 8))):
        if draw(st.integers(0, 5)) == 0:
            garbage = draw(st.binary(max_size=40).filter(lambda b: b"\n" not in b and b"\r" not in b))
            body.append(garbage)
            generated.append(None)
            continue
        record_type = draw(st.sampled_from(sorted(RECORD_TYPE_NAMES)))
        data = {"type": record_type, **draw(record_data(RECORD_TYPE_NAMES[record_type]))}
        data["id"] = f"line-{position}"  # unique, so each line's record can be found
        body.append(json.dumps(data).encode("utf-8", "surrogatepass"))
        generated.append(data)
    return b"\n".join(body) + b"\n", generated


@settings(PROFILE)
@given(case=lines())
def test_every_line_is_imported_equal_or_rejected_with_its_number(case: tuple[bytes, list[dict[str, Any] | None]]) -> None:
    body, generated = case
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.jsonl"
        source.write_bytes(body)
        graph = SqliteGraphStore(Path(folder) / "graph.sqlite3")
        try:
            store = Store(graph)
            gate = ApprovalService(store, default_policy()).gate_history
            report = import_jsonl(graph, source, write=store.commit, gate=gate)
        finally:
            graph.close()
        rejected = {r.line: r.reason for r in report.rejected}
        first = len(SEED_LINES) + 1
        assert not set(range(1, first)) & set(rejected), report.rejected
        blank = {n for n, raw in enumerate(body.split(b"\n")[:-1], start=1) if not raw.strip()}
        assert set(rejected) <= set(range(first, first + len(generated))) - blank
        event(f"{len(generated) - len(rejected)} of {len(generated)} lines imported")
        for reason in rejected.values():
            assert ": " in reason and reason.split(": ", 1)[1]
        graph = SqliteGraphStore(Path(folder) / "graph.sqlite3")
        try:
            assert not graph.unreadable_nodes()
            for number, data in enumerate(generated, start=first):
                if number in rejected or number in blank or data is None:
                    continue
                stored = graph.get(data["id"])
                assert stored is not None, (number, data)
                sent = {k: v for k, v in data.items() if k != "type"}
                expected = type(stored).model_validate({**stored.model_dump(), **sent})
                assert stored == expected
        finally:
            graph.close()
