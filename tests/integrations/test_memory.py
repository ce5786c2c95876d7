"""What the adapters share: the backend protocol, typed errors, and imports that stay optional."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from orgmind.errors import InvalidArgument, InvalidRecord
from orgmind.integrations import MemoryBackend, VentureMemory
from orgmind.integrations._memory import render_hits
from orgmind.mind import OrgMind
from tests.integrations.conftest import VENTURE

FRAMEWORKS = ("langgraph", "langchain_core", "crewai", "autogen_core", "autogen_agentchat", "autogen_ext")


@pytest.mark.parametrize("module", ["orgmind", "orgmind.integrations"])
def test_importing_orgmind_imports_no_framework(module: str) -> None:
    code = f"import sys, {module}; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FRAMEWORKS!r})))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert result.stdout.strip() == "[]"


def test_the_embedded_store_is_a_backend(mind: OrgMind) -> None:
    assert isinstance(mind, MemoryBackend)


def test_bad_values_from_a_model_are_typed_errors_naming_the_field(backend: Any) -> None:
    memory = VentureMemory(backend, VENTURE)
    with pytest.raises(InvalidRecord, match="confidence"):
        memory.record_decision("cto", None, kind="architecture", title="Adopt SQS", confidence=5)
    with pytest.raises(InvalidRecord, match="decision_id"):
        memory.record_outcome("no-such-decision", 0.5, "went well")
    with pytest.raises(InvalidArgument, match="venture"):
        VentureMemory(backend, " ")


def test_records_of_another_venture_cannot_be_written_to(backend: Any) -> None:
    memory = VentureMemory(backend, VENTURE)
    with pytest.raises(InvalidRecord, match="belongs to venture 'sprout'"):
        memory.record_outcome("sprout-dec-0001", 0.5, "went well")
    sprout_wakeup = VentureMemory(backend, "sprout").wake_up("cfo", "Plan the courier budget").wakeup_id
    with pytest.raises(InvalidRecord, match="belongs to venture 'sprout'"):
        memory.record_decision("cfo", sprout_wakeup, kind="budget", title="Cut courier spend")


def test_recalled_lines_cite_their_records_and_outcomes(backend: Any) -> None:
    hits = VentureMemory(backend, VENTURE).recall("pricing discount", k=5)
    lines = render_hits(hits).splitlines()
    assert len(lines) == len(hits) == 5
    for hit, line in zip(hits, lines, strict=True):
        assert line.startswith(f"- {' '.join(hit.text.split())} [{hit.id}]")
        assert ("(outcome: " in line) == (hit.outcome is not None)
