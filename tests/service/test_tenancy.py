"""Every route, table-driven from the OpenAPI document: no key or an unknown key is 401, a key of
another venture or without the scope is 403, the right key succeeds. A route without a row here
fails the suite."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.service.conftest import Service

Request = tuple[str, dict[str, Any]]  # (path, httpx keyword arguments)


def _uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _gated_escalation(svc: Service) -> str:
    """A fresh pending escalation in lumen (a pricing decision is gated)."""
    decision_id = _uid("price")
    with svc.client("admin") as admin:
        stored = admin.post("/v1/decisions", json={
            "id": decision_id, "venture_id": "lumen", "role": "ceo", "kind": "pricing", "title": "Raise prices"})
        assert stored.status_code == 200, stored.text
    return str(stored.json()["records"][1]["id"])


@dataclass(frozen=True)
class Route:
    scope: str | None
    """The scope needed; None for the public health routes."""
    request: Callable[[Service], Request]
    other_venture: str | None = "harbor-all"
    """A key that covers other ventures only (None: the route is not bound to one venture)."""
    unscoped: str = "lumen-approve"
    """A key on the venture that lacks the scope."""
    allowed: str = "lumen-all"


def _static(path: str, **kwargs: Any) -> Callable[[Service], Request]:
    return lambda svc: (path, kwargs)


def _fresh_venture_record(svc: Service) -> Request:
    with svc.client("admin") as admin:
        lumen = admin.get("/v1/records/lumen").json()
    lumen.pop("type")
    return "/v1/ventures", {"json": lumen}


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/healthz"): Route(None, _static("/healthz")),
    ("GET", "/readyz"): Route(None, _static("/readyz")),
    ("POST", "/v1/records"): Route("write", lambda svc: ("/v1/records", {"json": {"records": [
        {"type": "observation", "id": _uid("obs"), "venture_id": "lumen", "text": "Churn is flat"}]}})),
    ("POST", "/v1/ventures"): Route("write", _fresh_venture_record),
    ("POST", "/v1/agents"): Route("write", lambda svc: ("/v1/agents", {"json": {
        "id": _uid("agent"), "venture_id": "lumen", "role": "coo"}})),
    ("POST", "/v1/decisions"): Route("write", lambda svc: ("/v1/decisions", {"json": {
        "id": _uid("dec"), "venture_id": "lumen", "role": "cmo", "kind": "campaign", "title": "Run a webinar"}})),
    ("POST", "/v1/outcomes"): Route("write", lambda svc: ("/v1/outcomes", {"json": {
        "id": _uid("out"), "venture_id": "lumen", "decision_id": "lumen-dec-0001", "score": 0.1}})),
    ("POST", "/v1/observations"): Route("write", lambda svc: ("/v1/observations", {"json": {
        "id": _uid("obs"), "venture_id": "lumen", "text": "Signups rose"}})),
    ("POST", "/v1/insights"): Route("write", lambda svc: ("/v1/insights", {"json": {
        "id": _uid("ins"), "venture_id": "lumen", "text": "Webinars convert"}})),
    ("POST", "/v1/import"): Route("write", lambda svc: ("/v1/import", {
        "content": f'{{"type": "observation", "id": "{_uid("obs")}", "venture_id": "lumen", "text": "x"}}\n',
        "headers": {"Content-Type": "application/x-ndjson"}}), unscoped="lumen-write"),  # also needs approve
    ("GET", "/v1/records/{record_id}"): Route("read", _static("/v1/records/lumen-dec-0001")),
    ("DELETE", "/v1/ventures/{venture}"): Route(
        "write", _static("/v1/ventures/doomed"), other_venture="lumen-all", unscoped="doomed-read", allowed="admin"),
    ("POST", "/v1/recall"): Route("read", _static("/v1/recall", json={"query": "pricing", "venture": "lumen"})),
    ("POST", "/v1/similar-decisions"): Route("read", _static(
        "/v1/similar-decisions", json={"text": "raise prices", "venture": "lumen"})),
    ("POST", "/v1/wake-up"): Route("read", _static("/v1/wake-up", json={"venture": "lumen", "role": "cto"})),
    ("POST", "/v1/synthesize"): Route("write", _static("/v1/synthesize", json={"venture": "lumen"})),
    ("GET", "/v1/ventures/{venture}/scorecard"): Route("read", _static("/v1/ventures/lumen/scorecard")),
    ("GET", "/v1/patterns"): Route("read", _static("/v1/patterns"), other_venture=None),
    ("POST", "/v1/patterns/mine"): Route(
        "write", _static("/v1/patterns/mine", json={}), other_venture=None, unscoped="lumen-all", allowed="admin"),
    ("GET", "/v1/platform/kinds"): Route("read", _static("/v1/platform/kinds"), other_venture=None),
    ("GET", "/v1/platform/kinds/{kind}"): Route("read", _static("/v1/platform/kinds/pricing"), other_venture=None),
    ("GET", "/v1/decisions/{decision_id}/precedents"): Route(
        "read", _static("/v1/decisions/lumen-dec-0001/precedents")),
    ("GET", "/v1/approvals"): Route("read", _static("/v1/approvals", params={"venture": "lumen"})),
    ("POST", "/v1/approvals/{escalation_id}/approve"): Route(
        "approve", lambda svc: (f"/v1/approvals/{_gated_escalation(svc)}/approve", {"json": {"note": "ok"}}),
        unscoped="lumen-write"),
    ("POST", "/v1/approvals/{escalation_id}/reject"): Route(
        "approve", lambda svc: (f"/v1/approvals/{_gated_escalation(svc)}/reject", {"json": {}}),
        unscoped="lumen-write"),
    ("GET", "/v1/ventures/{venture}/export"): Route("read", _static("/v1/ventures/lumen/export")),
    ("GET", "/v1/stats"): Route("read", _static("/v1/stats"), other_venture=None),
}

MCP_PATH = "/mcp"


def _call(svc: Service, method: str, key: str | None, request: Request, *, raw_key: str | None = None) -> Any:
    path, kwargs = request
    with svc.client(key) as client:
        if raw_key is not None:
            client.headers["Authorization"] = f"Bearer {raw_key}"
        return client.request(method, path, **kwargs)


def test_an_approved_decision_needs_the_approve_scope(service: Service) -> None:
    decision = {"id": _uid("dec"), "venture_id": "lumen", "role": "ceo", "kind": "pricing", "title": "Cut prices",
                "status": "approved"}
    with service.client("lumen-write") as writer:
        answer = writer.post("/v1/decisions", json=decision)
    assert answer.status_code == 403 and "approve" in answer.json()["detail"]


def test_every_route_has_a_row(service: Service) -> None:
    with service.client(None) as client:
        document = client.get("/openapi.json").json()
    routes = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert routes == set(ROUTES)


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_tenancy(service: Service, route: tuple[str, str]) -> None:
    method, _ = route
    row = ROUTES[route]
    if row.scope is None:
        assert _call(service, method, None, row.request(service)).status_code == 200
        return
    for raw in (None, "omk_0123456789abcdef_not-a-key", service.keys["lumen-all"][:-2] + "zz"):
        answer = _call(service, method, None, row.request(service), raw_key=raw) if raw else _call(
            service, method, None, row.request(service))
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    if row.other_venture is not None:
        answer = _call(service, method, row.other_venture, row.request(service))
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"] == "PermissionDenied"
    answer = _call(service, method, row.unscoped, row.request(service))
    assert answer.status_code == 403, answer.text
    answer = _call(service, method, row.allowed, row.request(service))
    assert 200 <= answer.status_code < 300, answer.text
