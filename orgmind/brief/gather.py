"""Gathering a wake-up brief: candidate lines per section, by graph traversal plus search.

Sections are gathered from the graph (brain, open items, recent history, patterns), from hybrid
search (precedents: own venture first, then ventures that share openly) and from the approval
gates, received as data (guardrails). ``orgmind.brief.pack`` then fits them into the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from orgmind.graph.base import Direction, GraphStore, NodeQuery
from orgmind.models import (
    BrainVersion,
    Decision,
    DecisionStatus,
    Escalation,
    EscalationStatus,
    Insight,
    InsightStatus,
    NodeLabel,
    Pattern,
    RelType,
    Venture,
)
from orgmind.synthesis.recommend import line_for_turn
from orgmind.brief.render import BriefLine, outcome_words, when
from orgmind.retrieval.hits import Hit
from orgmind.retrieval.relevance import KIND_MATCH, kinds_named, rank_by_task
from orgmind.retrieval.search import HybridSearch, SearchRequest
from orgmind.retrieval.tenancy import visible_ventures

TITLES = {
    "current_brain": "Current brain",
    "open_items": "Open items",
    "recent_history": "Recent history",
    "precedents": "Precedents",
    "platform_patterns": "Platform patterns",
    "guardrails": "Guardrails: these need human approval",
}
READING_ORDER = tuple(TITLES)
InsightT = TypeVar("InsightT", Insight, Pattern)


@dataclass(frozen=True)
class Guardrail:
    """An approval gate as a brief states it: its name, what it means, the kinds it covers."""

    name: str
    description: str
    kinds: tuple[str, ...]


@dataclass
class Draft:
    """Candidate lines per section, best first, before packing."""

    lines: dict[str, list[BriefLine]] = field(default_factory=lambda: {name: [] for name in TITLES})


class ContextInjector:
    """Gathers and ranks what an agent should know when it wakes up."""

    def __init__(self, graph: GraphStore, search: HybridSearch, guardrails: Sequence[Guardrail] = ()) -> None:
        self.graph = graph
        self.search = search
        self.guardrails = tuple(guardrails)

    def latest_brain(self, venture: str, role: str) -> BrainVersion | None:
        """The newest brain version of the venture for this role (or for the whole venture)."""
        versions = self.graph.list_nodes(NodeQuery(NodeLabel.BRAIN_VERSION, venture_id=venture, limit=200))
        for version in versions:
            if isinstance(version, BrainVersion) and version.role in (role, None):
                return version
        return None

    def draft(
        self, venture: Venture, role: str, task: str | None, now: datetime, brain: BrainVersion | None
    ) -> Draft:
        """Candidate lines of every section; ``brain`` is the version the agent wakes up under."""
        draft = Draft()
        touched: set[str] | None = None
        if task:
            draft.lines["precedents"], touched = self._precedents(venture, task, now)
            touched |= kinds_named(task, {kind for gate in self.guardrails for kind in gate.kinds})
        draft.lines["current_brain"] = self._brain(brain, role, task, touched, now)
        draft.lines["open_items"] = self._open_items(venture.id, role, now)
        draft.lines["recent_history"] = self._recent(venture.id, role, now)
        draft.lines["open_items"] = self._by_task(task, draft.lines["open_items"])
        draft.lines["recent_history"] = self._by_task(task, draft.lines["recent_history"])
        draft.lines["platform_patterns"] = self._patterns(task, touched)
        draft.lines["guardrails"] = self._guardrails(touched)
        return draft

    def _by_task(self, task: str | None, lines: list[BriefLine]) -> list[BriefLine]:
        """Lines ordered by the task's similarity to the records they cite (the closest counts)."""
        if not task:
            return lines
        cited = sorted({node_id for line in lines for node_id in line.cites})
        similarity = dict(zip(cited, self._similarity(task, cited), strict=True))
        best = [max((similarity[node_id] for node_id in line.cites), default=0.0) for line in lines]
        return rank_by_task(lines, best)

    def _guardrails(self, touched: set[str] | None) -> list[BriefLine]:
        """Gates on the kinds the task touches in full (all of them without a task), the rest as one line."""
        full = [gate for gate in self.guardrails if touched is None or touched.intersection(gate.kinds)]
        lines = [
            BriefLine(text=f"{gate.name.replace('_', ' ')}: {gate.description} (kinds: {', '.join(gate.kinds)})",
                      cites=(), policy=gate.name)
            for gate in full
        ]
        rest = [gate for gate in self.guardrails if gate not in full]
        others = sorted({kind for gate in rest for kind in gate.kinds})
        if others:
            lines.append(BriefLine(text=f"Also gated: {', '.join(others)}", cites=(),
                                   policy="; ".join(gate.name for gate in rest)))
        return lines

    def _brain(
        self, brain: BrainVersion | None, role: str, task: str | None, touched: set[str] | None, now: datetime
    ) -> list[BriefLine]:
        if brain is None:
            return []
        edges = self.graph.edges_of([brain.id], direction=Direction.IN, rel_types=[RelType.PART_OF])
        insights = [
            n for n in self.graph.get_many([e.source for e in edges]).values()
            if isinstance(n, Insight) and n.status == InsightStatus.ACTIVE and n.role in (role, None)
        ]
        ranked = self._ranked(task, insights, touched)
        turn = self._turn(brain, role, now)
        return [
            BriefLine(text=f"{line_for_turn(i.text, turn)} (v{brain.version}; n={i.support}, effect {i.effect:+.2f})",
                      cites=(i.id,))
            for i in ranked
        ]

    def _turn(self, brain: BrainVersion, role: str, now: datetime) -> int:
        """Wake-ups of ``role`` under ``brain`` before ``now``: which step of each recommendation's plan is next."""
        return self.graph.count_linked(brain.id, RelType.UNDER, NodeLabel.WAKEUP, role=role, before=now)

    def _ranked(
        self, task: str | None, items: Sequence[InsightT], touched: set[str] | None
    ) -> list[InsightT]:
        """By relevance to the task (under the floor left out), then effect size; by effect without a task.

        Relevance is the task's cosine with the item, plus ``KIND_MATCH`` if the item is about a
        decision kind the task touches (the kinds of its precedents, or one it names).
        """
        if not task:
            return sorted(items, key=lambda i: (-abs(i.effect), i.id))
        similarity = self._similarity(task, [i.id for i in items])
        relevance = [s + (KIND_MATCH if touched and i.kind in touched else 0.0) for i, s in zip(items, similarity)]
        return rank_by_task(items, relevance, then=lambda i: (-abs(i.effect), i.id))

    def _similarity(self, task: str | None, node_ids: Sequence[str]) -> list[float]:
        """Cosine of each node's stored vector with the task (0 without a task or a vector)."""
        if not task or not node_ids:
            return [0.0] * len(node_ids)
        index = self.search.index
        found = index.vectors.similarities(index.queries.embed(task), list(node_ids))
        return [found.get(i, 0.0) for i in node_ids]

    def _open_items(self, venture: str, role: str, now: datetime) -> list[BriefLine]:
        lines = []
        escalations = [
            e for e in self.graph.list_nodes(NodeQuery(NodeLabel.ESCALATION, venture_id=venture, limit=200))
            if isinstance(e, Escalation) and e.status == EscalationStatus.PENDING
        ]
        decisions = self.graph.get_many([e.decision_id for e in escalations])
        for escalation in escalations:
            decision = decisions.get(escalation.decision_id)
            if not isinstance(decision, Decision):
                continue
            lines.append(BriefLine(
                text=f"Awaiting human approval ({escalation.gate.replace('_', ' ')}) since "
                f"{when(escalation.requested_at, now)}: [{decision.role}] {decision.title}",
                cites=(escalation.id, decision.id),
            ))
        for item in self.graph.decisions_with_outcomes(venture_id=venture, role=role, limit=30):
            decision = item.decision
            if item.outcome is None and decision.status == DecisionStatus.EXECUTED:
                lines.append(BriefLine(
                    text=f"No outcome recorded yet for {decision.title} (decided {when(decision.made_at, now)})",
                    cites=(decision.id,),
                ))
        return lines

    def _recent(self, venture: str, role: str, now: datetime) -> list[BriefLine]:
        items = [i for i in self.graph.decisions_with_outcomes(venture_id=venture, limit=40) if i.outcome]
        items.sort(key=lambda i: (i.decision.role != role, -i.decision.made_at.timestamp()))
        return [
            BriefLine(
                text=f"{when(i.decision.made_at, now)} [{i.decision.role}] {i.decision.title} → "
                f"{outcome_words(i.outcome)}",
                cites=(i.decision.id, i.outcome.id),
            )
            for i in items
            if i.outcome is not None
        ]

    def _precedents(self, venture: Venture, task: str, now: datetime) -> tuple[list[BriefLine], set[str]]:
        """Lines on the most relevant decided precedents, and the decision kinds they are of."""
        shared = [v for v in visible_ventures(self.graph, venture.id, "platform") if v != venture.id]
        hits: list[Hit] = []
        for scope in ([venture.id], shared):
            if scope:
                found = self.search.search(SearchRequest(
                    query=task, venture_ids=scope, k=4, labels=[NodeLabel.DECISION.value], now=now,
                ))
                decided = [h for h in found if h.outcome is not None]  # own venture first, then by relevance
                hits.extend(rank_by_task(decided, self._similarity(task, [h.id for h in decided]),
                                         then=lambda h: (-h.score,)))
        names = {v.id: v.name for v in self.graph.get_many(sorted({h.venture for h in hits if h.venture})).values()
                 if isinstance(v, Venture)}
        lines = [
            BriefLine(
                text=f"{'' if h.venture == venture.id else names.get(h.venture or '', h.venture or '') + ', '}"
                f"{when(h.timestamp, now)}: {h.text.split('. ')[0].rstrip('.')} → {outcome_words(h.outcome)}",
                cites=(h.id, h.outcome.id),
            )
            for h in hits
            if h.outcome is not None
        ]
        return lines, {h.decision_kind for h in hits if h.decision_kind}

    def _patterns(self, task: str | None, touched: set[str] | None) -> list[BriefLine]:
        patterns = [p for p in self.graph.list_nodes(NodeQuery(NodeLabel.PATTERN, limit=500)) if isinstance(p, Pattern)]
        return [BriefLine(text=p.text, cites=(p.id,)) for p in self._ranked(task, patterns, touched)]
