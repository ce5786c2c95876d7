"""Property-based fuzzing of the whole REST API from its OpenAPI document (schemathesis): for
every operation, generated requests (valid and invalid) must never produce a 5xx, and every
answer must match the documented status codes, content types and response schemas."""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orgmind.service.app import create_app
from tests.service.conftest import Service

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: schemathesis.SerializationContext, value: Any) -> bytes:
    """The import upload: generated text as UTF-8 (any other value as one JSON line)."""
    return (value if isinstance(value, str) else json.dumps(value) + "\n").encode("utf-8", "surrogatepass")


# The document the server serves (test_tenancy checks every route of it); requests go to the
# live server of the session fixture.
schema = schemathesis.openapi.from_dict(create_app().openapi())


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_keeps_its_contract(case: schemathesis.Case, service: Service) -> None:
    case.call_and_validate(base_url=service.url, headers={"Authorization": f"Bearer {service.keys['admin']}"}, checks=CHECKS)
