"""Brain history in the graph: version chains, their insights, and which decisions followed them.

Attribution follows the graph: Insight <-[:INCLUDED]- Brief <-[:RECEIVED]- WakeUp <-[:DURING]-
Decision -[:LED_TO]-> Outcome. A decision was made under a brain version when it says so
(``Decision.brain_version_id``) or when its wake-up ran under one (``WakeUp.brain_version_id``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from orgmind.errors import NotFound
from orgmind.graph.base import Direction, GraphStore, NodeQuery
from orgmind.models import BrainVersion, Decision, Insight, NodeLabel, Outcome, RelType, WakeUp


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
