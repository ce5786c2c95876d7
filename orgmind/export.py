"""Records as import lines, in an order that imports back: ``orgmind export``.

Every record comes after the records it refers to, and a brain version's insights come before
anything that seals the version (a newer version, a wake-up or decision under it), so importing
an export into an empty store recreates it exactly. Otherwise records keep their time order.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from typing import Any

from orgmind.graph.base import GraphStore
from orgmind.models import BrainVersion, Decision, Escalation, Insight, Node, WakeUp, import_line


def export_lines(graph: GraphStore, venture: str | None = None) -> list[dict[str, Any]]:
    """Every record (of ``venture``, or of the whole store with platform patterns) in the JSONL
    import format (docs/import-format.md)."""
    nodes = {n.id: n for n in graph.scan(venture)}
    return [import_line(node) for node in import_order(nodes)]


def import_order(nodes: dict[str, Node]) -> list[Node]:
    """``nodes`` ordered so that each follows what it depends on (see the module doc)."""
    insights_of: dict[str, list[str]] = defaultdict(list)
    for node in nodes.values():
        if isinstance(node, Insight) and node.brain_version_id:
            insights_of[node.brain_version_id].append(node.id)
    needs: dict[str, set[str]] = {}
    for node in nodes.values():
        wanted = {target for link in node.links for target in node.linked_ids(link)}
        sealed = _seals(node)
        if sealed is not None:
            wanted.update(insights_of.get(sealed, ()))
        needs[node.id] = {w for w in wanted if w in nodes and w != node.id}
    needed_by: dict[str, list[str]] = defaultdict(list)
    for node_id, wanted in needs.items():
        for target in wanted:
            needed_by[target].append(node_id)
    ready = [_key(nodes[i]) for i, wanted in needs.items() if not wanted]
    heapq.heapify(ready)
    ordered: list[Node] = []
    while ready:
        node = nodes[heapq.heappop(ready)[-1]]
        ordered.append(node)
        for follower in needed_by[node.id]:
            needs[follower].discard(node.id)
            if not needs[follower]:
                heapq.heappush(ready, _key(nodes[follower]))
    placed = {n.id for n in ordered}
    ordered.extend(sorted((n for n in nodes.values() if n.id not in placed), key=_key))  # cycles: bad data
    return _escalations_after_their_decisions(ordered)


def _escalations_after_their_decisions(ordered: list[Node]) -> list[Node]:
    """Each escalation moved right after its decision, so the import judges the two together
    (approval gates); nothing refers to an escalation, so the order stays valid."""
    stored = {n.id for n in ordered}
    escalations: dict[str, list[Node]] = defaultdict(list)
    for node in ordered:
        if isinstance(node, Escalation) and node.decision_id in stored:
            escalations[node.decision_id].append(node)
    moved = {e.id for group in escalations.values() for e in group}
    result: list[Node] = []
    for node in ordered:
        if node.id not in moved:
            result.append(node)
            result.extend(escalations.get(node.id, ()))
    return result


def _seals(node: Node) -> str | None:
    """The brain version ``node`` seals (no insight may join it afterwards), if any."""
    if isinstance(node, BrainVersion):
        return node.previous_id
    if isinstance(node, (WakeUp, Decision)):
        return node.brain_version_id
    return None


def _key(node: Node) -> tuple[str, str, str]:
    return (node.timestamp.isoformat(), node.label.value, node.id)
