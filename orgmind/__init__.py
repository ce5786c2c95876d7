"""orgmind: an intelligence layer for AI agents that run businesses.

Record what agents decided and what came of it; recall precedents; hand every agent a compact,
cited brief when it wakes up.

Names are imported on first use, so ``import orgmind.<module>`` (and the remote command line)
stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgmind.client import AsyncClient, Client
    from orgmind.config import Settings
    from orgmind.errors import (
        AuthenticationFailed,
        Conflict,
        IdConflict,
        IndexMismatch,
        InvalidArgument,
        InvalidInput,
        InvalidRecord,
        MissingReference,
        ModelUnavailable,
        NotFound,
        OrgmindError,
        PermissionDenied,
        PolicyError,
        ReadOnly,
        StoreFull,
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

_ERRORS = (
    "AuthenticationFailed", "Conflict", "IdConflict", "IndexMismatch", "InvalidArgument", "InvalidInput",
    "InvalidRecord", "MissingReference", "ModelUnavailable", "NotFound", "OrgmindError", "PermissionDenied",
    "PolicyError", "ReadOnly", "StoreFull", "StoreLocked", "StoreUnavailable",
)
_HOMES = {
    "AsyncClient": "orgmind.client", "Client": "orgmind.client", "Settings": "orgmind.config",
    "OrgMind": "orgmind.mind",
    **{name: "orgmind.errors" for name in _ERRORS},
}


def __getattr__(name: str) -> Any:
    module = _HOMES.get(name, "orgmind.models" if name in __all__ else None)
    if module is None:
        raise AttributeError(f"module 'orgmind' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Agent",
    "AsyncClient",
    "AuthenticationFailed",
    "BrainVersion",
    "Brief",
    "Client",
    "Conflict",
    "Decision",
    "DecisionStatus",
    "Edge",
    "Escalation",
    "EscalationStatus",
    "IdConflict",
    "IndexMismatch",
    "Insight",
    "InsightStatus",
    "InvalidArgument",
    "InvalidInput",
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
    "PolicyError",
    "ReadOnly",
    "RelType",
    "Settings",
    "Sharing",
    "StoreFull",
    "StoreLocked",
    "StoreUnavailable",
    "Venture",
    "WakeUp",
]
