"""CrewAI over orgmind (``pip install orgmind[crewai]``), through CrewAI's external memory.

``CrewMemory`` gives a crew three things, all standard ``Crew`` arguments:

- ``external_memory()``: orgmind as the crew's external memory. Before each task, the agent's
  cited wake-up brief and the precedents recalled for the task join the task prompt (CrewAI's
  "External memories"); each agent's final answer is recorded as a note.
- ``before_kickoff``: every kickoff is a new wake-up for each agent (``inputs["task"]``, if
  given, is the task the brief is built for; otherwise the agent's first task).
- ``task_callback``: a task whose ``output_pydantic`` is ``DecisionReport`` records the
  decision, linked to the agent's wake-up; ``OutcomeReport`` records what came of one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from crewai.memory.external.external_memory import ExternalMemory
from crewai.memory.storage.interface import Storage
from crewai.tasks.task_output import TaskOutput
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from orgmind.errors import InvalidArgument
from orgmind.integrations._memory import VentureMemory, render_hit
from orgmind.models import Slug
from orgmind.brief.render import WakeUpBrief

NOTE_LIMIT = 10_000


class DecisionReport(BaseModel):
    """A task's result when the task is to decide (``Task(output_pydantic=DecisionReport)``)."""

    kind: str = Field(description="a short slug for the kind of decision, e.g. 'pricing'")
    title: str = Field(description="the decision in one line")
    rationale: str = Field(default="", description="why")
    options: list[str] = Field(default_factory=list, description="the options considered")
    chosen: str | None = Field(default=None, description="the option chosen")
    confidence: float | None = Field(default=None, description="confidence from 0 to 1")


class OutcomeReport(BaseModel):
    """A task's result when the task is to judge what came of a decision."""

    decision_id: str = Field(description="the id of the decision judged")
    score: float = Field(description="from -1 (failure) to 1 (success)")
    summary: str = Field(default="", description="what happened")


class CrewMemory:
    """One venture's memory for a crew; ``roles`` maps CrewAI agent roles to orgmind roles
    (an agent role that is already a slug, such as ``"cto"``, needs no entry)."""

    def __init__(self, memory: VentureMemory, roles: Mapping[str, str] | None = None) -> None:
        self.memory = memory
        self.roles = dict(roles or {})
        self.task: str | None = None
        self.briefs: dict[str, WakeUpBrief] = {}

    def role_of(self, agent_role: str) -> str:
        """The orgmind role of a CrewAI agent role."""
        role = self.roles.get(agent_role, agent_role)
        try:
            return TypeAdapter(Slug).validate_python(role)
        except ValidationError:
            raise InvalidArgument(
                "roles", f"map the agent role {agent_role!r} to an orgmind role such as 'cto'"
            ) from None

    def external_memory(self) -> ExternalMemory:
        """The crew's ``external_memory``."""
        return BriefingExternalMemory(storage=OrgMindStorage(self.memory), crew_memory=self)

    def before_kickoff(self, inputs: dict[str, Any] | None) -> dict[str, Any] | None:
        """A ``before_kickoff_callbacks`` entry: start new wake-ups for this kickoff."""
        self.briefs.clear()
        task = (inputs or {}).get("task")
        self.task = task if isinstance(task, str) else None
        return inputs

    def brief_for(self, agent_role: str, task: str) -> WakeUpBrief:
        """The agent's brief for this kickoff, woken up on its first task."""
        if agent_role not in self.briefs:
            self.briefs[agent_role] = self.memory.wake_up(self.role_of(agent_role), self.task or task)
        return self.briefs[agent_role]

    def task_callback(self, output: TaskOutput) -> None:
        """The crew's ``task_callback``: record a reported decision or outcome."""
        report = output.pydantic
        if isinstance(report, DecisionReport):
            brief = self.brief_for(output.agent, output.description)
            self.memory.record_decision(
                self.role_of(output.agent), brief.wakeup_id, kind=report.kind, title=report.title,
                rationale=report.rationale, options=report.options, chosen=report.chosen,
                confidence=report.confidence,
            )
        elif isinstance(report, OutcomeReport):
            self.memory.record_outcome(report.decision_id, report.score, report.summary)


class OrgMindStorage(Storage):
    """CrewAI's storage interface over orgmind: ``save`` records a note, ``search`` recalls.

    orgmind ranks by fused relevance, recency and outcomes rather than a similarity in [0, 1],
    so ``score_threshold`` is not applied; ``reset`` is refused because orgmind keeps history.
    """

    def __init__(self, memory: VentureMemory) -> None:
        self.memory = memory

    def save(self, value: Any, metadata: dict[str, Any]) -> None:
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
        role = metadata.get("agent")
        self.memory.remember(text[:NOTE_LIMIT], role=role if isinstance(role, str) else None, source="crewai")

    def search(self, query: str, limit: int, score_threshold: float) -> list[Any]:
        return [
            {"content": render_hit(hit), "score": hit.score, "metadata": {"id": hit.id}}
            for hit in self.memory.recall(query, k=limit)
        ]

    def reset(self) -> None:
        raise InvalidArgument("reset", "orgmind keeps the venture's history; delete a venture instead")


class BriefingExternalMemory(ExternalMemory):
    """External memory that opens with the working agent's wake-up brief."""

    crew_memory: Any = None

    def save(self, value: Any, metadata: dict[str, Any] | None = None) -> None:
        role = self.crew_memory.role_of(self.agent.role) if self.agent else None
        super().save(value, {**(metadata or {}), "agent": role})

    def search(self, query: str, limit: int = 5, score_threshold: float = 0.6) -> Any:
        results = list(super().search(query, limit, score_threshold))
        if self.agent is None:
            return results
        brief = self.crew_memory.brief_for(self.agent.role, self.task.description if self.task else query)
        cited = set(brief.cited_ids)
        fresh = [r for r in results if r["metadata"]["id"] not in cited]
        return [{"content": "\n" + brief.to_markdown(), "score": 1.0, "metadata": {"id": brief.brief_id}}, *fresh]
