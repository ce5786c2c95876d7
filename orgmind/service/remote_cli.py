"""The command line against a running server (ORGMIND_URL, ORGMIND_API_KEY): no stores opened,
no model loaded, plain HTTP. The commands and options mirror the local ones they stand for."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

app = typer.Typer(
    help="orgmind (remote: commands go to the server at ORGMIND_URL).",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
approvals_app = typer.Typer(help="Decisions waiting for human approval.", no_args_is_help=True)
app.add_typer(approvals_app, name="approvals")

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


class RemoteError(Exception):
    """The server answered with a problem (or could not be reached)."""


def _call(method: str, path: str, **kwargs: Any) -> httpx.Response:
    url = os.environ["ORGMIND_URL"].rstrip("/")
    key = os.environ.get("ORGMIND_API_KEY")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = httpx.request(method, f"{url}{path}", headers={**headers, **kwargs.pop("headers", {})},
                                 timeout=120, **kwargs)
    except httpx.TransportError as exc:
        raise RemoteError(f"cannot reach orgmind at {url}: {exc}") from exc
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise RemoteError(f"{response.status_code}: {detail}")
    return response


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def _print_hits(hits: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        _echo_json(hits)
        return
    if not hits:
        typer.echo("no matches")
    for rank, hit in enumerate(hits, start=1):
        outcome = hit.get("outcome")
        after = f" -> outcome {outcome['score']:+.2f}: {outcome['summary']}" if outcome else ""
        label = hit.get("label") or hit.get("kind")
        typer.echo(f"{rank}. [{hit['id']}] {hit['venture']} {label} {hit['timestamp'][:10]}: {hit['text']}{after}")


@app.command("stats")
def stats_command(as_json: AsJson = False) -> None:
    """Show what the store holds, per venture the key covers."""
    summary = [_summary(row) for row in _call("GET", "/v1/stats").json()]
    if as_json:
        _echo_json(summary)
        return
    for venture in summary:
        typer.echo(f"{venture['name']} ({venture['id']}, stage {venture['stage']}, sharing {venture['sharing']})")
        counts = ", ".join(f"{n} {label.lower()}s" for label, n in venture["counts"].items() if n)
        typer.echo(f"  {counts}")
        for line in venture["recent"]:
            typer.echo(f"  - {line}")


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    """A row of /v1/stats as the local ``orgmind stats --json`` prints it."""
    venture, recent = row["venture"], []
    for item in row["recent"]:
        decision, outcomes = item["decision"], item["outcomes"]
        after = f" -> {outcomes[-1]['score']:+.2f}" if outcomes else " (no outcome yet)"
        recent.append(f"{decision['made_at'][:10]} [{decision['role']}] {decision['title']}{after}")
    return {"id": venture["id"], "name": venture["name"], "stage": venture["stage"],
            "sharing": venture["sharing"], "counts": row["counts"], "recent": recent}


@app.command("recall")
def recall_command(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    venture: Annotated[str | None, typer.Option(help="The venture asking.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many hits.")] = 10,
    kind: Annotated[list[str] | None, typer.Option(help="Only decisions of this kind (repeatable).")] = None,
    role: Annotated[list[str] | None, typer.Option(help="Only records of this role (repeatable).")] = None,
    scope: Annotated[str, typer.Option(help="venture or platform.")] = "venture",
    as_json: AsJson = False,
) -> None:
    """Search decisions, observations and insights by meaning and by keywords."""
    body = {"query": query, "venture": venture, "k": k, "kinds": kind, "roles": role, "scope": scope}
    _print_hits(_call("POST", "/v1/recall", json=body).json(), as_json)


@app.command("similar")
def similar_command(
    decision: Annotated[str | None, typer.Option(help="Id of a stored decision.")] = None,
    text: Annotated[str | None, typer.Option(help="A decision described in words.")] = None,
    venture: Annotated[str | None, typer.Option(help="The venture asking.")] = None,
    scope: Annotated[str, typer.Option(help="venture or platform.")] = "venture",
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many hits.")] = 10,
    as_json: AsJson = False,
) -> None:
    """Find past decisions similar to a stored one or to a description, with their outcomes."""
    body = {"decision_id": decision, "text": text, "venture": venture, "scope": scope, "k": k}
    _print_hits(_call("POST", "/v1/similar-decisions", json=body).json(), as_json)


@app.command("brief")
def brief_command(
    venture: Annotated[str, typer.Option(help="The venture the agent works for.")],
    role: Annotated[str, typer.Option(help="The agent's role, e.g. cto.")],
    task: Annotated[str | None, typer.Option(help="What the agent woke up to do.")] = None,
    budget: Annotated[int, typer.Option(min=50, help="Token budget of the brief.")] = 1200,
    output_format: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
) -> None:
    """Build and record the brief an agent receives when it wakes up."""
    accept = "text/markdown" if output_format == "md" else "application/json"
    body = {"venture": venture, "role": role, "task": task, "budget_tokens": budget}
    response = _call("POST", "/v1/wake-up", json=body, headers={"Accept": accept})
    typer.echo(response.text if output_format == "md" else json.dumps(response.json(), indent=2), nl=False)


@app.command("synthesize")
def synthesize_command(
    venture: Annotated[str, typer.Option(help="The venture whose history to distil.")],
    role: Annotated[str | None, typer.Option(help="Only this role's decisions.")] = None,
) -> None:
    """Distil decisions and outcomes into the next brain version (prints JSON)."""
    _echo_json(_call("POST", "/v1/synthesize", json={"venture": venture, "role": role}).json())


@app.command("scorecard")
def scorecard_command(
    venture: Annotated[str, typer.Option(help="The venture to score.")],
    role: Annotated[str | None, typer.Option(help="Only this role's brain and decisions.")] = None,
) -> None:
    """Decision quality per brain version (prints JSON)."""
    _echo_json(_call("GET", f"/v1/ventures/{venture}/scorecard", params={"role": role} if role else None).json())


@app.command("patterns")
def patterns_command(kind: Annotated[str | None, typer.Option(help="Only this decision kind.")] = None) -> None:
    """Show the stored cross-venture patterns (prints JSON)."""
    _echo_json(_call("GET", "/v1/patterns", params={"kind": kind} if kind else None).json())


@app.command("import")
def import_command(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSONL file.")]) -> None:
    """Upload a JSONL file to the server; exits with status 1 when any line was rejected."""
    report = _call("POST", "/v1/import", content=file.read_bytes(),
                   headers={"Content-Type": "application/x-ndjson"}).json()
    counts = ", ".join(f"{label} {n}" for label, n in sorted(report["imported"].items())) or "nothing"
    typer.echo(f"imported {report['total']} records ({counts}); rejected {len(report['rejected'])} lines")
    for rejected in report["rejected"]:
        typer.echo(f"line {rejected['line']}: {rejected['reason']}", err=True)
    if report["rejected"]:
        raise typer.Exit(1)


@app.command("export")
def export_command(venture: Annotated[str, typer.Argument(help="The venture to export.")]) -> None:
    """Print every record of a venture as JSONL in the import format."""
    typer.echo(_call("GET", f"/v1/ventures/{venture}/export").text, nl=False)


@approvals_app.command("list")
def approvals_list_command(
    venture: Annotated[str | None, typer.Option(help="Only this venture.")] = None, as_json: AsJson = False,
) -> None:
    """List escalations waiting for a human decision, oldest first."""
    pending = _call("GET", "/v1/approvals", params={"venture": venture} if venture else None).json()
    if as_json:
        _echo_json(pending)
        return
    if not pending:
        typer.echo("nothing is waiting for approval")
    for item in pending:
        escalation, decision = item["escalation"], item["decision"]
        typer.echo(f"{escalation['id']}  {decision['venture_id']}  {escalation['gate']}  since "
                   f"{escalation['requested_at'][:16]}  [{decision['role']}] {decision['title']}")


def _resolve(escalation_id: str, verb: str, note: str | None) -> None:
    answer = _call("POST", f"/v1/approvals/{escalation_id}/{verb}", json={"note": note}).json()
    escalation, decision = answer["escalation"], answer["decision"]
    typer.echo(f"{escalation['id']} {escalation['status']} by {escalation['resolver']} at "
               f"{escalation['resolved_at'][:16]} UTC; decision {decision['id']} is now {decision['status']}")


@approvals_app.command("approve")
def approvals_approve_command(
    escalation_id: Annotated[str, typer.Argument(help="The escalation to approve.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Approve a pending escalation (recorded as approved by the key's name)."""
    _resolve(escalation_id, "approve", note)


@approvals_app.command("reject")
def approvals_reject_command(
    escalation_id: Annotated[str, typer.Argument(help="The escalation to reject.")],
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Reject a pending escalation (recorded as rejected by the key's name)."""
    _resolve(escalation_id, "reject", note)


def main() -> None:
    """Remote entry point: a problem from the server becomes a one-line message and exit status 2."""
    try:
        app()
    except RemoteError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
