"""The AutoGen adapter in a real AssistantAgent with autogen_ext's ReplayChatCompletionClient."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import MemoryQueryEvent
from autogen_core import FunctionCall
from autogen_core.memory import MemoryContent, MemoryMimeType
from autogen_core.models import (
    CreateResult,
    ModelFamily,
    ModelInfo,
    RequestUsage,
    SystemMessage,
)
from autogen_ext.models.replay import ReplayChatCompletionClient

from orgmind.errors import InvalidArgument
from orgmind.integrations import VentureMemory
from orgmind.integrations.autogen import OrgMindMemory
from orgmind.models import Decision
from tests.integrations.conftest import (
    PRIVATE_VENTURE,
    VENTURE,
    Lookup,
    Recorder,
    brief_lines,
    none_owned_by,
    owned_by,
)

TASK = "Pick the onboarding change that lifts activation"
TOOLS_MODEL = ModelInfo(vision=False, function_calling=True, json_output=False,
                        family=ModelFamily.UNKNOWN, structured_output=False)


def decide(**args: Any) -> CreateResult:
    call = FunctionCall(id="call-1", name="record_decision", arguments=json.dumps(args))
    return CreateResult(finish_reason="function_calls", content=[call],
                        usage=RequestUsage(prompt_tokens=0, completion_tokens=0), cached=False)


def test_an_agent_is_briefed_and_its_decision_is_linked_to_the_wake_up(recorder: Recorder, lookup: Lookup) -> None:
    memory = OrgMindMemory(VentureMemory(recorder, VENTURE), "ceo")
    model = ReplayChatCompletionClient(
        [decide(kind="onboarding", title="Add a guided setup checklist",
                rationale="The brief's precedents favour guided onboarding.", chosen="checklist")],
        model_info=TOOLS_MODEL,
    )
    agent = AssistantAgent("ceo", model_client=model, memory=[memory], tools=[*memory.tools()])

    result = asyncio.run(agent.run(task=TASK))

    [brief] = recorder.briefs
    assert brief.task == TASK and brief.role == "ceo" and memory.wakeup_id == brief.wakeup_id
    [call] = model.create_calls
    system = "\n".join(m.content for m in call["messages"] if isinstance(m, SystemMessage))
    for line in brief_lines(brief):
        assert line in system
    assert "## Recalled for this message" in system
    assert any(isinstance(m, MemoryQueryEvent) for m in result.messages)
    [decision] = [r for r in recorder.records if isinstance(r, Decision)]
    stored = lookup(decision.id)
    assert isinstance(stored, Decision)
    assert stored.wakeup_id == brief.wakeup_id and stored.venture_id == VENTURE and stored.role == "ceo"
    assert stored.title == "Add a guided setup checklist"
    assert f"Recorded decision {decision.id}." in result.messages[-1].to_text()


def test_the_same_task_keeps_its_wake_up_and_a_new_one_wakes_again(recorder: Recorder) -> None:
    memory = OrgMindMemory(VentureMemory(recorder, VENTURE), "cto")
    agent = AssistantAgent("cto", model_client=ReplayChatCompletionClient(["one", "two", "three"]), memory=[memory])
    asyncio.run(agent.run(task="Choose a queue for the event pipeline"))
    first = memory.wakeup_id
    asyncio.run(agent.run(task="Choose a database for analytics"))
    assert len(recorder.briefs) == 2 and memory.wakeup_id != first
    asyncio.run(memory.clear())
    assert memory.wakeup_id is None


def test_query_and_add_stay_inside_the_venture(backend: Any, lookup: Lookup) -> None:
    private = OrgMindMemory(VentureMemory(backend, PRIVATE_VENTURE, k=8), "cfo")
    asyncio.run(private.add(MemoryContent(content="Sprout's courier contract renews in March",
                                          mime_type=MemoryMimeType.TEXT)))
    found = asyncio.run(private.query("courier contract renewal")).results
    ids = [str((item.metadata or {})["id"]) for item in found]
    assert ids and owned_by(lookup, ids, PRIVATE_VENTURE)
    assert "Sprout's courier contract renews in March" in [item.content for item in found]

    shared = OrgMindMemory(VentureMemory(backend, VENTURE, scope="platform", k=20), "cfo")
    ids = [str((item.metadata or {})["id"]) for item in asyncio.run(shared.query("courier contract renewal")).results]
    assert ids and none_owned_by(lookup, ids, PRIVATE_VENTURE)

    with pytest.raises(InvalidArgument, match="content"):
        asyncio.run(private.add(MemoryContent(content=b"\x00", mime_type=MemoryMimeType.BINARY)))
