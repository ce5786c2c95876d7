"""orgmind's tools over MCP (the official SDK): streamable HTTP at /mcp, or stdio (``orgmind mcp``).

The tools call the same checked operations as the REST API, so keys, scopes and tenancy are
the same: over HTTP the caller's ``Authorization: Bearer`` key, over stdio ORGMIND_API_KEY.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from orgmind.errors import OrgmindError
from orgmind.keys import ApiKey, authenticate
from orgmind.models import Node
from orgmind.service import operations as ops
from orgmind.service.problems import PROBLEM_JSON, Problem
from orgmind.service.state import ServiceState

KeyResolver = Callable[[Context], ApiKey]

INSTRUCTIONS = """orgmind is the memory of the business you work for: past decisions and what came of
them, observations, distilled insights and approval gates. Call wake_up when you start a task to
get a cited brief; recall or similar_decisions before deciding; record_decision when you decide,
record_outcome when you learn how it went, record_observation for facts worth remembering.
Decisions that need a person come back pending_approval; check pending_approvals."""

Venture = Annotated[str, Field(description="Id of the venture (business) you work for, e.g. 'lumen'.")]


def _line(node: Node) -> dict[str, Any]:
    return ops.as_line(node)


def build_mcp(state: ServiceState, key_of: KeyResolver) -> MCPServer:
    """The MCP server with orgmind's tools, over ``state``; ``key_of`` finds the caller's key."""
    mcp: MCPServer = MCPServer(name="orgmind", instructions=INSTRUCTIONS)

    async def run(ctx: Context, work: Callable[[ApiKey], Any]) -> Any:
        try:
            key = await run_in_threadpool(key_of, ctx)
            return await anyio.to_thread.run_sync(work, key)
        except OrgmindError as error:
            raise ToolError(f"{type(error).__name__}: {error}") from None

    @mcp.tool(name="recall", description=(
        "Search the venture's memory (decisions with their outcomes, observations, insights) by meaning and "
        "keywords. Use before deciding, to learn what was tried and how it went. scope='platform' also "
        "searches ventures that share their records openly."))
    async def recall(
        query: Annotated[str, Field(description="What to look for, in plain words.")],
        ctx: Context,
        venture: Annotated[str | None, Field(description="The venture asking (required for scope 'venture').")] = None,
        k: Annotated[int, Field(ge=1, le=50, description="How many results.")] = 10,
        kinds: Annotated[list[str] | None, Field(description="Only decisions of these kinds, e.g. ['pricing'].")] = None,
        scope: Annotated[Literal["venture", "platform"], Field(description="'venture': own records only.")] = "venture",
    ) -> list[dict[str, Any]]:
        hits = await run(ctx, lambda key: ops.recall(state, key, query, venture, k, kinds, scope))
        return [hit.model_dump(mode="json", exclude={"explanation"}) for hit in hits]

    @mcp.tool(name="similar_decisions", description=(
        "Find past decisions similar to a stored decision (decision_id) or to one you are considering (text), "
        "each with its latest outcome. Give exactly one of decision_id and text."))
    async def similar_decisions(
        ctx: Context,
        decision_id: Annotated[str | None, Field(description="Id of a stored decision.")] = None,
        text: Annotated[str | None, Field(description="The decision you are considering, in words.")] = None,
        venture: Annotated[str | None, Field(description="The venture asking (default: the decision's).")] = None,
        scope: Annotated[Literal["venture", "platform"], Field(description="'platform' adds open ventures.")] = "venture",
        k: Annotated[int, Field(ge=1, le=50, description="How many results.")] = 10,
    ) -> list[dict[str, Any]]:
        hits = await run(ctx, lambda key: ops.similar_decisions(state, key, decision_id, text, venture, scope, k))
        return [hit.model_dump(mode="json", exclude={"explanation"}) for hit in hits]

    @mcp.tool(name="wake_up", description=(
        "Get your wake-up brief: the current brain (insights), open items and approvals, recent history, "
        "precedents and guardrails, every line citing the record ids it came from, within a token budget. "
        "Call it when you start a task; pass its wakeup_id to record_decision."))
    async def wake_up(
        venture: Venture,
        role: Annotated[str, Field(description="Your role, e.g. 'cto', 'cmo', 'ceo'.")],
        ctx: Context,
        task: Annotated[str | None, Field(description="What you woke up to do.")] = None,
        budget_tokens: Annotated[int, Field(ge=50, le=20_000, description="Token budget of the brief.")] = 1200,
        agent_id: Annotated[str | None, Field(description="Your agent id, if registered.")] = None,
    ) -> str:
        brief = await run(ctx, lambda key: ops.wake_up(state, key, venture, role, task, budget_tokens,
                                                       agent_id=agent_id))
        return f"{brief.to_markdown()}\n(wakeup_id: {brief.wakeup_id})\n"

    @mcp.tool(name="record_decision", description=(
        "Record a decision you made (idempotent by id). Decisions that an approval gate matches (pricing, "
        "spend, vendors, ...) come back with status 'pending_approval' and an escalation: do not execute "
        "them until approved."))
    async def record_decision(
        venture_id: Venture,
        role: Annotated[str, Field(description="Your role, e.g. 'cto'.")],
        kind: Annotated[str, Field(description="Kind of decision, a slug: 'pricing', 'hiring', 'architecture'.")],
        title: Annotated[str, Field(description="The decision in one line.")],
        ctx: Context,
        rationale: Annotated[str, Field(description="Why.")] = "",
        options: Annotated[list[str] | None, Field(description="The options considered.")] = None,
        chosen: Annotated[str | None, Field(description="The option chosen.")] = None,
        confidence: Annotated[float | None, Field(ge=0, le=1, description="How sure, 0..1.")] = None,
        agent_id: Annotated[str | None, Field(description="Your agent id.")] = None,
        wakeup_id: Annotated[str | None, Field(description="The wakeup_id of the brief you acted on.")] = None,
        id: Annotated[str | None, Field(description="Your id for the decision (makes retries safe).")] = None,
    ) -> list[dict[str, Any]]:
        record = {"type": "decision", "venture_id": venture_id, "role": role, "kind": kind, "title": title,
                  "rationale": rationale, "options": options or [], "chosen": chosen, "confidence": confidence,
                  "agent_id": agent_id, "wakeup_id": wakeup_id, **({"id": id} if id else {})}
        stored = await run(ctx, lambda key: ops.record_many(state, key, [record]))
        return [_line(node) for node in stored]

    @mcp.tool(name="record_outcome", description=(
        "Record what came of a decision: a score from -1 (failure) to 1 (strong success) and a summary. "
        "Outcomes are how the venture learns."))
    async def record_outcome(
        venture_id: Venture,
        decision_id: Annotated[str, Field(description="Id of the decision this is the outcome of.")],
        score: Annotated[float, Field(ge=-1, le=1, description="-1 failure .. 0 no effect .. 1 strong success.")],
        ctx: Context,
        summary: Annotated[str, Field(description="What happened, in a sentence.")] = "",
        metrics: Annotated[dict[str, float] | None, Field(description="Measured numbers, by name.")] = None,
        id: Annotated[str | None, Field(description="Your id for the outcome.")] = None,
    ) -> dict[str, Any]:
        record = {"type": "outcome", "venture_id": venture_id, "decision_id": decision_id, "score": score,
                  "summary": summary, "metrics": metrics or {}, **({"id": id} if id else {})}
        stored = await run(ctx, lambda key: ops.record_many(state, key, [record]))
        return _line(stored[0])

    @mcp.tool(name="record_observation", description=(
        "Record a fact worth remembering (a metric, customer feedback, an incident), for later recall."))
    async def record_observation(
        venture_id: Venture,
        text: Annotated[str, Field(description="The observation.")],
        ctx: Context,
        source: Annotated[str, Field(description="Where it came from, a slug.")] = "agent",
        role: Annotated[str | None, Field(description="Your role.")] = None,
        tags: Annotated[list[str] | None, Field(description="Slugs to file it under.")] = None,
        id: Annotated[str | None, Field(description="Your id for the observation.")] = None,
    ) -> dict[str, Any]:
        record = {"type": "observation", "venture_id": venture_id, "text": text, "source": source, "role": role,
                  "tags": tags or [], **({"id": id} if id else {})}
        stored = await run(ctx, lambda key: ops.record_many(state, key, [record]))
        return _line(stored[0])

    @mcp.tool(name="pending_approvals", description=(
        "List decisions waiting for a person's approval (oldest first), with the gate that stopped them."))
    async def pending_approvals(
        ctx: Context,
        venture: Annotated[str | None, Field(description="Only this venture (default: every venture of your key).")]
        = None,
    ) -> list[dict[str, Any]]:
        pending = await run(ctx, lambda key: ops.pending_approvals(state, key, venture))
        return [{"escalation": e.to_json_dict(), "decision": d.to_json_dict()} for e, d in pending]

    return mcp


def bearer_of(ctx: Context) -> str | None:
    headers = ctx.headers or {}
    value = headers.get("authorization", "")
    return value[7:].strip() if value.lower().startswith("bearer ") else None


class RequireKey:
    """ASGI guard in front of the MCP endpoint: no or unknown key is a 401 problem, as on REST."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Any], state: ServiceState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            value = headers.get("authorization", "")
            plain = value[7:].strip() if value.lower().startswith("bearer ") else None
            try:
                await run_in_threadpool(authenticate, self.state.require().graph, plain)
            except OrgmindError as error:
                status = 401 if "AuthenticationFailed" == type(error).__name__ else 503
                body = Problem(type=f"urn:orgmind:problem:{type(error).__name__}", title="Authentication required",
                               status=status, detail=str(error), instance=scope["path"], error=type(error).__name__)
                await send({"type": "http.response.start", "status": status, "headers": [
                    (b"content-type", PROBLEM_JSON.encode()), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": body.model_dump_json(exclude_none=True).encode()})
                return
        await self.app(scope, receive, send)
