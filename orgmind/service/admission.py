"""Admission: a few requests work at once, and the reads an agent waits on go first.

Under the interpreter lock, requests that run together share about one core of Python: sixteen
calls at once each take about sixteen times their own CPU time. The service instead lets
``slots`` requests in at a time (enough to overlap the model's native code and disk flushes with
Python) and queues the rest. Waiting requests are let in by class:

- **reads** (recall, similar decisions, wake-ups, every GET, and the same MCP tools): an agent
  waits on them before it can act, so they go first, in arrival order;
- **writes** (everything else): in arrival order after the reads, except that a write that has
  waited ``write_wait_s`` goes before any read, so writes are never starved.

Health checks (``/healthz``, ``/readyz``) are not queued: they answer under any load. With a
graph or vector server there is no limit by default (``slots_for``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Lane = Literal["read", "write"]

EMBEDDED_SLOTS = 2
"""On the embedded stores: one request in Python while another is in the model or on the disk."""
WRITE_WAIT_S = 1.0
"""The longest a write waits behind reads before it goes first."""
READ_ROUTES = frozenset({"/v1/recall", "/v1/similar-decisions", "/v1/wake-up"})
MCP_READ_TOOLS = frozenset({"recall", "similar_decisions", "wake_up", "pending_approvals"})
UNQUEUED = frozenset({"/healthz", "/readyz"})


def slots_for(embedded: bool, slots: int | None) -> int | None:
    """How many requests may work at once: ``slots`` if given (0: no limit), else by the stores.

    On the embedded stores a call's time is the process's own CPU, so two at a time
    (EMBEDDED_SLOTS). With a graph or vector server most of a call is waiting for the server,
    and a limit would leave the process idle meanwhile: no limit.
    """
    if slots is None:
        return EMBEDDED_SLOTS if embedded else None
    if slots < 0:
        raise ValueError("slots must be 0 (no limit) or more")
    return slots or None


def lane_of(method: str, path: str, body: bytes = b"") -> Lane:
    """The queue a request waits in; ``body`` matters only for MCP, where it names the tool."""
    if path == "/mcp" and method == "POST":
        return "write" if _calls_mcp_write(body) else "read"
    return "read" if method in ("GET", "HEAD") or path in READ_ROUTES else "write"


def _calls_mcp_write(body: bytes) -> bool:
    """Whether a JSON-RPC message (or batch) calls a tool outside MCP_READ_TOOLS."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return True  # not JSON: the MCP endpoint answers it with its error, as a write
    messages = parsed if isinstance(parsed, list) else [parsed]
    return any(isinstance(m, dict) and m.get("method") == "tools/call"
               and (m.get("params") or {}).get("name") not in MCP_READ_TOOLS for m in messages)


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The request's body, and a ``receive`` that hands the application the same messages again."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body"):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    return body, replay


@dataclass
class _Waiter:
    since: float
    granted: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Admission:
    """ASGI middleware: at most ``slots`` requests in the application at once, reads first."""

    def __init__(self, app: ASGIApp, *, slots: int, write_wait_s: float = WRITE_WAIT_S) -> None:
        if slots < 1:
            raise ValueError("slots must be at least 1")
        self.app = app
        self.slots = slots
        self.write_wait_s = write_wait_s
        self._running = 0
        self._queues: dict[Lane, deque[_Waiter]] = {"read": deque(), "write": deque()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNQUEUED:
            await self.app(scope, receive, send)
            return
        body = b""
        if scope["path"] == "/mcp" and scope["method"] == "POST":
            body, receive = await _read_body(receive)
        await self._enter(lane_of(scope["method"], scope["path"], body))
        try:
            await self.app(scope, receive, send)
        finally:
            self._leave()

    async def _enter(self, lane: Lane) -> None:
        if self._running < self.slots and not any(self._queues.values()):
            self._running += 1
            return
        waiter = _Waiter(time.monotonic())
        self._queues[lane].append(waiter)
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._leave()  # let in just as the client went away: pass the slot on
            elif waiter in self._queues[lane]:
                self._queues[lane].remove(waiter)
            raise

    def _leave(self) -> None:
        self._running -= 1
        while self._running < self.slots:
            waiter = self._next()
            if waiter is None:
                return
            if not waiter.granted.done():
                self._running += 1
                waiter.granted.set_result(None)

    def _next(self) -> _Waiter | None:
        reads, writes = self._queues["read"], self._queues["write"]
        if writes and (not reads or time.monotonic() - writes[0].since >= self.write_wait_s):
            return writes.popleft()
        return reads.popleft() if reads else None
