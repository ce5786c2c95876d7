"""One small sample history for all adapter tests, behind the adapters' ``MemoryBackend``.

``backend`` is the embedded ``OrgMind`` (real model, real stores). The same tests run over the
HTTP ``orgmind.Client`` by adding a ``client`` parameter to ``BACKENDS`` that serves
``sample_home`` with the service and yields a ``Client`` for it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from orgmind.integrations import MemoryBackend
from orgmind.mind import OrgMind
from orgmind.models import Node
from orgmind.retrieval.brief import WakeUpBrief
from orgmind.retrieval.hits import Hit
from orgmind.sample import generate

VENTURE = "lumen"  # sharing open
PRIVATE_VENTURE = "sprout"  # sharing none
BACKENDS = ["embedded"]


class Recorder:
    """A ``MemoryBackend`` that passes every call through and keeps the briefs and records."""

    def __init__(self, backend: MemoryBackend) -> None:
        self.backend = backend
        self.briefs: list[WakeUpBrief] = []
        self.records: list[Node] = []

    def record(self, obj: Mapping[str, Any]) -> Node:
        stored = self.backend.record(obj)
        self.records.append(stored)
        return stored

    def recall(self, query: str, venture: str | None = None, k: int = 10, kinds: Sequence[str] | None = None,
               scope: Any = "venture", *, roles: Sequence[str] | None = None) -> list[Hit]:
        return self.backend.recall(query, venture, k, kinds, scope, roles=roles)

    def wake_up(self, venture: str, role: str, task: str | None = None, budget_tokens: int = 1200,
                *, agent_id: str | None = None) -> WakeUpBrief:
        brief = self.backend.wake_up(venture, role, task, budget_tokens, agent_id=agent_id)
        self.briefs.append(brief)
        return brief


@pytest.fixture(scope="session")
def mind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgMind]:
    home: Path = tmp_path_factory.mktemp("integrations-home")
    with OrgMind.open(home=home) as opened:
        opened.record_many(generate(decisions_per_venture=24))
        yield opened


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, mind: OrgMind) -> MemoryBackend:
    assert request.param == "embedded"
    return mind


@pytest.fixture
def recorder(backend: MemoryBackend) -> Recorder:
    return Recorder(backend)


def brief_lines(brief: WakeUpBrief) -> list[str]:
    """Every cited line of a brief as rendered for the model."""
    lines = [line.render() for section in brief.sections for line in section.lines]
    assert lines, "the brief cites nothing: the sample history should fill it"
    return lines


def owned_by(mind: OrgMind, ids: Sequence[str], venture: str) -> bool:
    """Whether every id is a record of ``venture``."""
    nodes = mind.graph.get_many(list(ids))
    return all(nodes[i].owner_venture == venture for i in ids)
