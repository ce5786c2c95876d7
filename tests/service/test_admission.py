"""Admission: how many requests work at once, and which waiting one goes next."""

from __future__ import annotations

import asyncio
import json

import anyio

import pytest
from starlette.types import Receive, Scope, Send

from orgmind.service.admission import EMBEDDED_SLOTS, MCP_READ_TOOLS, Admission, lane_of, slots_for


class Held:
    """An ASGI app whose requests stay inside until released; it records who got in, in order."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.inside = 0
        self.most_inside = 0
        self.release: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = scope["name"]
        self.entered.append(name)
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await self.release.setdefault(name, asyncio.Event()).wait()
        finally:
            self.inside -= 1


def request(name: str, method: str, path: str) -> Scope:
    return {"type": "http", "method": method, "path": path, "name": name}


async def nothing() -> dict[str, object]:
    return {}


async def ignore(message: object) -> None:
    return None


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def start(gate: Admission, name: str, method: str, path: str) -> asyncio.Task[None]:
    return asyncio.create_task(gate(request(name, method, path), nothing, ignore))


async def one_slot_taken(write_wait_s: float = 1.0) -> tuple[Held, Admission, asyncio.Task[None]]:
    """A one-slot gate whose slot the recall "r1" holds until it is released."""
    app = Held()
    gate = Admission(app, slots=1, write_wait_s=write_wait_s)
    busy = start(gate, "r1", "POST", "/v1/recall")
    await settle()
    return app, gate, busy


def test_reads_and_writes_are_told_apart_by_route() -> None:
    assert lane_of("POST", "/v1/recall") == "read"
    assert lane_of("POST", "/v1/wake-up") == "read"
    assert lane_of("POST", "/v1/similar-decisions") == "read"
    assert lane_of("GET", "/v1/approvals") == "read"
    assert lane_of("POST", "/v1/records") == "write"
    assert lane_of("POST", "/v1/approvals/e1/approve") == "write"
    assert lane_of("DELETE", "/v1/ventures/acme") == "write"



def mcp_call(*tools: str) -> bytes:
    calls = [{"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": tool, "arguments": {}}}
             for n, tool in enumerate(tools)]
    return json.dumps(calls[0] if len(calls) == 1 else calls).encode()


def test_mcp_requests_are_told_apart_by_the_tools_they_call() -> None:
    assert lane_of("POST", "/mcp", mcp_call("recall")) == "read"
    assert lane_of("POST", "/mcp", mcp_call("wake_up", "pending_approvals")) == "read"
    assert lane_of("POST", "/mcp", mcp_call("record_decision")) == "write"
    assert lane_of("POST", "/mcp", mcp_call("recall", "record_outcome")) == "write"
    assert lane_of("POST", "/mcp", b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}') == "read"
    assert lane_of("POST", "/mcp", b"not json") == "write"


def test_every_mcp_tool_that_writes_nothing_waits_with_the_reads() -> None:
    from orgmind.service.mcp_server import build_mcp
    from orgmind.service.state import ServiceState

    tools = {tool.name for tool in anyio.run(build_mcp(ServiceState(), lambda ctx: None).list_tools)}
    assert MCP_READ_TOOLS == tools - {"record_decision", "record_outcome", "record_observation"}


def test_the_application_reads_an_mcp_body_that_admission_looked_at() -> None:
    body = mcp_call("recall")
    chunks = [{"type": "http.request", "body": body[:10], "more_body": True},
              {"type": "http.request", "body": body[10:], "more_body": False}]
    received: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        while True:
            received.append(message["body"])
            if not message.get("more_body"):
                return
            message = await receive()

    async def receive() -> dict[str, object]:
        return chunks.pop(0)

    asyncio.run(Admission(app, slots=1)(request("m", "POST", "/mcp"), receive, ignore))
    assert b"".join(received) == body


def test_no_more_than_the_slots_run_at_once_and_waiting_reads_go_before_earlier_writes() -> None:
    async def scenario() -> Held:
        app = Held()
        gate = Admission(app, slots=2, write_wait_s=60)
        tasks = [start(gate, "w1", "POST", "/v1/records"), start(gate, "r1", "POST", "/v1/recall")]
        await settle()
        tasks += [start(gate, "w2", "POST", "/v1/records"), start(gate, "r2", "POST", "/v1/wake-up"),
                  start(gate, "r3", "GET", "/v1/stats")]
        await settle()
        assert app.entered == ["w1", "r1"]
        for name in ("w1", "r1", "r2", "r3", "w2"):
            app.release.setdefault(name, asyncio.Event()).set()
            await settle()
        await asyncio.gather(*tasks)
        return app

    app = asyncio.run(scenario())
    assert app.most_inside == 2
    assert app.entered == ["w1", "r1", "r2", "r3", "w2"]


def test_a_write_that_waited_long_enough_goes_before_reads() -> None:
    async def scenario() -> Held:
        app, gate, first = await one_slot_taken(write_wait_s=0.05)
        rest = [start(gate, "w1", "POST", "/v1/records"), start(gate, "r2", "POST", "/v1/recall")]
        await asyncio.sleep(0.1)
        for name in ("r1", "w1", "r2"):
            app.release.setdefault(name, asyncio.Event()).set()
            await settle()
        await asyncio.gather(first, *rest)
        return app

    assert asyncio.run(scenario()).entered == ["r1", "w1", "r2"]


def test_health_checks_are_not_queued() -> None:
    async def scenario() -> list[str]:
        app, gate, busy = await one_slot_taken()
        health = start(gate, "h", "GET", "/healthz")
        await settle()
        entered = list(app.entered)
        for name in ("r1", "h"):
            app.release[name].set()
        await asyncio.gather(busy, health)
        return entered

    assert asyncio.run(scenario()) == ["r1", "h"]


def test_a_request_that_goes_away_while_waiting_does_not_keep_a_slot() -> None:
    async def scenario() -> list[str]:
        app, gate, busy = await one_slot_taken()
        gone = start(gate, "r2", "POST", "/v1/recall")
        later = start(gate, "r3", "POST", "/v1/recall")
        await settle()
        gone.cancel()
        await settle()
        app.release.setdefault("r1", asyncio.Event()).set()
        app.release.setdefault("r3", asyncio.Event()).set()
        await asyncio.wait_for(asyncio.gather(busy, later), timeout=5)
        with pytest.raises(asyncio.CancelledError):
            await gone
        return app.entered

    assert asyncio.run(scenario()) == ["r1", "r3"]


def test_at_least_one_slot() -> None:
    with pytest.raises(ValueError, match="slots"):
        Admission(Held(), slots=0)


def test_two_slots_on_the_embedded_stores_and_no_limit_with_servers_unless_told() -> None:
    assert slots_for(embedded=True, slots=None) == EMBEDDED_SLOTS == 2
    assert slots_for(embedded=False, slots=None) is None
    assert slots_for(embedded=False, slots=4) == 4
    assert slots_for(embedded=True, slots=0) is None
    with pytest.raises(ValueError, match="slots"):
        slots_for(embedded=True, slots=-1)
