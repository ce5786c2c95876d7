"""Every Python example in docs/integrations.md runs as written, against a sample ./.orgmind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orgmind.mind import OrgMind
from orgmind.models import Decision
from orgmind.sample import generate

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "integrations.md"
BLOCK = re.compile(r"^## (?P<section>.+?)$|^```python\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)


def examples() -> dict[str, str]:
    """The Python blocks of the guide by the section they are in."""
    found: dict[str, str] = {}
    section = ""
    for match in BLOCK.finditer(DOC.read_text()):
        if match["section"]:
            section = match["section"].strip()
        else:
            found[section] = match["code"]
    return found


def test_every_framework_section_has_an_example() -> None:
    assert sorted(examples()) == ["AutoGen", "CrewAI", "LangGraph"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs-examples")
    with OrgMind.open(home=root / ".orgmind") as mind:
        mind.record_many(generate(decisions_per_venture=24))
    return root


def run(code: str, cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CREWAI_TESTING": "true",
           "CREWAI_DISABLE_TELEMETRY": "true", "OTEL_SDK_DISABLED": "true"}
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=300, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def decision_linked(workdir: Path, decision_id: str, wakeup_id: str) -> bool:
    with OrgMind.open(home=workdir / ".orgmind") as mind:
        decision = mind.graph.get(decision_id)
    return isinstance(decision, Decision) and decision.venture_id == "lumen" and decision.wakeup_id == wakeup_id


@pytest.mark.parametrize("section", ["LangGraph", "AutoGen"])
def test_tool_calling_examples_record_a_decision_linked_to_the_brief(section: str, workdir: Path) -> None:
    out = run(examples()[section], workdir)
    recorded = re.search(r"Recorded decision (\S+)\. during (wak_\w+)", out)
    assert recorded, out
    assert decision_linked(workdir, recorded[1], recorded[2])
    if section == "LangGraph":
        assert out.startswith("# Brief for the CTO of Lumen Analytics")
        assert re.search(r"^lumen-\S+ ", out, re.MULTILINE)
    else:
        assert re.search(r"^lumen-\S+ ", out, re.MULTILINE)


def test_crewai_example_records_the_decision_linked_to_the_brief(workdir: Path) -> None:
    out = run(examples()["CrewAI"], workdir)
    assert "title='Offer annual plans at 15% off'" in out
    wakeup = re.search(r"briefed with [1-9]\d* cited records; wake-up (wak_\w+)", out)
    assert wakeup, out
    with OrgMind.open(home=workdir / ".orgmind") as mind:
        [hit] = mind.recall("Offer annual plans at 15% off", venture="lumen", k=1, labels=["Decision"])
    assert decision_linked(workdir, hit.id, wakeup[1])
