"""What of each record is searchable: its text and the payload used to filter it."""

from __future__ import annotations

from dataclasses import dataclass

from orgmind.graph.keys import micros
from orgmind.models import Decision, Insight, Node, NodeLabel, Observation, Outcome, Pattern
from orgmind.retrieval.vectors import VectorPayload

SEARCHABLE = (NodeLabel.DECISION, NodeLabel.OBSERVATION, NodeLabel.INSIGHT, NodeLabel.PATTERN)


@dataclass(frozen=True)
class Document:
    """A searchable record: the text that is embedded and tokenised, and its payload."""

    node_id: str
    text: str
    payload: VectorPayload


def document_text(node: Node, outcome: Outcome | None = None) -> str | None:
    """The text a record is found by (a decision's includes its latest outcome), or None."""
    match node:
        case Decision():
            parts = [
                node.title + ".",
                node.rationale,
                f"Chose {node.chosen}." if node.chosen else "",
                f"Outcome: {outcome.summary}" if outcome is not None and outcome.summary else "",
            ]
            return " ".join(p for p in parts if p)
        case Observation() | Insight() | Pattern():
            return node.text
    return None


def document_of(node: Node, outcome: Outcome | None = None) -> Document | None:
    """The searchable document of a record, or None if it is not searchable."""
    text = document_text(node, outcome)
    if text is None:
        return None
    return Document(
        node_id=node.id,
        text=text,
        payload=VectorPayload(
            venture_id=node.owner_venture,
            label=node.label.value,
            kind=node.kind_key,
            role=node.role_key,
            ts=micros(node.timestamp),
            score=outcome.score if outcome is not None else None,
            brain_version_id=getattr(node, "brain_version_id", None),
        ),
    )
