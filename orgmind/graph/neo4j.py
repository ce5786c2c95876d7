"""The Neo4j graph store (production): the official driver, parameterised Cypher only.

Every value travels in ``$parameters``; the only names formatted into query text are labels and
relationship types, and those come from the ``NodeLabel`` and ``RelType`` enums. Each node carries
the extra label ``OrgNode`` (unique ``id``), its scalar fields as properties for ad-hoc Cypher, and
``_data`` (the full record as JSON), ``_ts`` (sort key) and ``_indexed`` for orgmind itself.
Writes are batched with UNWIND inside managed transactions, which the driver retries on transient
errors. Driver errors are translated into the orgmind error tree on every call.

Time limits (``Neo4jLimits``, from the ``graph_*_s`` settings) bound every call: opening a
connection, taking one from the pool, retrying transient failures, and the transaction itself,
which the server enforces and this process too: the driver has no read timeout, so a call runs in
a helper thread and one that outlives its limit (a frozen server) fails with ``StoreUnavailable``
while the driver it used is replaced by a fresh one. The same handle works again once the server
answers.

Change log: every write transaction first increments the ``OrgSequence`` counter (one node with a
unique id, so writers queue on it and its values follow commit order) and stamps the nodes it
writes with that value (``_seq``); deletions leave an ``OrgTombstone`` with it. ``changes_since``
reads them, so another process can follow what this one wrote (see ``GraphStore.shared``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, unit_of_work
from neo4j.exceptions import AuthError, DriverError, Neo4jError, ServiceUnavailable

from orgmind.errors import AuthenticationFailed, StoreUnavailable
from orgmind.graph.base import (
    Changes, Direction, Expect, GraphStore, NodeQuery, NodeRef, OutcomeGroup, StoredRow, check_expected,
)
from orgmind.graph.keys import micros, owned_relationships
from orgmind.models import Edge, Node, NodeLabel, Outcome, RelType, derived_edges

if TYPE_CHECKING:
    from orgmind.config import Settings

BASE_LABEL = "OrgNode"
KEY_LABEL = "OrgApiKey"
META_LABEL = "OrgMeta"
SEQUENCE_LABEL = "OrgSequence"
TOMBSTONE_LABEL = "OrgTombstone"

_T = TypeVar("_T")
_SCAN_PAGE = 10_000  # nodes per read transaction of a scan

_SCHEMA = [
    f"CREATE CONSTRAINT orgmind_node_id IF NOT EXISTS FOR (n:{BASE_LABEL}) REQUIRE n.id IS UNIQUE",
    f"CREATE INDEX orgmind_node_venture IF NOT EXISTS FOR (n:{BASE_LABEL}) ON (n.venture_id)",
    f"CREATE INDEX orgmind_node_indexed IF NOT EXISTS FOR (n:{BASE_LABEL}) ON (n._indexed)",
    f"CREATE CONSTRAINT orgmind_api_key_id IF NOT EXISTS FOR (k:{KEY_LABEL}) REQUIRE k.id IS UNIQUE",
    f"CREATE CONSTRAINT orgmind_meta_key IF NOT EXISTS FOR (m:{META_LABEL}) REQUIRE m.key IS UNIQUE",
    f"CREATE CONSTRAINT orgmind_sequence_id IF NOT EXISTS FOR (c:{SEQUENCE_LABEL}) REQUIRE c.id IS UNIQUE",
    f"CREATE CONSTRAINT orgmind_tombstone_id IF NOT EXISTS FOR (t:{TOMBSTONE_LABEL}) REQUIRE t.id IS UNIQUE",
    f"CREATE INDEX orgmind_node_seq IF NOT EXISTS FOR (n:{BASE_LABEL}) ON (n._seq)",
    f"CREATE INDEX orgmind_tombstone_seq IF NOT EXISTS FOR (t:{TOMBSTONE_LABEL}) ON (t._seq)",
    *(
        f"CREATE INDEX orgmind_{label.value.lower()}_{name} IF NOT EXISTS"
        f" FOR (n:{label.value}) ON ({columns})"
        for label in NodeLabel
        for name, columns in (
            ("time", "n.venture_id, n._ts"),
            ("role", "n.venture_id, n.role, n._ts"),
            ("kind", "n.venture_id, n.kind, n._ts"),
        )
    ),
]

_NODE_COLUMNS = "n._label AS label, n._data AS data"

_CYPHER_OUTCOME_GROUPS = """
MATCH (v:Venture)
WHERE v.sharing IN $sharing AND ($ventures IS NULL OR v.id IN $ventures)
MATCH (v)<-[:IN]-(d:Decision)-[:LED_TO]->(o:Outcome)
WHERE $kind IS NULL OR d.kind = $kind
WITH v, d, o ORDER BY o._ts DESC, o.id DESC
WITH v, d, head(collect(o)) AS o
RETURN d.kind AS kind, d.chosen AS chosen, v.id AS venture_id, count(d) AS n,
       sum(o.score) AS total, sum(CASE WHEN o.score > 0 THEN 1 ELSE 0 END) AS wins
