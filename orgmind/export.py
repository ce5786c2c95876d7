"""A venture's records as import lines, and a per-venture summary of what the store holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orgmind.graph.base import GraphStore, NodeQuery
from orgmind.models import NodeLabel, Venture, import_line

# Referenced records come before the records that point at them, so an export re-imports.
EXPORT_ORDER = [
    NodeLabel.VENTURE, NodeLabel.AGENT, NodeLabel.BRAIN_VERSION, NodeLabel.WAKEUP, NodeLabel.BRIEF,
    NodeLabel.DECISION, NodeLabel.OUTCOME, NodeLabel.OBSERVATION, NodeLabel.INSIGHT, NodeLabel.ESCALATION,
]
COUNTED = (NodeLabel.DECISION, NodeLabel.OUTCOME, NodeLabel.OBSERVATION, NodeLabel.ESCALATION)


def export_lines(graph: GraphStore, venture: str) -> list[dict[str, Any]]:
    """Every record of the venture in the JSONL import format (docs/import-format.md)."""
    rank = {label: position for position, label in enumerate(EXPORT_ORDER)}
    nodes = sorted(graph.scan(venture), key=lambda n: (rank.get(n.label, len(rank)), n.timestamp, n.id))
    return [import_line(node) for node in nodes]


def summary(graph: GraphStore, ventures: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Per venture (all, or those named): identity, record counts and the three latest decisions."""
    listed = graph.list_nodes(NodeQuery(NodeLabel.VENTURE, limit=100_000, newest_first=False))
    rows = []
    for venture in listed:
        if not isinstance(venture, Venture) or (ventures is not None and venture.id not in ventures):
            continue
        recent = [
            f"{item.decision.made_at:%Y-%m-%d} [{item.decision.role}] {item.decision.title}"
            + (f" -> {item.outcome.score:+.2f}" if item.outcome else " (no outcome yet)")
            for item in graph.decisions_with_outcomes(venture_id=venture.id, limit=3)
        ]
        rows.append({
            "id": venture.id, "name": venture.name, "stage": venture.stage, "sharing": venture.sharing.value,
            "counts": {label.value: graph.count(label, venture.id) for label in COUNTED}, "recent": recent,
        })
    return rows
