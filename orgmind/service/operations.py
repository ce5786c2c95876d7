"""What a key may do: every REST route and MCP tool goes through these checked operations.

Each checks the key's scope and ventures, then calls the OrgMind facade in one of the
service's modes (``orgmind.service.state``: read, write or exclusive).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from orgmind.errors import InvalidInput, InvalidRecord, NotFound
from orgmind.brief.render import WakeUpBrief
from orgmind.graph.queries import shareable
from orgmind.knowledge import KindKnowledge, KindStats, Precedent
from orgmind.importer import ImportReport, parse_line, read_lines
from orgmind.keys import ApiKey
from orgmind.memory import as_node
from orgmind.summary import VentureStats
from orgmind.models import (
    Decision,
    DecisionStatus,
    Escalation,
    Node,
    NodeLabel,
    Pattern,
    Venture,
    import_line,
)
from orgmind.retrieval.hits import Hit
from orgmind.retrieval.tenancy import Scope
from orgmind.service.state import ServiceState
from orgmind.synthesis.result import Scorecard, SynthesisResult

WRITABLE = {"venture", "agent", "decision", "outcome", "observation", "insight"}


def _writable(record: Mapping[str, Any] | Node, key: ApiKey) -> Node:
    data = dict(record) if not isinstance(record, Node) else None
    if data is not None and str(data.get("type", "")) not in WRITABLE:
        raise InvalidRecord("type", f"must be one of: {', '.join(sorted(WRITABLE))}")
    node = as_node(record)
    key.require_venture(node.owner_venture)
    if isinstance(node, Decision) and node.status == DecisionStatus.APPROVED:
        key.require_scope("approve")  # an approval is a person's act, not an agent's write
    return node


def record_many(state: ServiceState, key: ApiKey, records: Sequence[Mapping[str, Any] | Node]) -> list[Node]:
    key.require_scope("write")
    nodes = [_writable(record, key) for record in records]
    with state.read() as mind:  # embedded beside other writers', before taking the write lock
        mind.index.prepare(nodes)
    sharing_may_change = any(isinstance(node, Venture) for node in nodes)
    with state.exclusive() if sharing_may_change else state.write() as mind:
        return mind.record_many(nodes)


def import_ndjson(state: ServiceState, key: ApiKey, body: bytes) -> ImportReport:
    """Import JSONL text; every parsable line must belong to a venture the key covers.

    An import records history as it happened, past the approval gates, so it also needs the
    ``approve`` scope.
    """
    key.require_scope("write")
    key.require_scope("approve")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.jsonl"
        path.write_bytes(body)
        for _, line in read_lines(path):
            try:
                node = parse_line(line) if isinstance(line, str) else None
            except InvalidInput:
                node = None  # reported by the import itself, with its line number
            if node is not None:
                key.require_venture(node.owner_venture)
        with state.exclusive() as mind:
            return mind.import_jsonl(path)


def get_record(state: ServiceState, key: ApiKey, record_id: str) -> Node:
    key.require_scope("read")
    with state.read() as mind:
        node = mind.graph.get(record_id)
        if isinstance(node, Pattern):
            return shareable(mind.graph, [node])[0]
    if node is None:
        raise NotFound(f"no record with id {record_id!r}")
    key.require_venture(node.owner_venture)
    return node


def recall(state: ServiceState, key: ApiKey, query: str, venture: str | None = None, k: int = 10,
           kinds: Sequence[str] | None = None, scope: Scope = "venture", *, roles: Sequence[str] | None = None,
           labels: Sequence[NodeLabel | str] | None = None, since: datetime | None = None,
           until: datetime | None = None, now: datetime | None = None) -> list[Hit]:
    """Recall for the key: its own venture, plus (scope platform) ventures that share openly."""
    key.require_scope("read")
    if venture is not None:
        key.require_venture(venture)
    with state.read() as mind:
        return mind.recall(query, venture, k, kinds, scope, roles=roles, labels=labels, since=since,
                           until=until, now=now)


def similar_decisions(state: ServiceState, key: ApiKey, decision_id: str | None = None, text: str | None = None,
                      venture: str | None = None, scope: Scope = "venture", k: int = 10, *,
                      now: datetime | None = None) -> list[Hit]:
    key.require_scope("read")
    if venture is not None:
        key.require_venture(venture)
    with state.read() as mind:
        if decision_id is not None:
            decision = mind.graph.get(decision_id)
            if isinstance(decision, Decision):
                key.require_venture(decision.venture_id)
        return mind.similar_decisions(decision_id, text, venture, scope, k, now=now)


def wake_up(state: ServiceState, key: ApiKey, venture: str, role: str, task: str | None = None,
            budget_tokens: int = 1200, *, agent_id: str | None = None, ref: str | None = None,
            now: datetime | None = None) -> WakeUpBrief:
    key.require_scope("read")
    key.require_venture(venture)
    with state.read() as mind:  # its WakeUp and Brief are committed like any write, one at a time
        return mind.wake_up(venture, role, task, budget_tokens, agent_id=agent_id, ref=ref, now=now)


def synthesize(state: ServiceState, key: ApiKey, venture: str, role: str | None = None, *,
               now: datetime | None = None) -> SynthesisResult:
    key.require_scope("write")
    key.require_venture(venture)
    with state.exclusive() as mind:
        return mind.synthesize(venture, role, now=now)


def scorecard(state: ServiceState, key: ApiKey, venture: str, role: str | None = None) -> Scorecard:
    key.require_scope("read")
    key.require_venture(venture)
    with state.read() as mind:
        return mind.scorecard(venture, role)


def mine_patterns(state: ServiceState, key: ApiKey, *, now: datetime | None = None, min_ventures: int = 2,
                  similarity: float = 0.75) -> list[Pattern]:
    """Platform-wide: an admin key with the write scope."""
    key.require_scope("write")
    key.require_venture(None)
    with state.exclusive() as mind:
        return mind.mine_patterns(now=now, min_ventures=min_ventures, similarity=similarity)


def pending_approvals(state: ServiceState, key: ApiKey, venture: str | None = None) -> list[tuple[Escalation, Decision]]:
    """Pending escalations of one venture, or of every venture the key covers."""
    key.require_scope("read")
    if venture is not None:
        key.require_venture(venture)
    with state.read() as mind:
        if venture is not None or key.admin:
            return mind.pending_approvals(venture)
        pending = [pair for v in key.ventures for pair in mind.pending_approvals(v)]
    return sorted(pending, key=lambda pair: (pair[0].requested_at, pair[0].id))


def resolve(state: ServiceState, key: ApiKey, escalation_id: str, approve: bool,
            note: str | None = None) -> tuple[Escalation, Decision]:
    """Approve or reject; the approver recorded is the key's name."""
    key.require_scope("approve")
    with state.write() as mind:
        escalation = mind.graph.get(escalation_id)
        if not isinstance(escalation, Escalation):
            raise NotFound(f"no escalation with id {escalation_id!r}")
        key.require_venture(escalation.venture_id)
        resolver = mind.approve if approve else mind.reject
        return resolver(escalation_id, key.name, note)


