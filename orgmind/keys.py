"""API keys of the orgmind service: who may call it, on which ventures, with which scopes.

A key is ``omk_<id>_<secret>``; only its SHA-256 digest is stored, in the graph store (so keys
follow the chosen backend). The secret is 256 random bits, so a fast digest is enough: there is
nothing to brute-force. A key names the ventures it covers (``admin`` keys cover all) and its
scopes: ``read`` (recall, briefs, listings), ``write`` (records, imports, synthesis) and
``approve`` (resolving escalations).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orgmind.errors import (
    AuthenticationFailed,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from orgmind.graph.base import GraphStore
from orgmind.models import Venture, utc_now

Scope = Literal["read", "write", "approve"]
SCOPES: tuple[Scope, ...] = ("read", "write", "approve")
PREFIX = "omk_"
_ID_LENGTH = 16


class ApiKey(BaseModel):
    """A stored key: everything but the secret, which is kept only as a digest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str = Field(min_length=1, max_length=200)
    ventures: tuple[str, ...] = ()
    scopes: tuple[Scope, ...]
    admin: bool = False
    digest: str
    created_at: datetime = Field(default_factory=utc_now)
    revoked_at: datetime | None = None

    def covers(self, venture: str | None) -> bool:
        """Whether the key may touch records of ``venture`` (None: platform-level records)."""
        return self.admin or (venture is not None and venture in self.ventures)

    def require_scope(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise PermissionDenied(f"the key {self.name!r} lacks the {scope!r} scope")

    def require_venture(self, venture: str | None) -> None:
        if not self.covers(venture):
            target = f"venture {venture!r}" if venture else "platform-wide records"
            raise PermissionDenied(f"the key {self.name!r} does not cover {target}")

    def public(self) -> dict[str, object]:
        """The key as listed: no digest."""
        return self.model_dump(mode="json", exclude={"digest"})


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scopes(text: str) -> tuple[Scope, ...]:
    """``"read,write"`` as scopes; raises InvalidArgument naming an unknown one."""
    scopes = [part.strip() for part in text.split(",") if part.strip()]
    if not scopes:
        raise InvalidArgument("scopes", "give at least one of read, write, approve")
    for scope in scopes:
        if scope not in SCOPES:
            raise InvalidArgument("scopes", f"unknown scope {scope!r} (expected read, write or approve)")
    return tuple(s for s in SCOPES if s in scopes)


def create_key(
    graph: GraphStore, name: str, ventures: Sequence[str], scopes: Sequence[Scope], *, admin: bool = False
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its plain text, which is never shown again."""
    if not admin and not ventures:
        raise InvalidArgument("ventures", "name at least one venture (or make an admin key)")
    stored = graph.get_many(list(ventures))
    for venture in ventures:
        if not isinstance(stored.get(venture), Venture):
            raise InvalidArgument("ventures", f"no venture with id {venture!r}")
    key_id = secrets.token_hex(_ID_LENGTH // 2)
    plain = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKey(id=key_id, name=name, ventures=tuple(dict.fromkeys(ventures)), scopes=tuple(scopes),
                    admin=admin, digest=_digest(plain))
    graph.put_api_key(record.id, record.model_dump_json())
    return record, plain


def list_keys(graph: GraphStore) -> list[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    keys = [ApiKey.model_validate_json(data) for data in graph.list_api_keys()]
    return sorted(keys, key=lambda k: (k.created_at, k.id))


def revoke_key(graph: GraphStore, key_id: str) -> ApiKey:
    """Mark a key revoked (kept for the audit trail); revoking twice changes nothing."""
    data = graph.get_api_key(key_id)
    if data is None:
        raise NotFound(f"no API key with id {key_id!r}")
    key = ApiKey.model_validate_json(data)
    if key.revoked_at is None:
        key = key.model_copy(update={"revoked_at": utc_now()})
        graph.put_api_key(key.id, key.model_dump_json())
    return key


def authenticate(graph: GraphStore, plain: str | None) -> ApiKey:
    """The live key whose plain text is ``plain``; raises AuthenticationFailed otherwise."""
    if not plain:
        raise AuthenticationFailed("no API key: send 'Authorization: Bearer <key>'")
    key_id = plain[len(PREFIX) : len(PREFIX) + _ID_LENGTH] if plain.startswith(PREFIX) else ""
    data = graph.get_api_key(key_id) if key_id else None
    key = ApiKey.model_validate_json(data) if data is not None else None
    if key is None or not hmac.compare_digest(key.digest, _digest(plain)) or key.revoked_at is not None:
        raise AuthenticationFailed("unknown or revoked API key")
    return key
