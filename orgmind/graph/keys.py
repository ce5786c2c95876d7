"""Storage keys both backends share: the sort key of a node and the relationships it owns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orgmind.models import Node, RelType

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exact (used as the sort key of every node)."""
    return (moment - _EPOCH) // _MICROSECOND


def owned_relationships(node: Node) -> tuple[list[RelType], list[RelType]]:
    """The relationship types a node's link fields own: (outgoing from it, incoming to it).

    Re-upserting a node replaces these, so a changed link field never leaves a stale edge.
    """
    outgoing = [link.rel for link in node.links if not link.reverse]
    incoming = [link.rel for link in node.links if link.reverse]
    return outgoing, incoming
