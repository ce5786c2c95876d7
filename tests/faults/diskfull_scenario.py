"""Run by test_disk_full.py inside a private mount namespace, on a small tmpfs at argv[1].

Prints one JSON object per line (``{"step": ..., ...}``) to the file at argv[2].
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from orgmind.core.check import check
from orgmind.errors import OrgmindError, StoreFull
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.mind import OrgMind
from orgmind.retrieval.edge_index import ROOM_RESERVE
from orgmind.models import Decision, Venture


def fill(filler: Path, leave: int) -> None:
    """Write ``filler`` until the disk has ``leave`` bytes free (or none)."""
    with filler.open("wb") as handle:
        try:
            while (free := shutil.disk_usage(filler.parent).free) > leave:
                handle.write(b"\0" * min(2**20, max(4096, free - leave)))
                handle.flush()
        except OSError:
            pass


def codeword(batch: int, position: int) -> str:
    """A word of letters only, one per decision, that recall can find it by."""
    return "code" + "".join(chr(ord("a") + int(digit)) for digit in f"{batch:02d}{position:02d}")


def main(mount: Path, results: Path) -> None:
    out = results.open("a")

    def report(step: str, **data: Any) -> None:
        out.write(json.dumps({"step": step, **data}) + "\n")
        out.flush()

    def attempt(step: str, action: Any) -> Any:
        try:
            value = action()
        except OrgmindError as exc:
            report(step, error=type(exc).__name__, typed=True, full=isinstance(exc, StoreFull), message=str(exc))
            return exc
        except BaseException as exc:  # noqa: BLE001 - what the test must never see
            report(step, error=type(exc).__name__, typed=False, message=str(exc))
            return exc
        report(step, error=None)
        return value

    home = mount / "home"
    acknowledged: list[str] = []

    # 1. Vector writes fill the disk: every batch is either stored whole or refused with StoreFull.
    mind = OrgMind.open(home=home)
    mind.record(Venture(id="v", name="V"))
    filler = mount / "filler"
    fill(filler, leave=ROOM_RESERVE + 4 * 2**20)  # a few batches from full
    refused = None
    for batch_number in range(100):
        batch = [Decision(id=f"d{batch_number}-{i}", venture_id="v", role="cto", kind="architecture",
                          title=f"Queue decision {codeword(batch_number, i)}",
                          rationale=f"{codeword(batch_number, i)} detail " * 550)
                 for i in range(50)]
        try:
            mind.record_many(batch)
        except StoreFull as exc:
            refused = batch
            report("fill", error="StoreFull", typed=True, full=True, batches=batch_number, message=str(exc))
            break
        acknowledged.extend(d.id for d in batch)
    else:
        report("fill", error=None, batches=100)
    assert refused is not None
    report("refused_batch_absent", stored=sorted(mind.graph.existing([d.id for d in refused])))
    attempt("close_when_full", mind.close)

    # 2. The disk full to the last byte: opening and writing the graph give StoreFull, never a crash.
    graph = SqliteGraphStore(home / "graph.sqlite3")  # opened while there is room
    filler.unlink()
    fill(filler, leave=0)
    attempt("open_when_full", lambda: OrgMind.open(home=home).close())
    attempt("graph_open_when_full", lambda: SqliteGraphStore(home / "graph.sqlite3").close())
    attempt("graph_write_when_full", lambda: graph.upsert(
        [Decision(id=f"g{i}", venture_id="v", role="cto", kind="pricing", title="x" * 290 + str(i), rationale="y" * 5000)
         for i in range(2000)]))
    report("graph_write_absent", stored=sorted(graph.existing([f"g{i}" for i in range(2000)])))
    attempt("graph_close_when_full", graph.close)

    # 3. Space freed: the store opens, holds every acknowledged record, finds them and takes writes.
    filler.unlink()
    with OrgMind.open(home=home) as mind:
        stored = mind.graph.existing(acknowledged)
        mind.record_many(refused[:5])
        hits = mind.recall(codeword(0, 3), venture="v", k=5)
        state = check(mind.store)
        report("recovered", acknowledged=len(acknowledged), present=len(stored), ok=state.ok,
               counts=state.counts(), hits=[h.id for h in hits], acknowledged_ids=acknowledged,
               retried=sorted(mind.graph.existing([d.id for d in refused[:5]])))
    os.sync()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
