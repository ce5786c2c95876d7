"""``orgmind export``: everything a store holds, as import lines that recreate it exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orgmind.cli import _summary, app
from orgmind.mind import OrgMind
from orgmind.models import Decision, NodeLabel
from orgmind.sample import DEFAULT_END, generate, write_jsonl

QUERIES = ["event pipeline latency", "pricing change for annual plans", "hiring a senior engineer"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with every kind of node: history, brains, patterns, briefs, escalations."""
    home = tmp_path_factory.mktemp("source")
    sample = write_jsonl(generate(seed=5, decisions_per_venture=30), home / "sample.jsonl")
    with OrgMind.open(home=home) as mind:
        mind.import_jsonl(sample)
        for venture in ("lumen", "harbor"):
            mind.synthesize(venture)
        mind.mine_patterns(now=DEFAULT_END)
        mind.wake_up("lumen", "cto", task="decide on the event pipeline", now=DEFAULT_END)
        held = mind.record(Decision(id="big-spend", venture_id="lumen", role="cfo", kind="spend",
                                    title="Sign a 2M data warehouse contract", context={"amount": 2_000_000}))
        assert isinstance(held, Decision)
        mind.approve(f"esc-{held.id}", by="board", note="within plan")
        mind.wake_up("lumen", "cfo", task="follow up on spending", now=DEFAULT_END)
    return home


def test_export_then_import_into_a_fresh_home_recreates_the_store(source: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    exported = tmp_path / "all.jsonl"
    result = runner.invoke(app, ["--home", str(source), "export", "--out", str(exported)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in exported.read_text().splitlines()]
    kinds = {line["type"] for line in lines}
    assert {"venture", "agent", "decision", "outcome", "observation", "insight", "brain_version", "pattern",
            "wakeup", "brief", "escalation"} <= kinds

    copy = tmp_path / "copy"
    imported = runner.invoke(app, ["--home", str(copy), "import", str(exported)])
    assert imported.exit_code == 0, imported.output

    with OrgMind.open(home=source) as original, OrgMind.open(home=copy) as restored:
        assert restored.graph.count() == original.graph.count() == len(lines)
        for label in NodeLabel:
            assert restored.graph.count(label) == original.graph.count(label), label
        for node in original.graph.scan():
            assert restored.graph.get(node.id) == node, node.id  # every record, briefs and audit trail alike
        assert _summary(restored.stats()) == _summary(original.stats())
        for query in QUERIES:
            expected = [(h.id, round(h.score, 6)) for h in original.recall(query, venture="lumen", scope="platform")]
            assert [(h.id, round(h.score, 6)) for h in restored.recall(query, venture="lumen", scope="platform")] \
                == expected
        briefs = [mind.wake_up("lumen", "cto", task="decide on the event pipeline", now=DEFAULT_END)
                  for mind in (original, restored)]
        assert briefs[0].to_markdown() == briefs[1].to_markdown()
    checked = runner.invoke(app, ["--home", str(copy), "check"])
    assert checked.exit_code == 0, checked.output


def test_a_venture_export_holds_only_that_venture(source: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(source), "export", "--venture", "harbor"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and all(line.get("venture_id", line["id"]) == "harbor" for line in lines)
    assert "pattern" not in {line["type"] for line in lines}  # platform records are not a venture's own


def test_exporting_an_unknown_venture_is_an_error(source: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(source), "export", "--venture", "nope"])
    assert result.exit_code != 0
