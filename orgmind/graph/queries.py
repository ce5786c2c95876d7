"""Cross-venture questions over a GraphStore, respecting each venture's sharing setting.

Ventures sharing ``none`` never contribute, not even to counts. Ventures sharing ``patterns``
contribute to aggregates only: statistics over at least ``min_ventures`` ventures (an aggregate
of one venture would be that venture's own result). Raw decisions are shown only from ventures
sharing ``open``.

The aggregation runs server-side, written once per backend: SQL for the embedded store, Cypher
for Neo4j, values only as parameters. It returns per (kind, chosen option, venture) sums, which
Python folds into per-kind and per-option statistics, so both backends give the same answers.
Access to the stores' connections is confined to the "backend access" section at the end.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import RoutingControl
from neo4j.exceptions import ServiceUnavailable

from orgmind.errors import InvalidArgument, StoreUnavailable
from orgmind.graph.base import GraphStore, NodeQuery
from orgmind.models import Decision, NodeLabel, Pattern, Sharing, Venture
from orgmind.retrieval.vectors import VectorFilter, VectorIndex

SHARING = (Sharing.PATTERNS.value, Sharing.OPEN.value)
"""Sharing settings whose ventures contribute to cross-venture knowledge."""
ALL = 1_000_000
"""Listing limit that means "all"."""


@dataclass(frozen=True)
class KindStats:
    """How decisions of one kind (or one chosen option of it) went across sharing ventures.

    Each decision counts once, with its latest outcome; decisions without outcomes are left out.
    """

    kind: str
    option: str | None
    decisions: int
    mean_score: float
    success_rate: float
    """Share of decisions whose latest outcome score is positive."""
    ventures: int


@dataclass(frozen=True)
class KindKnowledge:
    """What the platform knows about a kind of decision."""

    kind: str
    stats: KindStats | None
    """None when fewer than ``min_ventures`` sharing ventures have outcomes of this kind."""
    options: tuple[KindStats, ...]
    """Per chosen option (as written, compared case-insensitively), best mean first."""
    patterns: tuple[Pattern, ...]
    """Mined patterns of this kind, largest support first."""


@dataclass(frozen=True)
class Precedent:
    """A similar decision of another venture that shares ``open``, and what came of it."""

    venture_id: str
    venture_name: str
    decision_id: str
    kind: str
    title: str
    chosen: str | None
    similarity: float
    score: float
    outcome_summary: str


@dataclass(frozen=True)
class _Group:
    """One row of the server-side aggregation."""

    kind: str
    chosen: str | None
    venture_id: str
    decisions: int
    total: float
    wins: int


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
    stored = graph.list_nodes(NodeQuery(NodeLabel.PATTERN, kind=kind, limit=ALL))
    patterns = [p for p in stored if isinstance(p, Pattern)]
    return KindKnowledge(
        kind=kind,
        stats=overall[0] if overall else None,
        options=tuple(options),
        patterns=tuple(sorted(patterns, key=lambda p: (-p.support, p.id))),
    )


def similar_elsewhere(graph: GraphStore, vectors: VectorIndex, decision_id: str, k: int = 5) -> list[Precedent]:
    """Decisions of other ventures sharing ``open`` most similar to this one, with outcomes.

    ``vectors`` is the search index's vector index (``mind.index.vectors``); the decision must
    be indexed. Ventures sharing ``patterns`` or ``none`` are never searched.
    """
    decision = graph.get(decision_id)
    if not isinstance(decision, Decision):
        raise InvalidArgument("decision_id", f"no decision with id {decision_id!r}")
    if k < 1:
        raise InvalidArgument("k", "must be at least 1")
    query = vectors.get_vectors([decision_id]).get(decision_id)
    if query is None:
        raise InvalidArgument("decision_id", f"{decision_id!r} is not in the vector index yet (reconcile first)")
    names = {v.id: v.name for v in sharing_ventures(graph, [Sharing.OPEN]) if v.id != decision.venture_id}
    if not names:
        return []
    flt = VectorFilter(venture_ids=sorted(names), labels=[NodeLabel.DECISION.value], exclude_ids=[decision_id])
    hits = vectors.search(query, 4 * k, flt)
    found = graph.get_many([h.node_id for h in hits])
    outcomes = graph.outcomes_of(list(found))
    precedents = []
    for hit in hits:
        other, latest = found.get(hit.node_id), outcomes.get(hit.node_id)
        if isinstance(other, Decision) and latest:
            precedents.append(Precedent(
                venture_id=other.venture_id, venture_name=names[other.venture_id], decision_id=other.id,
                kind=other.kind, title=other.title, chosen=other.chosen, similarity=round(hit.similarity, 4),
                score=latest[-1].score, outcome_summary=latest[-1].summary,
            ))
    return precedents[:k]


def delete_patterns(graph: GraphStore, pattern_ids: Sequence[str]) -> None:
    """Delete Pattern nodes and their relationships, in one transaction."""
    if not pattern_ids:
        return
    if graph.backend == "neo4j":
        _cypher(graph, _CYPHER_DELETE_PATTERNS, {"ids": list(pattern_ids)}, write=True)
    else:
        _sql_write(graph, _SQL_DELETE_PATTERNS, {"ids": json.dumps(list(pattern_ids))})


def norm_option(option: str | None) -> str:
    """An option as compared: whitespace collapsed, case folded ("" for none)."""
    return " ".join((option or "").split()).casefold()


def _spelling(rows: list[_Group]) -> str | None:
    """The most frequent way an option is written (ties: alphabetical)."""
    counts = Counter[str]()
    for row in rows:
        counts[row.chosen or ""] += row.decisions
    return min(counts, key=lambda s: (-counts[s], s))


def _fold(groups: list[_Group], key: Callable[[_Group], tuple[str, str | None]], min_ventures: int) -> list[KindStats]:
    """Fold aggregation rows by ``key`` into statistics, best mean first."""
    folded: dict[tuple[str, str | None], list[_Group]] = {}
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


def _aggregate(graph: GraphStore, *, kind: str | None = None, ventures: Sequence[str] | None = None) -> list[_Group]:
    """Per (kind, chosen, venture): decisions with outcomes, sum and wins of their latest scores."""
    chosen = None if ventures is None else list(ventures)
    if graph.backend == "neo4j":
        rows = _cypher(graph, _CYPHER_AGGREGATE, {"sharing": list(SHARING), "kind": kind, "ventures": chosen})
    else:
        rows = _sql(graph, _SQL_AGGREGATE, {
            "sharing": json.dumps(SHARING), "kind": kind, "ventures": None if chosen is None else json.dumps(chosen),
        })
    return [
        _Group(r["kind"], r["chosen"], r["venture_id"], int(r["n"]), float(r["total"]), int(r["wins"])) for r in rows
    ]


_SQL_AGGREGATE = """
WITH shared AS (
    SELECT id FROM nodes
    WHERE label = 'Venture'
      AND json_extract(data, '$.sharing') IN (SELECT value FROM json_each(:sharing))
      AND (:ventures IS NULL OR id IN (SELECT value FROM json_each(:ventures)))
), latest AS (
    SELECT d.venture_id, d.kind, json_extract(d.data, '$.chosen') AS chosen,
           json_extract(o.data, '$.score') AS score,
           row_number() OVER (PARTITION BY d.id ORDER BY o.ts DESC, o.id DESC) AS rank
    FROM nodes d
    JOIN edges e ON e.src = d.id AND e.type = 'LED_TO'
    JOIN nodes o ON o.id = e.dst AND o.label = 'Outcome'
    WHERE d.label = 'Decision' AND d.venture_id IN (SELECT id FROM shared)
      AND (:kind IS NULL OR d.kind = :kind)
)
SELECT kind, chosen, venture_id, count(*) AS n, sum(score) AS total, sum(score > 0) AS wins
FROM latest WHERE rank = 1
GROUP BY kind, chosen, venture_id
"""

_CYPHER_AGGREGATE = """
MATCH (v:Venture)
WHERE v.sharing IN $sharing AND ($ventures IS NULL OR v.id IN $ventures)
MATCH (v)<-[:IN]-(d:Decision)-[:LED_TO]->(o:Outcome)
WHERE $kind IS NULL OR d.kind = $kind
WITH v, d, o ORDER BY o._ts DESC, o.id DESC
WITH v, d, head(collect(o)) AS o
RETURN d.kind AS kind, d.chosen AS chosen, v.id AS venture_id, count(d) AS n,
       sum(o.score) AS total, sum(CASE WHEN o.score > 0 THEN 1 ELSE 0 END) AS wins