def patterns(state: ServiceState, key: ApiKey, kind: str | None = None) -> list[Pattern]:
    """Stored cross-venture patterns (built only from ventures that share them)."""
    key.require_scope("read")
    with state.read() as mind:
        return mind.list_patterns(kind)


def kinds(state: ServiceState, key: ApiKey, ventures: Sequence[str] | None = None) -> list[KindStats]:
    """Which decision kinds succeed, aggregated over ventures that share."""
    key.require_scope("read")
    with state.read() as mind:
        return mind.kind_stats(ventures or None)


def kind_knowledge(state: ServiceState, key: ApiKey, kind: str) -> KindKnowledge:
    key.require_scope("read")
    with state.read() as mind:
        return mind.platform_knowledge(kind)


def precedents(state: ServiceState, key: ApiKey, decision_id: str, k: int = 5) -> list[Precedent]:
    """Decisions like one of the key's, in ventures that share openly."""
    key.require_scope("read")
    with state.read() as mind:
        decision = mind.graph.get(decision_id)
        if not isinstance(decision, Decision):
            raise NotFound(f"no decision with id {decision_id!r}")
        key.require_venture(decision.venture_id)
        return mind.similar_elsewhere(decision_id, k)


def export(state: ServiceState, key: ApiKey, venture: str) -> list[dict[str, Any]]:
    key.require_scope("read")
    key.require_venture(venture)
    with state.read() as mind:
        return mind.export(venture)


def stats(state: ServiceState, key: ApiKey) -> list[VentureStats]:
    key.require_scope("read")
    with state.read() as mind:
        return mind.stats(None if key.admin else key.ventures)


def delete_venture(state: ServiceState, key: ApiKey, venture: str) -> dict[str, int]:
    key.require_scope("write")
    key.require_venture(venture)
    with state.exclusive() as mind:
        return mind.delete_venture(venture)


def as_line(node: Node) -> dict[str, Any]:
    """A stored record as it travels: the import format, with its ``type``."""
    return import_line(node)
