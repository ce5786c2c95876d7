"""The embedded graph store: one SQLite file in WAL mode, synchronous=FULL.

Every write is one transaction; an acknowledged write survives a crash of the process (and of the
machine). WAL lets readers (another process opened read-only, say) read while one writer writes;
within the process each thread reads on its own connection, in a snapshot per read, so reads
run beside each other and beside the write in progress.
Every SQLite error is translated into the orgmind error tree on the call where it happens.
"""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from orgmind.errors import StoreFull, StoreLocked, StoreUnavailable
from orgmind.graph.base import Direction, Expect, GraphStore, NodeQuery, NodeRef, OutcomeGroup, StoredRow, check_expected
from orgmind.graph.keys import micros, owned_relationships
from orgmind.models import Edge, Node, NodeLabel, Outcome, RelType, derived_edges

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    venture_id TEXT,
    role TEXT,
    kind TEXT,
    ts INTEGER NOT NULL,
    data TEXT NOT NULL,
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS nodes_by_venture ON nodes (label, venture_id, ts);
CREATE INDEX IF NOT EXISTS nodes_by_role ON nodes (label, venture_id, role, ts);
CREATE INDEX IF NOT EXISTS nodes_by_kind ON nodes (label, venture_id, kind, ts);
CREATE INDEX IF NOT EXISTS nodes_by_time ON nodes (label, ts);
CREATE INDEX IF NOT EXISTS nodes_unindexed ON nodes (indexed) WHERE indexed = 0;
CREATE TABLE IF NOT EXISTS edges (
    src TEXT NOT NULL,
    type TEXT NOT NULL,
    dst TEXT NOT NULL,
    props TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (src, type, dst)
);
CREATE INDEX IF NOT EXISTS edges_by_target ON edges (dst, type);
CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, data TEXT NOT NULL);
"""

_SQL_OUTCOME_GROUPS = """
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

_CHUNK = 900  # stays below SQLite's limit on bound parameters


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _marks(count: int) -> str:
    return ",".join("?" * count)


FULL_BELOW = 2**20
"""Free bytes under which a failing write is put down to a full disk."""


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """SQLite errors as orgmind errors: a lock held too long is StoreLocked, the rest unavailable."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if _is_full(exc, path):
            raise StoreFull(f"the disk under the embedded graph at {path} is full: {exc}") from exc
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreLocked(f"the embedded graph at {path} is locked by another process: {exc}") from exc
        raise StoreUnavailable(f"the embedded graph at {path} failed: {exc}") from exc
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"the embedded graph at {path} failed: {exc}") from exc


def _is_full(exc: sqlite3.Error | OSError, path: Path) -> bool:
    """Whether SQLite (or the OS) failed for want of disk space (SQLite reports some failures to
    extend its files as a plain I/O error, so an empty disk counts too)."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
        return True
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW
    except OSError:
        return False


