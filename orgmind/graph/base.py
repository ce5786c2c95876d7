"""The GraphStore contract and the checks every backend shares.

A backend implements the small set of abstract primitives below; ``GraphStore`` turns records
into nodes and relationships, checks ids and references before anything is written, and builds
networkx projections. The contract suite in tests/contract runs every backend through the same
tests.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

import networkx as nx
from pydantic import ValidationError

from orgmind.errors import Conflict, IdConflict, MissingReference
from orgmind.models import (
    Decision,
    DecisionWithOutcomes,
    Edge,
    Node,
    NodeLabel,
    Outcome,
    Pattern,
    RelType,
    derived_edges,
    invalid_record_from,
    node_class,
)

log = logging.getLogger(__name__)
PARSED_NODES_KEPT = 16_384


@lru_cache(maxsize=PARSED_NODES_KEPT)
def parse_node(label: str, data: str) -> Node:
    """A stored (label, JSON data) row as its node. Nodes are immutable and a row's text fixes its
    node, so the most recently read rows are kept parsed: a record read by every wake-up (an open
    item, a brain insight) is parsed once, and a rewritten record has new text."""
    return node_class(label).model_validate_json(data)


class Direction(StrEnum):
    OUT = "out"
    IN = "in"
    BOTH = "both"


@dataclass(frozen=True)
class NodeRef:
    """What a reference check needs to know about a stored node."""

    label: NodeLabel
    venture_id: str | None


@dataclass
class Subgraph:
    """Nodes and the relationships between them, as returned by a k-hop expansion."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)


@dataclass(frozen=True)
class OutcomeGroup:
    """Decisions of one (kind, chosen option, venture) with outcomes: how many, the sum of their
    latest outcome scores and how many of those are positive (one row of ``outcome_groups``)."""

    kind: str
    chosen: str | None
    venture_id: str
    decisions: int
    total: float
    wins: int


@dataclass(frozen=True)
class Expect:
    """A precondition of a write, checked inside its transaction (a compare-and-set): the stored
    node ``node_id`` has ``value`` (as JSON: a string, number, list, object, or None for a
    missing node or field) in its field ``field``."""

    node_id: str
    field: str
    value: object


def check_expected(expect: Sequence[Expect], stored: dict[str, str]) -> None:
    """Raise Conflict unless every expectation holds of ``stored`` (node id -> its JSON)."""
    for wanted in expect:
        data = stored.get(wanted.node_id)
        found = json.loads(data).get(wanted.field) if data is not None else None
        if found != wanted.value:
            raise Conflict(f"{wanted.node_id!r} changed meanwhile: its {wanted.field} is now {found!r},"
                           f" not {wanted.value!r}")


@dataclass(frozen=True)
class StoredRow:
    """A node as the backend stores it: its id, label, record as JSON and indexed flag."""

    id: str
    label: str
    data: str
    indexed: bool


@dataclass(frozen=True)
class NodeQuery:
    """Filters of a time-ordered listing."""

    label: NodeLabel
    venture_id: str | None = None
    role: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    newest_first: bool = True


@dataclass(frozen=True)
class Changes:
    """What was written and deleted in a graph after a cursor, and the cursor now."""

    cursor: int
    written: list[Node]
    deleted: list[str]


