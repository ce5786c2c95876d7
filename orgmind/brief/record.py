"""What a wake-up leaves in the graph: the WakeUp, its Brief and the Brief's INCLUDED links."""

from __future__ import annotations

from orgmind.brief.pack import PackedBrief
from orgmind.brief.render import WakeUpBrief
from orgmind.models import BrainVersion, Brief, Edge, Node, RelType, WakeUp, make_edge


def brief_records(
    wakeup: WakeUp, brain: BrainVersion | None, brief: WakeUpBrief, packed: PackedBrief
) -> tuple[list[Node], list[Edge]]:
    """The nodes and relationships that record a wake-up, written in one commit.

    The WakeUp names the brain version it ran under; the Brief keeps the rendered Markdown and
    links (section, rank) to every node it cites, so outcomes trace back to what was said.
    """
    nodes: list[Node] = [
        wakeup.model_copy(update={"brain_version_id": brain.id if brain else None}),
        Brief(
            id=brief.brief_id, venture_id=brief.venture, wakeup_id=wakeup.id, role=wakeup.role,
            tokens=packed.tokens, budget=brief.budget, content=brief.to_markdown(), built_at=brief.built_at,
        ),
    ]
    edges = [
        make_edge(brief.brief_id, RelType.INCLUDED, node_id, section=section, rank=rank)
        for section, rank, node_id in packed.ranks
    ]
    return nodes, edges
