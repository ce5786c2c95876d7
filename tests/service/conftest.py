"""One real server for the service tests: ``python -m orgmind serve`` on a free loopback port,
over an embedded home holding the sample history (small), with a key per tenancy case.

The ``service`` fixture itself is in tests/conftest.py: the command line's tests use it too."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.keys import Scope, create_key
from orgmind.models import Sharing, Venture, import_line
from orgmind.sample import generate

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DECISIONS = 12

# name -> (ventures, scopes, admin)
KEYS: dict[str, tuple[list[str], list[Scope], bool]] = {
    "admin": ([], ["read", "write", "approve"], True),
    "lumen-all": (["lumen"], ["read", "write", "approve"], False),
    "lumen-read": (["lumen"], ["read"], False),
    "lumen-write": (["lumen"], ["read", "write"], False),
    "lumen-approve": (["lumen"], ["approve"], False),
    "harbor-all": (["harbor"], ["read", "write", "approve"], False),
    "sprout-all": (["sprout"], ["read", "write", "approve"], False),
    "doomed-read": (["doomed"], ["read"], False),
    "fuzz": (["fuzz"], ["read", "write", "approve"], False),
}


@dataclass
class Service:
    url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path
    keys: dict[str, str] = field(default_factory=dict)

    def client(self, key: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[key]}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false"}


def start_server(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start ``orgmind serve`` and wait until /readyz answers 200 (fails loudly otherwise)."""
    env = {key: value for key, value in server_env().items() if not key.startswith("ORGMIND_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "orgmind", "--home", str(home), "serve", "--port", str(port)],
        env={**env, "PYTHONPATH": str(ROOT)}, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"orgmind serve exited with {process.returncode}: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    pytest.fail(f"orgmind serve was not ready in time: {log.read_text()[-3000:]}")


def stop_server(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def seed_home(home: Path) -> tuple[dict[str, str], Path]:
    """Ventures and keys written before the server starts; the sample history as an upload file."""
    records = generate(decisions_per_venture=SAMPLE_DECISIONS)
    ventures = [r for r in records if isinstance(r, Venture)]
    ventures.append(Venture(id="fuzz", name="Fuzz", sharing=Sharing.NONE))
    ventures.append(Venture(id="doomed", name="Doomed", sharing=Sharing.NONE))
    with SqliteGraphStore(home / "graph.sqlite3") as graph:
        graph.upsert(ventures)
        keys = {name: create_key(graph, name, ventures_, scopes, admin=admin)[1]
                for name, (ventures_, scopes, admin) in KEYS.items()}
    upload = home / "sample.jsonl"
    upload.write_text("".join(json.dumps(import_line(r)) + "\n" for r in records))
    return keys, upload
