"""The REST API under /v1. Handlers are thin: parse, call the checked operation, shape the answer."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from orgmind.models import (
    Agent,
    Decision,
    Escalation,
    Insight,
    Node,
    Observation,
    Outcome,
    Venture,
)
from orgmind.retrieval.hits import Hit
from orgmind.service import operations as ops
from orgmind.service.auth import Key, State
from orgmind.service.problems import PROBLEM_RESPONSES
from orgmind.service.schemas import (
    Approval,
    ImportOut,
    MineIn,
    RecallIn,
    RecordsIn,
    RecordsOut,
    ResolveIn,
    SimilarIn,
    SynthesizeIn,
    WakeUpIn,
)
from orgmind.synthesis.result import Scorecard

NDJSON = "application/x-ndjson"
MARKDOWN = "text/markdown"

router = APIRouter(prefix="/v1", responses=PROBLEM_RESPONSES)


def _records(nodes: list[Node]) -> RecordsOut:
    return RecordsOut(records=[ops.as_line(node) for node in nodes])


def _approval(pair: tuple[Escalation, Decision]) -> Approval:
    return Approval(escalation=pair[0].to_json_dict(), decision=pair[1].to_json_dict())


# ---- writing ---------------------------------------------------------------------------------


@router.post("/records", tags=["records"])
def record_many(body: RecordsIn, state: State, key: Key) -> RecordsOut:
    """Store records in one transaction (all or none), idempotent by id; gated decisions come back
    ``pending_approval``, each followed by its escalation."""
    return _records(ops.record_many(state, key, body.records))


def _typed_route(path: str, model: type[Node]) -> None:
    def handler(body: Any, state: State, key: Key) -> RecordsOut:
        return _records(ops.record_many(state, key, [body]))

    handler.__annotations__["body"] = model
    router.add_api_route(
        path, handler, methods=["POST"], tags=["records"], response_model=RecordsOut,
        summary=f"Record a {model.__name__.lower()}",
        description=f"Store one {model.__name__} (idempotent by id) and return it as stored.",
        operation_id=f"record_{model.__name__.lower()}",
    )


for _path, _model in (
    ("/ventures", Venture), ("/agents", Agent), ("/decisions", Decision), ("/outcomes", Outcome),
    ("/observations", Observation), ("/insights", Insight),
):
    _typed_route(_path, _model)


@router.post("/import", tags=["records"],
             openapi_extra={"requestBody": {"required": True, "content": {NDJSON: {"schema": {"type": "string"}}}}})
async def import_records(request: Request, state: State, key: Key) -> ImportOut:
    """Import an NDJSON upload (one record per line, docs/import-format.md); bad lines are reported
    with their number and reason, good lines kept. Approval gates do not apply to imported history."""
    body = await request.body()
    report = await run_in_threadpool(ops.import_ndjson, state, key, body)
    return ImportOut(imported=dict(report.imported), total=report.total,
                     rejected=[{"line": r.line, "reason": r.reason} for r in report.rejected])  # type: ignore[misc]


@router.get("/records/{record_id}", tags=["records"])
def get_record(record_id: str, state: State, key: Key) -> dict[str, Any]:
    """One stored record, in the import format."""
    return ops.as_line(ops.get_record(state, key, record_id))


@router.delete("/ventures/{venture}", tags=["records"])
def delete_venture(venture: str, state: State, key: Key) -> dict[str, int]:
    """Delete a venture and everything that belongs only to it; returns counts by label."""
    return ops.delete_venture(state, key, venture)


# ---- recall and briefs -------------------------------------------------------------------------


@router.post("/recall", tags=["recall"])
def recall(body: RecallIn, state: State, key: Key) -> list[Hit]:
    """Hybrid search over decisions, observations and insights of the venture (scope ``venture``),
    plus ventures whose sharing is ``open`` (scope ``platform``)."""
    return ops.recall(state, key, body.query, body.venture, body.k, body.kinds, body.scope, roles=body.roles,
                      labels=body.labels, since=body.since, until=body.until, now=body.now)


@router.post("/similar-decisions", tags=["recall"])
def similar_decisions(body: SimilarIn, state: State, key: Key) -> list[Hit]:
    """Past decisions like a stored one (``decision_id``) or a description (``text``), with outcomes."""
    return ops.similar_decisions(state, key, body.decision_id, body.text, body.venture, body.scope, body.k,
                                 now=body.now)


@router.post("/wake-up", tags=["recall"], response_model=None, responses={
    200: {"description": "The brief: JSON (orgmind.brief/1) or Markdown (Accept: text/markdown)",
          "content": {"application/json": {"schema": {"type": "object"}}, MARKDOWN: {"schema": {"type": "string"}}}},
})
def wake_up(body: WakeUpIn, request: Request, state: State, key: Key) -> Response:
    """Build and record the brief an agent receives when it wakes up."""
    brief = ops.wake_up(state, key, body.venture, body.role, body.task, body.budget_tokens,
                        agent_id=body.agent_id, ref=body.ref, now=body.now)
    if MARKDOWN in request.headers.get("accept", ""):
        return PlainTextResponse(brief.to_markdown(), media_type=MARKDOWN)
    return Response(json.dumps({**brief.to_json(), "venture_name": brief.venture_name}),
                    media_type="application/json")


# ---- synthesis and patterns -----------------------------------------------------------------------


@router.post("/synthesize", tags=["synthesis"])
def synthesize(body: SynthesizeIn, state: State, key: Key) -> dict[str, Any]:
    """Distil the venture's decisions and outcomes into its next brain version."""
    return ops.synthesize(state, key, body.venture, body.role, now=body.now).to_json()


