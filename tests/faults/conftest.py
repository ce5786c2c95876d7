"""The fork server shared by the fault-injection tests (the model is loaded once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.forkserver import ForkServer


@pytest.fixture(scope="session")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    server = ForkServer.start(tmp_path_factory.mktemp("forks"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sample_file(forks: ForkServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sample history of four ventures (about 700 records)."""
    path = tmp_path_factory.mktemp("sample") / "sample.jsonl"
    forks.must("make_sample", path=str(path), seed=11, decisions=70)
    return path


@pytest.fixture(scope="session")
def base_home(forks: ForkServer, sample_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the sample history, closed; copy it before changing it."""
    home = tmp_path_factory.mktemp("base") / "home"
    forks.must("import_file", home=str(home), path=str(sample_file))
    return home
