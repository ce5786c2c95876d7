"""``orgmind check``: the invariants of a store, verified, and what can be repaired from the graph.

The graph is the source of truth. A store is consistent when:

- every stored node parses as its record type;
- every searchable node has exactly one vector and one lexical entry, and no entry lacks a node;
- every node is marked indexed (none is waiting for the indexes);
- every reference a record makes resolves to a stored node of the right kind and venture;
- the audit trail agrees with itself: a pending escalation is unresolved and holds its decision
  as ``pending_approval``; a resolved one names who resolved it and when, and its decision's
  status follows the resolution; a decision held for approval has a pending escalation;
- brain versions form one line per venture and role: each follows the version before it.

Index problems are repairable (``repair`` reconciles the indexes with the graph); the others
need a person, and are reported with the node they concern.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from orgmind.core.store import Store
from orgmind.errors import OrgmindError
from orgmind.models import (
    BrainVersion,
    Decision,
    DecisionStatus,
    Escalation,
    EscalationStatus,
    Node,
    invalid_record_from,
    node_class,
)
from orgmind.retrieval.documents import SEARCHABLE

REPAIRABLE = frozenset({"missing_vector", "orphan_vector", "missing_lexical", "orphan_lexical", "unindexed"})
AFTER_APPROVAL = (DecisionStatus.APPROVED, DecisionStatus.EXECUTED, DecisionStatus.ABANDONED)
AFTER_REJECTION = (DecisionStatus.REJECTED, DecisionStatus.ABANDONED)


@dataclass(frozen=True)
class Problem:
    """One disagreement: its kind, the node it concerns and what is wrong."""

    kind: str
    node_id: str
    detail: str

    @property
    def repairable(self) -> bool:
        """Whether ``repair`` can fix it from the graph."""
        return self.kind in REPAIRABLE


@dataclass
class CheckReport:
    """What ``check`` found: how many nodes and vectors it looked at, and the problems."""

    nodes: int = 0
    vectors: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        """Problems by kind."""
        found: dict[str, int] = defaultdict(int)
        for problem in self.problems:
            found[problem.kind] += 1
        return dict(sorted(found.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "nodes": self.nodes,
            "vectors": self.vectors,
            "counts": self.counts(),
            "problems": [asdict(p) | {"repairable": p.repairable} for p in self.problems],
        }


def check(store: Store) -> CheckReport:
    """Verify the store's invariants without writing anything."""
    report = CheckReport()
    nodes = _parsed(store, report)
    report.nodes = len(nodes) + sum(1 for p in report.problems if p.kind == "unparseable")
    _check_indexes(store, nodes, report)
    _check_references(store, nodes, report)
    _check_audit_trail(nodes, report)
    _check_brain_versions(nodes, report)
    return report


def repair(store: Store) -> CheckReport:
    """Reconcile the indexes with the graph, then check again; returns the new report."""
    store.reconcile()
    return check(store)


def _parsed(store: Store, report: CheckReport) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for row in store.graph.stored_rows():
        try:
            cls = node_class(row.label)
            nodes[row.id] = cls.model_validate_json(row.data)
        except ValidationError as exc:
            report.problems.append(Problem("unparseable", row.id, str(invalid_record_from(exc, row.label))))
            continue
        except (ValueError, KeyError) as exc:
            report.problems.append(Problem("unparseable", row.id, f"unknown label {row.label!r}: {exc}"))
            continue
        if not row.indexed:
            report.problems.append(Problem("unindexed", row.id, "waiting for the search indexes"))
    return nodes


def _check_indexes(store: Store, nodes: dict[str, Node], report: CheckReport) -> None:
    searchable = {i for i, n in nodes.items() if n.label in SEARCHABLE}
    vectors = store.index.vectors.ids()
    report.vectors = len(vectors)
    differences = [("missing_vector", searchable - vectors), ("orphan_vector", vectors - searchable)]
    try:
        lexical = set(store.index.lexical.ids())
    except (ValidationError, OrgmindError):
        if not any(p.kind == "unparseable" for p in report.problems):
            raise
        lexical = None  # built from the graph, which holds rows that do not parse (reported)
    if lexical is not None:
        differences += [("missing_lexical", searchable - lexical), ("orphan_lexical", lexical - searchable)]
    for kind, ids in differences:
        where = "no vector" if "vector" in kind else "no lexical entry"
        detail = f"searchable node with {where}" if kind.startswith("missing") else "index entry with no node"
        report.problems.extend(Problem(kind, node_id, detail) for node_id in sorted(ids))


def _check_references(store: Store, nodes: dict[str, Node], report: CheckReport) -> None:
    batch: Sequence[Node] = list(nodes.values())
    for position, error in store.graph.check(batch):
        report.problems.append(Problem("dangling_reference", batch[position].id, str(error)))


def _check_audit_trail(nodes: dict[str, Node], report: CheckReport) -> None:
    escalations = [n for n in nodes.values() if isinstance(n, Escalation)]
    pending_for: set[str] = set()
    for esc in escalations:
        decision = nodes.get(esc.decision_id)
        resolved = esc.resolver is not None and esc.resolved_at is not None
        if esc.status is EscalationStatus.PENDING:
            pending_for.add(esc.decision_id)
            if esc.resolver is not None or esc.resolved_at is not None:
                report.problems.append(Problem("audit_trail", esc.id, "pending escalation has a resolution"))
            expected: tuple[DecisionStatus, ...] = (DecisionStatus.PENDING_APPROVAL, DecisionStatus.ABANDONED)
        else:
            if not resolved:
                report.problems.append(
                    Problem("audit_trail", esc.id, f"{esc.status.value} escalation without resolver and time")
                )
            expected = AFTER_APPROVAL if esc.status is EscalationStatus.APPROVED else AFTER_REJECTION
        if isinstance(decision, Decision) and decision.status not in expected:
            report.problems.append(Problem(
                "audit_trail", esc.id,
                f"{esc.status.value} escalation but decision {decision.id!r} is {decision.status.value}",
            ))
    for node in nodes.values():
        if isinstance(node, Decision) and node.status is DecisionStatus.PENDING_APPROVAL and node.id not in pending_for:
            report.problems.append(Problem("audit_trail", node.id, "held for approval with no pending escalation"))


def _check_brain_versions(nodes: dict[str, Node], report: CheckReport) -> None:
    versions = {i: n for i, n in nodes.items() if isinstance(n, BrainVersion)}
    successors: dict[str, list[str]] = defaultdict(list)
    for version in versions.values():
        if version.previous_id is None:
            if version.version != 1:
                report.problems.append(
                    Problem("brain_versions", version.id, f"version {version.version} has no previous version")
                )
            continue
        successors[version.previous_id].append(version.id)
        previous = versions.get(version.previous_id)
        if previous is None:
            continue  # reported as a dangling reference
        if (previous.venture_id, previous.role, previous.version + 1) != (version.venture_id, version.role,
                                                                            version.version):
            report.problems.append(Problem(
                "brain_versions", version.id,
                f"does not follow {previous.id!r} (venture, role and version number must continue its line)",
            ))
    for previous_id, following in sorted(successors.items()):
        if len(following) > 1:
            report.problems.append(
                Problem("brain_versions", previous_id, f"succeeded by more than one version: {sorted(following)}")
            )


__all__ = ["CheckReport", "Problem", "check", "repair"]
