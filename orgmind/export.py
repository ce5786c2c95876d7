"""A venture's records as import lines."""

from __future__ import annotations

from typing import Any

from orgmind.graph.base import GraphStore
from orgmind.models import NodeLabel, import_line

# Referenced records come before the records that point at them, so an export re-imports.
EXPORT_ORDER = [
    NodeLabel.VENTURE, NodeLabel.AGENT, NodeLabel.BRAIN_VERSION, NodeLabel.WAKEUP, NodeLabel.BRIEF,
    NodeLabel.DECISION, NodeLabel.OUTCOME, NodeLabel.OBSERVATION, NodeLabel.INSIGHT, NodeLabel.ESCALATION,
]


def export_lines(graph: GraphStore, venture: str) -> list[dict[str, Any]]:
    """Every record of the venture in the JSONL import format (docs/import-format.md)."""
    rank = {label: position for position, label in enumerate(EXPORT_ORDER)}
    nodes = sorted(graph.scan(venture), key=lambda n: (rank.get(n.label, len(rank)), n.timestamp, n.id))
    return [import_line(node) for node in nodes]
