"""Request and response bodies of the REST API (the OpenAPI document is generated from them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orgmind.models import NodeLabel


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordsIn(Body):
    """Records in the import format: each an object with ``type`` (decision, outcome, ...)."""

    records: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class RecordsOut(BaseModel):
    """The records as stored, in the import format; a gated decision is followed by its escalation."""

    records: list[dict[str, Any]]


class RecallIn(Body):
    query: str = Field(min_length=1, max_length=10_000, description="What to look for, in plain words.")
    venture: str | None = Field(None, description="The venture asking (required for scope 'venture').")
    k: int = Field(10, ge=1, le=100, description="How many hits.")
    kinds: list[str] | None = Field(None, description="Only decisions of these kinds.")
    scope: Literal["venture", "platform"] = "venture"
    roles: list[str] | None = None
    labels: list[NodeLabel] | None = None
    since: datetime | None = None
    until: datetime | None = None
    now: datetime | None = None


class SimilarIn(Body):
    decision_id: str | None = None
    text: str | None = Field(None, max_length=10_000)
    venture: str | None = None
    scope: Literal["venture", "platform"] = "venture"
    k: int = Field(10, ge=1, le=100)
    now: datetime | None = None


class WakeUpIn(Body):
    venture: str
    role: str = Field(min_length=1, max_length=40)
    task: str | None = Field(None, max_length=10_000)
    budget_tokens: int = Field(1200, ge=1, le=100_000)
    agent_id: str | None = None
    ref: str | None = Field(None, max_length=200, description="The orchestrator's id of this run.")
    now: datetime | None = None


class SynthesizeIn(Body):
    venture: str
    role: str | None = None
    now: datetime | None = None


class MineIn(Body):
    now: datetime | None = None
    min_ventures: int = Field(2, ge=1, le=1000)
    similarity: float = Field(0.75, ge=0.0, le=1.0)


class ResolveIn(Body):
    note: str | None = Field(None, max_length=10_000)


class Approval(BaseModel):
    escalation: dict[str, Any]
    decision: dict[str, Any]


class RejectedLineOut(BaseModel):
    line: int
    reason: str


class ImportOut(BaseModel):
    imported: dict[str, int]
    rejected: list[RejectedLineOut]
    total: int


class Health(BaseModel):
    status: str
