"""LangGraph and LangChain over orgmind (``pip install orgmind[langgraph]``).

- ``OrgMindStore``: a LangGraph ``BaseStore`` whose namespaces are ``(venture,)`` and
  ``(venture, role)``; ``put`` records a note, ``search`` is orgmind's hybrid recall.
- ``OrgMindRetriever``: a LangChain ``BaseRetriever`` over recall.
- ``brief_node``: a graph node that wakes the agent up, puts the cited brief first in the
  messages as a system message, and keeps the wake-up id in the state (``BriefedState``).
- ``decision_tools``: tools to recall precedents and record decisions and outcomes; decisions
  are linked to the run's wake-up through the injected graph state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Any, NotRequired, Protocol

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.messages import (
    AnyMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
)
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool, tool
from langgraph.graph import MessagesState
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.prebuilt import InjectedState
from langgraph.store.base import (
    BaseStore,
    GetOp,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)
from pydantic import ConfigDict

from orgmind.errors import InvalidArgument
from orgmind.integrations._memory import VentureMemory, render_hits

BRIEF_MESSAGE_ID = "orgmind-brief"


class BriefedState(MessagesState):
    """Messages plus the id of the wake-up the run's decisions are linked to."""

    wakeup_id: NotRequired[str]


class BriefNode(Protocol):
    """A graph node over ``BriefedState``."""

    def __call__(self, state: BriefedState) -> dict[str, Any]: ...


def brief_node(memory: VentureMemory, role: str) -> BriefNode:
    """A node that wakes ``role`` up: the brief for the run's first human message as the task,
    placed first in the messages as a system message, and ``wakeup_id`` set in the state."""

    def wake_up(state: BriefedState) -> dict[str, Any]:
        messages = state["messages"]
        task = next((m.text for m in messages if isinstance(m, HumanMessage)), None)
        brief = memory.wake_up(role, task or None)
        kept: list[AnyMessage] = [m for m in messages if m.id != BRIEF_MESSAGE_ID]
        system = SystemMessage(content=brief.to_markdown(), id=BRIEF_MESSAGE_ID)
        return {"messages": [RemoveMessage(id=REMOVE_ALL_MESSAGES), system, *kept],
                "wakeup_id": brief.wakeup_id}

    return wake_up


def decision_tools(memory: VentureMemory, role: str) -> list[BaseTool]:
    """Tools for a ``ToolNode``: ``recall_precedents``, ``record_decision``, ``record_outcome``.

    ``record_decision`` reads the wake-up id from the graph state (``BriefedState``), so every
    decision the run makes is linked to the brief the agent was given.
    """

    @tool
    def recall_precedents(query: str) -> str:
        """Find past decisions, notes and insights of this venture like the query, with outcomes."""
        return render_hits(memory.recall(query)) or "No precedents found."

    @tool
    def record_decision(
        kind: str, title: str, rationale: str, state: Annotated[dict[str, Any], InjectedState],
        options: list[str] | None = None, chosen: str | None = None, confidence: float | None = None,
    ) -> str:
        """Record a decision you made: its kind (a short slug such as 'pricing'), a one-line
        title, why, the options considered, the one chosen and your confidence (0 to 1)."""
        decision = memory.record_decision(
            role, state.get("wakeup_id"), kind=kind, title=title, rationale=rationale,
            options=options or (), chosen=chosen, confidence=confidence,
        )
        return f"Recorded decision {decision.id}."

    @tool
    def record_outcome(decision_id: str, score: float, summary: str) -> str:
        """Record what came of an earlier decision: a score from -1 (failure) to 1 (success)."""
        outcome = memory.record_outcome(decision_id, score, summary)
        return f"Recorded outcome {outcome.id} of {decision_id}."

    return [recall_precedents, record_decision, record_outcome]


class OrgMindRetriever(BaseRetriever):
    """Recall as LangChain documents: the record's text, with id, score and outcome as metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    memory: VentureMemory
    k: int = 5
    role: str | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.memory.recall(query, k=self.k, role=self.role)
        return [
            Document(page_content=hit.text, id=hit.id, metadata={
                "id": hit.id, "score": hit.score,
                "outcome_score": hit.outcome.score if hit.outcome else None,
                "outcome": hit.outcome.summary if hit.outcome else None,
            })
            for hit in hits
        ]


class OrgMindStore(BaseStore):
    """A LangGraph store over one venture's memory, namespaced ``(venture,)`` / ``(venture, role)``.

    ``put`` records a note (an observation; ``value["text"]``, or the value as JSON) under the
    key as its id; ``search`` needs a ``query`` and returns recall hits. orgmind keeps history, so
    deleting one item, ``get`` by key and ``filter`` are not supported and say so.
    """

    def __init__(self, memory: VentureMemory) -> None:
        self.memory = memory

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return [self._run(op) for op in ops]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return self.batch(ops)

    def _run(self, op: Op) -> Result:
        if isinstance(op, PutOp):
            self._put(op)
            return None
        if isinstance(op, SearchOp):
            return self._search(op)
        if isinstance(op, ListNamespacesOp):
            return self._namespaces(op)
        if isinstance(op, GetOp):
            raise InvalidArgument("key", "orgmind finds records by meaning: use search(namespace, query=...)")
        raise InvalidArgument("op", f"unsupported store operation {type(op).__name__}")

    def _role(self, namespace: tuple[str, ...]) -> str | None:
        """The role a namespace names; refuses any namespace outside this store's venture."""
        if not namespace or namespace[0] != self.memory.venture or len(namespace) > 2:
            raise InvalidArgument(
                "namespace", f"must be ({self.memory.venture!r},) or ({self.memory.venture!r}, role), got {namespace!r}"
            )
        return namespace[1] if len(namespace) == 2 else None

    def _put(self, op: PutOp) -> None:
        role = self._role(op.namespace)
        if op.value is None:
            raise InvalidArgument("value", "orgmind keeps history: single records cannot be deleted")
        text = op.value.get("text")
        if not isinstance(text, str):
            text = json.dumps(dict(op.value), sort_keys=True, default=str)
        self.memory.remember(text, role=role, source="langgraph", key=op.key)

    def _search(self, op: SearchOp) -> list[SearchItem]:
        role = self._role(op.namespace_prefix)
        if not op.query or not op.query.strip():
            raise InvalidArgument("query", "orgmind searches by meaning: give a query")
        if op.filter:
            raise InvalidArgument("filter", "not supported: narrow the search by namespace (venture, role)")
        hits = self.memory.recall(op.query, k=op.offset + op.limit, role=role)[op.offset:]
        return [
            SearchItem(
                namespace=op.namespace_prefix, key=hit.id, score=hit.score,
                value={"text": hit.text,
                       "outcome": hit.outcome.model_dump(mode="json") if hit.outcome else None},
                created_at=hit.timestamp, updated_at=hit.timestamp,
            )
            for hit in hits
        ]

    def _namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        namespace: tuple[str, ...] = (self.memory.venture,)
        for condition in op.match_conditions or ():
            path = tuple(condition.path)
            part = namespace[: len(path)] if condition.match_type == "prefix" else namespace[-len(path):]
            if len(path) > len(namespace) or any(p not in ("*", n) for p, n in zip(path, part, strict=True)):
                return []
        return [namespace][op.offset: op.offset + op.limit]
