"""The command line: every command documents itself; the demo runs on a fresh home."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from orgmind.cli import app

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


def test_demo_builds_the_sample_and_is_repeatable(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["--home", str(tmp_path), "demo"])
    assert first.exit_code == 0, first.output
    assert "Lumen Analytics" in first.output and "Sprout Kitchen" in first.output
    second = runner.invoke(app, ["--home", str(tmp_path), "demo"])
    assert second.output == first.output
