"""Brain versions are history: the commit path refuses to rewrite them."""

from __future__ import annotations

from collections.abc import Iterable

from orgmind.errors import InvalidRecord
from orgmind.graph.base import Direction, GraphStore
from orgmind.models import BrainVersion, Insight, Node, RelType


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
