"""A venture's records as import lines."""

from __future__ import annotations

from typing import Any

from orgmind.graph.base import GraphStore
from orgmind.models import Escalation, Node, NodeLabel, import_line

# Referenced records come before the records that point at them, so an export re-imports; an
# escalation comes right after its decision, so the import judges the two together (approval gates).
EXPORT_ORDER = [
    NodeLabel.VENTURE, NodeLabel.AGENT, NodeLabel.BRAIN_VERSION, NodeLabel.WAKEUP, NodeLabel.BRIEF,
    NodeLabel.DECISION, NodeLabel.OUTCOME, NodeLabel.OBSERVATION, NodeLabel.INSIGHT, NodeLabel.ESCALATION,
]


def export_lines(graph: GraphStore, venture: str) -> list[dict[str, Any]]:
    """Every record of the venture in the JSONL import format (docs/import-format.md)."""
    rank = {label: position for position, label in enumerate(EXPORT_ORDER)}
    nodes = list(graph.scan(venture))
    by_id = {n.id: n for n in nodes}

    def order(node: Node) -> tuple[object, ...]:
        decision = by_id.get(node.decision_id) if isinstance(node, Escalation) else None
        if decision is not None:
            return (rank[NodeLabel.DECISION], decision.timestamp, decision.id, 1, node.timestamp, node.id)
        return (rank.get(node.label, len(rank)), node.timestamp, node.id, 0)

    return [import_line(node) for node in sorted(nodes, key=order)]
