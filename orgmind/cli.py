"""The ``orgmind`` command line: a thin layer over the OrgMind facade."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from orgmind.config import Settings
from orgmind.errors import OrgmindError
from orgmind.graph.base import NodeQuery
from orgmind.mind import OrgMind
from orgmind.models import NodeLabel, Venture
from orgmind.sample import generate, write_jsonl

app = typer.Typer(
    help="orgmind: decision memory and wake-up briefs for AI agents that run businesses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _open(ctx: typer.Context) -> OrgMind:
    settings: Settings = ctx.obj
    return OrgMind.open(settings)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Optional[Path],
        typer.Option("--home", help="Data directory of the embedded store [env: ORGMIND_HOME; default ./.orgmind]."),
    ] = None,
) -> None:
    """Global options."""
    overrides = {"home": home} if home is not None else {}
    ctx.obj = Settings(**overrides)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSONL file, one record per line.")],
    batch_size: Annotated[int, typer.Option(min=1, help="Records per transaction.")] = 500,
    progress: Annotated[bool, typer.Option(help="Print 'committed through line N' after each batch.")] = False,
) -> None:
    """Import records from a JSONL file (see docs/import-format.md).

    Bad lines are reported with their line number and reason; good lines are kept. Re-running
    on the same file changes nothing. Exits with status 1 when any line was rejected.
    """

    def committed(line: int) -> None:
        if progress:
            typer.echo(f"committed through line {line}", nl=True)

    with _open(ctx) as mind:
        report = mind.import_jsonl(file, batch_size=batch_size, on_commit=committed)
    counts = ", ".join(f"{label} {n}" for label, n in sorted(report.imported.items())) or "nothing"
    typer.echo(f"imported {report.total} records ({counts}); rejected {len(report.rejected)} lines")
    for rejected in report.rejected:
        typer.echo(f"line {rejected.line}: {rejected.reason}", err=True)
    if report.rejected:
        raise typer.Exit(1)


@app.command("stats")
def stats_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what the store holds, per venture."""
    with _open(ctx) as mind:
        summary = _summary(mind)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    for venture in summary:
        typer.echo(f"{venture['name']} ({venture['id']}, stage {venture['stage']}, sharing {venture['sharing']})")
        counts = ", ".join(f"{n} {label.lower()}s" for label, n in venture["counts"].items() if n)
        typer.echo(f"  {counts}")
        for line in venture["recent"]:
            typer.echo(f"  - {line}")


def _summary(mind: OrgMind) -> list[dict[str, object]]:
    ventures = mind.graph.list_nodes(NodeQuery(NodeLabel.VENTURE, limit=10_000, newest_first=False))
    summary = []
    for venture in ventures:
        assert isinstance(venture, Venture)
        counts = {
            label.value: mind.graph.count(label, venture.id)
            for label in (NodeLabel.DECISION, NodeLabel.OUTCOME, NodeLabel.OBSERVATION, NodeLabel.ESCALATION)
        }
        recent = [
            f"{item.decision.made_at:%Y-%m-%d} [{item.decision.role}] {item.decision.title}"
            + (f" -> {item.outcome.score:+.2f}" if item.outcome else " (no outcome yet)")
            for item in mind.graph.decisions_with_outcomes(venture_id=venture.id, limit=3)
        ]
        summary.append({
            "id": venture.id, "name": venture.name, "stage": venture.stage,
            "sharing": venture.sharing.value, "counts": counts, "recent": recent,
        })
    return summary


@app.command("demo")
def demo_command(ctx: typer.Context, seed: Annotated[int, typer.Option(help="Sample seed.")] = 7) -> None:
    """Build the sample multi-venture history in the home directory and show what it holds."""
    settings: Settings = ctx.obj
    sample = write_jsonl(generate(seed=seed), settings.home / "sample.jsonl")
    with _open(ctx) as mind:
        report = mind.import_jsonl(sample)
    typer.echo(f"sample history: {report.total} records in {settings.home}")
    stats_command(ctx, as_json=False)


def main() -> None:
    """Console entry point: orgmind errors become a one-line message and exit status 2."""
    try:
        app()
    except OrgmindError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