"""


def _properties(node: Node) -> dict[str, Any]:
    """Node properties: readable scalar fields plus orgmind's own bookkeeping."""
    data = node.model_dump(mode="json")
    props: dict[str, Any] = {
        key: value
        for key, value in data.items()
        if value is not None
        and (
            isinstance(value, (str, int, float, bool))
            or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        )
    }
    props.update(
        venture_id=node.owner_venture,
        _label=node.label.value,
        _ts=micros(node.timestamp),
        _data=json.dumps(data, separators=(",", ":")),
        _indexed=False,
    )
    return {k: v for k, v in props.items() if v is not None}


@dataclass(frozen=True)
class Neo4jLimits:
    """Time limits of every call to Neo4j, in seconds (see the module doc)."""

    connect_s: float = 5.0
    acquire_s: float = 10.0
    transaction_s: float = 30.0
    retry_s: float = 3.0

    @classmethod
    def of(cls, settings: Settings) -> Neo4jLimits:
        return cls(
            settings.graph_connect_timeout_s, settings.graph_acquire_timeout_s,
            settings.graph_transaction_timeout_s, settings.graph_retry_s,
        )

    @property
    def call_s(self) -> float:
        """The longest one call may take before it is abandoned."""
        return self.acquire_s + self.transaction_s + self.retry_s


