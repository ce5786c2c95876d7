"""The brain service: synthesis, scorecards, cross-venture patterns and platform knowledge."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from orgmind.core.store import Store
from orgmind.graph.queries import kind_success, platform_knowledge, shareable, stored_patterns
from orgmind.knowledge import KindKnowledge, KindStats, Precedent
from orgmind.models import Pattern
from orgmind.retrieval.precedents import similar_elsewhere
from orgmind.synthesis.patterns import MIN_VENTURES, SIMILARITY, mine_patterns, write_patterns
from orgmind.synthesis.result import Scorecard, SynthesisResult
from orgmind.synthesis.scorecard import scorecard
from orgmind.synthesis.synthesize import Summariser, synthesize


class BrainService:
    """What the organisation learned, per venture and across ventures that share."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def synthesize(
        self, venture: str, role: str | None, now: datetime | None, summariser: Summariser | None
    ) -> SynthesisResult:
        """The next brain version of the venture (and role), committed when something changed."""
        return synthesize(self.store, self.store.index.embedder, venture, role, now=now, summariser=summariser)

    def scorecard(self, venture: str, role: str | None) -> Scorecard:
        """Decision quality per brain version and per insight."""
        return scorecard(self.store.graph, venture, role)

    def mine_patterns(
        self, now: datetime | None = None, min_ventures: int = MIN_VENTURES, similarity: float = SIMILARITY,
        excluded: Collection[str] = (),
    ) -> list[Pattern]:
        """Mine, store (stale ones removed) and index cross-venture patterns (``excluded`` ventures
        left out); returns them as anyone may see them (``shareable``)."""
        self.store.ensure_indexed()
        patterns = mine_patterns(self.store.graph, self.store.index.vectors.get_vectors, now=now,
                                 min_ventures=min_ventures, similarity=similarity, excluded=excluded)
        write_patterns(self.store, patterns)
        return shareable(self.store.graph, patterns)

    def list_patterns(self, kind: str | None = None) -> list[Pattern]:
        """Stored patterns (of a decision kind), largest support first."""
        return stored_patterns(self.store.graph, kind)

    def kind_success(self, ventures: Sequence[str] | None = None) -> list[KindStats]:
        """Which decision kinds succeed across sharing ventures, best mean first."""
        return kind_success(self.store.graph, ventures)

    def platform_knowledge(self, kind: str) -> KindKnowledge:
        """Statistics of a kind across sharing ventures, per option, and its patterns."""
        return platform_knowledge(self.store.graph, kind)

    def similar_elsewhere(self, decision_id: str, k: int) -> list[Precedent]:
        """Similar decisions of ventures that share openly, with their outcomes."""
        self.store.ensure_indexed()
        return similar_elsewhere(self.store.graph, self.store.index.vectors, decision_id, k)