"""

_CYPHER_DELETE_PATTERNS = "MATCH (p:Pattern) WHERE p.id IN $ids DETACH DELETE p"

_SQL_DELETE_PATTERNS = (
    "DELETE FROM edges WHERE src IN (SELECT value FROM json_each(:ids)) OR dst IN (SELECT value FROM json_each(:ids))",
    "DELETE FROM nodes WHERE label = 'Pattern' AND id IN (SELECT value FROM json_each(:ids))",
)


# ---- backend access: the only place that touches the stores' connections ------------------------


def _sql(graph: GraphStore, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    with graph._lock:  # type: ignore[attr-defined]
        cursor = graph._db.execute(query, params)  # type: ignore[attr-defined]
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def _sql_write(graph: GraphStore, statements: Sequence[str], params: dict[str, Any]) -> None:
    with graph._transaction() as db:  # type: ignore[attr-defined]
        for statement in statements:
            db.execute(statement, params)


def _cypher(graph: GraphStore, query: str, params: dict[str, Any], *, write: bool = False) -> list[dict[str, Any]]:
    try:
        result = graph._driver.execute_query(  # type: ignore[attr-defined]
            query, params, database_=graph.database,  # type: ignore[attr-defined]
            routing_=RoutingControl.WRITE if write else RoutingControl.READ,
        )
    except ServiceUnavailable as exc:
        raise StoreUnavailable(f"lost the connection to Neo4j: {exc}") from exc
    return [record.data() for record in result.records]
