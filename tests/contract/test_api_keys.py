"""API keys in the graph store: the same behaviour on every backend."""

from __future__ import annotations

import pytest

from orgmind.errors import AuthenticationFailed, InvalidArgument, NotFound
from orgmind.graph.base import GraphStore
from orgmind.keys import authenticate, create_key, list_keys, revoke_key
from orgmind.models import Venture


def test_key_round_trip_is_stored_hashed_and_revocable(store: GraphStore) -> None:
    store.upsert([Venture(id="acme", name="Acme"), Venture(id="beta", name="Beta")])
    key, plain = create_key(store, "acme-bot", ["acme"], ["read", "write"])
    assert plain not in "".join(store.list_api_keys())
    assert authenticate(store, plain) == key
    assert key.covers("acme") and not key.covers("beta") and not key.covers(None)
    admin, admin_plain = create_key(store, "ops", [], ["read", "approve"], admin=True)
    assert authenticate(store, admin_plain).admin
    assert [k.id for k in list_keys(store)] == [key.id, admin.id]
    assert store.count() == 2  # keys are not records
    revoked = revoke_key(store, key.id)
    assert revoked.revoked_at is not None
    with pytest.raises(AuthenticationFailed):
        authenticate(store, plain)
    with pytest.raises(AuthenticationFailed):
        authenticate(store, admin_plain[:-1] + ("x" if admin_plain[-1] != "x" else "y"))
    with pytest.raises(AuthenticationFailed):
        authenticate(store, None)


def test_key_for_an_unknown_venture_is_refused(store: GraphStore) -> None:
    with pytest.raises(InvalidArgument) as error:
        create_key(store, "bot", ["nowhere"], ["read"])
    assert error.value.field == "ventures"
    with pytest.raises(NotFound):
        revoke_key(store, "0123456789abcdef")
