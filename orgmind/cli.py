"""The ``orgmind`` command line: a thin layer over the OrgMind facade, or over the client of the
server at ORGMIND_URL (see ``orgmind.target``); the same commands, options and output either way.

Module-level imports stay light: the stores are imported only when a command opens them locally.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from orgmind.client import Client
from orgmind.errors import InvalidRecord, OrgmindError
from orgmind.importer import parse_line
from orgmind.models import Decision, Escalation, Node, Pattern, import_line
from orgmind.service.commands import register as register_service_commands
from orgmind.summary import VentureStats
from orgmind.target import Target, local_settings, open_local, open_mind, refuse_remote_options

if TYPE_CHECKING:
    from orgmind.retrieval.hits import Hit
    from orgmind.synthesis.result import Scorecard

app = typer.Typer(
    help="orgmind: decision memory and wake-up briefs for AI agents that run businesses.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Optional[Path],
        typer.Option("--home", help="Data directory of the embedded store [env: ORGMIND_HOME; default ./.orgmind]."),
    ] = None,
) -> None:
    """Global options; with ORGMIND_URL set, commands go to that server (with ORGMIND_API_KEY)."""
    ctx.obj = Target.from_env(home)


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

    refuse_remote_options(ctx, "batch_size", "progress")
    with open_mind(ctx) as mind:
        if isinstance(mind, Client):
            report = mind.import_jsonl(file)
        else:
            report = mind.import_jsonl(file, batch_size=batch_size, on_commit=committed)
    counts = ", ".join(f"{label} {n}" for label, n in sorted(report.imported.items())) or "nothing"
    typer.echo(f"imported {report.total} records ({counts}); rejected {len(report.rejected)} lines")
    for rejected in report.rejected:
        typer.echo(f"line {rejected.line}: {rejected.reason}", err=True)
    if report.rejected:
        raise typer.Exit(1)


@app.command("record")
def record_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="JSONL file of records, or - for standard input.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored records as JSON.")] = False,
) -> None:
    """Record new records through the approval gates (all or none).

    Same line format as `import`, but a decision that an approval gate matches is held as
    pending_approval with an escalation, as `OrgMind.record_many` does. Use `import` for history
    as it happened. Exits with status 1, writing nothing, when any line is invalid.
    """
    handle = sys.stdin if file == "-" else Path(file).open(encoding="utf-8")
    records: list[Node] = []
    errors: list[str] = []
    with handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                records.append(parse_line(text))
            except InvalidRecord as invalid:
                errors.append(f"line {number}: {invalid}")
    for message in errors:
        typer.echo(message, err=True)
    if errors:
        raise typer.Exit(1)
    with open_mind(ctx) as mind:
        stored = mind.record_many(records)
    if as_json:
        typer.echo(json.dumps([import_line(n) for n in stored], indent=2))
        return
    for node in stored:
        status = f" ({node.status.value})" if isinstance(node, (Decision, Escalation)) else ""
        typer.echo(f"{node.label.value} {node.id}{status}")
    held = sum(1 for n in stored if isinstance(n, Escalation))
    typer.echo(f"recorded {len(stored)} records; {held} held for approval")


@app.command("stats")
def stats_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what the store holds, per venture."""
    with open_mind(ctx, read_only=True) as mind:
        summary = _summary(mind.stats())
        skipped = [] if isinstance(mind, Client) else sorted(mind.graph.skipped.items())
    for node_id, (label, reason) in skipped:
        typer.echo(f"warning: stored {label} {node_id} cannot be read and was skipped: {reason}", err=True)
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    for venture in summary:
        typer.echo(f"{venture['name']} ({venture['id']}, stage {venture['stage']}, sharing {venture['sharing']})")
        counts = ", ".join(f"{n} {label.lower()}s" for label, n in venture["counts"].items() if n)
        typer.echo(f"  {counts}")
        for line in venture["recent"]:
            typer.echo(f"  - {line}")


def _summary(stats: list[VentureStats]) -> list[dict[str, Any]]:
    return [
        {
            "id": row.venture.id, "name": row.venture.name, "stage": row.venture.stage,
            "sharing": row.venture.sharing.value, "counts": row.counts,
            "recent": [
                f"{item.decision.made_at:%Y-%m-%d} [{item.decision.role}] {item.decision.title}"
                + (f" -> {item.outcome.score:+.2f}" if item.outcome else " (no outcome yet)")
                for item in row.recent
            ],
        }
        for row in stats
    ]


