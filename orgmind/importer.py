"""JSONL import: one record per line, bad lines reported, good ones kept, re-runs idempotent.

Every line is judged alone. The file is UTF-8 (a byte-order mark is skipped) or, when it starts
with a UTF-16 byte-order mark, UTF-16; a line that does not decode, is not JSON (nested too
deeply, a number too long), or is not a valid record is reported with its number and reason,
and the lines around it are imported.
"""

from __future__ import annotations

import codecs
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orgmind.errors import InvalidInput, InvalidRecord
from orgmind.models import Escalation, Node, parse_record

if TYPE_CHECKING:  # the stores are not imported to parse lines (the client parses import reports)
    from orgmind.approvals.lifecycle import Gated
    from orgmind.graph.base import Expect, GraphStore

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


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
    except RecursionError:
        raise InvalidRecord("(line)", "invalid JSON: nested too deeply") from None
    except ValueError:  # an integer longer than Python converts
        limit = sys.get_int_max_str_digits()
        raise InvalidRecord("(line)", f"invalid JSON: a number with more than {limit} digits") from None
    if not isinstance(data, dict):
        raise InvalidRecord("(line)", "expected a JSON object")
    record_type = data.pop("type", None)
    if not isinstance(record_type, str):
        raise InvalidRecord("type", "missing or not a string")
    return parse_record(record_type, data)


def read_lines(path: Path) -> Iterator[tuple[int, str | InvalidRecord]]:
    """The non-blank lines of an import file, numbered from 1: each as text, or as the error
    that says why it cannot be decoded. A UTF-16 byte-order mark selects UTF-16; otherwise lines
    are UTF-8, and a UTF-8 byte-order mark on line 1 is skipped."""
    with path.open("rb") as handle:
        utf16 = handle.read(2) in _UTF16_BOMS
    yield from _utf16_lines(path) if utf16 else _utf8_lines(path)


def _utf8_lines(path: Path) -> Iterator[tuple[int, str | InvalidRecord]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, InvalidRecord("(line)", f"not valid UTF-8: byte {exc.start + 1} ({exc.reason})")
                continue
            if text.strip():
                yield number, text


def _utf16_lines(path: Path) -> Iterator[tuple[int, str | InvalidRecord]]:
    number = 0
    # surrogatepass lets a lone surrogate through so that only its line is rejected
    with path.open(encoding="utf-16", errors="surrogatepass", newline="\n") as handle:
        try:
            for number, text in enumerate(handle, start=1):
                if any("\ud800" <= ch <= "\udfff" for ch in text):
                    yield number, InvalidRecord("(line)", "not valid UTF-16: a lone surrogate")
                elif text.strip():
                    yield number, text
        except UnicodeDecodeError as exc:  # a truncated file: its last line cannot be decoded
            yield number + 1, InvalidRecord("(line)", f"not valid UTF-16: {exc.reason}")


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
        try:
            write([node for _, node in written], gated.expect)
        except InvalidInput:  # a rule the write path checks (a sealed brain version): line by line
            written = [
                (position, node) for position, node in written
                if _written_alone((batch[position][0], node), lambda one: write(one, gated.expect), report)
            ]
        report.imported.update(nodes[position].label.value for position in sorted({p for p, _ in written}))
        if on_commit is not None:
            on_commit(batch[-1][0])
        batch.clear()

    for number, line in read_lines(Path(path)):
        node = _judged(line)
        if isinstance(node, InvalidRecord):
            report.rejected.append(RejectedLine(number, str(node)))
            continue
        if len(batch) >= batch_size and not isinstance(node, Escalation):
            flush()
        batch.append((number, node))
    if batch:
        flush()
    report.rejected.sort(key=lambda r: r.line)
    return report


def _judged(line: str | InvalidRecord) -> Node | InvalidRecord:
    """A line's record, or why it is rejected."""
    if isinstance(line, InvalidRecord):
        return line
    try:
        return parse_line(line)
    except InvalidRecord as error:
        return error


def _written_alone(line: tuple[int, Node], write: Callable[[list[Node]], object], report: ImportReport) -> bool:
    """Write one line's record on its own; a refusal is reported against the line."""
    number, node = line
    try:
        write([node])
    except InvalidInput as error:
        report.rejected.append(RejectedLine(number, str(error)))
        return False
    return True
