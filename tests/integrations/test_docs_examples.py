"""Every Python example in docs/integrations.md runs as written, against a sample ./.orgmind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orgmind.mind import OrgMind
from orgmind.models import Decision
from orgmind.sample import generate

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
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
        mind.record_many(generate(decisions_per_venture=12))
    return root


def run(section: str, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """Run a section's example as a script from ``workdir``; returns what it printed."""
    monkeypatch.chdir(workdir)
    for name in ("CREWAI_TESTING", "CREWAI_DISABLE_TELEMETRY", "OTEL_SDK_DISABLED"):
        monkeypatch.setenv(name, "true")  # CrewAI: no first-run prompt, no telemetry
    exec(compile(examples()[section], f"{DOC}:{section}", "exec"), {"__name__": "__main__"})  # noqa: S102
    return capsys.readouterr().out


def decision_linked(workdir: Path, decision_id: str, wakeup_id: str) -> bool:
    with OrgMind.open(home=workdir / ".orgmind") as mind:
        decision = mind.graph.get(decision_id)
    return isinstance(decision, Decision) and decision.venture_id == "lumen" and decision.wakeup_id == wakeup_id


@pytest.mark.parametrize("section", ["LangGraph", "AutoGen"])
def test_tool_calling_examples_record_a_decision_linked_to_the_brief(
    section: str, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(section, workdir, monkeypatch, capsys)
    recorded = re.search(r"Recorded decision (\S+)\. during (wak_\w+)", out)
    assert recorded, out
    assert decision_linked(workdir, recorded[1], recorded[2])
    assert re.search(r"^lumen-\S+ ", out, re.MULTILINE)
    if section == "LangGraph":
        assert out.startswith("# Brief for the CTO of Lumen Analytics")


def test_crewai_example_records_the_decision_linked_to_the_brief(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run("CrewAI", workdir, monkeypatch, capsys)
    assert "title='Offer annual plans at 15% off'" in out
    wakeup = re.search(r"briefed with [1-9]\d* cited records; wake-up (wak_\w+)", out)
    assert wakeup, out
    with OrgMind.open(home=workdir / ".orgmind") as mind:
        [hit] = mind.recall("Offer annual plans at 15% off", venture="lumen", k=1, labels=["Decision"])
    assert decision_linked(workdir, hit.id, wakeup[1])