class SqliteGraphStore(GraphStore):
    """GraphStore on a single SQLite file (``read_only``: a reader next to another process)."""

    backend = "embedded"

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        try:
            if read_only:
                if not self.path.is_file():
                    raise StoreUnavailable(f"no embedded graph at {self.path}")
                self._db = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                    check_same_thread=False,
                )
                self._db.execute("PRAGMA busy_timeout=10000")
                self._db.execute("PRAGMA query_only=1")
                self._db.execute("SELECT count(*) FROM meta").fetchone()
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA busy_timeout=10000")
                self._db.executescript(_SCHEMA)
                self._db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
        except (sqlite3.Error, OSError) as exc:
            if _is_full(exc, self.path):
                raise StoreFull(f"the disk under the embedded graph at {self.path} is full: {exc}") from exc
            raise StoreUnavailable(f"cannot open the embedded graph at {self.path}: {exc}") from exc
        self._lock = threading.RLock()
        self._writer_thread: int | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The calling thread's read connection, in one snapshot for the whole block.

        The thread writing (inside ``_transaction``) and a read-only store read on the main
        connection, under its lock, as does everything once the store is closed.
        """
        if self.read_only or self._closed or self._writer_thread == threading.get_ident():
            with self._lock, _translated(self.path):
                yield self._db
            return
        with _translated(self.path):
            db = self._reader()
            depth = getattr(self._local, "depth", 0)
            if depth == 0:
                db.execute("BEGIN")
            self._local.depth = depth + 1
            try:
                yield db
            finally:
                self._local.depth = depth
                if depth == 0:
                    db.execute("COMMIT")

    def _reader(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA query_only=1")
            with self._readers_lock:  # not the write lock: a thread's first read must not wait for a write
                self._readers.append(db)
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction. ``durable=False``: not flushed to the disk on its own (a process
        crash keeps it, a power cut may not), for what can be recomputed from the graph."""
        with self._lock, _translated(self.path):
            if self.read_only:
                raise StoreUnavailable(f"the embedded graph at {self.path} is open read-only")
            if not durable:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._writer_thread = threading.get_ident()
                try:
                    yield self._db
                except BaseException:
                    if self._db.in_transaction:  # SQLite may have rolled back already (a full disk)
                        self._db.execute("ROLLBACK")
                    raise
                finally:
                    self._writer_thread = None
                self._db.execute("COMMIT")
            finally:
                if not durable and not self._db.in_transaction:
                    self._db.execute("PRAGMA synchronous=FULL")

    def _lookup(self, ids: Sequence[str]) -> dict[str, NodeRef]:
        found: dict[str, NodeRef] = {}
        with self._reading() as db:
            for chunk in _chunks(ids):
                rows = db.execute(
                    f"SELECT id, label, venture_id FROM nodes WHERE id IN ({_marks(len(chunk))})", chunk
                )
                for node_id, label, venture_id in rows:
                    found[node_id] = NodeRef(NodeLabel(label), venture_id)
        return found

    def _write(self, nodes: Sequence[Node], edges: Sequence[Edge], expect: Sequence[Expect] = ()) -> None:
        with self._transaction() as db:  # BEGIN IMMEDIATE: the write lock is held from here
            if expect:
                ids = [e.node_id for e in expect]
                rows = db.execute(f"SELECT id, data FROM nodes WHERE id IN ({_marks(len(ids))})", ids)
                check_expected(expect, dict(rows.fetchall()))
            self._write_in(db, nodes, edges)

    @staticmethod
    def _write_in(db: sqlite3.Connection, nodes: Sequence[Node], edges: Sequence[Edge]) -> None:
        for node in nodes:
            outgoing, incoming = owned_relationships(node)
            if outgoing:
                db.execute(
                    f"DELETE FROM edges WHERE src = ? AND type IN ({_marks(len(outgoing))})",
                    (node.id, *outgoing),
                )
            if incoming:
                db.execute(
                    f"DELETE FROM edges WHERE dst = ? AND type IN ({_marks(len(incoming))})",
                    (node.id, *incoming),
                )
        db.executemany(
            "INSERT INTO nodes (id, label, venture_id, role, kind, ts, data, indexed)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
            " ON CONFLICT (id) DO UPDATE SET label = excluded.label, venture_id = excluded.venture_id,"
            " role = excluded.role, kind = excluded.kind, ts = excluded.ts, data = excluded.data,"
            " indexed = 0",
            [
                (
                    n.id,
                    n.label.value,
                    n.owner_venture,
                    n.role_key,
                    n.kind_key,
                    micros(n.timestamp),
                    n.model_dump_json(),
                )
                for n in nodes
            ],
        )
        db.executemany(
            "INSERT INTO edges (src, type, dst, props) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (src, type, dst) DO UPDATE SET props = excluded.props",
            [(e.source, e.type.value, e.target, json.dumps(e.properties)) for e in edges],
        )

    def get_many(self, ids: Sequence[str]) -> dict[str, Node]:
        found: dict[str, Node] = {}
        with self._reading() as db:
            for chunk in _chunks(list(ids)):
                rows = db.execute(
                    f"SELECT id, label, data FROM nodes WHERE id IN ({_marks(len(chunk))})", chunk
                )
                for node in self._parsed((label, data) for _, label, data in rows):
                    found[node.id] = node
        return found

    def edges_of(
        self,
        ids: Sequence[str],
        *,
        direction: Direction = Direction.BOTH,
        rel_types: Sequence[RelType] | None = None,
    ) -> list[Edge]:
        type_clause, type_args = "", []
        if rel_types is not None:
            type_clause = f" AND type IN ({_marks(len(rel_types))})"
            type_args = [RelType(t).value for t in rel_types]
        columns = {Direction.OUT: ["src"], Direction.IN: ["dst"], Direction.BOTH: ["src", "dst"]}[
            Direction(direction)
        ]
        found: dict[tuple[str, str, str], Edge] = {}
        with self._reading() as db:
            for chunk in _chunks(list(ids)):
                for column in columns:
                    rows = db.execute(
                        f"SELECT src, type, dst, props FROM edges"
                        f" WHERE {column} IN ({_marks(len(chunk))}){type_clause}",
                        [*chunk, *type_args],
                    )
                    for src, rel, dst, props in rows:
                        found[(src, rel, dst)] = Edge(
                            source=src, type=RelType(rel), target=dst, properties=json.loads(props)
                        )
        return [found[key] for key in sorted(found)]

    def list_nodes(self, query: NodeQuery) -> list[Node]:
        clauses: list[str] = ["label = ?"]
        args: list[str | int] = [NodeLabel(query.label).value]
        for column, value in (
            ("venture_id", query.venture_id),
            ("role", query.role),
            ("kind", query.kind),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                args.append(value)
        if query.since is not None:
            clauses.append("ts >= ?")
            args.append(micros(query.since))
        if query.until is not None:
            clauses.append("ts < ?")
            args.append(micros(query.until))
        order = "DESC" if query.newest_first else "ASC"
        sql = (
            f"SELECT label, data FROM nodes WHERE {' AND '.join(clauses)}"
            f" ORDER BY ts {order}, id {order} LIMIT ?"
        )
        with self._reading() as db:
            rows = db.execute(sql, [*args, query.limit]).fetchall()
        return self._parsed(rows)

    def outcomes_of(self, decision_ids: Sequence[str]) -> dict[str, list[Outcome]]:
        found: dict[str, list[Outcome]] = {}
        with self._reading() as db:
            for chunk in _chunks(list(decision_ids)):
                rows = db.execute(
                    "SELECT e.src, n.data FROM edges e JOIN nodes n ON n.id = e.dst"
                    f" WHERE e.type = 'LED_TO' AND e.src IN ({_marks(len(chunk))})"
                    " ORDER BY n.ts, n.id",
                    chunk,
                )
                for decision_id, data in rows:
                    for outcome in self._parsed([(NodeLabel.OUTCOME.value, data)]):
                        if isinstance(outcome, Outcome):
                            found.setdefault(decision_id, []).append(outcome)
        return found

    def _delete_venture(self, venture_id: str, rewritten: Sequence[Node]) -> dict[str, int]:
        with self._transaction() as db:
            counts = dict(
                db.execute(
                    "SELECT label, count(*) FROM nodes WHERE venture_id = ? GROUP BY label", (venture_id,)
                ).fetchall()
            )
            owned = "SELECT id FROM nodes WHERE venture_id = ?"
            db.execute(f"DELETE FROM edges WHERE src IN ({owned})", (venture_id,))
            db.execute(f"DELETE FROM edges WHERE dst IN ({owned})", (venture_id,))
            db.execute("DELETE FROM nodes WHERE venture_id = ?", (venture_id,))
            self._write_in(db, rewritten, [e for n in rewritten for e in derived_edges(n)])
        return counts

    def delete_nodes(self, ids: Sequence[str]) -> int:
        deleted = 0
        with self._transaction() as db:
            for chunk in _chunks(list(ids)):
                marks = _marks(len(chunk))
                db.execute(f"DELETE FROM edges WHERE src IN ({marks})", chunk)
                db.execute(f"DELETE FROM edges WHERE dst IN ({marks})", chunk)
                deleted += db.execute(f"DELETE FROM nodes WHERE id IN ({marks})", chunk).rowcount
        return deleted

    def outcome_groups(
        self, sharing: Sequence[str], *, kind: str | None = None, ventures: Sequence[str] | None = None
    ) -> list[OutcomeGroup]:
        params = {
            "sharing": json.dumps(list(sharing)),
            "kind": kind,
            "ventures": None if ventures is None else json.dumps(list(ventures)),
        }
        with self._reading() as db:
            rows = db.execute(_SQL_OUTCOME_GROUPS, params).fetchall()
        return [OutcomeGroup(k, chosen, v, int(n), float(total), int(wins)) for k, chosen, v, n, total, wins in rows]

    def count(self, label: NodeLabel | None = None, venture_id: str | None = None) -> int:
        clauses, args = ["1 = 1"], []
        if label is not None:
            clauses.append("label = ?")
            args.append(NodeLabel(label).value)
        if venture_id is not None:
            clauses.append("venture_id = ?")
            args.append(venture_id)
        with self._reading() as db:
            row = db.execute(f"SELECT count(*) FROM nodes WHERE {' AND '.join(clauses)}", args).fetchone()
        return int(row[0])

    def count_linked(
        self, target_id: str, rel_type: RelType, label: NodeLabel, *, role: str | None = None,
        before: datetime | None = None,
    ) -> int:
        clauses = ["e.dst = ?", "e.type = ?", "n.label = ?"]
        args: list[object] = [target_id, RelType(rel_type).value, NodeLabel(label).value]
        if role is not None:
            clauses.append("n.role = ?")
            args.append(role)
        if before is not None:
            clauses.append("n.ts < ?")
            args.append(micros(before))
        with self._reading() as db:
            row = db.execute(
                f"SELECT count(*) FROM edges e JOIN nodes n ON n.id = e.src WHERE {' AND '.join(clauses)}", args
            ).fetchone()
        return int(row[0])

    def scan(
        self, venture_id: str | None = None, labels: Sequence[NodeLabel] | None = None
    ) -> Iterable[Node]:
        clauses, args = ["1 = 1"], []
        if venture_id is not None:
            clauses.append("venture_id = ?")
            args.append(venture_id)
        if labels is not None:
            clauses.append(f"label IN ({_marks(len(labels))})")
            args.extend(NodeLabel(label).value for label in labels)
        with self._reading() as db:
            rows = db.execute(
                f"SELECT label, data FROM nodes WHERE {' AND '.join(clauses)} ORDER BY ts, id", args
            ).fetchall()
        return self._parsed_lazily(rows)

    def _parsed_lazily(self, rows: list[tuple[str, str]]) -> Iterator[Node]:
        """``_parsed(rows)`` a thousand rows at a time, so a scan never holds every node at once."""
        for start in range(0, len(rows), 1_000):
            yield from self._parsed(rows[start : start + 1_000])

    def unindexed(self, limit: int = 1000) -> list[Node]:
        with self._reading() as db:
            rows = db.execute(
                "SELECT label, data FROM nodes WHERE indexed = 0 ORDER BY ts, id LIMIT ?", (limit,)
            ).fetchall()
        return self._parsed(rows)

    def mark_indexed(self, ids: Sequence[str]) -> None:
        # A flag lost to a power cut only makes the next open index those nodes again.
        with self._transaction(durable=False) as db:
            for chunk in _chunks(list(ids)):
                db.execute(f"UPDATE nodes SET indexed = 1 WHERE id IN ({_marks(len(chunk))})", chunk)

    def stored_rows(self) -> list[StoredRow]:
        with self._reading() as db:
            rows = db.execute("SELECT id, label, data, indexed FROM nodes ORDER BY ts, id").fetchall()
        return [StoredRow(id, label, data, bool(indexed)) for id, label, data, indexed in rows]

    def close(self) -> None:
        with self._lock, _translated(self.path):
            self._closed = True
            with self._readers_lock:
                for reader in self._readers:
                    reader.close()
                self._readers.clear()
            self._db.close()

    def mark_all_unindexed(self) -> None:
        with self._transaction() as db:
            db.execute("UPDATE nodes SET indexed = 0 WHERE indexed <> 0")

    def get_meta(self, key: str) -> str | None:
        with self._reading() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def put_api_key(self, key_id: str, data: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO api_keys (id, data) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                (key_id, data),
            )

    def get_api_key(self, key_id: str) -> str | None:
        with self._reading() as db:
            row = db.execute("SELECT data FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        return None if row is None else str(row[0])

    def list_api_keys(self) -> list[str]:
        with self._reading() as db:
            rows = db.execute("SELECT data FROM api_keys ORDER BY id").fetchall()
        return [str(data) for (data,) in rows]
