"""The server's life: /healthz at once, /readyz and the API 503 until the stores are open, a loud
exit when they cannot be opened, and SIGTERM draining in-flight requests before closing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.keys import create_key
from orgmind.models import Venture
from tests.service.conftest import ROOT, free_port, server_env


def _spawn(home: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in server_env().items() if not k.startswith("ORGMIND_")}
    return subprocess.Popen([sys.executable, "-m", "orgmind", "--home", str(home), "serve", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def test_a_server_whose_stores_cannot_open_exits_loudly(tmp_path: Path) -> None:
    home = tmp_path / "not-a-directory"
    home.write_text("")
    log = tmp_path / "server.log"
    process = _spawn(home, free_port(), log)
    assert process.wait(timeout=120) == 3
    assert "cannot open its stores" in log.read_text()


def test_health_readiness_and_a_draining_shutdown(tmp_path: Path) -> None:
    with SqliteGraphStore(tmp_path / "graph.sqlite3") as graph:
        graph.upsert([Venture(id="acme", name="Acme")])
        key = create_key(graph, "ops", ["acme"], ["read", "write", "approve"])[1]
    port, log = free_port(), tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    process = _spawn(tmp_path, port, log)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        early: tuple[int, int, int] | None = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"{url}/healthz", timeout=2)
                ready = httpx.get(f"{url}/readyz", timeout=2)
                if early is None:
                    early = (health.status_code, ready.status_code,
                             httpx.get(f"{url}/v1/stats", headers=headers, timeout=2).status_code)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        assert early is not None and early[0] == 200
        assert early[1:] == (503, 503) or early[1] == 200  # the model may load before the first poll

        lines = "".join(json.dumps({"type": "observation", "id": f"obs-{n}", "venture_id": "acme",
                                    "text": f"Observation number {n} about onboarding and churn"}) + "\n"
                        for n in range(1000))
        answers: list[httpx.Response] = []
        upload = threading.Thread(target=lambda: answers.append(httpx.post(
            f"{url}/v1/import", content=lines, headers={**headers, "Content-Type": "application/x-ndjson"},
            timeout=300)))
        upload.start()
        time.sleep(0.5)  # the import is embedding 1,000 records when the signal arrives
        process.send_signal(signal.SIGTERM)
        upload.join(timeout=300)
        assert answers and answers[0].status_code == 200, log.read_text()[-2000:]
        assert answers[0].json()["total"] == 1000
        assert process.wait(timeout=120) in (0, -signal.SIGTERM)
        text = log.read_text()
        assert text.index("Shutting down") < text.index('"POST /v1/import') < text.index("stores closed")
    finally:
        if process.poll() is None:
            process.kill()
    with SqliteGraphStore(tmp_path / "graph.sqlite3") as graph:
        assert graph.count(venture_id="acme") == 1001
