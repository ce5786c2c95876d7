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


def test_record_goes_through_the_gates_and_read_only_commands_see_it(tmp_path: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(tmp_path)]
    lines = "\n".join([
        '{"type": "venture", "id": "v", "name": "Vela"}',
        '{"type": "decision", "id": "d-price", "venture_id": "v", "role": "ceo", "kind": "pricing",'
        ' "title": "Raise the Team plan price", "status": "executed"}',
    ])
    recorded = runner.invoke(app, [*home, "record", "-"], input=lines + "\n")
    assert recorded.exit_code == 0, recorded.output
    assert "Decision d-price (pending_approval)" in recorded.output
    assert "1 held for approval" in recorded.output
    listed = runner.invoke(app, [*home, "approvals", "list"])
    assert listed.exit_code == 0 and listed.output.startswith("esc-d-price  v  ")
    assert "Raise the Team plan price" in listed.output
    stats = runner.invoke(app, [*home, "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    assert '"Escalation": 1' in stats.output
    patterns = runner.invoke(app, [*home, "patterns"])
    assert patterns.exit_code == 0 and "no cross-venture patterns" in patterns.output


def test_record_writes_nothing_when_a_line_is_invalid(tmp_path: Path) -> None:
    source = tmp_path / "records.jsonl"
    source.write_text('{"type": "venture", "id": "v", "name": "Vela"}\n{"type": "decision", "id": "d"}\n')
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "record", str(source)])
    assert result.exit_code == 1
    assert "line 2: Decision." in result.output
    assert not (tmp_path / "home" / "graph.sqlite3").exists()
