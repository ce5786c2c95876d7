"""What a venture shared leaves the platform when it is deleted or shares less.

Other ventures' stored briefs quote shared records (precedents of ``open`` ventures) and
patterns (statistics of ``patterns`` and ``open`` ventures); patterns carry statistics in their
text. When a venture is deleted, or its sharing narrows, the same call, in this order:

1. redacts the lines of other ventures' stored briefs that cite what it no longer shares: its
   records (deleted, or no longer ``open``) and the patterns it was part of (deleted, or now
   ``none``);
2. mines the patterns again without the venture when it was part of any, so no pattern text keeps
   its statistics (with the default mining settings);
3. only then deletes the venture (graph first, then the indexes) or writes its narrower sharing.

A process killed between two steps therefore never leaves what the venture stops sharing in a
brief or a pattern: the venture is still stored as it was, already withdrawn from the rest, and
repeating the call completes it (the next mining includes it again if the call is not repeated).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from orgmind.brief.redact import redacted_briefs
from orgmind.core.store import Store
from orgmind.graph.base import NodeQuery
from orgmind.graph.queries import ALL
from orgmind.models import Node, NodeLabel, Pattern, Sharing, Venture

RANK = {Sharing.NONE: 0, Sharing.PATTERNS: 1, Sharing.OPEN: 2}


class Withdrawal:
    """Removes what a venture no longer shares from other ventures' briefs and from patterns."""

    def __init__(self, store: Store, remine: Callable[[Collection[str]], object]) -> None:
        """``remine(excluded)`` mines and stores the patterns without the ``excluded`` ventures."""
        self.store = store
        self.remine = remine

    def narrowing(self, nodes: Sequence[Node]) -> dict[str, Sharing]:
        """Ventures among ``nodes`` that would share less than they do now, with their new level."""
        ventures = [n for n in nodes if isinstance(n, Venture)]
        stored = self.store.graph.get_many([v.id for v in ventures]) if ventures else {}
        return {
            v.id: v.sharing for v in ventures
            if isinstance(old := stored.get(v.id), Venture) and RANK[v.sharing] < RANK[old.sharing]
        }

    def withdraw(self, narrowed: dict[str, Sharing]) -> None:
        """Before ventures' narrower sharing is written: redact briefs, re-mine patterns without
        those that stop sharing them."""
        excluded = [
            venture_id for venture_id, sharing in sorted(narrowed.items())
            if self._redact(venture_id, records=sharing != Sharing.OPEN, patterns=sharing == Sharing.NONE)
        ]
        if excluded:
            self.remine(excluded)

    def delete_venture(self, venture_id: str) -> dict[str, int]:
        """Redact what other briefs quoted of a venture, re-mine without it, then delete it and
        everything of it."""
        if self._redact(venture_id, records=True, patterns=True):
            self.remine([venture_id])
        return self.store.delete_venture(venture_id)

    def _redact(self, venture_id: str, *, records: bool, patterns: bool) -> bool:
        """Redact other ventures' briefs; True when patterns it was part of must be re-mined."""
        graph = self.store.graph
        withdrawn = [n.id for n in graph.scan(venture_id=venture_id)] if records else []
        tainted = [
            p.id for p in graph.list_nodes(NodeQuery(NodeLabel.PATTERN, limit=ALL))
            if isinstance(p, Pattern) and venture_id in p.venture_ids
        ] if patterns else []
        briefs = redacted_briefs(graph, withdrawn + tainted, keep_venture=venture_id)
        if briefs:
            self.store.commit(briefs)
        return bool(tainted)
