"""orgmind: the intelligence layer beneath AI agents that run businesses.

Record what agents decided and what came of it; recall precedents; hand every agent a compact,
cited brief when it wakes up.
"""

from orgmind.client import AsyncClient, Client
from orgmind.config import Settings
from orgmind.errors import (
    AuthenticationFailed,
    IdConflict,
    IndexMismatch,
    InvalidRecord,
    MissingReference,
    ModelUnavailable,
    NotFound,
    OrgmindError,
    PermissionDenied,
    StoreLocked,
    StoreUnavailable,
)
from orgmind.mind import OrgMind
from orgmind.models import (
    Agent,
    BrainVersion,
    Brief,
    Decision,
    DecisionStatus,
    Edge,
    Escalation,
    EscalationStatus,
    Insight,
    InsightStatus,
    NodeLabel,
    Observation,
    Outcome,
    Pattern,
    RelType,
    Sharing,
    Venture,
    WakeUp,
)

__all__ = [
    "Agent",
    "AsyncClient",
    "AuthenticationFailed",
    "BrainVersion",
    "Brief",
    "Client",
    "Decision",
    "DecisionStatus",
    "Edge",
    "Escalation",
    "EscalationStatus",
    "IdConflict",
    "IndexMismatch",
    "Insight",
    "InsightStatus",
    "InvalidRecord",
    "MissingReference",
    "ModelUnavailable",
    "NodeLabel",
    "NotFound",
    "Observation",
    "OrgMind",
    "OrgmindError",
    "Outcome",
    "Pattern",
    "PermissionDenied",
    "RelType",
    "Settings",
    "Sharing",
    "StoreLocked",
    "StoreUnavailable",
    "Venture",
    "WakeUp",
]