@router.get("/ventures/{venture}/scorecard", tags=["synthesis"])
def scorecard(venture: str, state: State, key: Key, role: str | None = None) -> Scorecard:
    """Decision quality per brain version and per insight."""
    return ops.scorecard(state, key, venture, role)


@router.get("/patterns", tags=["patterns"])
def patterns(state: State, key: Key, kind: str | None = None) -> list[dict[str, Any]]:
    """Stored cross-venture patterns (from ventures sharing ``patterns`` or ``open``)."""
    return [p.to_json_dict() for p in ops.patterns(state, key, kind)]


@router.post("/patterns/mine", tags=["patterns"])
def mine_patterns(body: MineIn, state: State, key: Key) -> list[dict[str, Any]]:
    """Mine and store the patterns that hold across sharing ventures (admin keys)."""
    mined = ops.mine_patterns(state, key, now=body.now, min_ventures=body.min_ventures,
                              similarity=body.similarity)
    return [p.to_json_dict() for p in mined]


@router.get("/platform/kinds", tags=["patterns"])
def kinds(state: State, key: Key,
          venture: Annotated[list[str] | None, Query(description="Only these ventures.")] = None) -> list[dict[str, Any]]:
    """Which decision kinds succeed across ventures that share."""
    return [dataclasses.asdict(s) for s in ops.kinds(state, key, venture)]


@router.get("/platform/kinds/{kind}", tags=["patterns"])
def kind_knowledge(kind: str, state: State, key: Key) -> dict[str, Any]:
    """What the platform knows about a kind of decision: statistics, options, patterns."""
    knowledge = ops.kind_knowledge(state, key, kind)
    return {
        "kind": knowledge.kind,
        "stats": dataclasses.asdict(knowledge.stats) if knowledge.stats else None,
        "options": [dataclasses.asdict(o) for o in knowledge.options],
        "patterns": [p.to_json_dict() for p in knowledge.patterns],
    }


@router.get("/decisions/{decision_id}/precedents", tags=["patterns"])
def precedents(decision_id: str, state: State, key: Key,
               k: Annotated[int, Query(ge=1, le=50)] = 5) -> list[dict[str, Any]]:
    """Decisions like this one in ventures that share openly, and what came of them."""
    return [dataclasses.asdict(p) for p in ops.precedents(state, key, decision_id, k)]


# ---- approvals ------------------------------------------------------------------------------


@router.get("/approvals", tags=["approvals"])
def pending_approvals(state: State, key: Key, venture: str | None = None) -> list[Approval]:
    """Escalations waiting for a person, oldest first, with their decisions."""
    return [_approval(pair) for pair in ops.pending_approvals(state, key, venture)]


@router.post("/approvals/{escalation_id}/approve", tags=["approvals"])
def approve(escalation_id: str, body: ResolveIn, state: State, key: Key) -> Approval:
    """Approve a pending escalation; the approver recorded is the key's name."""
    return _approval(ops.resolve(state, key, escalation_id, True, body.note))


@router.post("/approvals/{escalation_id}/reject", tags=["approvals"])
def reject(escalation_id: str, body: ResolveIn, state: State, key: Key) -> Approval:
    """Reject a pending escalation; its decision can never be executed."""
    return _approval(ops.resolve(state, key, escalation_id, False, body.note))


# ---- export and stats -------------------------------------------------------------------------


@router.get("/ventures/{venture}/export", tags=["records"], response_class=PlainTextResponse,
            responses={200: {"content": {NDJSON: {"schema": {"type": "string"}}}}})
def export(venture: str, state: State, key: Key) -> PlainTextResponse:
    """Every record of the venture as NDJSON in the import format (re-importable)."""
    lines = ops.export(state, key, venture)
    return PlainTextResponse("".join(json.dumps(line) + "\n" for line in lines), media_type=NDJSON)


@router.get("/stats", tags=["records"])
def stats(state: State, key: Key) -> list[dict[str, Any]]:
    """Per venture the key covers: the venture, record counts, latest decisions with outcomes."""
    return [row.to_json_dict() for row in ops.stats(state, key)]
