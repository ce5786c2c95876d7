"""Decision quality: effect statistics, brain-version queries, immutability, the scorecard.

Attribution follows the graph: Insight <-[:INCLUDED]- Brief <-[:RECEIVED]- WakeUp <-[:DURING]-
Decision -[:LED_TO]-> Outcome. A decision was made under a brain version when it says so
(``Decision.brain_version_id``) or when its wake-up ran under one (``WakeUp.brain_version_id``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from scipy import stats

from orgmind.errors import InvalidArgument, InvalidRecord, NotFound
from orgmind.graph.base import Direction, GraphStore, NodeQuery
from orgmind.models import BrainVersion, Decision, Insight, Node, NodeLabel, Outcome, RelType, Venture, WakeUp

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """Mean of outcome scores with a two-sided t-interval and a one-sample t-test against 0.

    ``low``, ``high`` and ``p_value`` are None below two scores.
    """

    n: int
    mean: float
    low: float | None
    high: float | None
    p_value: float | None
    success_rate: float

    @property
    def sign(self) -> int:
        """+1 or -1 when the interval excludes 0, else 0."""
        if self.low is not None and self.low > 0:
            return 1
        if self.high is not None and self.high < 0:
            return -1
        return 0


def estimate(scores: Sequence[float]) -> Estimate:
    """The t-based estimate of the mean of ``scores`` (at least one)."""
    n = len(scores)
    mean = math.fsum(scores) / n
    success = sum(1 for s in scores if s > 0) / n
    if n < 2:
        return Estimate(n, mean, None, None, None, success)
    sd = math.sqrt(math.fsum((s - mean) ** 2 for s in scores) / (n - 1))
    half = float(stats.t.ppf((1 + CONFIDENCE) / 2, n - 1)) * sd / math.sqrt(n)
    if sd == 0:
        p = 1.0 if mean == 0 else 0.0
    else:
        p = float(2 * stats.t.sf(abs(mean) / (sd / math.sqrt(n)), n - 1))
    return Estimate(n, mean, mean - half, mean + half, p, success)


class Change(BaseModel):
    """Difference in mean score against the previous period, with Welch's t-test."""

    delta: float
    t: float | None
    p_value: float | None
    significant: bool


def welch(before: Sequence[float], after: Sequence[float]) -> Change | None:
    """Welch's t-test of ``after`` against ``before``; None when either side is empty."""
    if not before or not after:
        return None
    delta = math.fsum(after) / len(after) - math.fsum(before) / len(before)
    if len(before) < 2 or len(after) < 2:
        return Change(delta=delta, t=None, p_value=None, significant=False)
    result = stats.ttest_ind(after, before, equal_var=False)
    t, p = float(result.statistic), float(result.pvalue)
    if math.isnan(p):
        return Change(delta=delta, t=None, p_value=None, significant=False)
    return Change(delta=delta, t=t, p_value=p, significant=p < 1 - CONFIDENCE)


# ---- versions ------------------------------------------------------------------------------


def chain(graph: GraphStore, venture: str, role: str | None) -> list[BrainVersion]:
    """The brain versions of a venture for ``role`` (None: the venture-wide brain), oldest first."""
    nodes = graph.list_nodes(NodeQuery(NodeLabel.BRAIN_VERSION, venture_id=venture, limit=100_000))
    versions = [n for n in nodes if isinstance(n, BrainVersion) and n.role == role]
    return sorted(versions, key=lambda v: v.version)


def insights_of(graph: GraphStore, version_id: str) -> list[Insight]:
    """The insights PART_OF a brain version, by key then id."""
    edges = graph.edges_of([version_id], direction=Direction.IN, rel_types=[RelType.PART_OF])
    found = [n for n in graph.get_many([e.source for e in edges]).values() if isinstance(n, Insight)]
    return sorted(found, key=lambda i: (i.key or "", i.id))


def brain_at(graph: GraphStore, venture: str, role: str | None, version: int) -> tuple[BrainVersion, list[Insight]]:
    """Brain version number ``version`` of the venture (and role) with its insights."""
    for candidate in chain(graph, venture, role):
        if candidate.version == version:
            return candidate, insights_of(graph, candidate.id)
    raise NotFound(f"no brain version {version} for venture {venture!r} and role {role!r}")


def version_of_decision(graph: GraphStore, decision_id: str) -> BrainVersion | None:
    """The brain version a decision was made under, or None."""
    decision = graph.get(decision_id)
    if not isinstance(decision, Decision):
        raise NotFound(f"no decision with id {decision_id!r}")
    version_id = versions_of(graph, [decision])[decision.id]
    found = graph.get(version_id) if version_id else None
    return found if isinstance(found, BrainVersion) else None