class GraphStore(ABC):
    """A graph of orgmind records. Writes are idempotent by id; the store is the source of truth."""

    backend: str

    # ---- primitives each backend implements -------------------------------------------------

    @abstractmethod
    def _lookup(self, ids: Sequence[str]) -> dict[str, NodeRef]:
        """Label and venture of those ids that are stored."""

    @abstractmethod
    def _write(self, nodes: Sequence[Node], edges: Sequence[Edge], expect: Sequence[Expect] = ()) -> None:
        """Upsert nodes and relationships in one transaction, after locking the nodes that
        ``expect`` names and checking it with ``check_expected`` (Conflict: nothing written)."""

    @abstractmethod
    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        """The stored nodes among ``ids``, by id."""

    @abstractmethod
    def edges_of(
        self,
        ids: Sequence[str],
        *,
        direction: Direction = Direction.BOTH,
        rel_types: Sequence[RelType] | None = None,
    ) -> list[Edge]:
        """Relationships touching any of ``ids``."""

    @abstractmethod
    def list_nodes(self, query: NodeQuery) -> list[Node]:
        """Nodes of one label, filtered, ordered by their timestamp."""

    @abstractmethod
    def outcomes_of(self, decision_ids: Sequence[str]) -> dict[str, list[Outcome]]:
        """Outcomes per decision id, oldest first."""

    @abstractmethod
    def _delete_venture(self, venture_id: str, rewritten: Sequence[Node]) -> dict[str, int]:
        """In one transaction: delete the venture's nodes and their relationships, upsert
        ``rewritten`` (platform nodes that no longer mention the venture)."""

    @abstractmethod
    def delete_nodes(self, ids: Sequence[str]) -> int:
        """Delete these nodes and their relationships in one transaction; returns how many."""

    @abstractmethod
    def outcome_groups(
        self, sharing: Sequence[str], *, kind: str | None = None, ventures: Sequence[str] | None = None
    ) -> list[OutcomeGroup]:
        """Per (kind, chosen option, venture): decisions of ventures whose sharing is one of
        ``sharing`` (and among ``ventures``) that have outcomes, aggregated in the backend over
        each decision's latest outcome."""

    @abstractmethod
    def count(self, label: NodeLabel | None = None, venture_id: str | None = None) -> int:
        """How many nodes (of a label, in a venture) are stored."""

    @abstractmethod
    def count_linked(
        self, target_id: str, rel_type: RelType, label: NodeLabel, *, role: str | None = None,
        before: datetime | None = None,
    ) -> int:
        """How many ``label`` nodes (of ``role``, timestamped before ``before``) link to ``target_id``
        by ``rel_type``, counted in the store without reading them."""

    @abstractmethod
    def scan(
        self, venture_id: str | None = None, labels: Sequence[NodeLabel] | None = None
    ) -> Iterable[Node]:
        """Every node (of a venture, of some labels)."""

    @abstractmethod
    def unindexed(self, limit: int = 1000) -> list[Node]:
        """Nodes written since they were last marked indexed."""

    @abstractmethod
    def mark_indexed(self, ids: Sequence[str]) -> None:
        """Record that these nodes are in the search indexes."""

    @abstractmethod
    def stored_rows(self) -> list[StoredRow]:
        """Every node as stored, unparsed (for ``orgmind check``, which must see bad rows too)."""

    @abstractmethod
    def mark_all_unindexed(self) -> None:
        """Mark every node unindexed (the vector index they were marked for is not the one in use)."""

    @abstractmethod
    def get_meta(self, key: str) -> str | None:
        """A value orgmind keeps about the store itself (such as which vector index it is bound to)."""

    @abstractmethod
    def put_meta(self, key: str, value: str) -> None:
        """Insert or replace such a value."""

    @abstractmethod
    def close(self) -> None:
        """Release connections and files."""

    # ---- following writes made by other processes (graphs that are ``shared``) ----------------

    shared: bool = False
    """True for a server graph that other processes may write while this one reads it."""

    def change_cursor(self) -> int:
        """Where the graph's change log ends now (0 for a graph that is not ``shared``)."""
        return 0

    def changes_since(self, cursor: int) -> Changes:
        """Nodes written and ids deleted after ``cursor``, by any process.

        Only ``shared`` graphs keep a change log: every other writer of an embedded graph is this
        process, whose indexes see its writes directly, so it reports no changes.
        """
        return Changes(cursor, [], [])

    # ---- API keys of the service (see orgmind/keys.py), kept apart from the record graph ----

    @abstractmethod
    def put_api_key(self, key_id: str, data: str) -> None:
        """Insert or replace a stored API key (its JSON, which holds only a digest of the key)."""

    @abstractmethod
    def get_api_key(self, key_id: str) -> str | None:
        """The stored JSON of an API key, or None."""

    @abstractmethod
    def list_api_keys(self) -> list[str]:
        """The stored JSON of every API key."""

    # ---- reading stored nodes -----------------------------------------------------------------

    @property
    def skipped(self) -> dict[str, tuple[str, str]]:
        """Stored nodes a read could not parse, by id: (label, reason). Reads skip them."""
        found: dict[str, tuple[str, str]] | None = self.__dict__.get("_skipped")
        if found is None:
            found = self.__dict__["_skipped"] = {}
        return found

    def _parsed(self, rows: Iterable[tuple[str, str]]) -> list[Node]:
        """Stored (label, JSON data) rows as nodes. A row that no longer parses (written before a
        rule was tightened, or edited by hand) is skipped and remembered in ``skipped``, so no
        stored record can make the store unreadable."""
        nodes = []
        for label, data in rows:
            try:
                nodes.append(parse_node(label, data))
            except (ValidationError, ValueError, KeyError) as exc:
                self._skip(label, data, exc)
        return nodes

    def _skip(self, label: str, data: str, exc: Exception) -> None:
        try:
            node_id = str(json.loads(data).get("id"))
        except (ValueError, AttributeError):
            node_id = "(unknown id)"
        reason = str(invalid_record_from(exc, label) if isinstance(exc, ValidationError) else exc)
        if node_id not in self.skipped:
            log.warning("skipping stored %s %r: it cannot be read: %s", label, node_id, reason)
        self.skipped[node_id] = (label, reason)

    def unreadable_nodes(self) -> list[tuple[str, str, str]]:
        """Every stored node that cannot be read, as (id, label, reason), by id. Reads the whole graph."""
        self.skipped.clear()
        for _ in self.scan():  # reading each node is what records the unreadable ones
            pass
        return sorted((node_id, label, reason) for node_id, (label, reason) in self.skipped.items())

    # ---- shared behaviour ---------------------------------------------------------------------

    def upsert(
        self, nodes: Node | Sequence[Node], edges: Sequence[Edge] = (), *, expect: Sequence[Expect] = ()
    ) -> None:
        """Insert or replace nodes by id, with the relationships their link fields imply, plus
        explicit ``edges`` (unique by source, type, target) between stored or batch nodes.

        All or nothing: ids and references are checked first, then everything is written in one
        transaction. Raises IdConflict or MissingReference naming the field, or Conflict when a
        precondition in ``expect`` does not hold inside that transaction (of two writes expecting
        the same state, exactly one succeeds).
        """
        batch = [nodes] if isinstance(nodes, Node) else list(nodes)
        if not batch and not edges:
            return
        problems = self.check(batch)
        if problems:
            raise problems[0][1]
        if edges:
            known = {n.id for n in batch} | self.existing(sorted({e.source for e in edges} | {e.target for e in edges}))
            for edge in edges:
                for end in ("source", "target"):
                    if getattr(edge, end) not in known:
                        raise MissingReference(end, f"no node with id {getattr(edge, end)!r}", record_type="Edge")
        self._write(batch, [edge for node in batch for edge in derived_edges(node)] + list(edges), expect)

    def check(self, nodes: Sequence[Node]) -> list[tuple[int, MissingReference | IdConflict]]:
        """Problems with ids and references, as (position in ``nodes``, error), before writing.

        Every record but a venture must belong to a stored venture. A node may refer to one that
        comes earlier in the same batch.
        """
        wanted = {node.id for node in nodes}
        for node in nodes:
            wanted.add(node.owner_venture or node.id)
            for link in node.links:
                wanted.update(node.linked_ids(link))
        stored = self._lookup(sorted(wanted))
        known: dict[str, NodeRef] = dict(stored)
        problems: list[tuple[int, MissingReference | IdConflict]] = []
        for position, node in enumerate(nodes):
            error = _problem(node, known, known.get(node.id))
            if error is not None:
                problems.append((position, error))
                continue
            known[node.id] = NodeRef(node.label, node.owner_venture)
        return problems

    def upsert_edges(self, edges: Sequence[Edge]) -> None:
        """Insert or replace relationships between stored nodes (unique by source, type, target)."""
        self.upsert([], edges)

    def delete_venture(self, venture_id: str) -> dict[str, int]:
        """Delete a venture and every node that belongs only to it.

        Platform-level patterns seen in the venture stay, without the venture and its insights.
        Returns the number of deleted nodes by label (empty when the venture is unknown).
        """
        patterns = self.neighbours(venture_id, direction=Direction.IN, rel_types=[RelType.SEEN_IN])
        rewritten: list[Node] = []
        for pattern in patterns:
            if not isinstance(pattern, Pattern):
                continue
            mine = {
                e.target
                for e in self.edges_of([pattern.id], direction=Direction.OUT, rel_types=[RelType.GENERALIZES])
            }
            own_insights = {i for i, ref in self._lookup(sorted(mine)).items() if ref.venture_id == venture_id}
            rewritten.append(
                pattern.model_copy(
                    update={
                        "venture_ids": [v for v in pattern.venture_ids if v != venture_id],
                        "insight_ids": [i for i in pattern.insight_ids if i not in own_insights],
                    }
                )
            )
        return self._delete_venture(venture_id, rewritten)

    def existing(self, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` that are stored."""
        return set(self._lookup(ids))

    def get(self, node_id: str) -> Node | None:
        """The node with this id, or None."""
        return self.get_many([node_id]).get(node_id)

    def neighbours(
        self,
        node_id: str,
        *,
        direction: Direction = Direction.BOTH,
        rel_types: Sequence[RelType] | None = None,
        labels: Sequence[NodeLabel] | None = None,
    ) -> list[Node]:
        """Nodes one relationship away, ordered by id."""
        edges = self.edges_of([node_id], direction=direction, rel_types=rel_types)
        other_ids = {e.target if e.source == node_id else e.source for e in edges}
        nodes = self.get_many(sorted(other_ids))
        return [n for _, n in sorted(nodes.items()) if labels is None or n.label in labels]

    def expand(
        self,
        node_ids: Sequence[str],
        *,
        hops: int = 2,
        rel_types: Sequence[RelType] | None = None,
        labels: Sequence[NodeLabel] | None = None,
        max_nodes: int = 10_000,
    ) -> Subgraph:
        """Breadth-first k-hop expansion in both directions.

        Only relationships of ``rel_types`` are followed and only nodes of ``labels`` are
        entered (the start nodes are always included). Stops adding nodes at ``max_nodes``.
        """
        start = self.get_many(list(node_ids))
        graph = Subgraph(nodes=dict(start))
        frontier = set(start)
        seen_edges: set[tuple[str, str, str]] = set()
        for _ in range(hops):
            if not frontier or len(graph.nodes) >= max_nodes:
                break
            edges = self.edges_of(sorted(frontier), rel_types=rel_types)
            candidates = {e.target for e in edges} | {e.source for e in edges}
            new_ids = sorted(candidates - graph.nodes.keys())
            fetched = self.get_many(new_ids)
            entered = {
                i: n for i, n in fetched.items() if labels is None or n.label in labels
            }
            room = max_nodes - len(graph.nodes)
            entered = dict(sorted(entered.items())[:room])
            graph.nodes.update(entered)
            for edge in edges:
                key = (edge.source, edge.type.value, edge.target)
                if key not in seen_edges and edge.source in graph.nodes and edge.target in graph.nodes:
                    seen_edges.add(key)
                    graph.edges.append(edge)
            frontier = set(entered)
        graph.edges.sort(key=lambda e: (e.source, e.type.value, e.target))
        return graph

    def decisions_with_outcomes(
        self,
        *,
        venture_id: str | None = None,
        role: str | None = None,
        kind: str | None = None,
        brain_version_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[DecisionWithOutcomes]:
        """The most recent decisions (newest first) with their outcomes."""
        if brain_version_id is not None:
            decisions = self.decisions_under(brain_version_id)
            decisions = [
                d
                for d in decisions
                if (venture_id is None or d.venture_id == venture_id)
                and (role is None or d.role == role)
                and (kind is None or d.kind == kind)
            ][:limit]
        else:
            query = NodeQuery(
                NodeLabel.DECISION, venture_id, role, kind, since, until, limit, newest_first=True
            )
            decisions = [n for n in self.list_nodes(query) if isinstance(n, Decision)]
        outcomes = self.outcomes_of([d.id for d in decisions])
        return [DecisionWithOutcomes(d, tuple(outcomes.get(d.id, ()))) for d in decisions]

    def decisions_under(self, brain_version_id: str) -> list[Decision]:
        """Decisions made under a brain version, newest first."""
        edges = self.edges_of([brain_version_id], direction=Direction.IN, rel_types=[RelType.UNDER])
        nodes = self.get_many([e.source for e in edges])
        decisions = [n for n in nodes.values() if isinstance(n, Decision)]
        return sorted(decisions, key=lambda d: (d.made_at, d.id), reverse=True)

    def projection(
        self,
        *,
        venture_id: str | None = None,
        labels: Sequence[NodeLabel] | None = None,
        rel_types: Sequence[RelType] | None = None,
    ) -> nx.MultiDiGraph:
        """A networkx projection: node attributes ``label`` and ``record``, edge key = type."""
        graph = nx.MultiDiGraph()
        for node in self.scan(venture_id, labels):
            graph.add_node(node.id, label=node.label.value, record=node)
        ids = list(graph.nodes)
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            for edge in self.edges_of(chunk, direction=Direction.OUT, rel_types=rel_types):
                if edge.target in graph:
                    graph.add_edge(edge.source, edge.target, key=edge.type.value, **edge.properties)
        return graph

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _problem(
    node: Node, known: dict[str, NodeRef], existing: NodeRef | None
) -> MissingReference | IdConflict | None:
    record_type = node.label.value
    if existing is not None and (
        existing.label != node.label or existing.venture_id != node.owner_venture
    ):
        return IdConflict("id", f"{node.id!r} is already used by another record", record_type=record_type)
    venture = node.owner_venture
    if venture is not None and node.label != NodeLabel.VENTURE:
        ref = known.get(venture)
        if ref is None or ref.label != NodeLabel.VENTURE:
            return MissingReference("venture_id", f"no Venture with id {venture!r} is stored", record_type=record_type)
    for link in node.links:
        for target in node.linked_ids(link):
            ref = known.get(target)
            expected = " or ".join(t.value for t in link.targets)
            if ref is None:
                return MissingReference(
                    link.field, f"no {expected} with id {target!r} is stored", record_type=record_type
                )
            if ref.label not in link.targets:
                return MissingReference(
                    link.field,
                    f"{target!r} is a {ref.label.value}, expected a {expected}",
                    record_type=record_type,
                )
            if link.same_venture and ref.venture_id != node.owner_venture:
                return MissingReference(
                    link.field,
                    f"{target!r} belongs to venture {ref.venture_id!r}, not {node.owner_venture!r}",
                    record_type=record_type,
                )
    return None
