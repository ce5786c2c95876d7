"""MCP tools through the official MCP client, over streamable HTTP (/mcp) and over stdio
(``orgmind mcp``): names, schemas, results, and the same keys and tenancy as REST."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
import pytest
from mcp.client.client import Client as McpClient
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.keys import create_key
from orgmind.models import Decision, Outcome, Sharing, Venture
from tests.service.conftest import ROOT, Service, server_env

TOOLS = {"recall", "similar_decisions", "wake_up", "record_decision", "record_outcome", "record_observation",
         "pending_approvals"}

# tool -> (arguments on lumen, scope needed)
TOOL_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "recall": ({"query": "pricing", "venture": "lumen", "k": 3}, "read"),
    "similar_decisions": ({"text": "raise the price", "venture": "lumen", "k": 3}, "read"),
    "wake_up": ({"venture": "lumen", "role": "cto", "budget_tokens": 400}, "read"),
    "record_decision": ({"venture_id": "lumen", "role": "cmo", "kind": "campaign", "title": "Run a webinar"}, "write"),
    "record_outcome": ({"venture_id": "lumen", "decision_id": "lumen-dec-0002", "score": 0.2}, "write"),
    "record_observation": ({"venture_id": "lumen", "text": "Trials doubled"}, "write"),
    "pending_approvals": ({"venture": "lumen"}, "read"),
}
UNSCOPED = {"read": "lumen-approve", "write": "lumen-read"}


def _http(service: Service, key: str) -> McpClient:
    headers = {"Authorization": f"Bearer {service.keys[key]}"}
    return McpClient(streamable_http_client(f"{service.url}/mcp", http_client=httpx2.AsyncClient(headers=headers)))


def _payload(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        content = result.structured_content
        return content.get("result", content)
    return result.content[0].text


def _error(result: Any) -> str:
    assert result.is_error
    return " ".join(getattr(part, "text", "") for part in result.content)


def test_tools_are_listed_with_schemas_mirroring_the_python_parameters(service: Service) -> None:
    async def listed() -> Any:
        async with _http(service, "lumen-all") as client:
            return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in anyio.run(listed)}
    assert set(tools) == TOOLS == set(TOOL_CASES)
    assert set(tools["recall"].input_schema["properties"]) == {"query", "venture", "k", "kinds", "scope"}
    assert tools["recall"].input_schema["required"] == ["query"]
    assert {"decision_id", "text", "venture", "scope", "k"} == set(tools["similar_decisions"].input_schema["properties"])
    assert {"venture", "role", "task", "budget_tokens"} <= set(tools["wake_up"].input_schema["properties"])
    for tool in tools.values():
        assert tool.description and len(tool.description) > 60
        for name, schema in tool.input_schema["properties"].items():
            assert schema.get("description"), (tool.name, name)


@pytest.mark.parametrize("tool", sorted(TOOL_CASES))
def test_tool_tenancy_over_http(service: Service, tool: str) -> None:
    arguments, scope = TOOL_CASES[tool]

    async def call(key: str) -> Any:
        async with _http(service, key) as client:
            return await client.call_tool(tool, arguments)

    assert "PermissionDenied" in _error(anyio.run(call, "harbor-all"))
    assert "PermissionDenied" in _error(anyio.run(call, UNSCOPED[scope]))
    _payload(anyio.run(call, "lumen-all"))


def test_mcp_endpoint_refuses_missing_and_unknown_keys(service: Service) -> None:
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    for headers in ({}, {"Authorization": "Bearer omk_0123456789abcdef_nope"}):
        answer = httpx.post(f"{service.url}/mcp", json=init, headers={
            **headers, "Accept": "application/json, text/event-stream"})
        assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"


def test_tools_work_over_http(service: Service) -> None:
    decision_id = f"mcp-price-{uuid.uuid4().hex[:8]}"

    async def session() -> tuple[Any, ...]:
        async with _http(service, "lumen-all") as client:
            hits = _payload(await client.call_tool("recall", {"query": "pricing", "venture": "lumen", "k": 3}))
            brief = _payload(await client.call_tool("wake_up", {"venture": "lumen", "role": "ceo"}))
            stored = _payload(await client.call_tool("record_decision", {
                "venture_id": "lumen", "role": "ceo", "kind": "pricing", "title": "Discount annual plans 20%",
                "id": decision_id}))
            pending = _payload(await client.call_tool("pending_approvals", {"venture": "lumen"}))
            bad = await client.call_tool("record_outcome", {"venture_id": "lumen", "decision_id": "nope", "score": 0.5})
            return hits, brief, stored, pending, bad

    hits, brief, stored, pending, bad = anyio.run(session)
    assert len(hits) == 3 and all(hit["venture"] == "lumen" for hit in hits)
    assert brief.startswith("# Brief for the CEO of Lumen Analytics") and "wakeup_id: wak_" in brief
    assert [r["status"] if r["type"] == "decision" else r["gate"] for r in stored] == ["pending_approval", "pricing_change"]
    assert decision_id in [p["decision"]["id"] for p in pending]
    assert "MissingReference" in _error(bad) and "decision_id" in _error(bad)


def _stdio_home(home: Path) -> dict[str, str]:
    with SqliteGraphStore(home / "graph.sqlite3") as graph:
        graph.upsert([Venture(id="acme", name="Acme", sharing=Sharing.NONE), Venture(id="beta", name="Beta")])
        graph.upsert([Decision(id="acme-d1", venture_id="acme", role="cto", kind="architecture",
                               title="Move the event pipeline to a managed queue")])
        graph.upsert([Outcome(id="acme-o1", venture_id="acme", decision_id="acme-d1", score=0.6,
                              summary="p95 latency fell from 1.9 s to 0.4 s")])
        return {"acme": create_key(graph, "acme-agent", ["acme"], ["read", "write"])[1]}


def test_tools_work_over_stdio(tmp_path: Path) -> None:
    keys = _stdio_home(tmp_path)
    env = {k: v for k, v in server_env().items() if not k.startswith("ORGMIND_")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "orgmind", "--home", str(tmp_path), "mcp"],
                                   env={**env, "ORGMIND_API_KEY": keys["acme"]}, cwd=str(ROOT))

    async def session() -> tuple[Any, ...]:
        async with McpClient(params) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            await client.call_tool("record_observation", {"venture_id": "acme", "text": "Queue costs $40 a month",
                                                          "id": "acme-obs-1"})
            hits = _payload(await client.call_tool("recall", {"query": "event pipeline latency", "venture": "acme"}))
            similar = _payload(await client.call_tool("similar_decisions", {"text": "queue for events", "venture": "acme"}))
            foreign = await client.call_tool("recall", {"query": "anything", "venture": "beta"})
            return names, hits, similar, foreign

    names, hits, similar, foreign = anyio.run(session)
    assert names == TOOLS
    assert [hit["id"] for hit in hits][:1] == ["acme-d1"] and "acme-obs-1" in [hit["id"] for hit in hits]
    assert similar[0]["id"] == "acme-d1" and similar[0]["outcome"]["score"] == 0.6
    assert "PermissionDenied" in _error(foreign)
    assert json.dumps(hits)  # plain JSON for the model
