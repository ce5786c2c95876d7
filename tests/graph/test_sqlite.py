"""Embedded store specifics: one durable WAL file, reopened intact."""

from __future__ import annotations

import sqlite3
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
