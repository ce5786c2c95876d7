"""Real servers for the production-path tests: the test Qdrant server, and throwaway ones.

The test Qdrant server is given by ``ORGMIND_TEST_QDRANT_URL`` (and ``ORGMIND_TEST_QDRANT_API_KEY``);
scripts/test.sh starts one. Any Qdrant >= 1.16 will do. Without one, tests marked
``qdrant_server`` are skipped and the pytest summary says so in capitals; with ``CI=true`` they
fail instead. The summary also counts the tests that ran against the server.

Throwaway servers (for tests that kill or freeze them) come from the ``qdrant-server`` script of
the shared folder beside the checkout (``ORGMIND_QDRANT_SERVER_BIN`` overrides its path) and
from scripts/neo4j-server.sh on a port of their own (``ORGMIND_TEST_NEO4J_FAULT_PORT``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QDRANT_URL = os.environ.get("ORGMIND_TEST_QDRANT_URL")
QDRANT_API_KEY = os.environ.get("ORGMIND_TEST_QDRANT_API_KEY") or None
QDRANT_SERVER_BIN = Path(os.environ.get("ORGMIND_QDRANT_SERVER_BIN", REPO.parent / "shared/bin/qdrant-server"))
NEO4J_FAULT_PORT = int(os.environ.get("ORGMIND_TEST_NEO4J_FAULT_PORT", "7724"))
IN_CI = os.environ.get("CI", "").lower() == "true"
QDRANT_TIMEOUT_S = 60
"""Generous: on a loaded test machine creating a collection and its payload indexes may be slow."""

_unavailable: dict[str, str] = {}
_outcomes: Counter[str] = Counter()


def _probe(url: str, api_key: str | None) -> str | None:
    """Why the Qdrant server at ``url`` cannot be used, or None when it answers."""
    request = urllib.request.Request(f"{url.rstrip('/')}/collections", headers={"api-key": api_key or ""})
    try:
        with urllib.request.urlopen(request, timeout=5):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not usable
        return f"{url} does not answer: {exc}"


def _missing(what: str, reason: str) -> None:
    """Fail in CI; elsewhere skip, and have the summary say so loudly."""
    if IN_CI:
        pytest.fail(f"{what} is required in CI: {reason}", pytrace=False)
    _unavailable[what] = reason
    pytest.skip(f"NO {what.upper()}: {reason}")


def qdrant_url() -> str:
    """The test Qdrant server's URL (the calling test is skipped or failed without one)."""
    if not QDRANT_URL:
        _missing("Qdrant server", "set ORGMIND_TEST_QDRANT_URL (scripts/test.sh starts one)")
    assert QDRANT_URL is not None
    if (problem := _server_problem()) is not None:
        _missing("Qdrant server", problem)
    return QDRANT_URL


@cache
def _server_problem() -> str | None:
    assert QDRANT_URL is not None
    return _probe(QDRANT_URL, QDRANT_API_KEY)


def fresh_collection() -> str:
    """A collection name no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


def drop_collection(name: str) -> None:
    from qdrant_client import QdrantClient

    client = QdrantClient(url=qdrant_url(), api_key=QDRANT_API_KEY, timeout=QDRANT_TIMEOUT_S,
                          check_compatibility=False)
    try:
        client.delete_collection(name)
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class QdrantProcess:
    """A Qdrant server this test started: it may be killed and started again on the same data."""

    storage: Path
    api_key: str
    http_port: int
    grpc_port: int
    pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        if not QDRANT_SERVER_BIN.exists():
            _missing("qdrant-server script", f"{QDRANT_SERVER_BIN} is absent (set ORGMIND_QDRANT_SERVER_BIN)")
        args = [str(QDRANT_SERVER_BIN), str(self.http_port), str(self.grpc_port), str(self.storage), self.api_key]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            pytest.fail(f"qdrant-server did not start: {done.stderr[-2000:]}", pytrace=False)
        self.pid = int(done.stdout.split()[-1])

    def kill(self) -> None:
        if self.pid is None:
            return
        os.kill(self.pid, signal.SIGKILL)
        while _alive(self.pid):
            time.sleep(0.05)
        self.pid = None


def start_qdrant(storage: Path, api_key: str = "fault-test-key") -> QdrantProcess:
    server = QdrantProcess(storage, api_key, free_port(), free_port())
    server.start()
    return server


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # not our child: ask the kernel whether it still runs
        return Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)
    return waited == 0


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def neo4j_fault_server(command: str) -> None:
    """Run scripts/neo4j-server.sh ``command`` for the Neo4j that fault tests may stop or freeze."""
    env = {**os.environ, "NEO4J_BOLT_PORT": str(NEO4J_FAULT_PORT), "NEO4J_STOP_GRACE": "5"}
    done = subprocess.run(
        ["bash", str(REPO / "scripts/neo4j-server.sh"), command], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )
    if done.returncode != 0 and command != "status":
        pytest.fail(f"neo4j-server.sh {command} on port {NEO4J_FAULT_PORT} failed: {done.stderr[-2000:]}")


def neo4j_fault_pid() -> int:
    state = Path(os.environ.get("ORGMIND_NEO4J_DIR", Path.home() / ".cache/orgmind/neo4j"))
    return int((state / f"neo4j-{NEO4J_FAULT_PORT}.pid").read_text().strip())


def neo4j_fault_url() -> str:
    return f"bolt://127.0.0.1:{NEO4J_FAULT_PORT}"


def wait_for_http(url: str, api_key: str | None, within_s: float = 60) -> None:
    deadline = time.monotonic() + within_s
    while _probe(url, api_key) is not None:
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not come back within {within_s} s")
        time.sleep(0.2)


# ---- pytest hooks (imported by tests/conftest.py) ----------------------------------------------


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "qdrant_server" not in report.keywords:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _outcomes[report.outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _outcomes:
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(_outcomes.items()))
        terminalreporter.write_line(f"Qdrant server tests ({QDRANT_URL or 'no server'}): {counts}")
    for what, reason in _unavailable.items():
        terminalreporter.write_sep("!", f"NO {what.upper()}: ITS TESTS WERE SKIPPED", red=True, bold=True)
        terminalreporter.write_line(f"{reason}; with CI=true they fail instead.", red=True)