class Neo4jGraphStore(GraphStore):
    """GraphStore on a Neo4j 5 server."""

    backend = "neo4j"
    shared = True

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        database: str | None = None,
        *,
        read_only: bool = False,
        limits: Neo4jLimits | None = None,
    ) -> None:
        self.url = url
        self.database = database
        self.read_only = read_only
        self.limits = limits or Neo4jLimits()
        self._auth = (user, password)
        try:
            self._driver: Driver = self._new_driver()
            self._bounded(self._driver.verify_connectivity)
            for statement in [] if read_only else _SCHEMA:
                self._bounded(partial(self._driver.execute_query, statement, database_=database))
        except AuthError as exc:
            self._close_quietly()
            raise AuthenticationFailed(
                f"Neo4j at {url} refused the credentials for user {user!r}"
                " (check ORGMIND_GRAPH_USER and ORGMIND_GRAPH_PASSWORD)"
            ) from exc
        except (ServiceUnavailable, OSError, ValueError) as exc:
            self._close_quietly()
            raise StoreUnavailable(f"cannot reach Neo4j at {url}: {exc}") from exc
        except Neo4jError as exc:
            self._close_quietly()
            raise StoreUnavailable(f"Neo4j at {url} failed while preparing the schema: {exc}") from exc

    def _new_driver(self) -> Driver:
        return GraphDatabase.driver(
            self.url,
            auth=self._auth,
            notifications_min_severity="OFF",
            connection_timeout=self.limits.connect_s,
            connection_acquisition_timeout=self.limits.acquire_s,
            max_transaction_retry_time=self.limits.retry_s,
        )

    def _close_quietly(self) -> None:
        driver = getattr(self, "_driver", None)
        if driver is not None:
            driver.close()

    def _bounded(self, call: Callable[[], _T]) -> _T:
        """Run ``call`` in a helper thread; past ``limits.call_s`` give up on it and its driver."""
        outcome: list[Any] = []

        def run() -> None:
            try:
                outcome.append((True, call()))
            except BaseException as exc:  # noqa: BLE001 - handed over to the calling thread
                outcome.append((False, exc))

        worker = threading.Thread(target=run, name="orgmind-neo4j-call", daemon=True)
        worker.start()
        worker.join(self.limits.call_s)
        if not outcome:
            stuck, self._driver = self._driver, self._new_driver()
            threading.Thread(target=stuck.close, name="orgmind-neo4j-close", daemon=True).start()
            raise ServiceUnavailable(f"no answer within {self.limits.call_s:g} s (is the server frozen?)")
        succeeded, value = outcome[0]
        if not succeeded:
            raise value
        result: _T = value
        return result

    def _session_call(self, write: bool, work: Callable[[ManagedTransaction], _T]) -> _T:
        timed = unit_of_work(timeout=self.limits.transaction_s)(work)

        def call() -> _T:
            with self._driver.session(database=self.database) as session:
                return session.execute_write(timed) if write else session.execute_read(timed)

        try:
            return self._bounded(call)
        except (Neo4jError, DriverError, OSError) as exc:
            raise self._translated(exc) from exc

    def _read(self, query: str, **params: Any) -> list[Any]:
        def work(tx: ManagedTransaction) -> list[Any]:
            return list(tx.run(query, params))

        return self._session_call(False, work)

    def _run_write(self, work: Any) -> Any:
        if self.read_only:
            raise StoreUnavailable(f"Neo4j at {self.url} is open read-only")
        return self._session_call(True, work)

    def _translated(self, exc: Exception) -> StoreUnavailable:
        if isinstance(exc, AuthError):
            return AuthenticationFailed(f"Neo4j at {self.url} refused the credentials: {exc}")
        if isinstance(exc, (ServiceUnavailable, OSError)):
            return StoreUnavailable(f"lost the connection to Neo4j at {self.url}: {exc}")
        return StoreUnavailable(f"Neo4j at {self.url} failed: {exc}")

    def _lookup(self, ids: Sequence[str]) -> dict[str, NodeRef]:
        rows = self._read(
            f"MATCH (n:{BASE_LABEL}) WHERE n.id IN $ids RETURN n.id AS id, n._label AS label,"
            " n.venture_id AS venture_id",
            ids=list(ids),
        )
        return {r["id"]: NodeRef(NodeLabel(r["label"]), r["venture_id"]) for r in rows}

    def _rows(self, rows: Iterable[Any]) -> list[Node]:
        return self._parsed((r["label"], r["data"]) for r in rows)

    def _write(self, nodes: Sequence[Node], edges: Sequence[Edge], expect: Sequence[Expect] = ()) -> None:
        def work(tx: ManagedTransaction) -> None:
            if expect:  # take the nodes' write locks before reading them (no lost update)
                rows = tx.run(
                    f"MATCH (n:{BASE_LABEL}) WHERE n.id IN $ids SET n._lock = true REMOVE n._lock"
                    " RETURN n.id AS id, n._data AS data",
                    ids=[e.node_id for e in expect],
                )
                check_expected(expect, {r["id"]: r["data"] for r in rows})
            _write_in(tx, nodes, edges, _next_seq(tx))

        self._run_write(work)

    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        rows = self._read(
            f"MATCH (n:{BASE_LABEL}) WHERE n.id IN $ids RETURN {_NODE_COLUMNS}", ids=list(ids)
        )
        return {n.id: n for n in self._rows(rows)}

    def edges_of(
        self,
        ids: Sequence[str],
        *,
        direction: Direction = Direction.BOTH,
        rel_types: Sequence[RelType] | None = None,
    ) -> list[Edge]:
        types = None if rel_types is None else [RelType(t).value for t in rel_types]
        patterns = {
            Direction.OUT: ["(a)-[r]->(b)"],
            Direction.IN: ["(b)-[r]->(a)"],
            Direction.BOTH: ["(a)-[r]->(b)", "(b)-[r]->(a)"],
        }[Direction(direction)]
        found: dict[tuple[str, str, str], Edge] = {}
        for pattern in patterns:
            rows = self._read(
                f"MATCH (a:{BASE_LABEL}) WHERE a.id IN $ids MATCH {pattern}"
                " WHERE $types IS NULL OR type(r) IN $types"
                " RETURN startNode(r).id AS source, type(r) AS type, endNode(r).id AS target,"
                " properties(r) AS props",
                ids=list(ids),
                types=types,
            )
            for r in rows:
                found[(r["source"], r["type"], r["target"])] = Edge(
                    source=r["source"], type=RelType(r["type"]), target=r["target"], properties=r["props"]
                )
        return [found[key] for key in sorted(found)]

    def list_nodes(self, query: NodeQuery) -> list[Node]:
        # `_ts IS NOT NULL` lets Neo4j seek the composite (venture_id, [role|kind,] _ts) indexes
        clauses: list[str] = ["n._ts IS NOT NULL"]
        params: dict[str, Any] = {"limit": query.limit}
        for name, value in (("venture_id", query.venture_id), ("role", query.role), ("kind", query.kind)):
            if value is not None:
                clauses.append(f"n.{name} = ${name}")
                params[name] = value
        if query.since is not None:
            clauses.append("n._ts >= $since")
            params["since"] = micros(query.since)
        if query.until is not None:
            clauses.append("n._ts < $until")
            params["until"] = micros(query.until)
        order = "DESC" if query.newest_first else "ASC"
        rows = self._read(
            f"MATCH (n:{NodeLabel(query.label).value}) WHERE {' AND '.join(clauses)}"
            f" RETURN {_NODE_COLUMNS} ORDER BY n._ts {order}, n.id {order} LIMIT $limit",
            **params,
        )
        return self._rows(rows)

    def outcomes_of(self, decision_ids: Sequence[str]) -> dict[str, list[Outcome]]:
        rows = self._read(
            f"MATCH (d:{BASE_LABEL}) WHERE d.id IN $ids MATCH (d)-[:LED_TO]->(n:Outcome)"
            f" RETURN d.id AS decision_id, {_NODE_COLUMNS} ORDER BY n._ts, n.id",
            ids=list(decision_ids),
        )
        found: dict[str, list[Outcome]] = {}
        for r in rows:
            for outcome in self._rows([r]):
                if isinstance(outcome, Outcome):
                    found.setdefault(r["decision_id"], []).append(outcome)
        return found

    def _delete_venture(self, venture_id: str, rewritten: Sequence[Node]) -> dict[str, int]:
        def work(tx: ManagedTransaction) -> dict[str, int]:
            counts = {
                r["label"]: r["n"]
                for r in tx.run(
                    f"MATCH (n:{BASE_LABEL} {{venture_id: $venture_id}})"
                    " RETURN n._label AS label, count(n) AS n",
                    venture_id=venture_id,
                )
            }
            seq = _next_seq(tx)
            tx.run(
                f"MATCH (n:{BASE_LABEL} {{venture_id: $venture_id}}) WITH n, n.id AS id DETACH DELETE n"
                f" MERGE (t:{TOMBSTONE_LABEL} {{id: id}}) SET t._seq = $seq",
                venture_id=venture_id, seq=seq,
            ).consume()
            _write_in(tx, rewritten, [e for n in rewritten for e in derived_edges(n)], seq)
            return counts

        counts: dict[str, int] = self._run_write(work)
        return counts

    def delete_nodes(self, ids: Sequence[str]) -> int:
        def work(tx: ManagedTransaction) -> int:
            rows = tx.run(
                f"MATCH (n:{BASE_LABEL}) WHERE n.id IN $ids WITH n, n.id AS id DETACH DELETE n"
                f" MERGE (t:{TOMBSTONE_LABEL} {{id: id}}) SET t._seq = $seq RETURN count(t) AS n",
                ids=list(ids), seq=_next_seq(tx),
            )
            return int(rows.single(strict=True)["n"])

        return int(self._run_write(work)) if ids else 0

    def outcome_groups(
        self, sharing: Sequence[str], *, kind: str | None = None, ventures: Sequence[str] | None = None
    ) -> list[OutcomeGroup]:
        rows = self._read(
            _CYPHER_OUTCOME_GROUPS,
            sharing=list(sharing), kind=kind, ventures=None if ventures is None else list(ventures),
        )
        return [
            OutcomeGroup(r["kind"], r["chosen"], r["venture_id"], int(r["n"]), float(r["total"]), int(r["wins"]))
            for r in rows
        ]

    def count(self, label: NodeLabel | None = None, venture_id: str | None = None) -> int:
        match = NodeLabel(label).value if label is not None else BASE_LABEL
        where = "WHERE n.venture_id = $venture_id" if venture_id is not None else ""
        rows = self._read(f"MATCH (n:{match}) {where} RETURN count(n) AS n", venture_id=venture_id)
        return int(rows[0]["n"])

    def count_linked(
        self, target_id: str, rel_type: RelType, label: NodeLabel, *, role: str | None = None,
        before: datetime | None = None,
    ) -> int:
        rows = self._read(
            f"MATCH (n:{NodeLabel(label).value})-[:{RelType(rel_type).value}]->(t:{BASE_LABEL} {{id: $target}})"
            " WHERE ($role IS NULL OR n.role = $role) AND ($before IS NULL OR n._ts < $before)"
            " RETURN count(n) AS n",
            target=target_id, role=role, before=None if before is None else micros(before),
        )
        return int(rows[0]["n"])

    def scan(
        self, venture_id: str | None = None, labels: Sequence[NodeLabel] | None = None
    ) -> Iterable[Node]:
        clauses: list[str] = ["true"]
        params: dict[str, Any] = {}
        if venture_id is not None:
            clauses.append("n.venture_id = $venture_id")
            params["venture_id"] = venture_id
        if labels is not None:
            clauses.append("n._label IN $labels")
            params["labels"] = [NodeLabel(label).value for label in labels]
        ids = [
            r["id"] for r in self._read(
                f"MATCH (n:{BASE_LABEL}) WHERE {' AND '.join(clauses)} RETURN n.id AS id ORDER BY n._ts, n.id",
                **params,
            )
        ]
        return self._pages(ids)

    def _pages(self, ids: list[str]) -> Iterator[Node]:
        """The nodes with ``ids``, in that order, read a page per transaction (one that was
        deleted meanwhile is left out), so a scan of millions stays within the time limits."""
        for start in range(0, len(ids), _SCAN_PAGE):
            page = ids[start : start + _SCAN_PAGE]
            found = self.get_many(page)
            yield from (found[node_id] for node_id in page if node_id in found)

    def unindexed(self, limit: int = 1000) -> list[Node]:
        rows = self._read(
            f"MATCH (n:{BASE_LABEL}) WHERE n._indexed = false"
            f" RETURN {_NODE_COLUMNS} ORDER BY n._ts, n.id LIMIT $limit",
            limit=limit,
        )
        return self._rows(rows)

    def mark_indexed(self, ids: Sequence[str]) -> None:
        self._run_write(
            lambda tx: tx.run(
                f"UNWIND $ids AS id MATCH (n:{BASE_LABEL} {{id: id}}) SET n._indexed = true",
                ids=list(ids),
            ).consume()
        )

    def mark_all_unindexed(self) -> None:
        def batch(tx: ManagedTransaction) -> int:
            row = tx.run(
                f"MATCH (n:{BASE_LABEL}) WHERE n._indexed = true WITH n LIMIT 10000"
                " SET n._indexed = false RETURN count(n) AS n"
            ).single(strict=True)
            return int(row["n"])

        while self._run_write(batch):  # in batches, so each transaction stays small
            pass

    def get_meta(self, key: str) -> str | None:
        rows = self._read(f"MATCH (m:{META_LABEL} {{key: $key}}) RETURN m.value AS value", key=key)
        return str(rows[0]["value"]) if rows else None

    def put_meta(self, key: str, value: str) -> None:
        self._run_write(
            lambda tx: tx.run(f"MERGE (m:{META_LABEL} {{key: $key}}) SET m.value = $value", key=key, value=value).consume()
        )

    def change_cursor(self) -> int:
        rows = self._read(f"MATCH (c:{SEQUENCE_LABEL} {{id: 'changes'}}) RETURN c.value AS value")
        return int(rows[0]["value"]) if rows else 0

    def changes_since(self, cursor: int) -> Changes:
        def work(tx: ManagedTransaction) -> Changes:
            found = tx.run(f"MATCH (c:{SEQUENCE_LABEL} {{id: 'changes'}}) RETURN c.value AS value").single()
            now = int(found["value"]) if found else 0
            if now <= cursor:
                return Changes(cursor, [], [])
            window = {"after": cursor, "upto": now}
            written = tx.run(
                f"MATCH (n:{BASE_LABEL}) WHERE n._seq > $after AND n._seq <= $upto RETURN {_NODE_COLUMNS}", window
            )
            nodes = self._rows(written)
            deleted = tx.run(
                f"MATCH (t:{TOMBSTONE_LABEL}) WHERE t._seq > $after AND t._seq <= $upto RETURN t.id AS id", window
            )
            return Changes(now, nodes, [r["id"] for r in deleted])

        return self._session_call(False, work)

    def put_api_key(self, key_id: str, data: str) -> None:
        self._run_write(
            lambda tx: tx.run(
                f"MERGE (k:{KEY_LABEL} {{id: $id}}) SET k.data = $data", id=key_id, data=data
            ).consume()
        )

    def get_api_key(self, key_id: str) -> str | None:
        rows = self._read(f"MATCH (k:{KEY_LABEL} {{id: $id}}) RETURN k.data AS data", id=key_id)
        return str(rows[0]["data"]) if rows else None

    def list_api_keys(self) -> list[str]:
        rows = self._read(f"MATCH (k:{KEY_LABEL}) RETURN k.data AS data ORDER BY k.id")
        return [str(r["data"]) for r in rows]

    def stored_rows(self) -> list[StoredRow]:
        rows = self._read(
            f"MATCH (n:{BASE_LABEL}) RETURN n.id AS id, n._label AS label, n._data AS data,"
            " n._indexed AS indexed ORDER BY n._ts, n.id"
        )
        return [StoredRow(r["id"], r["label"], r["data"], bool(r["indexed"])) for r in rows]

    def close(self) -> None:
        self._driver.close()


