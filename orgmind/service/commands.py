"""``orgmind serve``, ``orgmind mcp`` and ``orgmind keys``: registered on the main CLI.

They work on the local store only (refused with ORGMIND_URL set), and import it when they run.
"""

from __future__ import annotations

import json
import logging
import os
from typing import TYPE_CHECKING, Annotated

import typer

from orgmind.target import local_settings

if TYPE_CHECKING:
    from orgmind.graph import GraphStore

keys_app = typer.Typer(help="API keys of the orgmind service.", no_args_is_help=True)


def _graph(ctx: typer.Context) -> GraphStore:
    from orgmind.graph import open_graph

    return open_graph(local_settings(ctx))


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8420,
    slots: Annotated[int | None, typer.Option(
        min=0, show_default="2 on the embedded stores, no limit with servers",
        help="Requests that do their work at once, the rest queued with reads first; 0: no limit "
             "(docs/service.md).")] = None,
) -> None:
    """Run the HTTP service: REST API under /v1, MCP at /mcp (see docs/service.md)."""
    import uvicorn

    from orgmind.service.app import create_app

    settings = local_settings(ctx)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(create_app(settings, host=host, slots=slots), host=host, port=port, timeout_graceful_shutdown=30, log_level="info")


def mcp_command(ctx: typer.Context) -> None:
    """Serve orgmind's MCP tools over stdio, as the key in ORGMIND_API_KEY (opens the stores itself)."""
    import anyio

    from orgmind.keys import authenticate
    from orgmind.mind import OrgMind
    from orgmind.service.mcp_server import build_mcp
    from orgmind.service.state import ServiceState

    settings = local_settings(ctx)
    state = ServiceState()
    with OrgMind.open(settings) as mind:
        key = authenticate(mind.graph, os.environ.get("ORGMIND_API_KEY"))
        state.mind = mind
        anyio.run(build_mcp(state, lambda _: key).run_stdio_async)


@keys_app.command("create")
def keys_create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Who or what uses the key (recorded as the approver).")],
    venture: Annotated[list[str] | None, typer.Option(help="A venture the key covers (repeatable).")] = None,
    scopes: Annotated[str, typer.Option(help="Comma-separated: read, write, approve.")] = "read",
    admin: Annotated[bool, typer.Option("--admin", help="Cover every venture and platform-wide records.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a key and print it once (only its digest is stored)."""
    from orgmind.keys import create_key, parse_scopes

    with _graph(ctx) as graph:
        key, plain = create_key(graph, name, venture or [], parse_scopes(scopes), admin=admin)
    if as_json:
        typer.echo(json.dumps({**key.public(), "key": plain}, indent=2))
        return
    typer.echo(plain)
    typer.echo(f"key {key.id} ({key.name}); shown once, store it now", err=True)


@keys_app.command("list")
def keys_list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List keys (never their secrets)."""
    from orgmind.keys import list_keys

    with _graph(ctx) as graph:
        keys = list_keys(graph)
    if as_json:
        typer.echo(json.dumps([k.public() for k in keys], indent=2))
        return
    for key in keys:
        ventures = "all ventures (admin)" if key.admin else ", ".join(key.ventures)
        state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        typer.echo(f"{key.id}  {key.name}  [{','.join(key.scopes)}]  {ventures}  {state}")


@keys_app.command("revoke")
def keys_revoke_command(ctx: typer.Context, key_id: Annotated[str, typer.Argument(help="The key's id.")]) -> None:
    """Revoke a key: it is refused from the next request on."""
    from orgmind.keys import revoke_key

    with _graph(ctx) as graph:
        key = revoke_key(graph, key_id)
    typer.echo(f"key {key.id} ({key.name}) revoked")


def register(app: typer.Typer) -> None:
    """Add the service commands to the main CLI."""
    app.command("serve")(serve_command)
    app.command("mcp")(mcp_command)
    app.add_typer(keys_app, name="keys")
