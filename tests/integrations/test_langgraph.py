"""The LangGraph adapter in a real compiled graph with langchain_core's fake chat model."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langgraph.graph import START, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from orgmind.errors import InvalidArgument
from orgmind.integrations import VentureMemory
from orgmind.integrations.langgraph import (
    BriefedState,
    OrgMindRetriever,
    OrgMindStore,
    brief_node,
    decision_tools,
)
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

TASK = "Choose a pricing change for the self-serve plan"


class SeenInputs(BaseCallbackHandler):
    """Keeps every message list a chat model was called with."""

    def __init__(self) -> None:
        self.calls: list[list[BaseMessage]] = []

    def on_chat_model_start(self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any) -> None:
        self.calls.extend(messages)


def build_graph(memory: VentureMemory, model: GenericFakeChatModel) -> Any:
    tools = decision_tools(memory, "cmo")

    def agent(state: BriefedState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(BriefedState)
    graph.add_node("brief", brief_node(memory, "cmo"))
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools))
    graph.add_edge(START, "brief")
    graph.add_edge("brief", "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile()


def test_a_run_is_briefed_and_its_decision_is_linked_to_the_wake_up(recorder: Recorder, lookup: Lookup) -> None:
    memory = VentureMemory(recorder, VENTURE)
    decide = AIMessage(content="", tool_calls=[{
        "name": "record_decision", "id": "call-1",
        "args": {"kind": "pricing", "title": "Raise the self-serve plan to $39",
                 "rationale": "Precedents in the brief: annual discounts lifted conversion.",
                 "options": ["$29", "$39"], "chosen": "$39", "confidence": 0.7},
    }])
    model = GenericFakeChatModel(messages=iter([decide, AIMessage(content="Decided: $39.")]))
    seen = SeenInputs()

    state = build_graph(memory, model).invoke({"messages": [HumanMessage(TASK)]}, {"callbacks": [seen]})

    [brief] = recorder.briefs
    assert brief.task == TASK and brief.venture == VENTURE and brief.role == "cmo"
    first_input = seen.calls[0]
    assert isinstance(first_input[0], SystemMessage)
    for line in brief_lines(brief):
        assert line in first_input[0].text
    assert state["wakeup_id"] == brief.wakeup_id
    [decision] = [r for r in recorder.records if isinstance(r, Decision)]
    stored = lookup(decision.id)
    assert isinstance(stored, Decision)
    assert stored.wakeup_id == brief.wakeup_id and stored.venture_id == VENTURE and stored.role == "cmo"
    assert stored.title == "Raise the self-serve plan to $39" and stored.chosen == "$39"
    assert f"Recorded decision {decision.id}." in state["messages"][-2].text
    assert state["messages"][-1].text == "Decided: $39."


def test_retriever_and_store_return_only_their_ventures_records(backend: Any, lookup: Lookup) -> None:
    private = VentureMemory(backend, PRIVATE_VENTURE)
    docs = OrgMindRetriever(memory=private, k=8).invoke("pricing plan discount")
    assert docs and owned_by(lookup, [d.metadata["id"] for d in docs], PRIVATE_VENTURE)

    store = OrgMindStore(private)
    store.put((PRIVATE_VENTURE, "cfo"), "sprout-note-langgraph", {"text": "Meal kit margins fell after the discount"})
    items = store.search((PRIVATE_VENTURE, "cfo"), query="meal kit margins discount", limit=5)
    assert "sprout-note-langgraph" in [i.key for i in items]
    assert owned_by(lookup, [i.key for i in items], PRIVATE_VENTURE)
    assert store.list_namespaces() == [(PRIVATE_VENTURE,)]

    with pytest.raises(InvalidArgument, match="namespace"):
        store.search((VENTURE,), query="pricing")
    with pytest.raises(InvalidArgument, match="namespace"):
        store.put((VENTURE, "cfo"), "x", {"text": "not mine"})

    open_platform = OrgMindRetriever(memory=VentureMemory(backend, VENTURE, scope="platform"), k=20)
    ids = [d.metadata["id"] for d in open_platform.invoke("meal kit margins discount")]
    assert ids and none_owned_by(lookup, ids, PRIVATE_VENTURE)


def test_store_rejects_what_orgmind_does_not_do(backend: Any) -> None:
    store = OrgMindStore(VentureMemory(backend, VENTURE))
    with pytest.raises(InvalidArgument, match="query"):
        store.search((VENTURE,))
    with pytest.raises(InvalidArgument, match="key"):
        store.get((VENTURE,), "lumen-dec-0001")
    with pytest.raises(InvalidArgument, match="value"):
        store.delete((VENTURE,), "lumen-dec-0001")
