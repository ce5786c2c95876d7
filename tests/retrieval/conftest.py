"""A small sample history, recorded once per module through the real model and Qdrant engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from orgmind.mind import OrgMind
from orgmind.sample import generate


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("sample-home")
    with OrgMind.open(home=home) as mind:
        mind.record_many(generate(decisions_per_venture=40))
    return home


@pytest.fixture
def mind(sample_home: Path) -> Iterator[OrgMind]:
    with OrgMind.open(home=sample_home) as opened:
        yield opened