def _next_seq(tx: ManagedTransaction) -> int:
    """Take the next change number; the counter stays locked until the transaction ends."""
    row = tx.run(
        f"MERGE (c:{SEQUENCE_LABEL} {{id: 'changes'}}) SET c.value = coalesce(c.value, 0) + 1 RETURN c.value AS value"
    ).single(strict=True)
    return int(row["value"])


def _write_in(tx: ManagedTransaction, nodes: Sequence[Node], edges: Sequence[Edge], seq: int) -> None:
    """Upsert nodes (replacing the relationships their link fields own) and relationships,
    stamping the nodes with change number ``seq``."""
    by_label: dict[NodeLabel, list[Node]] = {}
    for node in nodes:
        by_label.setdefault(node.label, []).append(node)
    for label, group in by_label.items():
        outgoing, incoming = owned_relationships(group[0])
        ids = [n.id for n in group]
        if outgoing:
            types = "|".join(t.value for t in outgoing)
            tx.run(
                f"UNWIND $ids AS id MATCH (n:{BASE_LABEL} {{id: id}})-[r:{types}]->() DELETE r", ids=ids
            ).consume()
        if incoming:
            types = "|".join(t.value for t in incoming)
            tx.run(
                f"UNWIND $ids AS id MATCH (n:{BASE_LABEL} {{id: id}})<-[r:{types}]-() DELETE r", ids=ids
            ).consume()
        tx.run(
            f"UNWIND $rows AS row MERGE (n:{BASE_LABEL} {{id: row.id}})"
            f" SET n = row, n._seq = $seq, n:{label.value}",
            rows=[_properties(n) for n in group], seq=seq,
        ).consume()
    by_type: dict[RelType, list[Edge]] = {}
    for edge in edges:
        by_type.setdefault(edge.type, []).append(edge)
    for rel, rels in by_type.items():
        tx.run(
            f"UNWIND $rows AS row MATCH (a:{BASE_LABEL} {{id: row.source}}), (b:{BASE_LABEL} {{id: row.target}})"
            f" MERGE (a)-[r:{rel.value}]->(b) SET r = row.props",
            rows=[{"source": e.source, "target": e.target, "props": e.properties} for e in rels],
        ).consume()