def _print_hits(hits: list[Hit], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([hit.model_dump(mode="json") for hit in hits], indent=2))
        return
    if not hits:
        typer.echo("no matches")
    for rank, hit in enumerate(hits, start=1):
        outcome = ""
        if hit.outcome is not None:
            outcome = f" -> outcome {hit.outcome.score:+.2f}: {hit.outcome.summary}"
        typer.echo(f"{rank}. [{hit.id}] {hit.venture} {hit.label} {hit.timestamp:%Y-%m-%d}: {hit.text}{outcome}")
        typer.echo(f"   score {hit.score:.3f}: {hit.explanation.describe()}")


@app.command("recall")
def recall_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    venture: Annotated[Optional[str], typer.Option(help="The venture asking (required for --scope venture).")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many hits.")] = 10,
    kind: Annotated[Optional[list[str]], typer.Option(help="Only decisions of this kind (repeatable).")] = None,
    role: Annotated[Optional[list[str]], typer.Option(help="Only records of this role (repeatable).")] = None,
    scope: Annotated[str, typer.Option(help="venture: own records; platform: plus ventures sharing openly.")] = "venture",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Search decisions, observations and insights by meaning and by keywords."""
    with open_mind(ctx) as mind:
        hits = mind.recall(query, venture=venture, k=k, kinds=kind, roles=role, scope=scope)  # type: ignore[arg-type]
    _print_hits(hits, as_json)


@app.command("similar")
def similar_command(
    ctx: typer.Context,
    decision: Annotated[Optional[str], typer.Option(help="Id of a stored decision to compare with.")] = None,
    text: Annotated[Optional[str], typer.Option(help="A decision described in words.")] = None,
    venture: Annotated[Optional[str], typer.Option(help="The venture asking (default: the decision's).")] = None,
    scope: Annotated[str, typer.Option(help="venture: own records; platform: plus ventures sharing openly.")] = "venture",
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many hits.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Find past decisions similar to a stored one or to a description, with their outcomes."""
    with open_mind(ctx) as mind:
        hits = mind.similar_decisions(decision_id=decision, text=text, venture=venture, scope=scope, k=k)  # type: ignore[arg-type]
    _print_hits(hits, as_json)


@app.command("reindex")
def reindex_command(ctx: typer.Context) -> None:
    """Rebuild the vector index from the graph (after changing the embedding model)."""
    with open_local(ctx, reindex=True) as mind:
        count = mind.index.vectors.count()
    typer.echo(f"reindexed: {count} searchable records")


@app.command("check")
def check_command(
    ctx: typer.Context,
    repair: Annotated[bool, typer.Option("--repair", help="Fix what can be fixed from the graph (re-index).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Verify that graph, vector index and lexical index agree and that the records are sound.

    Read-only unless --repair. Exits with status 1 when anything disagrees (after repairing,
    when anything is left).
    """
    from orgmind.core.check import check, repair as repair_store
    from orgmind.core.store import open_store

    store = open_store(local_settings(ctx), reconcile=False)
    try:
        before = check(store)
        after = repair_store(store) if repair and not before.ok else before
    finally:
        store.close()
    if as_json:
        payload = after.to_json() | ({"repaired_from": before.to_json()} if repair else {})
        typer.echo(json.dumps(payload, indent=2))
    else:
        if repair and not before.ok:
            typer.echo(f"found: {_problem_counts(before.counts())}; repaired what the graph allows")
        state = "consistent" if after.ok else _problem_counts(after.counts())
        typer.echo(f"checked {after.nodes} nodes and {after.vectors} vectors: {state}")
        for problem in after.problems[:50]:
            typer.echo(f"  {problem.kind} {problem.node_id}: {problem.detail}")
        if len(after.problems) > 50:
            typer.echo(f"  ... and {len(after.problems) - 50} more (see --json)")
    if not after.ok:
        raise typer.Exit(1)


def _problem_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "nothing"


@app.command("export")
def export_command(
    ctx: typer.Context,
    venture: Annotated[Optional[str], typer.Option(help="Only this venture's records (default: everything).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", dir_okay=False, help="Write here (default: standard output).")] = None,
) -> None:
    """Write records as JSONL in the import format; `orgmind import` of it recreates them."""
    if venture is None:
        from orgmind.export import export_lines

        with open_local(ctx, read_only=True, how="without --venture") as local:
            lines = export_lines(local.graph, None)
    else:
        with open_mind(ctx, read_only=True) as mind:
            lines = mind.export(venture)
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    if out is None:
        typer.echo(text, nl=False)
    else:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
        typer.echo(f"exported {len(lines)} records to {out}", err=True)


@app.command("brief")
def brief_command(
    ctx: typer.Context,
    venture: Annotated[str, typer.Option(help="The venture the agent works for.")],
    role: Annotated[str, typer.Option(help="The agent's role, e.g. cto.")],
    task: Annotated[Optional[str], typer.Option(help="What the agent woke up to do.")] = None,
    budget: Annotated[int, typer.Option(min=50, help="Token budget of the brief.")] = 1200,
    output_format: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
) -> None:
    """Build and record the brief an agent receives when it wakes up."""
    if output_format not in ("md", "json"):
        raise typer.BadParameter("must be md or json", param_hint="--format")
    with open_mind(ctx) as mind:
        brief = mind.wake_up(venture, role, task=task, budget_tokens=budget)
    if output_format == "json":
        typer.echo(json.dumps(brief.to_json(), indent=2))
    else:
        typer.echo(brief.to_markdown(), nl=False)
        typer.echo(f"\n({brief.tokens}/{brief.budget} tokens; wake-up {brief.wakeup_id})")


@app.command("synthesize")
def synthesize_command(
    ctx: typer.Context,
    venture: Annotated[str, typer.Option(help="The venture whose history to distil.")],
    role: Annotated[Optional[str], typer.Option(help="Only this role's decisions (a role's own brain).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Distil decisions and outcomes into the next brain version and show what changed."""
    with open_mind(ctx) as mind:
        result = mind.synthesize(venture, role)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, default=str))
        return
    version = result.version
    if version is None:
        typer.echo(f"no brain version for {venture}: no decisions with outcomes to learn from yet")
        return
    state = "new" if result.created else "unchanged, nothing new since"
    typer.echo(f"brain {version.id}: version {version.version} ({state}); {version.summary}")
    for insight in result.insights:
        typer.echo(f"  [{insight.id}] {insight.status.value}: {insight.text}")


@app.command("scorecard")
def scorecard_command(
    ctx: typer.Context,
    venture: Annotated[str, typer.Option(help="The venture to score.")],
    role: Annotated[Optional[str], typer.Option(help="Only this role's brain and decisions.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Decision quality per brain version (mean, 95% interval, change and its significance)."""
    with open_mind(ctx, read_only=True) as mind:
        card = mind.scorecard(venture, role)
    if as_json:
        typer.echo(json.dumps(card.to_json(), indent=2, default=str))
        return
    _print_scorecard(card)


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _print_scorecard(card: Scorecard) -> None:
    typer.echo(f"decision quality for {card.venture}" + (f" ({card.role})" if card.role else ""))
    typer.echo(f"{'brain':12} {'decisions':>9} {'outcomes':>8} {'mean':>6} {'95% interval':>15} {'success':>7}  change")
    for row in card.versions:
        interval = f"{_fmt(row.low, '+.2f')}..{_fmt(row.high, '+.2f')}"
        change = ""
        if row.change is not None:
            change = f"{row.change.delta:+.2f} (p={_fmt(row.change.p_value, '.3f')}{', significant' if row.change.significant else ''})"
        typer.echo(f"{row.label:12} {row.decisions:>9} {row.outcomes:>8} {_fmt(row.mean, '+.2f'):>6} {interval:>15} "
                   f"{_fmt(row.success_rate, '.0%'):>7}  {change}")
    for insight in card.insights:
        typer.echo(f"  v{insight.version} [{insight.insight_id}] cited before {insight.decisions} decisions, "
                   f"{insight.outcomes} outcomes, mean {_fmt(insight.mean, '+.2f')}: {insight.text}")


patterns_app = typer.Typer(help="Decision patterns that hold across ventures that share.")
app.add_typer(patterns_app, name="patterns")


def _print_patterns(patterns: list[Pattern], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([p.to_json_dict() for p in patterns], indent=2))
        return
    if not patterns:
        typer.echo("no cross-venture patterns (they need decisions with outcomes in 2+ sharing ventures)")
    for pattern in patterns:
        typer.echo(f"[{pattern.id}] {pattern.text}")


@patterns_app.callback(invoke_without_command=True)
def patterns_command(
    ctx: typer.Context,
    kind: Annotated[Optional[str], typer.Option(help="Only patterns about this decision kind.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the stored patterns (largest support first); `patterns mine` mines them again."""
    if ctx.invoked_subcommand is not None:
        return
    with open_mind(ctx, read_only=True) as mind:
        patterns = mind.list_patterns(kind)
    _print_patterns(patterns, as_json)


@patterns_app.command("mine")
def patterns_mine_command(
    ctx: typer.Context,
    kind: Annotated[Optional[str], typer.Option(help="Only show patterns about this decision kind.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Mine patterns from ventures that share, store them (stale ones removed) and show them."""
    with open_mind(ctx) as mind:
        patterns = [p for p in mind.mine_patterns() if kind is None or p.kind == kind]
    _print_patterns(patterns, as_json)


ask_app = typer.Typer(help="Cross-venture questions answered from the graph.", no_args_is_help=True)
app.add_typer(ask_app, name="ask")


@ask_app.command("kinds")
def ask_kinds_command(
    ctx: typer.Context,
    venture: Annotated[Optional[list[str]], typer.Option(help="Only these ventures (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Which decision kinds succeed across ventures that share."""
    with open_mind(ctx, read_only=True) as mind:
        stats = mind.kind_stats(venture or None)
    if as_json:
        typer.echo(json.dumps([dataclasses.asdict(s) for s in stats], indent=2))
        return
    for row in stats:
        typer.echo(f"{row.kind:20} n={row.decisions:<5} mean {row.mean_score:+.2f}  "
                   f"success {row.success_rate:.0%}  ventures {row.ventures}")


@ask_app.command("kind")
def ask_kind_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="A decision kind, e.g. pricing.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What the platform knows about a kind of decision: statistics, options, patterns."""
    with open_mind(ctx, read_only=True) as mind:
        knowledge = mind.platform_knowledge(kind)
    data = {
        "kind": kind,
        "stats": dataclasses.asdict(knowledge.stats) if knowledge.stats else None,
        "options": [dataclasses.asdict(o) for o in knowledge.options],
        "patterns": [p.to_json_dict() for p in knowledge.patterns],
    }
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    if knowledge.stats is None:
        typer.echo(f"not enough shared evidence about {kind} decisions")
        return
    stats = knowledge.stats
    typer.echo(f"{kind}: n={stats.decisions}, mean {stats.mean_score:+.2f}, success {stats.success_rate:.0%}, "
               f"{stats.ventures} ventures")
    for option in knowledge.options:
        typer.echo(f"  {option.option}: n={option.decisions}, mean {option.mean_score:+.2f}, {option.ventures} ventures")
    for pattern in knowledge.patterns:
        typer.echo(f"  [{pattern.id}] {pattern.text}")


@ask_app.command("similar")
def ask_similar_command(
    ctx: typer.Context,
    decision: Annotated[str, typer.Option(help="Id of a stored decision.")],
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many precedents.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Which ventures sharing openly made decisions like this one, and what happened."""
    with open_mind(ctx) as mind:
        precedents = mind.similar_elsewhere(decision, k)
    if as_json:
        typer.echo(json.dumps([dataclasses.asdict(p) for p in precedents], indent=2, default=str))
        return
    if not precedents:
        typer.echo("no similar decisions in ventures that share openly")
    for p in precedents:
        typer.echo(f"{p.venture_name} [{p.decision_id}]: {p.title} (similarity {p.similarity:.2f}) "
                   f"-> {p.score:+.2f} {p.outcome_summary}")


approvals_app = typer.Typer(help="Decisions waiting for human approval.", no_args_is_help=True)
app.add_typer(approvals_app, name="approvals")


@approvals_app.command("list")
def approvals_list_command(
    ctx: typer.Context,
    venture: Annotated[Optional[str], typer.Option(help="Only this venture.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List escalations waiting for a human decision, oldest first."""
    with open_mind(ctx, read_only=True) as mind:
        pending = mind.pending_approvals(venture)
    if as_json:
        typer.echo(json.dumps([{"escalation": e.to_json_dict(), "decision": d.to_json_dict()} for e, d in pending], indent=2))
        return
    if not pending:
        typer.echo("nothing is waiting for approval")
    for escalation, decision in pending:
        typer.echo(f"{escalation.id}  {decision.venture_id}  {escalation.gate}  since {escalation.requested_at:%Y-%m-%d %H:%M}  "
                   f"[{decision.role}] {decision.title}")


def _resolve_command(ctx: typer.Context, escalation_id: str, approve: bool, by: str | None, note: str | None) -> None:
    """``--by`` names the approver locally; a server records its key's name instead."""
    refuse_remote_options(ctx, "by")
    with open_mind(ctx) as mind:
        if isinstance(mind, Client):
            resolved = mind.approve(escalation_id, note=note) if approve else mind.reject(escalation_id, note=note)
        elif by is None:
            raise typer.BadParameter("required with a local store", param_hint="'--by'")
        else:
            resolver = mind.approve if approve else mind.reject
            resolved = resolver(escalation_id, by=by, note=note)
    escalation, decision = resolved
    typer.echo(f"{escalation.id} {escalation.status.value} by {escalation.resolver} at "
               f"{escalation.resolved_at:%Y-%m-%d %H:%M} UTC; decision {decision.id} is now {decision.status.value}")


@approvals_app.command("approve")
def approvals_approve_command(
    ctx: typer.Context,
    escalation_id: Annotated[str, typer.Argument(help="The escalation to approve.")],
    by: Annotated[Optional[str], typer.Option(
        help="Who approves (kept in the audit trail); required with a local store, a server records its key's name.",
    )] = None,
    note: Annotated[Optional[str], typer.Option(help="Why.")] = None,
) -> None:
    """Approve a pending escalation; its decision may then be executed."""
    _resolve_command(ctx, escalation_id, True, by, note)


@approvals_app.command("reject")
def approvals_reject_command(
    ctx: typer.Context,
    escalation_id: Annotated[str, typer.Argument(help="The escalation to reject.")],
    by: Annotated[Optional[str], typer.Option(
        help="Who rejects (kept in the audit trail); required with a local store, a server records its key's name.",
    )] = None,
    note: Annotated[Optional[str], typer.Option(help="Why.")] = None,
) -> None:
    """Reject a pending escalation; its decision can never be executed."""
    _resolve_command(ctx, escalation_id, False, by, note)


DEMO_TASK = "The event pipeline hits 1.9 s p95 at peak; decide whether to re-architect it this quarter"


@app.command("demo")
def demo_command(ctx: typer.Context, seed: Annotated[int, typer.Option(help="Sample seed.")] = 7) -> None:
    """Build the sample multi-venture history and print a CTO's wake-up brief."""
    from orgmind.sample import DEFAULT_END, generate, write_jsonl

    sample = write_jsonl(generate(seed=seed), local_settings(ctx).home / "sample.jsonl")
    with open_local(ctx) as mind:
        report = mind.import_jsonl(sample)
        typer.echo(f"sample history: {report.total} records from {sample} (four ventures, four roles)")
        for venture in _summary(mind.stats()):
            counts = venture["counts"]
            typer.echo(f"  {venture['name']} [{venture['id']}], sharing {venture['sharing']}: "
                       f"{counts['Decision']} decisions, {counts['Outcome']} outcomes, {counts['Observation']} observations")
        patterns = mind.mine_patterns(now=DEFAULT_END)
        typer.echo(f"cross-venture patterns mined from ventures that share: {len(patterns)}")
        brief = mind.wake_up("lumen", "cto", task=DEMO_TASK, budget_tokens=1200, now=DEFAULT_END)
    typer.echo(f"\nThe Lumen Analytics CTO wakes up to: {DEMO_TASK}\n")
    typer.echo(brief.to_markdown(), nl=False)
    typer.echo(f"\n({brief.tokens}/{brief.budget} tokens; recorded as wake-up {brief.wakeup_id})")


register_service_commands(app)


def main() -> None:
    """Console entry point: orgmind errors become a one-line message and exit status 2."""
    try:
        app()
    except OrgmindError as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(2) from None
