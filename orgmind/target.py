"""Where the command line's commands run, chosen once per invocation: the stores under the data
directory (``OrgMind``), or the server at ORGMIND_URL with ORGMIND_API_KEY (``Client``).

Light to import: the stores are imported only when a command opens them locally.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeAlias

import typer

from orgmind.client import Client

if TYPE_CHECKING:
    from orgmind.config import Settings
    from orgmind.mind import OrgMind

    Mind: TypeAlias = OrgMind | Client

REMOTE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Target:
    """The data directory given with ``--home`` (None: the default), or the server's address."""

    home: Path | None = None
    url: str | None = None
    api_key: str | None = None

    @classmethod
    def from_env(cls, home: Path | None) -> Target:
        """ORGMIND_URL set: the server (``--home`` is then refused); otherwise the local stores."""
        url = os.environ.get("ORGMIND_URL") or None
        if url is not None and home is not None:
            raise typer.BadParameter("names a local data directory, but ORGMIND_URL sends commands to "
                                     f"{url}; unset ORGMIND_URL to use the local store", param_hint="'--home'")
        return cls(home=home, url=url, api_key=os.environ.get("ORGMIND_API_KEY") or None)


def command_name(ctx: typer.Context) -> str:
    """The command as typed after ``orgmind``, e.g. ``approvals approve``."""
    return ctx.command_path.removeprefix(ctx.find_root().command_path).strip()


def _target(ctx: typer.Context) -> Target:
    target = ctx.find_object(Target)
    if target is None:
        raise RuntimeError("the orgmind command line sets its target before any command runs")
    return target


def _refuse(ctx: typer.Context, what: str) -> NoReturn:
    url = _target(ctx).url
    typer.echo(f"error: {what} needs a local store; the server at {url} does not offer it "
               "(unset ORGMIND_URL to run it on a local data directory)", err=True)
    raise typer.Exit(2)


def is_remote(ctx: typer.Context) -> bool:
    """Whether commands go to a server."""
    return _target(ctx).url is not None


def local_settings(ctx: typer.Context, *, how: str = "") -> Settings:
    """The local store's settings; against a server, the command (used ``how``) is refused with
    exit status 2."""
    target = _target(ctx)
    if target.url is not None:
        _refuse(ctx, " ".join(filter(None, ("orgmind", command_name(ctx), how))))
    from orgmind.config import Settings

    return Settings(home=target.home) if target.home is not None else Settings()


def open_local(ctx: typer.Context, *, read_only: bool = False, reindex: bool = False, how: str = "") -> OrgMind:
    """The facade over the local stores; against a server, the command is refused."""
    settings = local_settings(ctx, how=how)
    from orgmind.mind import OrgMind

    return OrgMind.open(settings, read_only=read_only, reindex=reindex)


def open_mind(ctx: typer.Context, *, read_only: bool = False) -> Mind:
    """The facade over the local stores (``read_only``: no model, no index lock), or the client of
    the server: the same methods, return types and typed errors."""
    target = _target(ctx)
    if target.url is not None:
        return Client(target.url, target.api_key, timeout=REMOTE_TIMEOUT_S)
    return open_local(ctx, read_only=read_only)


def refuse_remote_options(ctx: typer.Context, *names: str) -> None:
    """Against a server, refuse the named options when given: only the local store honours them."""
    if not is_remote(ctx):
        return
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name) if param.name in names else None
        if source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP"):
            _refuse(ctx, f"orgmind {command_name(ctx)} {param.opts[0]}")
