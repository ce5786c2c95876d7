"""Bearer-key authentication: every /v1 route and the MCP endpoint call ``principal``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orgmind.keys import ApiKey, authenticate
from orgmind.service.state import ServiceState

bearer = HTTPBearer(auto_error=False, description="An orgmind API key (`orgmind keys create`).")


def service_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.service
    return state


def principal(
    state: Annotated[ServiceState, Depends(service_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiKey:
    """The caller's live API key; 401 (AuthenticationFailed) when missing or unknown."""
    return authenticate(state.require().graph, credentials.credentials if credentials else None)


Key = Annotated[ApiKey, Depends(principal)]
State = Annotated[ServiceState, Depends(service_state)]
