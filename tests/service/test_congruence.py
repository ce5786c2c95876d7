"""The same calls against an embedded OrgMind and against a Client talking to the server, over
the same data: the answers must agree (ids, order, scores, statuses, error types and fields).

The embedded side is built from the server's own export, so it holds exactly what the server
holds whatever ran before.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orgmind import AsyncClient, Client, OrgMind
from orgmind.errors import (
    AuthenticationFailed,
    InvalidArgument,
    InvalidInput,
    InvalidRecord,
    NotFound,
    OrgmindError,
    PermissionDenied,
)
from orgmind.models import Decision, Escalation, Observation
from orgmind.retrieval.hits import Hit
from orgmind.sample import DEFAULT_END
from tests.service.conftest import Service

NOW = DEFAULT_END
Pair = tuple[OrgMind, Client]


@pytest.fixture(scope="module")
def pair(service: Service, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    client = Client(service.url, service.keys["admin"])
    home = tmp_path_factory.mktemp("embedded")
    snapshot = home / "snapshot.jsonl"
    lines = [line for row in client.stats() for line in client.export(row.venture.id)]
    snapshot.write_text("".join(json.dumps(line) + "\n" for line in lines))
    mind = OrgMind.open(home=home)
    report = mind.import_jsonl(snapshot)
    assert not report.rejected and report.total == len(lines)
    assert [p.id for p in mind.mine_patterns(now=NOW)] == [p.id for p in client.mine_patterns(now=NOW)]
    yield mind, client
    client.close()
    mind.close()


def _hits(hits: list[Hit]) -> list[tuple[str, str | None, float]]:
    return [(h.id, h.venture, round(h.score, 6)) for h in hits]


@pytest.mark.parametrize(("query", "venture", "scope"), [
    ("pricing experiment on the team plan", "lumen", "venture"),
    ("hiring a senior engineer", "harbor", "venture"),
    ("pipeline latency at peak", "sprout", "platform"),
    ("churn", None, "platform"),
])
def test_recall_agrees(pair: Pair, query: str, venture: str | None, scope: Any) -> None:
    mind, client = pair
    assert _hits(client.recall(query, venture, 8, scope=scope, now=NOW)) == _hits(
        mind.recall(query, venture, 8, scope=scope, now=NOW))


def test_recall_filters_agree(pair: Pair) -> None:
    mind, client = pair
    args: dict[str, Any] = {"kinds": ["pricing"], "roles": ["ceo", "cmo"], "labels": ["Decision"], "now": NOW}
    assert _hits(client.recall("price", "nimbus", 5, **args)) == _hits(mind.recall("price", "nimbus", 5, **args))


def test_similar_decisions_agree(pair: Pair) -> None:
    mind, client = pair
    assert _hits(client.similar_decisions("lumen-dec-0003", now=NOW)) == _hits(
        mind.similar_decisions("lumen-dec-0003", now=NOW))
    assert _hits(client.similar_decisions(text="cut the price", venture="nimbus", scope="platform", k=4, now=NOW)) \
        == _hits(mind.similar_decisions(text="cut the price", venture="nimbus", scope="platform", k=4, now=NOW))


def test_wake_up_agrees(pair: Pair) -> None:
    mind, client = pair
    remote = client.wake_up("nimbus", "cto", "decide on the queue", 600, now=NOW)
    local = mind.wake_up("nimbus", "cto", "decide on the queue", 600, now=NOW)
    assert remote.sections == local.sections
    assert (remote.tokens, remote.budget, remote.venture_name) == (local.tokens, local.budget, local.venture_name)
    assert remote.to_markdown() == local.to_markdown()


def test_gated_record_and_approvals_agree(pair: Pair) -> None:
    mind, client = pair
    records = [
        Decision(id="cong-price", venture_id="harbor", role="ceo", kind="pricing", title="Raise Pro to $99",
                 made_at=NOW),
        Observation(id="cong-obs", venture_id="harbor", text="Two churned customers cited price", observed_at=NOW),
    ]
    remote, local = client.record_many(records), mind.record_many(records)
    ignore = {"requested_at"}
    assert [n.model_dump(exclude=ignore) for n in remote] == [n.model_dump(exclude=ignore) for n in local]
    assert isinstance(remote[1], Escalation) and remote[1].gate == "pricing_change"
    assert [(e.id, d.id) for e, d in client.pending_approvals("harbor")] == [
        (e.id, d.id) for e, d in mind.pending_approvals("harbor")]
    escalation, decision = client.approve(remote[1].id, note="margins allow it")
    embedded, _ = mind.approve(local[1].id, by="admin", note="margins allow it")
    assert escalation.resolver == embedded.resolver == "admin"
    assert decision.status == mind.graph.get("cong-price").status  # type: ignore[union-attr]
    assert client.record(records[1]) == mind.record(records[1])  # idempotent by id


def test_synthesis_and_scorecard_agree(pair: Pair) -> None:
    mind, client = pair
    remote, local = client.synthesize("lumen", now=NOW), mind.synthesize("lumen", now=NOW)
    assert remote.to_json() == local.to_json()
    assert client.scorecard("lumen").to_json() == mind.scorecard("lumen").to_json()


def test_errors_agree(pair: Pair) -> None:
    mind, client = pair
    calls: list[tuple[str, dict[str, Any]]] = [
        ("recall", {"query": "x", "venture": "nowhere"}),
        ("recall", {"query": "x", "venture": None, "scope": "venture"}),
        ("wake_up", {"venture": "nowhere", "role": "cto"}),
        ("similar_decisions", {"decision_id": "no-such-decision"}),
        ("scorecard", {"venture": "nowhere"}),
        ("record", {"obj": {"type": "decision", "venture_id": "lumen", "role": "cto", "kind": "x"}}),
        ("record", {"obj": {"type": "outcome", "venture_id": "lumen", "decision_id": "nope", "score": 0.1}}),
    ]
    for method, kwargs in calls:
        with pytest.raises(OrgmindError) as embedded:
            getattr(mind, method)(**kwargs)
        with pytest.raises(OrgmindError) as remote:
            getattr(client, method)(**kwargs)
        assert type(remote.value) is type(embedded.value), (method, kwargs, remote.value, embedded.value)
        assert isinstance(embedded.value, (InvalidInput, NotFound)), (method, embedded.value)
        if isinstance(remote.value, InvalidInput) and isinstance(embedded.value, InvalidInput):
            assert remote.value.field == embedded.value.field, (method, remote.value, embedded.value)
    assert issubclass(InvalidArgument, InvalidInput) and issubclass(InvalidRecord, InvalidInput)


def test_stats_and_export_agree(pair: Pair) -> None:
    mind, client = pair
    assert client.stats(["lumen", "sprout"]) == mind.stats(["lumen", "sprout"])
    assert client.export("sprout") == mind.export("sprout")


def test_async_client_agrees_with_client(service: Service, pair: Pair) -> None:
    _, client = pair

    async def calls() -> tuple[list[Hit], Any]:
        async with AsyncClient(service.url, service.keys["admin"]) as remote:
            return (await remote.recall("churn", "lumen", 5, now=NOW),
                    await remote.pending_approvals("lumen"))

    hits, pending = asyncio.run(calls())
    assert _hits(hits) == _hits(client.recall("churn", "lumen", 5, now=NOW))
    assert pending == client.pending_approvals("lumen")


def test_client_maps_status_codes_to_typed_errors(service: Service, tmp_path: Path) -> None:
    with Client(service.url, "omk_0000000000000000_wrong") as stranger, pytest.raises(AuthenticationFailed):
        stranger.recall("x", "lumen")
    with Client(service.url, service.keys["harbor-all"]) as harbor:
        with pytest.raises(PermissionDenied):
            harbor.recall("x", "lumen")
        with pytest.raises(NotFound):
            harbor.approve("no-such-escalation")


def test_platform_knowledge_agrees(pair: Pair) -> None:
    mind, client = pair
    assert client.kind_stats() == mind.kind_stats()
    assert client.kind_stats(["lumen", "sprout"]) == mind.kind_stats(["lumen", "sprout"])
    assert client.platform_knowledge("pricing") == mind.platform_knowledge("pricing")
    decision = next(h.id for h in mind.recall("pricing", venture="harbor", k=10) if h.label == "decision")
    remote, local = client.similar_elsewhere(decision, 3), mind.similar_elsewhere(decision, 3)
    assert local and [(p.decision_id, round(p.similarity, 6)) for p in remote] == [
        (p.decision_id, round(p.similarity, 6)) for p in local]


def test_stored_patterns_agree(pair: Pair) -> None:
    mind, client = pair
    stored = mind.list_patterns()
    assert stored and [(p.id, p.text) for p in client.list_patterns()] == [(p.id, p.text) for p in stored]
    kind = stored[0].kind
    assert [p.id for p in client.list_patterns(kind)] == [p.id for p in mind.list_patterns(kind)]
