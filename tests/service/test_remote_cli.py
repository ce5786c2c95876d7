"""The command line with ORGMIND_URL set: it talks to the server, loads no model and imports
none of the stores or the numeric stack."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.service.conftest import ROOT, Service, server_env

HEAVY = ("torch", "sentence_transformers", "scipy", "qdrant_edge", "orgmind.mind", "orgmind.graph")
PROBE = """
import sys
from orgmind.entry import main
try:
    main()
finally:
    heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_ROOTS} or m.startswith(('orgmind.mind', 'orgmind.graph')))
    print('HEAVY=' + ','.join(heavy), file=sys.stderr)
"""


def _orgmind(service: Service, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    roots = {name.split(".")[0] for name in HEAVY if not name.startswith("orgmind")}
    env = {**server_env(), "ORGMIND_URL": service.url, "ORGMIND_API_KEY": service.keys[key]}
    code = PROBE.replace("{HEAVY_ROOTS}", repr(roots))
    return subprocess.run([sys.executable, "-c", code, *args], check=False, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_stats_go_to_the_server_without_loading_anything_heavy(service: Service) -> None:
    done = _orgmind(service, "lumen-read", "stats", "--json")
    assert done.returncode == 0, done.stderr
    assert [venture["id"] for venture in json.loads(done.stdout)] == ["lumen"]
    assert "HEAVY=\n" in done.stderr or done.stderr.rstrip().endswith("HEAVY=")


def test_remote_commands_and_errors(service: Service) -> None:
    recall = _orgmind(service, "lumen-read", "recall", "pricing", "--venture", "lumen", "--k", "2")
    assert recall.returncode == 0 and recall.stdout.startswith("1. [lumen-"), recall.stderr
    brief = _orgmind(service, "lumen-read", "brief", "--venture", "lumen", "--role", "cto")
    assert brief.returncode == 0 and brief.stdout.startswith("# Brief for the CTO of Lumen Analytics")
    denied = _orgmind(service, "harbor-all", "recall", "pricing", "--venture", "lumen")
    assert denied.returncode == 2 and "403" in denied.stderr and "lumen" in denied.stderr
    pending = _orgmind(service, "lumen-all", "approvals", "list", "--venture", "lumen", "--json")
    escalation = json.loads(pending.stdout)[0]["escalation"]["id"]
    approved = _orgmind(service, "lumen-all", "approvals", "approve", escalation, "--note", "fine")
    assert approved.returncode == 0 and "approved by lumen-all" in approved.stdout, approved.stderr
