"""Record models: one pydantic model per node kind, plus the edge model.

Every record has a stable string ``id`` (given by the client or generated), timezone-aware UTC
timestamps and bounded text. Unknown fields are rejected. ``Link`` declarations say which fields
point at other nodes; the graph stores turn them into relationships and check that the target
exists (in the same venture) before anything is written.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeVar, Union

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from orgmind.errors import InvalidRecord


class NodeLabel(StrEnum):
    """Node labels (the graph's node kinds)."""

    VENTURE = "Venture"
    AGENT = "Agent"
    WAKEUP = "WakeUp"
    DECISION = "Decision"
    OUTCOME = "Outcome"
    OBSERVATION = "Observation"
    INSIGHT = "Insight"
    BRAIN_VERSION = "BrainVersion"
    PATTERN = "Pattern"
    BRIEF = "Brief"
    ESCALATION = "Escalation"


class RelType(StrEnum):
    """Relationship types."""

    WORKS_FOR = "WORKS_FOR"
    OF = "OF"
    UNDER = "UNDER"
    RECEIVED = "RECEIVED"
    IN = "IN"
    MADE_BY = "MADE_BY"
    DURING = "DURING"
    LED_TO = "LED_TO"
    DERIVED_FROM = "DERIVED_FROM"
    PART_OF = "PART_OF"
    SUCCEEDS = "SUCCEEDS"
    GENERALIZES = "GENERALIZES"
    SEEN_IN = "SEEN_IN"
    INCLUDED = "INCLUDED"
    GATES = "GATES"


class Sharing(StrEnum):
    """How much of a venture other ventures may learn from."""

    NONE = "none"
    PATTERNS = "patterns"
    OPEN = "open"


class DecisionStatus(StrEnum):
    PROPOSED = "proposed"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXECUTED = "executed"
    ABANDONED = "abandoned"


class InsightStatus(StrEnum):
    ACTIVE = "active"
    WEAKENED = "weakened"
    RETIRED = "retired"


class EscalationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""Integers a record may hold: what both backends store exactly."""


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range once converted to UTC") from None


def _number(value: Any) -> Any:
    """Refuse booleans where a number is meant (pydantic would read True as 1)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # Unicode categories Cc, Zl and Zp
_SURROGATE = re.compile("[\ud800-\udfff]")


def _scalar(value: Any) -> Any:
    """A context value: a finite float, a 64-bit integer, a boolean or a short string."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value}")
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("integer out of the 64-bit range")
    if isinstance(value, str) and _SURROGATE.search(value):
        raise ValueError("contains a lone surrogate (not valid Unicode text)")
    return value


def _lowercase(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _one_line(value: str) -> str:
    if _LINE_BREAKING.search(value):
        raise ValueError("must be one line: no newlines or other control characters")
    return value


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


Id = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,127}$"),
]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
Slug = Annotated[
    str,
    BeforeValidator(_lowercase),
    StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_\-]{0,39}$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), AfterValidator(_one_line)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), AfterValidator(_one_line)]
"""One-line fields (names, titles) refuse control characters; multi-line text fields keep them
and are rendered as one escaped line wherever they are shown (orgmind.brief.render)."""
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
LongText = Annotated[str, StringConstraints(max_length=100_000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Scalar = Annotated[
    Union[bool, int, float, Annotated[str, StringConstraints(max_length=500)]], BeforeValidator(_scalar)
]
Key = Annotated[str, StringConstraints(max_length=64)]
Attributes = Annotated[dict[Key, Scalar], Field(max_length=50)]
Real = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]
"""A finite number (no NaN, no infinity, no boolean)."""
Unit = Annotated[Real, Field(ge=0.0, le=1.0)]
Score = Annotated[Real, Field(ge=-1.0, le=1.0)]
Count = Annotated[int, BeforeValidator(_number), Field(ge=0, le=INT64_MAX)]
Metrics = Annotated[dict[Key, Real], Field(max_length=50)]


@dataclass(frozen=True)
class Link:
    """A field that points at other nodes, and the relationship it becomes.

    ``reverse`` draws the relationship from the target to the record (Decision -[:LED_TO]->
    Outcome is declared on Outcome.decision_id). ``same_venture`` requires the target to belong
    to the record's venture.
    """

    field: str
    rel: RelType
    targets: tuple[NodeLabel, ...]
    reverse: bool = False
    same_venture: bool = True


class Node(BaseModel):
    """Fields and behaviour shared by every node kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, allow_inf_nan=False)

    label: ClassVar[NodeLabel]
    id_prefix: ClassVar[str]
    time_field: ClassVar[str]
    links: ClassVar[tuple[Link, ...]] = ()

    id: Id = Field(default_factory=lambda: "")

    def model_post_init(self, __context: Any) -> None:
        if not self.id:
            object.__setattr__(self, "id", f"{self.id_prefix}_{uuid.uuid4().hex[:20]}")

    @property
    def timestamp(self) -> datetime:
        """The time the record is ordered by."""
        moment: datetime = getattr(self, self.time_field)
        return moment

    @property
    def owner_venture(self) -> str | None:
        """The venture the record belongs to (None for platform-level records)."""
        return getattr(self, "venture_id", None)

    @property
    def role_key(self) -> str | None:
        return getattr(self, "role", None)

    @property
    def kind_key(self) -> str | None:
        return getattr(self, "kind", None)

    def linked_ids(self, link: Link) -> list[str]:
        value = getattr(self, link.field)
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Venture(Node):
    label: ClassVar[NodeLabel] = NodeLabel.VENTURE
    id_prefix: ClassVar[str] = "ven"
    time_field: ClassVar[str] = "created_at"

    name: Name
    stage: Slug = "idea"
    sharing: Sharing = Sharing.NONE
    description: OptionalText = ""
    created_at: UtcDatetime = Field(default_factory=utc_now)

    @property
    def owner_venture(self) -> str | None:
        return self.id


