"""Which ventures' raw records a search may see.

``scope="venture"``: only the venture's own. ``scope="platform"``: the venture's own plus every
venture whose sharing is ``open``. Ventures sharing ``patterns`` or ``none`` never expose raw
records to others; cross-venture learning from them goes through patterns only.
"""

from __future__ import annotations

from typing import Literal

from orgmind.errors import InvalidArgument, NotFound
from orgmind.graph.base import GraphStore, NodeQuery
from orgmind.models import NodeLabel, Sharing, Venture

Scope = Literal["venture", "platform"]


def visible_ventures(graph: GraphStore, venture: str | None, scope: Scope) -> list[str]:
    """Venture ids whose records a search for ``venture`` in ``scope`` may return."""
    if scope not in ("venture", "platform"):
        raise InvalidArgument("scope", f"must be 'venture' or 'platform', not {scope!r}")
    if venture is None and scope == "venture":
        raise InvalidArgument("venture", "is required when scope is 'venture'")
    if venture is not None and not isinstance(graph.get(venture), Venture):
        raise NotFound(f"no venture with id {venture!r}")
    own = [venture] if venture is not None else []
    if scope == "venture":
        return own
    ventures = graph.list_nodes(NodeQuery(NodeLabel.VENTURE, limit=100_000, newest_first=False))
    shared = [v.id for v in ventures if isinstance(v, Venture) and v.sharing == Sharing.OPEN and v.id != venture]
    return own + shared
