"""The facade as a whole: its public surface and one process per embedded home."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orgmind
from orgmind.mind import OrgMind


def test_public_surface_is_exported() -> None:
    assert sorted(orgmind.__all__) == sorted(set(orgmind.__all__))
    for name in orgmind.__all__:
        assert getattr(orgmind, name) is not None
    assert {"OrgMind", "Decision", "Outcome", "OrgmindError", "InvalidRecord", "StoreLocked"} <= set(orgmind.__all__)


def test_every_error_class_is_exported() -> None:
    import inspect

    from orgmind import errors

    classes = {name for name, obj in inspect.getmembers(errors, inspect.isclass)
               if issubclass(obj, errors.OrgmindError)}
    assert classes == set(errors.__all__)
    assert classes <= set(orgmind.__all__)
    assert all(getattr(orgmind, name) is getattr(errors, name) for name in classes)


def test_second_process_on_the_same_home_gets_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    with OrgMind.open(home=tmp_path):
        started = time.monotonic()
        result = subprocess.run(  # a command that needs the search indexes
            [sys.executable, "-m", "orgmind", "--home", str(tmp_path), "recall", "pricing", "--venture", "v"],
            capture_output=True, text=True, timeout=120,
        )
        elapsed = time.monotonic() - started
        read_only = subprocess.run(  # one that reads the graph alone works next to the holder
            [sys.executable, "-m", "orgmind", "--home", str(tmp_path), "stats", "--json"],
            capture_output=True, text=True, timeout=120,
        )
    assert read_only.returncode == 0, read_only.stderr
    assert read_only.stdout.strip() == "[]"
    assert result.returncode == 2
    assert result.stderr.startswith("error: the vector index at ")
    assert "is already open (held by pid" in result.stderr
    assert elapsed < 120
    with OrgMind.open(home=tmp_path):  # released on close
        pass
