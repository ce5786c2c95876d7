"""The ASGI application: REST under /v1, MCP at /mcp, health at /healthz and /readyz.

The process opens the stores once (loading the model once) in the background as it starts:
/healthz answers at once, /readyz and the API answer 503 until the stores are open. If they
cannot be opened the process exits with status 3. On SIGTERM uvicorn drains in-flight requests,
then the stores are closed.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from orgmind.config import Settings
from orgmind.keys import authenticate
from orgmind.mind import OrgMind
from orgmind.service import problems
from orgmind.service.admission import Admission, slots_for
from orgmind.service.mcp_server import RequireKey, bearer_of, build_mcp
from orgmind.service.routes import router
from orgmind.service.schemas import Health
from orgmind.service.state import ServiceState

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, host: str = "127.0.0.1", slots: int | None = None) -> FastAPI:
    """The service over the stores named by ``settings`` (default: ORGMIND_* environment).

    ``host`` is the address served; on loopback the MCP endpoint rejects other Host headers.
    ``slots`` is how many requests do their work at once, 0 for no limit, None to choose by the
    stores (``orgmind.service.admission.slots_for``).
    """
    settings = settings or Settings()
    limit = slots_for(settings.graph_url is None and settings.qdrant_url is None, slots)
    state = ServiceState()
    mcp = build_mcp(state, lambda ctx: authenticate(state.require().graph, bearer_of(ctx)))
    mcp.streamable_http_app(streamable_http_path="/mcp", stateless_http=True, json_response=True, host=host)

    async def open_stores() -> None:
        try:
            state.mind = await run_in_threadpool(OrgMind.open, settings)
        except Exception:
            log.critical("orgmind cannot open its stores; exiting", exc_info=True)
            os._exit(3)  # a service that cannot start fails loudly (nothing is open to close)
        log.info("orgmind service ready")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opening = asyncio.create_task(open_stores())
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            await opening
            mind, state.mind = state.mind, None
            if mind is not None:
                await run_in_threadpool(mind.close)
            log.info("orgmind service stopped; stores closed")

    app = FastAPI(
        title="orgmind",
        version="1",
        summary="Decision memory, recall and cited wake-up briefs for AI agents that run businesses.",
        lifespan=lifespan,
    )
    app.state.service = state
    if limit is not None:
        app.add_middleware(Admission, slots=limit)
    problems.install(app)
    app.include_router(router)
    app.router.routes.append(Route("/mcp", RequireKey(StreamableHTTPASGIApp(mcp.session_manager), state)))

    @app.get("/healthz", tags=["health"])
    def healthz() -> Health:
        """The process is up (no authentication)."""
        return Health(status="ok")

    @app.get("/readyz", tags=["health"], responses={503: {"model": Health}})
    def readyz(request: Request) -> JSONResponse:
        """The model is loaded and the stores are open (no authentication)."""
        ready = request.app.state.service.mind is not None
        return JSONResponse({"status": "ready" if ready else "starting"}, status_code=200 if ready else 503)

    return app
