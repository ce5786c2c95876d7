"""AutoGen (autogen-core / autogen-agentchat 0.7) over orgmind (``pip install orgmind[autogen]``).

``OrgMindMemory`` implements AutoGen's ``Memory``: before each model call ``update_context``
wakes the agent up for the task (the latest user message), adds the cited brief and the
precedents recalled for that message to the model context as a system message, and keeps the
wake-up id so that decisions recorded with ``memory.tools()`` are linked to the brief.
"""

from __future__ import annotations

import json

from autogen_core import CancellationToken
from autogen_core.memory import (
    Memory,
    MemoryContent,
    MemoryMimeType,
    MemoryQueryResult,
    UpdateContextResult,
)
from autogen_core.model_context import ChatCompletionContext
from autogen_core.models import SystemMessage, UserMessage
from autogen_core.tools import FunctionTool

from orgmind.errors import InvalidArgument
from orgmind.integrations._memory import VentureMemory, render_hits
from orgmind.brief.render import WakeUpBrief
from orgmind.retrieval.hits import Hit


class OrgMindMemory(Memory):
    """One role's memory in one venture, for an ``AssistantAgent(memory=[...])``.

    ``add`` records a note (text, Markdown or JSON); ``query`` is orgmind's recall. orgmind keeps
    the venture's history: ``clear`` only ends the current wake-up, it deletes nothing.
    """

    component_type = "memory"

    def __init__(self, memory: VentureMemory, role: str, *, name: str = "orgmind") -> None:
        self.memory = memory
        self.role = role
        self.name = name
        self.brief: WakeUpBrief | None = None

    @property
    def wakeup_id(self) -> str | None:
        """The current wake-up, which decisions recorded now are linked to."""
        return self.brief.wakeup_id if self.brief else None

    async def update_context(self, model_context: ChatCompletionContext) -> UpdateContextResult:
        """Wake up for the latest user message (once per task) and put the brief and the
        precedents recalled for that message into the context as a system message."""
        messages = await model_context.get_messages()
        task = next((m.content for m in reversed(messages)
                     if isinstance(m, UserMessage) and isinstance(m.content, str)), None)
        if self.brief is None or (task is not None and task != self.brief.task):
            self.brief = self.memory.wake_up(self.role, task)
        cited = set(self.brief.cited_ids)
        hits = [hit for hit in self.memory.recall(task) if hit.id not in cited] if task else []
        text = self.brief.to_markdown()
        if hits:
            text += "\n## Recalled for this message\n" + render_hits(hits) + "\n"
        await model_context.add_message(SystemMessage(content=text))
        brief_content = MemoryContent(
            content=self.brief.to_markdown(), mime_type=MemoryMimeType.MARKDOWN,
            metadata={"wakeup_id": self.brief.wakeup_id, "brief_id": self.brief.brief_id},
        )
        return UpdateContextResult(memories=MemoryQueryResult(results=[brief_content, *map(as_content, hits)]))

    async def query(
        self, query: str | MemoryContent, cancellation_token: CancellationToken | None = None, **kwargs: object
    ) -> MemoryQueryResult:
        """Recall: records of the venture like ``query``, with their outcomes."""
        text = query if isinstance(query, str) else content_text(query)
        return MemoryQueryResult(results=[as_content(hit) for hit in self.memory.recall(text)])

    async def add(self, content: MemoryContent, cancellation_token: CancellationToken | None = None) -> None:
        """Record ``content`` as a note of this role."""
        self.memory.remember(content_text(content), role=self.role, source="autogen")

    async def clear(self) -> None:
        """End the current wake-up; the next model call wakes the agent up again."""
        self.brief = None

    async def close(self) -> None:
        """Nothing to release: the backend belongs to the caller."""

    def tools(self) -> list[FunctionTool]:
        """``record_decision``, ``record_outcome`` and ``recall_precedents`` for the agent."""

        def record_decision(kind: str, title: str, rationale: str, options: list[str] | None = None,
                            chosen: str | None = None, confidence: float | None = None) -> str:
            """Record a decision you made: its kind (a short slug such as 'pricing'), a one-line
            title, why, the options considered, the one chosen and your confidence (0 to 1)."""
            decision = self.memory.record_decision(
                self.role, self.wakeup_id, kind=kind, title=title, rationale=rationale,
                options=options or (), chosen=chosen, confidence=confidence,
            )
            return f"Recorded decision {decision.id}."

        def record_outcome(decision_id: str, score: float, summary: str) -> str:
            """Record what came of an earlier decision: a score from -1 (failure) to 1 (success)."""
            outcome = self.memory.record_outcome(decision_id, score, summary)
            return f"Recorded outcome {outcome.id} of {decision_id}."

        def recall_precedents(query: str) -> str:
            """Find past decisions, notes and insights of this venture like the query, with outcomes."""
            return render_hits(self.memory.recall(query)) or "No precedents found."

        return [FunctionTool(f, description=(f.__doc__ or "").strip())
                for f in (record_decision, record_outcome, recall_precedents)]


def content_text(content: MemoryContent) -> str:
    """The text of a memory item; JSON content as JSON."""
    if isinstance(content.content, str):
        return content.content
    if isinstance(content.content, dict):
        return json.dumps(content.content, sort_keys=True, default=str)
    raise InvalidArgument("content", f"orgmind keeps text and JSON, not {content.mime_type}")


def as_content(hit: Hit) -> MemoryContent:
    """A recall hit as an AutoGen memory item, its id, score and outcome as metadata."""
    return MemoryContent(content=hit.text, mime_type=MemoryMimeType.TEXT, metadata={
        "id": hit.id, "score": hit.score,
        "outcome_score": hit.outcome.score if hit.outcome else None,
        "outcome": hit.outcome.summary if hit.outcome else None,
    })
