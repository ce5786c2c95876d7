"""The container files: their health checks, run as written against real servers.

No container engine is needed: each check's command is taken from docker-compose.yml or the
Dockerfile and run here against a real Qdrant server (started with an API key, as compose starts
it) or a real ``orgmind serve``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests import servers
from tests.conftest import Service

REPO = Path(__file__).resolve().parents[1]


def compose_service(name: str) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]
    return services[name]


def compose_check(name: str) -> list[str]:
    """A compose health check's argument list, as the container runs it (``$$`` is a literal ``$``)."""
    test: list[str] = compose_service(name)["healthcheck"]["test"]
    assert test[0] == "CMD", f"{name}: expected an exec-form health check"
    return [arg.replace("$$", "$") for arg in test[1:]]


def image_check() -> list[str]:
    """The Dockerfile's HEALTHCHECK command (exec form)."""
    lines = (REPO / "Dockerfile").read_text().replace("\\\n", " ").splitlines()
    check = next(line for line in lines if line.startswith("HEALTHCHECK"))
    command: list[str] = json.loads(check.split(" CMD ", 1)[1])
    return command


def run(command: list[str], port: int, env: dict[str, str] | None = None) -> int:
    """Run a health check written for the default port against ``port`` instead; its exit status."""
    defaults = ("/6333", ":8420")
    argv = [arg.replace(defaults[0], f"/{port}").replace(defaults[1], f":{port}") for arg in command]
    done = subprocess.run(argv, env={**os.environ, **(env or {})}, capture_output=True, timeout=30, check=False)
    return done.returncode


@pytest.mark.qdrant_server
@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
def test_the_compose_qdrant_check_passes_on_a_server_started_with_an_api_key_and_fails_once_it_is_down(
    tmp_path: Path,
) -> None:
    check = compose_check("qdrant")
    assert "QDRANT__SERVICE__API_KEY" in compose_service("qdrant")["environment"]
    server = servers.start_qdrant(tmp_path / "qdrant", api_key="compose-key")
    try:
        servers.wait_for_http(server.url, server.api_key)
        assert run(check, server.http_port, {"QDRANT__SERVICE__API_KEY": "compose-key"}) == 0, shlex.join(check)
    finally:
        server.kill()
    assert run(check, server.http_port, {"QDRANT__SERVICE__API_KEY": "compose-key"}) != 0


def test_the_orgmind_check_is_the_image_check_and_passes_on_a_ready_server(service: Service) -> None:
    assert compose_check("orgmind") == image_check()
    port = int(service.url.rsplit(":", 1)[1])
    assert run(image_check(), port) == 0
    assert run(image_check(), servers.free_port()) != 0


def test_the_image_runs_as_an_unprivileged_user_with_the_model_inside() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "HF_HUB_OFFLINE=1" in dockerfile and "Embedder.load" in dockerfile
