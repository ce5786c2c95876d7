"""Cross-venture questions over a GraphStore, respecting each venture's sharing setting.

Ventures sharing ``none`` never contribute, not even to counts. Ventures sharing ``patterns``
contribute to aggregates only: statistics over at least ``min_ventures`` ventures (an aggregate
of one venture would be that venture's own result). Raw decisions are shown only from ventures
sharing ``open``.

The aggregation runs in the backend (``GraphStore.outcome_groups``: SQL for the embedded store,
Cypher for Neo4j). It returns per (kind, chosen option, venture) sums, which are folded here into
per-kind and per-option statistics, so both backends give the same answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from orgmind.graph.base import GraphStore, NodeQuery, OutcomeGroup
from orgmind.knowledge import KindKnowledge, KindStats
from orgmind.models import NodeLabel, Pattern, Sharing, Venture

SHARING = (Sharing.PATTERNS.value, Sharing.OPEN.value)
"""Sharing settings whose ventures contribute to cross-venture knowledge."""
ALL = 1_000_000
"""Listing limit that means "all"."""


def sharing_ventures(graph: GraphStore, levels: Iterable[str] = SHARING) -> list[Venture]:
    """Ventures whose sharing is one of ``levels``, ordered by id."""
    wanted = {Sharing(level) for level in levels}
    ventures = graph.list_nodes(NodeQuery(NodeLabel.VENTURE, limit=ALL, newest_first=False))
    return sorted((v for v in ventures if isinstance(v, Venture) and v.sharing in wanted), key=lambda v: v.id)


def kind_success(
    graph: GraphStore, ventures: Sequence[str] | None = None, *, min_ventures: int = 2
) -> list[KindStats]:
    """Which decision kinds succeed across sharing ventures (optionally only ``ventures``).

    One row per kind seen in at least ``min_ventures`` ventures, best mean score first.
    """
    groups = _aggregate(graph, ventures=ventures)
    return _fold(groups, lambda g: (g.kind, None), min_ventures)


def platform_knowledge(graph: GraphStore, kind: str, *, min_ventures: int = 2) -> KindKnowledge:
    """Statistics of ``kind`` across sharing ventures, per chosen option, and its patterns."""
    groups = _aggregate(graph, kind=kind)
    overall = _fold(groups, lambda g: (g.kind, None), min_ventures)
    options = _fold([g for g in groups if g.chosen], lambda g: (g.kind, norm_option(g.chosen)), min_ventures)
    return KindKnowledge(
        kind=kind,
        stats=overall[0] if overall else None,
        options=tuple(options),
        patterns=tuple(stored_patterns(graph, kind)),
    )


def stored_patterns(graph: GraphStore, kind: str | None = None) -> list[Pattern]:
    """Stored patterns (of one kind), largest support first, as anyone may see them: their
    insight ids are only those of ventures sharing ``open``. A venture sharing ``patterns``
    contributes to a pattern's statistics, never the ids of its own records."""
    stored = graph.list_nodes(NodeQuery(NodeLabel.PATTERN, kind=kind, limit=ALL))
    patterns = shareable(graph, [p for p in stored if isinstance(p, Pattern)])
    return sorted(patterns, key=lambda p: (-p.support, p.id))


def shareable(graph: GraphStore, patterns: Sequence[Pattern]) -> list[Pattern]:
    """Patterns naming only ventures sharing ``open`` and their insights.

    A venture that shares only ``patterns`` lends its outcomes to a pattern's statistics (its
    support, effect and the count of ventures in its text), never its name or its records' ids.
    """
    insights = graph.get_many(sorted({i for p in patterns for i in p.insight_ids}))
    open_ventures = {v.id for v in sharing_ventures(graph, [Sharing.OPEN.value])}
    shown = {i for i, node in insights.items() if node.owner_venture in open_ventures}
    return [p.model_copy(update={"venture_ids": [v for v in p.venture_ids if v in open_ventures],
                                 "insight_ids": [i for i in p.insight_ids if i in shown]}) for p in patterns]


def norm_option(option: str | None) -> str:
    """An option as compared: whitespace collapsed, case folded ("" for none)."""
    return " ".join((option or "").split()).casefold()


def _spelling(rows: list[OutcomeGroup]) -> str | None:
    """The most frequent way an option is written (ties: alphabetical)."""
    counts = Counter[str]()
    for row in rows:
        counts[row.chosen or ""] += row.decisions
    return min(counts, key=lambda s: (-counts[s], s))


def _fold(groups: list[OutcomeGroup], key: Callable[[OutcomeGroup], tuple[str, str | None]], min_ventures: int) -> list[KindStats]:
    """Fold aggregation rows by ``key`` into statistics, best mean first."""
    folded: dict[tuple[str, str | None], list[OutcomeGroup]] = {}
    for group in groups:
        folded.setdefault(key(group), []).append(group)
    stats = []
    for (kind, option), rows in folded.items():
        ventures = {r.venture_id for r in rows}
        if len(ventures) < min_ventures:
            continue
        n = sum(r.decisions for r in rows)
        shown = _spelling(rows) if option is not None else None
        stats.append(KindStats(
            kind=kind, option=shown, decisions=n, mean_score=round(sum(r.total for r in rows) / n, 4),
            success_rate=round(sum(r.wins for r in rows) / n, 4), ventures=len(ventures),
        ))
    return sorted(stats, key=lambda s: (-s.mean_score, s.kind, norm_option(s.option)))


def _aggregate(graph: GraphStore, *, kind: str | None = None, ventures: Sequence[str] | None = None) -> list[OutcomeGroup]:
    """Per (kind, chosen, venture): decisions with outcomes, sum and wins of their latest scores."""
    return graph.outcome_groups(SHARING, kind=kind, ventures=ventures)
