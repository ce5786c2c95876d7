"""The decision-quality scorecard: outcomes per brain version and per insight."""

from __future__ import annotations

import math
from collections.abc import Sequence

from orgmind.errors import NotFound
from orgmind.graph.base import GraphStore
from orgmind.models import BrainVersion, Decision, NodeLabel, Venture
from orgmind.synthesis.result import InsightScore, Scorecard, VersionScore
from orgmind.synthesis.history import chain, citing_decisions, insights_of, latest_outcomes, versions_of
from orgmind.synthesis.stats import estimate, welch


def scorecard(graph: GraphStore, venture: str, role: str | None = None) -> Scorecard:
    """Per brain version of the venture (and role), and per insight, the outcomes that followed.

    Decisions under versions of another chain (another role's brain) are not counted.
    """
    if not isinstance(graph.get(venture), Venture):
        raise NotFound(f"no venture with id {venture!r}")
    versions = chain(graph, venture, role)
    decisions = [n for n in graph.scan(venture, [NodeLabel.DECISION])
                 if isinstance(n, Decision) and (role is None or n.role == role)]
    under = versions_of(graph, decisions)
    outcomes = latest_outcomes(graph, [d.id for d in decisions])
    rows: list[VersionScore] = []
    previous: list[float] = []
    for version in [None, *versions]:
        wanted = version.id if version else None
        made = [d.id for d in decisions if under[d.id] == wanted]
        scores = [outcomes[d].score for d in made if d in outcomes]
        if version is None and not made:
            continue
        est = estimate(scores) if scores else None
        rows.append(VersionScore(
            label=f"v{version.version}" if version else "before v1",
            version=version.version if version else None,
            brain_version_id=wanted,
            created_at=version.created_at if version else None,
            decisions=len(made), outcomes=len(scores),
            mean=est.mean if est else None, low=est.low if est else None, high=est.high if est else None,
            success_rate=est.success_rate if est else None,
            change=welch(previous, scores) if rows else None,
        ))
        previous = scores
    return Scorecard(venture=venture, role=role, versions=rows, insights=_insight_scores(graph, versions))


def _insight_scores(graph: GraphStore, versions: Sequence[BrainVersion]) -> list[InsightScore]:
    numbered = [(v.version, i) for v in versions for i in insights_of(graph, v.id)]
    cited = citing_decisions(graph, [i.id for _, i in numbered])
    outcomes = latest_outcomes(graph, {d for ids in cited.values() for d in ids})
    rows = []
    for number, insight in numbered:
        scores = [outcomes[d].score for d in cited[insight.id] if d in outcomes]
        rows.append(InsightScore(
            insight_id=insight.id, version=number, key=insight.key, status=insight.status.value,
            text=insight.text, decisions=len(cited[insight.id]), outcomes=len(scores),
            mean=math.fsum(scores) / len(scores) if scores else None,
        ))
    return rows