class Agent(Node):
    label: ClassVar[NodeLabel] = NodeLabel.AGENT
    id_prefix: ClassVar[str] = "agt"
    time_field: ClassVar[str] = "created_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("venture_id", RelType.WORKS_FOR, (NodeLabel.VENTURE,)),
    )

    venture_id: Id
    role: Slug
    name: Name | None = None
    created_at: UtcDatetime = Field(default_factory=utc_now)


class BrainVersion(Node):
    label: ClassVar[NodeLabel] = NodeLabel.BRAIN_VERSION
    id_prefix: ClassVar[str] = "brn"
    time_field: ClassVar[str] = "created_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("venture_id", RelType.IN, (NodeLabel.VENTURE,)),
        Link("previous_id", RelType.SUCCEEDS, (NodeLabel.BRAIN_VERSION,)),
    )

    venture_id: Id
    role: Slug | None = None
    version: Annotated[Count, Field(ge=1)]
    previous_id: Id | None = None
    summary: OptionalText = ""
    created_at: UtcDatetime = Field(default_factory=utc_now)


class WakeUp(Node):
    label: ClassVar[NodeLabel] = NodeLabel.WAKEUP
    id_prefix: ClassVar[str] = "wak"
    time_field: ClassVar[str] = "started_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("agent_id", RelType.OF, (NodeLabel.AGENT,)),
        Link("brain_version_id", RelType.UNDER, (NodeLabel.BRAIN_VERSION,)),
    )

    venture_id: Id
    role: Slug
    agent_id: Id | None = None
    task: OptionalText | None = None
    brain_version_id: Id | None = None
    ref: Name | None = None
    """The orchestrator's id of this wake-up (e.g. ``paperclip-run:<run id>``)."""
    started_at: UtcDatetime = Field(default_factory=utc_now)


class Decision(Node):
    label: ClassVar[NodeLabel] = NodeLabel.DECISION
    id_prefix: ClassVar[str] = "dec"
    time_field: ClassVar[str] = "made_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("venture_id", RelType.IN, (NodeLabel.VENTURE,)),
        Link("agent_id", RelType.MADE_BY, (NodeLabel.AGENT,)),
        Link("wakeup_id", RelType.DURING, (NodeLabel.WAKEUP,)),
        Link("brain_version_id", RelType.UNDER, (NodeLabel.BRAIN_VERSION,)),
    )

    venture_id: Id
    role: Slug
    kind: Slug
    title: Title
    rationale: OptionalText = ""
    options: Annotated[list[Title], Field(max_length=20)] = Field(default_factory=list)
    chosen: Title | None = None
    confidence: Unit | None = None
    status: DecisionStatus = DecisionStatus.EXECUTED
    context: Attributes = Field(default_factory=dict)
    agent_id: Id | None = None
    wakeup_id: Id | None = None
    brain_version_id: Id | None = None
    ref: Name | None = None
    made_at: UtcDatetime = Field(default_factory=utc_now)


