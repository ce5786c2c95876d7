"""The command line with ORGMIND_URL set: the same commands against the server, with the same
output as on a local store holding the same records, the server's errors as the local one-line
errors, commands the API lacks refused by name, and nothing heavy imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from orgmind.cli import app
from tests.service.conftest import ROOT, Service, server_env

HEAVY_ROOTS = {"torch", "sentence_transformers", "onnxruntime", "scipy", "numpy", "qdrant_client", "qdrant_edge"}
HEAVY_ORGMIND = ("orgmind.mind", "orgmind.graph", "orgmind.core", "orgmind.retrieval.vectors", "orgmind.config")
PROBE = f"""
import sys
from orgmind.entry import main
try:
    main()
finally:
    heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_ROOTS!r} or m.startswith({HEAVY_ORGMIND!r}))
    print('HEAVY=' + ','.join(heavy), file=sys.stderr)
"""


def _process(service: Service, key: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    """``orgmind ARGS`` in a fresh process against the server, as the key named ``key``."""
    env = {**server_env(), "ORGMIND_URL": service.url, "ORGMIND_API_KEY": service.keys[key] if key else "wrong"}
    return subprocess.run([sys.executable, "-c", PROBE, *args], check=False, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def _remote(service: Service, key: str, *args: str, stdin: str | None = None) -> Result:
    env = {"ORGMIND_URL": service.url, "ORGMIND_API_KEY": service.keys[key]}
    return CliRunner(env=env).invoke(app, list(args), input=stdin)


def _local(home: Path, *args: str) -> Result:
    return CliRunner(env={"ORGMIND_URL": None, "ORGMIND_API_KEY": None}).invoke(app, ["--home", str(home), *args])


@pytest.fixture(scope="module")
def copy(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local home holding what the server holds, written with ``orgmind export`` and ``import``."""
    home = tmp_path_factory.mktemp("copy")
    ventures = [row["id"] for row in json.loads(_remote(service, "admin", "stats", "--json").stdout)]
    exported = home / "server.jsonl"
    with exported.open("w") as out:
        for venture in ventures:
            result = _remote(service, "admin", "export", "--venture", venture)
            assert result.exit_code == 0, result.output
            out.write(result.stdout)
    imported = _local(home, "import", str(exported))
    assert imported.exit_code == 0, imported.output
    for mined in (_remote(service, "admin", "patterns", "mine"), _local(home, "patterns", "mine")):
        assert mined.exit_code == 0, mined.output  # venture exports leave out the platform's patterns
    return home


def test_stats_in_a_fresh_process_load_nothing_heavy(service: Service) -> None:
    done = _process(service, "lumen-read", "stats", "--json")
    assert done.returncode == 0, done.stderr
    assert [venture["id"] for venture in json.loads(done.stdout)] == ["lumen"]
    assert done.stderr.rstrip().endswith("HEAVY="), done.stderr


@pytest.mark.parametrize("args", [
    ("stats",), ("stats", "--json"), ("scorecard", "--venture", "lumen"), ("scorecard", "--venture", "sprout", "--json"),
    ("approvals", "list"), ("approvals", "list", "--venture", "lumen", "--json"), ("patterns",),
    ("ask", "kinds"), ("ask", "kinds", "--venture", "lumen", "--venture", "sprout", "--json"),
    ("ask", "kind", "pricing"), ("ask", "kind", "pricing", "--json"),
])
def test_reading_commands_print_what_they_print_locally(service: Service, copy: Path, args: tuple[str, ...]) -> None:
    remote, local = _remote(service, "admin", *args), _local(copy, *args)
    assert remote.exit_code == local.exit_code == 0, (remote.output, local.output)
    assert remote.stdout == local.stdout


def test_precedents_elsewhere_are_those_found_locally(service: Service, copy: Path) -> None:
    hits = json.loads(_remote(service, "admin", "recall", "pricing", "--venture", "harbor", "--json").stdout)
    decision = next(hit["id"] for hit in hits if hit["label"] == "decision")
    args = ("ask", "similar", "--decision", decision)
    remote, local = _remote(service, "admin", *args), _local(copy, *args)
    assert remote.exit_code == local.exit_code == 0, (remote.output, local.output)
    assert remote.stdout == local.stdout and remote.stdout.count("similarity") >= 1


def test_recall_brief_and_synthesize_run_on_the_server(service: Service) -> None:
    recall = _remote(service, "lumen-read", "recall", "pricing", "--venture", "lumen", "--k", "2")
    assert recall.exit_code == 0 and recall.stdout.startswith("1. [lumen-"), recall.output
    assert "   score " in recall.stdout
    brief = _remote(service, "lumen-read", "brief", "--venture", "lumen", "--role", "cto")
    assert brief.exit_code == 0 and brief.stdout.startswith("# Brief for the CTO of Lumen Analytics"), brief.output
    assert "tokens; wake-up wak_" in brief.stdout
    synthesis = _remote(service, "lumen-all", "synthesize", "--venture", "lumen", "--json")
    assert synthesis.exit_code == 0 and json.loads(synthesis.stdout)["version"]["venture_id"] == "lumen"


def test_record_then_approve_as_the_key(service: Service) -> None:
    line = ('{"type": "decision", "id": "d-target-price", "venture_id": "lumen", "role": "ceo", "kind": "pricing",'
            ' "title": "Raise the Team plan price", "status": "executed"}')
    recorded = _remote(service, "lumen-all", "record", "-", stdin=line + "\n")
    assert recorded.exit_code == 0 and "Decision d-target-price (pending_approval)" in recorded.stdout, recorded.output
    approved = _remote(service, "lumen-all", "approvals", "approve", "esc-d-target-price", "--note", "fine")
    assert approved.exit_code == 0, approved.output
    assert "approved by lumen-all" in approved.stdout and "d-target-price is now approved" in approved.stdout


@pytest.mark.parametrize("args", [
    ("scorecard", "--venture", "nowhere"),
    ("similar", "--decision", "d-nope", "--venture", "lumen"),
    ("recall", "pricing", "--venture", "Not an id!"),
])
def test_server_errors_read_as_local_errors(service: Service, copy: Path, args: tuple[str, ...]) -> None:
    remote = _process(service, "admin", *args)
    local = _local(copy, *args)
    assert remote.returncode == 2, remote.stderr
    assert remote.stderr.splitlines()[0] == f"error: {local.exception}"


def test_refused_keys_read_as_local_errors(service: Service) -> None:
    denied = _process(service, "harbor-all", "recall", "pricing", "--venture", "lumen")
    assert denied.returncode == 2 and denied.stderr.startswith("error: ") and "lumen" in denied.stderr
    unknown = _process(service, None, "stats")
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: "), unknown.stderr


@pytest.mark.parametrize(("args", "named"), [
    (("reindex",), "orgmind reindex"),
    (("check",), "orgmind check"),
    (("demo",), "orgmind demo"),
    (("keys", "list"), "orgmind keys list"),
    (("export",), "orgmind export without --venture"),
    (("import", "--progress", __file__), "orgmind import --progress"),
    (("approvals", "approve", "esc-x", "--by", "ada"), "orgmind approvals approve --by"),
])
def test_what_the_api_lacks_is_refused_by_name(service: Service, args: tuple[str, ...], named: str) -> None:
    result = _remote(service, "admin", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {named} needs a local store"), result.stderr


def test_home_and_a_server_together_are_refused(service: Service, tmp_path: Path) -> None:
    result = _remote(service, "admin", "--home", str(tmp_path), "stats")
    assert result.exit_code == 2 and "ORGMIND_URL" in result.stderr
