"""Embedded store specifics: one durable WAL file, reopened intact."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from orgmind.errors import StoreUnavailable
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.models import Venture


def test_single_file_in_wal_mode_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "home" / "graph.sqlite3"
    store = SqliteGraphStore(path)
    store.upsert(Venture(id="v", name="V"))
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    reopened = SqliteGraphStore(path)
    assert reopened.get("v").name == "V"
    reopened.close()


def test_unopenable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailable, match="cannot open the embedded graph"):
        SqliteGraphStore(blocker / "graph.sqlite3")


def test_reads_do_not_wait_for_a_write_in_progress(tmp_path: Path) -> None:
    store = SqliteGraphStore(tmp_path / "graph.sqlite3")
    store.upsert(Venture(id="v", name="Before"))
    inside, finish = threading.Event(), threading.Event()

    def slow_write() -> None:
        with store._transaction() as db:
            SqliteGraphStore._write_in(db, [Venture(id="v", name="After")], [])
            inside.set()
            finish.wait(30)

    writer = threading.Thread(target=slow_write)
    writer.start()
    try:
        assert inside.wait(30)
        seen: list[str] = []
        reader = threading.Thread(target=lambda: seen.append(store.get("v").name))  # type: ignore[union-attr]
        reader.start()
        reader.join(10)
        assert seen == ["Before"]  # the committed state, while the write holds its transaction
    finally:
        finish.set()
        writer.join(30)
    assert store.get("v").name == "After"  # type: ignore[union-attr]
    store.close()
    with pytest.raises(StoreUnavailable):
        store.get("v")  # closed: every thread's reader is closed with it


def test_the_indexed_mark_is_written_and_the_store_stays_durable(tmp_path: Path) -> None:
    store = SqliteGraphStore(tmp_path / "graph.sqlite3")
    store.upsert(Venture(id="v", name="V"))
    assert [n.id for n in store.unindexed()] == ["v"]
    store.mark_indexed(["v"])
    assert store.unindexed() == []
    assert store._db.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL again for the next write
    store.close()