def versions_of(graph: GraphStore, decisions: Sequence[Decision]) -> dict[str, str | None]:
    """Brain version id per decision: its own, else its wake-up's, else None."""
    wakeups = graph.get_many(sorted({d.wakeup_id for d in decisions if d.wakeup_id and not d.brain_version_id}))
    result: dict[str, str | None] = {}
    for d in decisions:
        wakeup = wakeups.get(d.wakeup_id or "")
        result[d.id] = d.brain_version_id or (wakeup.brain_version_id if isinstance(wakeup, WakeUp) else None)
    return result


def check_immutable(graph: GraphStore, nodes: Iterable[Node]) -> None:
    """Refuse writes that would change a stored brain version or the insights of one.

    A stored BrainVersion, or a stored Insight that belongs to a version, may only be written
    again unchanged. A new Insight may join a stored version only while the version is open:
    no newer version SUCCEEDS it and no wake-up or decision ran UNDER it.
    Raises InvalidRecord("version", ...).
    """
    batch = [n for n in nodes if isinstance(n, (BrainVersion, Insight))]
    if not batch:
        return
    version_ids = {n.brain_version_id for n in batch if isinstance(n, Insight) and n.brain_version_id}
    stored = graph.get_many(sorted({n.id for n in batch} | version_ids))
    for node in batch:
        old = stored.get(node.id)
        if isinstance(node, BrainVersion) and old is not None and old != node:
            raise InvalidRecord("version", f"brain version {node.id!r} is immutable; write a new version",
                                record_type="BrainVersion")
        if isinstance(node, Insight) and isinstance(old, Insight) and old.brain_version_id and old != node:
            raise InvalidRecord("version", f"insight {node.id!r} belongs to brain version {old.brain_version_id!r}"
                                " and is immutable", record_type="Insight")
    joining = sorted({n.brain_version_id for n in batch
                      if isinstance(n, Insight) and n.brain_version_id in stored and n.id not in stored})
    rels = [RelType.SUCCEEDS, RelType.UNDER]
    sealed = graph.edges_of(joining, direction=Direction.IN, rel_types=rels) if joining else []
    if sealed:
        raise InvalidRecord("version", f"brain version {sealed[0].target!r} is sealed (superseded or in use);"
                            " new insights go into a new version", record_type="Insight")


# ---- attribution -----------------------------------------------------------------------------


def citing_decisions(graph: GraphStore, insight_ids: Sequence[str]) -> dict[str, set[str]]:
    """Per insight: the decisions made during wake-ups whose brief INCLUDED it."""
    if not insight_ids:
        return {}
    briefs: dict[str, set[str]] = defaultdict(set)
    for e in graph.edges_of(list(insight_ids), direction=Direction.IN, rel_types=[RelType.INCLUDED]):
        briefs[e.source].add(e.target)
    wakeups: dict[str, set[str]] = defaultdict(set)
    for e in graph.edges_of(sorted(briefs), direction=Direction.IN, rel_types=[RelType.RECEIVED]):
        wakeups[e.source] |= briefs[e.target]
    cited: dict[str, set[str]] = {i: set() for i in insight_ids}
    for e in graph.edges_of(sorted(wakeups), direction=Direction.IN, rel_types=[RelType.DURING]):
        for insight_id in wakeups[e.target]:
            cited[insight_id].add(e.source)
    return cited


def latest_outcomes(graph: GraphStore, decision_ids: Iterable[str]) -> dict[str, Outcome]:
    """The latest outcome per decision, for those that have one."""
    return {d: outs[-1] for d, outs in graph.outcomes_of(sorted(set(decision_ids))).items() if outs}


# ---- the scorecard ---------------------------------------------------------------------------


class VersionScore(BaseModel):
    """How decisions made under one brain version (or before the first) turned out."""

    label: str
    version: int | None
    brain_version_id: str | None
    created_at: datetime | None
    decisions: int
    outcomes: int
    mean: float | None
    low: float | None
    high: float | None
    success_rate: float | None
    change: Change | None
    """Against the previous row (v1 against "before v1")."""


class InsightScore(BaseModel):
    """Outcomes of the decisions whose wake-up brief cited an insight."""

    insight_id: str
    version: int
    key: str | None
    status: str
    text: str
    decisions: int
    outcomes: int
    mean: float | None


class Scorecard(BaseModel):
    venture: str
    role: str | None
    versions: list[VersionScore]
    insights: list[InsightScore]

    def to_json(self) -> dict[str, object]:
        return self.model_dump(mode="json")


def scorecard(graph: GraphStore, venture: str, role: str | None = None) -> Scorecard:
    """Per brain version of the venture (and role), and per insight, the outcomes that followed.

    Decisions under versions of another chain (another role's brain) are not counted.
    """
    if not isinstance(graph.get(venture), Venture):
        raise InvalidArgument("venture", f"no venture with id {venture!r}")
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