class Outcome(Node):
    label: ClassVar[NodeLabel] = NodeLabel.OUTCOME
    id_prefix: ClassVar[str] = "out"
    time_field: ClassVar[str] = "observed_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("decision_id", RelType.LED_TO, (NodeLabel.DECISION,), reverse=True),
    )

    venture_id: Id
    decision_id: Id
    score: Score
    summary: OptionalText = ""
    metrics: Metrics = Field(default_factory=dict)
    observed_at: UtcDatetime = Field(default_factory=utc_now)


class Observation(Node):
    label: ClassVar[NodeLabel] = NodeLabel.OBSERVATION
    id_prefix: ClassVar[str] = "obs"
    time_field: ClassVar[str] = "observed_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("venture_id", RelType.IN, (NodeLabel.VENTURE,)),
    )

    venture_id: Id
    text: Text
    source: Slug = "agent"
    role: Slug | None = None
    tags: Annotated[list[Slug], Field(max_length=20)] = Field(default_factory=list)
    ref: Name | None = None
    observed_at: UtcDatetime = Field(default_factory=utc_now)


class Insight(Node):
    label: ClassVar[NodeLabel] = NodeLabel.INSIGHT
    id_prefix: ClassVar[str] = "ins"
    time_field: ClassVar[str] = "created_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("brain_version_id", RelType.PART_OF, (NodeLabel.BRAIN_VERSION,)),
        Link(
            "evidence_ids",
            RelType.DERIVED_FROM,
            (NodeLabel.DECISION, NodeLabel.OUTCOME, NodeLabel.OBSERVATION, NodeLabel.INSIGHT),
        ),
    )

    venture_id: Id
    text: Text
    role: Slug | None = None
    kind: Slug | None = None
    key: Name | None = None
    scope: Literal["venture", "role"] = "venture"
    support: Count = 0
    effect: Score = 0.0
    interval_low: Score | None = None
    interval_high: Score | None = None
    confidence: Unit = 0.5
    status: InsightStatus = InsightStatus.ACTIVE
    brain_version_id: Id | None = None
    evidence_ids: Annotated[list[Id], Field(max_length=500)] = Field(default_factory=list)
    created_at: UtcDatetime = Field(default_factory=utc_now)


class Pattern(Node):
    label: ClassVar[NodeLabel] = NodeLabel.PATTERN
    id_prefix: ClassVar[str] = "pat"
    time_field: ClassVar[str] = "created_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("venture_ids", RelType.SEEN_IN, (NodeLabel.VENTURE,), same_venture=False),
        Link("insight_ids", RelType.GENERALIZES, (NodeLabel.INSIGHT,), same_venture=False),
    )

    text: Text
    kind: Slug | None = None
    support: Count = 0
    effect: Score = 0.0
    consistency: Unit = 0.0
    venture_ids: Annotated[list[Id], Field(max_length=1000)] = Field(default_factory=list)
    insight_ids: Annotated[list[Id], Field(max_length=1000)] = Field(default_factory=list)
    created_at: UtcDatetime = Field(default_factory=utc_now)


class Brief(Node):
    label: ClassVar[NodeLabel] = NodeLabel.BRIEF
    id_prefix: ClassVar[str] = "brf"
    time_field: ClassVar[str] = "built_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("wakeup_id", RelType.RECEIVED, (NodeLabel.WAKEUP,), reverse=True),
    )

    venture_id: Id
    wakeup_id: Id
    role: Slug
    tokens: Count
    budget: Annotated[Count, Field(ge=1)]
    content: LongText = ""
    built_at: UtcDatetime = Field(default_factory=utc_now)


