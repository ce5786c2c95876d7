"""The command line: every command documents itself; the demo runs on a fresh home."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from orgmind.cli import app
from orgmind.mind import OrgMind

COMMANDS = sorted(command.name for command in typer.main.get_command(app).commands.values())


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    summary = typer.main.get_command(app).commands[command].help
    assert summary and len(summary.split()) >= 4, f"{command} needs a real help text"


def test_every_command_is_documented_in_the_reference() -> None:
    reference = (Path(__file__).parents[1] / "docs" / "cli.md").read_text()
    for command in COMMANDS:
        assert f"## orgmind {command}" in reference, command


def test_demo_builds_the_sample_and_prints_a_cited_brief(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["--home", str(tmp_path), "demo"])
    assert first.exit_code == 0, first.output
    assert "Lumen Analytics" in first.output and "Sprout Kitchen" in first.output
    assert "# Brief for the CTO of Lumen Analytics" in first.output
    for section in ("## Open items", "## Recent history", "## Precedents", "## Guardrails"):
        assert section in first.output
    with OrgMind.open(home=tmp_path) as mind:
        stored = mind.graph.count()
    second = runner.invoke(app, ["--home", str(tmp_path), "demo"])
    assert second.exit_code == 0, second.output
    without_ids = [line for line in first.output.splitlines() if "wak_" not in line]
    assert [line for line in second.output.splitlines() if "wak_" not in line] == without_ids
    with OrgMind.open(home=tmp_path) as mind:
        assert mind.graph.count() == stored + 2  # the sample again adds nothing; the new wake-up and brief
