"""A fork server for fault injection: one process loads the model, every step runs in a fork.

Loading the embedding model takes seconds; a fault suite that starts a fresh interpreter per
kill would spend its time there. ``python -m tests.faults.forkserver`` loads the model once
(without running it: a fork after inference would inherit a busy thread pool) and then, for each
JSON command on standard input, forks a child that runs one step (``STEPS``) and reports the
child's fate on standard output. A command may arm a kill: the child sends itself SIGKILL on
entering the n-th call of a named function, a real ``kill -9`` at a chosen point of the step.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from orgmind.config import Settings
from orgmind.core.check import check
from orgmind.mind import OrgMind
from orgmind.retrieval.documents import SEARCHABLE
from orgmind.sample import DEFAULT_END, generate, write_jsonl

REPO = Path(__file__).resolve().parents[2]


# ---- the steps a child runs ---------------------------------------------------------------------


def make_sample(path: str, seed: int, decisions: int) -> dict[str, Any]:
    """Write a sample history of four ventures to ``path``."""
    write_jsonl(generate(seed=seed, decisions_per_venture=decisions), Path(path))
    return {}


def import_file(home: str, path: str, ack: str | None = None, batch_size: int = 50) -> dict[str, Any]:
    """Import ``path``; each committed batch is acknowledged by appending its last line to ``ack``."""

    def acknowledge(line: int) -> None:
        if ack is not None:
            with open(ack, "a") as out:
                out.write(f"{line}\n")
                out.flush()
                os.fsync(out.fileno())

    with OrgMind.open(home=Path(home)) as mind:
        report = mind.import_jsonl(path, batch_size=batch_size, on_commit=acknowledge)
    return {"imported": report.total, "rejected": len(report.rejected)}


def reindex(home: str) -> dict[str, Any]:
    with OrgMind.open(home=Path(home), reindex=True) as mind:
        return {"vectors": mind.index.vectors.count()}


def synthesize(home: str, venture: str) -> dict[str, Any]:
    with OrgMind.open(home=Path(home)) as mind:
        result = mind.synthesize(venture)
        return {"version": None if result.version is None else result.version.id}


def mine_patterns(home: str) -> dict[str, Any]:
    with OrgMind.open(home=Path(home)) as mind:
        return {"patterns": len(mind.mine_patterns(now=DEFAULT_END))}


def delete_venture(home: str, venture: str) -> dict[str, Any]:
    with OrgMind.open(home=Path(home)) as mind:
        return {"deleted": mind.delete_venture(venture)}


def reopen_and_check(home: str, probes: list[list[str]] | None = None) -> dict[str, Any]:
    """Reopen (which repairs), run the checker and recall each ``(id, venture, text)`` probe."""
    with OrgMind.open(home=Path(home)) as mind:
        report = check(mind.store)
        found = []
        for node_id, venture, text in probes or []:
            hits = mind.recall(text, venture=venture, k=10)
            found.append(node_id in {h.id for h in hits})
        ids = sorted(n.id for n in mind.graph.scan())
        searchable = sum(mind.graph.count(label) for label in SEARCHABLE)
    return {"report": report.to_json(), "probes_found": found, "ids": ids, "searchable": searchable}


def check_as_is(home: str) -> dict[str, Any]:
    """The checker's report on the store as it is (no reconcile on open)."""
    from orgmind.core.store import open_store

    store = open_store(Settings(home=Path(home)), reconcile=False)
    try:
        return {"report": check(store).to_json()}
    finally:
        store.close()


def drop_vectors(home: str, count: int) -> dict[str, Any]:
    """Delete ``count`` points from the vector index behind the graph's back (a lost segment, an
    older backup of the index): the graph still marks their records indexed."""
    from orgmind.core.store import open_store

    store = open_store(Settings(home=Path(home)), reconcile=False)
    try:
        dropped = sorted(store.index.vectors.ids())[:count]
        store.index.vectors.delete(dropped)
        store.index.vectors.flush()
    finally:
        store.close()
    return {"dropped": len(dropped)}


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    f.__name__: f
    for f in (make_sample, import_file, reindex, synthesize, mine_patterns, delete_venture, reopen_and_check,
              check_as_is, drop_vectors)
}


# ---- the server -----------------------------------------------------------------------------------


def _arm(kill: dict[str, Any] | None) -> None:
    """Patch ``kill["target"]`` (``module:Class.attr`` or ``module:function``) to SIGKILL this
    process on entering its ``kill["call"]``-th call."""
    if kill is None:
        return
    module_name, _, qualname = kill["target"].partition(":")
    owner: Any = importlib.import_module(module_name)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    calls = {"n": 0}

    def killing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == kill["call"]:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, killing)


def _run(command: dict[str, Any]) -> dict[str, Any]:
    result_path = Path(command["result"])
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            _arm(command.get("kill"))
            payload = {"ok": True, "value": STEPS[command["step"]](**command.get("args", {}))}
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            payload = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
            code = 1
        result_path.write_text(json.dumps(payload))
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    outcome: dict[str, Any] = {"killed": killed, "status": status}
    if result_path.exists():
        outcome |= json.loads(result_path.read_text())
    return outcome


def main() -> None:
    from orgmind.retrieval.embedder import Embedder

    Embedder.load(Settings().model)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(_run(json.loads(line))), flush=True)


# ---- the client the tests use ---------------------------------------------------------------------


@dataclass
class ForkServer:
    """A running fork server."""

    process: subprocess.Popen[str]
    scratch: Path

    @classmethod
    def start(cls, scratch: Path) -> ForkServer:
        env = os.environ | {"PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                            "TOKENIZERS_PARALLELISM": "false"}
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.forkserver"], cwd=REPO, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        server = cls(process, scratch)
        assert json.loads(server._read())["ready"]
        return server

    def _read(self) -> str:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line:
            raise RuntimeError(f"the fork server died (exit {self.process.wait()})")
        return line

    def run(self, step: str, *, kill: tuple[str, int] | None = None, **args: Any) -> dict[str, Any]:
        """Run ``step`` in a fork, killed with SIGKILL at ``kill = (target, call)`` if given."""
        stdin = self.process.stdin
        assert stdin is not None
        result = self.scratch / f"result-{os.urandom(6).hex()}.json"
        command = {"step": step, "args": args, "result": str(result),
                   "kill": None if kill is None else {"target": kill[0], "call": kill[1]}}
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()
        return dict(json.loads(self._read()))

    def must(self, step: str, **args: Any) -> dict[str, Any]:
        """Run ``step`` and return its value; fail with its traceback if it failed."""
        outcome = self.run(step, **args)
        if not outcome.get("ok"):
            raise AssertionError(f"{step} failed: {outcome.get('trace') or outcome}")
        return dict(outcome["value"])

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


if __name__ == "__main__":
    main()
