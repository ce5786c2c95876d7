"""The CrewAI adapter in a real crew whose LLM is a scripted ``BaseLLM``."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

os.environ.setdefault("CREWAI_TESTING", "true")  # no first-run tracing prompt
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")

from crewai import Agent, Crew, Task
from crewai.llms.base_llm import BaseLLM

from orgmind.errors import InvalidArgument
from orgmind.integrations import VentureMemory
from orgmind.integrations.crewai import (
    CrewMemory,
    DecisionReport,
    OrgMindStorage,
    OutcomeReport,
)
from orgmind.models import Decision, Observation, Outcome
from tests.integrations.conftest import (
    PRIVATE_VENTURE,
    VENTURE,
    Lookup,
    Recorder,
    brief_lines,
    none_owned_by,
    owned_by,
)

TASK = "Decide how to price the new analytics add-on"


class ScriptedLLM(BaseLLM):
    """Answers with the given texts in turn and keeps every prompt it was sent."""

    def __init__(self, replies: list[str]) -> None:
        super().__init__(model="scripted")
        self.replies = list(replies)
        self.prompts: list[str] = []

    def call(self, messages: Any, tools: Any = None, callbacks: Any = None, available_functions: Any = None,
             from_task: Any = None, from_agent: Any = None, response_model: Any = None) -> str:
        self.prompts.append(messages if isinstance(messages, str) else "\n".join(m["content"] for m in messages))
        return self.replies.pop(0)

    def supports_function_calling(self) -> bool:
        return False


def answer(report: dict[str, Any]) -> str:
    return f"Thought: I can answer.\nFinal Answer: {json.dumps(report)}"


def test_a_crew_is_briefed_and_records_decisions_and_outcomes(recorder: Recorder, lookup: Lookup) -> None:
    crew_memory = CrewMemory(VentureMemory(recorder, VENTURE), roles={"Head of Marketing": "cmo"})
    llm = ScriptedLLM([
        answer({"kind": "pricing", "title": "Price the analytics add-on at $15 per seat",
                "rationale": "Seat pricing tracked usage in the precedents.", "options": ["$15/seat", "flat $99"],
                "chosen": "$15/seat", "confidence": 0.6}),
        answer({"decision_id": "lumen-dec-0002", "score": 0.4, "summary": "Trial conversion up 6%."}),
    ])
    cmo = Agent(role="Head of Marketing", goal="Grow revenue", backstory="You run marketing at Lumen.", llm=llm)
    decide = Task(description=TASK, expected_output="the decision", agent=cmo, output_pydantic=DecisionReport)
    review = Task(description="Judge what came of decision lumen-dec-0002", expected_output="the outcome",
                  agent=cmo, output_pydantic=OutcomeReport)
    crew = Crew(agents=[cmo], tasks=[decide, review], external_memory=crew_memory.external_memory(),
                before_kickoff_callbacks=[crew_memory.before_kickoff], task_callback=crew_memory.task_callback)

    crew.kickoff(inputs={"task": TASK})

    [brief] = recorder.briefs
    assert brief.task == TASK and brief.role == "cmo" and brief.venture == VENTURE
    for prompt in llm.prompts:
        for line in brief_lines(brief):
            assert line in prompt
    [decision] = [r for r in recorder.records if isinstance(r, Decision)]
    stored = lookup(decision.id)
    assert isinstance(stored, Decision)
    assert stored.wakeup_id == brief.wakeup_id and stored.role == "cmo" and stored.venture_id == VENTURE
    assert stored.title == "Price the analytics add-on at $15 per seat" and stored.confidence == 0.6
    [outcome] = [r for r in recorder.records if isinstance(r, Outcome)]
    assert outcome.decision_id == "lumen-dec-0002" and outcome.score == 0.4
    notes = [r for r in recorder.records if isinstance(r, Observation)]
    assert len(notes) == 2 and all(n.source == "crewai" and n.role == "cmo" for n in notes)


def test_storage_recalls_only_its_venture(backend: Any, lookup: Lookup) -> None:
    private = OrgMindStorage(VentureMemory(backend, PRIVATE_VENTURE))
    private.save("Sprout's cold-chain supplier raised prices 8%", {"agent": "cfo"})
    found = private.search("cold-chain supplier prices", limit=8, score_threshold=0.6)
    ids = [item["metadata"]["id"] for item in found]
    assert ids and owned_by(lookup, ids, PRIVATE_VENTURE)
    assert any(item["content"].startswith("Sprout's cold-chain supplier raised prices 8% [") for item in found)

    shared = OrgMindStorage(VentureMemory(backend, VENTURE, scope="platform"))
    ids = [item["metadata"]["id"] for item in shared.search("cold-chain supplier prices", 20, 0.6)]
    assert ids and none_owned_by(lookup, ids, PRIVATE_VENTURE)
    with pytest.raises(InvalidArgument, match="reset"):
        private.reset()


def test_an_agent_role_that_is_no_orgmind_role_must_be_mapped(backend: Any) -> None:
    crew_memory = CrewMemory(VentureMemory(backend, VENTURE))
    assert crew_memory.role_of("CTO") == "cto"
    with pytest.raises(InvalidArgument, match="roles"):
        crew_memory.role_of("Head of Marketing")