class Escalation(Node):
    label: ClassVar[NodeLabel] = NodeLabel.ESCALATION
    id_prefix: ClassVar[str] = "esc"
    time_field: ClassVar[str] = "requested_at"
    links: ClassVar[tuple[Link, ...]] = (
        Link("decision_id", RelType.GATES, (NodeLabel.DECISION,)),
    )

    venture_id: Id
    decision_id: Id
    gate: Slug
    reason: OptionalText = ""
    status: EscalationStatus = EscalationStatus.PENDING
    requested_at: UtcDatetime = Field(default_factory=utc_now)
    resolved_at: UtcDatetime | None = None
    resolver: Name | None = None
    note: OptionalText | None = None


class Edge(BaseModel):
    """A relationship between two stored nodes, unique by (source, type, target)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    source: Id
    type: RelType
    target: Id
    properties: Attributes = Field(default_factory=dict)


NODE_TYPES: dict[NodeLabel, type[Node]] = {
    cls.label: cls
    for cls in (
        Venture,
        Agent,
        BrainVersion,
        WakeUp,
        Decision,
        Outcome,
        Observation,
        Insight,
        Pattern,
        Brief,
        Escalation,
    )
}

RECORD_TYPE_NAMES: dict[str, type[Node]] = {
    "venture": Venture,
    "agent": Agent,
    "brain_version": BrainVersion,
    "wakeup": WakeUp,
    "decision": Decision,
    "outcome": Outcome,
    "observation": Observation,
    "insight": Insight,
    "pattern": Pattern,
    "brief": Brief,
    "escalation": Escalation,
}


TYPE_NAME_OF: dict[type[Node], str] = {cls: name for name, cls in RECORD_TYPE_NAMES.items()}


def import_line(node: Node) -> dict[str, Any]:
    """A record as one line of the JSONL import format."""
    return {"type": TYPE_NAME_OF[type(node)], **node.to_json_dict()}


def node_class(label: NodeLabel | str) -> type[Node]:
    """The model class of a node label."""
    return NODE_TYPES[NodeLabel(label)]


NodeT = TypeVar("NodeT", bound=Node)


def parse_record(record_type: str, data: dict[str, Any]) -> Node:
    """Validate ``data`` as a record of ``record_type`` (a name from ``RECORD_TYPE_NAMES``).

    Raises InvalidRecord naming the first offending field and the reason.
    """
    cls = RECORD_TYPE_NAMES.get(record_type)
    if cls is None:
        known = ", ".join(sorted(RECORD_TYPE_NAMES))
        raise InvalidRecord("type", f"unknown record type {record_type!r} (expected one of: {known})")
    return validate(cls, data)


def validate(cls: type[NodeT], data: dict[str, Any]) -> NodeT:
    """``cls.model_validate(data)`` with pydantic's error turned into InvalidRecord."""
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise invalid_record_from(exc, cls.__name__) from None


def invalid_record_from(exc: ValidationError, record_type: str) -> InvalidRecord:
    """The first error of a pydantic ValidationError as an InvalidRecord."""
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "(record)"
    reason = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        reason = "unknown field"
    return InvalidRecord(field, reason, record_type=record_type)


_EDGE_ADAPTER = TypeAdapter(Edge)


def make_edge(source: str, rel: RelType | str, target: str, **properties: Any) -> Edge:
    """Build and validate an edge."""
    try:
        return _EDGE_ADAPTER.validate_python(
            {"source": source, "type": rel, "target": target, "properties": properties}
        )
    except ValidationError as exc:
        raise invalid_record_from(exc, "Edge") from None


def derived_edges(node: Node) -> list[Edge]:
    """The relationships a node's link fields imply."""
    edges = []
    for link in node.links:
        for target in node.linked_ids(link):
            if link.reverse:
                edges.append(Edge(source=target, type=link.rel, target=node.id))
            else:
                edges.append(Edge(source=node.id, type=link.rel, target=target))
    return edges


@dataclass(frozen=True)
class DecisionWithOutcomes:
    """A decision and the outcomes observed for it, oldest first."""

    decision: Decision
    outcomes: tuple[Outcome, ...] = ()

    @property
    def outcome(self) -> Outcome | None:
        """The latest outcome, if any."""
        return self.outcomes[-1] if self.outcomes else None
