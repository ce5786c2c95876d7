"""The exceptions orgmind raises.

Every error is an ``OrgmindError``; foreign errors (pydantic, SQLite, the Neo4j driver,
Qdrant) are translated at the boundary where they occur::

    OrgmindError
     ├── InvalidInput                bad input; names the field and the reason (also a ValueError)
     │    ├── InvalidRecord          a record failed validation
     │    │    ├── MissingReference  a record points at an id that is not stored (or not in its venture)
     │    │    └── IdConflict        an id is already used by a node of another kind or venture
     │    ├── InvalidArgument        a call's argument is wrong (bad scope, empty query, ...)
     │    └── PolicyError            an approval policy file is unusable; names file, line and key
     ├── NotFound               no node with that id (an unknown venture, decision, escalation, ...)
 ├── Conflict               the stored state changed under a write (an escalation already resolved)
     ├── PermissionDenied       the caller's API key does not cover that venture or action
     ├── ReadOnly               a write or search on a store opened read-only
     ├── StoreUnavailable       a backend cannot be reached or opened
     │    ├── AuthenticationFailed  the backend refused the credentials
     │    ├── StoreLocked       another process holds the embedded store
     │    └── StoreFull         the disk under the embedded store has no room for the write
     ├── IndexMismatch          the vector index does not match the configured embedding model
     └── ModelUnavailable       the embedding model is not on local disk (never downloaded)
"""

from __future__ import annotations

__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "IdConflict",
    "IndexMismatch",
    "InvalidArgument",
    "InvalidInput",
    "InvalidRecord",
    "MissingReference",
    "ModelUnavailable",
    "NotFound",
    "OrgmindError",
    "PermissionDenied",
    "PolicyError",
    "ReadOnly",
    "StoreFull",
    "StoreLocked",
    "StoreUnavailable",
]


class OrgmindError(Exception):
    """Base class of every error raised by orgmind."""


class InvalidInput(OrgmindError, ValueError):
    """Bad input. ``field`` names the offending field or argument, ``reason`` says why."""

    def __init__(self, field: str, reason: str, *, record_type: str | None = None) -> None:
        self.field = field
        self.reason = reason
        self.record_type = record_type
        where = f"{record_type}.{field}" if record_type else field
        super().__init__(f"{where}: {reason}")


class InvalidRecord(InvalidInput):
    """A record failed validation."""


class InvalidArgument(InvalidInput):
    """An argument of a call is wrong."""


class MissingReference(InvalidRecord):
    """A record refers to an id that is not stored, or that belongs to another venture."""


class IdConflict(InvalidRecord):
    """An id is already taken by a node of another kind or another venture."""


class NotFound(OrgmindError):
    """No node with the requested id exists."""


class Conflict(OrgmindError):
    """A write whose precondition no longer holds: another write changed the node first."""


class ReadOnly(OrgmindError):
    """The store was opened read-only (the graph alone) and the call needs to write or search."""


class StoreUnavailable(OrgmindError):
    """A backend cannot be reached or opened."""


class AuthenticationFailed(StoreUnavailable):
    """The backend refused the configured credentials."""


class StoreLocked(StoreUnavailable):
    """Another process holds the embedded store."""


class StoreFull(StoreUnavailable):
    """The disk under the embedded store is (nearly) full: nothing of the write was stored.

    Free space and retry; the store reopens and carries on where it stopped.
    """


class IndexMismatch(OrgmindError):
    """The vector index was built with another embedding model or dimension."""


class ModelUnavailable(OrgmindError):
    """The embedding model is not on local disk (orgmind never downloads models)."""


class PolicyError(InvalidInput):
    """A policy file that cannot be used.

    ``file`` names it, ``line`` is the 1-based line (None when unknown), ``key`` the key path
    (``gates[2].amount_above``; None for TOML syntax errors) and ``reason`` says what is wrong.
    """

    def __init__(self, file: str, line: int | None, key: str | None, reason: str) -> None:
        super().__init__(key or "(file)", reason)
        self.file, self.line, self.key = file, line, key
        where = f"{file}:{line}" if line else file
        self.args = (f"{where}: {key}: {reason}" if key else f"{where}: {reason}",)


class PermissionDenied(OrgmindError):
    """The API key in use does not cover the venture, or lacks the scope (read, write, approve)."""
