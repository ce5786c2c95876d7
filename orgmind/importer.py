"""JSONL import: one record per line, bad lines reported, good ones kept, re-runs idempotent."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orgmind.approvals.lifecycle import Gated
from orgmind.errors import InvalidRecord
from orgmind.graph.base import Expect, GraphStore
from orgmind.models import Escalation, Node, parse_record


@dataclass(frozen=True)
class RejectedLine:
    """A line that was not imported, and why."""

    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did: records written by type, and the rejected lines."""

    imported: Counter[str] = field(default_factory=Counter)
    rejected: list[RejectedLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.imported.values())


def parse_line(text: str) -> Node:
    """One JSONL line as a record; raises InvalidRecord naming the field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRecord("(line)", f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(data, dict):
        raise InvalidRecord("(line)", "expected a JSON object")
    record_type = data.pop("type", None)
    if not isinstance(record_type, str):
        raise InvalidRecord("type", "missing or not a string")
    return parse_record(record_type, data)


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield number, text


def import_jsonl(
    graph: GraphStore,
    path: Path,
    *,
    write: Callable[[list[Node], Sequence[Expect]], object],
    gate: Callable[[list[Node]], Gated],
    batch_size: int = 500,
    on_commit: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import a JSONL file: lines are checked against ``graph``, gated and written with ``write``.

    ``write(nodes, expect)`` is the commit path (``Store.commit``); each batch is one transaction,
    checking in it that what the gates read is unchanged (``expect``). ``gate`` is
    the approval gates (for history: resolved escalations in the file are kept); a line they
    refuse is reported like any bad line, and so is a line that refers to it. A line may refer
    to records on earlier lines; escalation lines stay in the batch of the line before them, so
    a decision and the approval that follows it are judged together. ``on_commit(line)`` is
    called after each committed batch with the number of the last line it covered: every good
    line up to it is durably stored.
    """
    report = ImportReport()
    batch: list[tuple[int, Node]] = []

    def flush() -> None:
        nodes = [node for _, node in batch]
        rejected: dict[int, InvalidRecord] = dict(graph.check(nodes))
        candidates = [position for position in range(len(nodes)) if position not in rejected]
        gated = gate([nodes[position] for position in candidates])
        rejected.update({candidates[i]: error for i, error in gated.refused.items()})
        written = [(candidates[i], node) for i, node in gated.written]
        while later := graph.check([node for _, node in written]):  # lines that refer to a refused one
            dropped = {written[i][0]: error for i, error in later}
            for position, problem in dropped.items():
                rejected.setdefault(position, problem)
            written = [(position, node) for position, node in written if position not in dropped]
        for position, refusal in sorted(rejected.items()):
            report.rejected.append(RejectedLine(batch[position][0], str(refusal)))
        write([node for _, node in written], gated.expect)
        report.imported.update(nodes[position].label.value for position in sorted({p for p, _ in written}))
        if on_commit is not None:
            on_commit(batch[-1][0])
        batch.clear()

    for number, text in _numbered_lines(Path(path)):
        try:
            node = parse_line(text)
        except InvalidRecord as error:
            report.rejected.append(RejectedLine(number, str(error)))
            continue
        if len(batch) >= batch_size and not isinstance(node, Escalation):
            flush()
        batch.append((number, node))
    if batch:
        flush()
    report.rejected.sort(key=lambda r: r.line)
    return report
