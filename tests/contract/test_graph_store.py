"""One contract for every GraphStore backend: the same tests, the same expected answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import networkx as nx
import pytest

from orgmind.errors import IdConflict, MissingReference
from orgmind.graph.base import Direction, GraphStore, NodeQuery
from orgmind.models import (
    Agent,
    BrainVersion,
    Decision,
    Insight,
    NodeLabel,
    Observation,
    Outcome,
    Pattern,
    RelType,
    Sharing,
    Venture,
    WakeUp,
    make_edge,
)

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def seed(store: GraphStore) -> None:
    """Two ventures, agents, a brain version, decisions (some with outcomes), an observation."""
    store.upsert([
        Venture(id="acme", name="Acme", sharing=Sharing.OPEN, created_at=T0),
        Venture(id="beta", name="Beta", sharing=Sharing.NONE, created_at=T0),
        Agent(id="acme-cto", venture_id="acme", role="cto", created_at=T0),
        Agent(id="acme-cmo", venture_id="acme", role="cmo", created_at=T0),
        Agent(id="beta-cto", venture_id="beta", role="cto", created_at=T0),
        BrainVersion(id="acme-b1", venture_id="acme", version=1, created_at=T0),
    ])
    decisions = []
    for i in range(6):
        role = "cto" if i % 2 == 0 else "cmo"
        decisions.append(Decision(
            id=f"acme-d{i}", venture_id="acme", role=role, agent_id=f"acme-{role}",
            kind="architecture" if role == "cto" else "channel", title=f"Decision {i}",
            brain_version_id="acme-b1" if i >= 3 else None, made_at=T0 + timedelta(days=i),
        ))
    decisions.append(Decision(id="beta-d0", venture_id="beta", role="cto", agent_id="beta-cto",
                              kind="architecture", title="Beta decision", made_at=T0))
    store.upsert(decisions)
    store.upsert([
        Outcome(id="acme-o0", venture_id="acme", decision_id="acme-d0", score=0.5, observed_at=T0 + timedelta(days=10)),
        Outcome(id="acme-o3", venture_id="acme", decision_id="acme-d3", score=-0.25, observed_at=T0 + timedelta(days=11)),
        Outcome(id="acme-o3b", venture_id="acme", decision_id="acme-d3", score=0.75, observed_at=T0 + timedelta(days=20)),
        Observation(id="acme-obs", venture_id="acme", text="Churn rose to 4%", observed_at=T0),
    ])


def ids(nodes) -> list[str]:
    return [n.id for n in nodes]


def test_get_round_trips_every_field_exactly(store: GraphStore) -> None:
    seed(store)
    decision = store.get("acme-d0")
    assert isinstance(decision, Decision)
    assert decision.made_at == T0 and decision.made_at.tzinfo is not None
    assert decision == Decision(id="acme-d0", venture_id="acme", role="cto", agent_id="acme-cto",
                                kind="architecture", title="Decision 0", made_at=T0)
    assert store.get("missing") is None
    assert set(store.get_many(["acme", "acme-o0", "nope"])) == {"acme", "acme-o0"}


def test_upsert_is_idempotent_by_id(store: GraphStore) -> None:
    seed(store)
    before = store.count()
    edges_before = len(store.edges_of(["acme-d0"]))
    seed(store)
    assert store.count() == before == 2 + 3 + 1 + 7 + 4
    assert len(store.edges_of(["acme-d0"])) == edges_before


def test_upsert_replaces_fields_and_owned_relationships(store: GraphStore) -> None:
    seed(store)
    moved = store.get("acme-d0").model_copy(update={"title": "Renamed", "agent_id": "acme-cmo"})
    store.upsert(moved)
    assert store.get("acme-d0").title == "Renamed"
    made_by = store.neighbours("acme-d0", direction=Direction.OUT, rel_types=[RelType.MADE_BY])
    assert ids(made_by) == ["acme-cmo"]


def test_missing_reference_names_the_field_and_writes_nothing(store: GraphStore) -> None:
    seed(store)
    good = Observation(id="new-obs", venture_id="acme", text="fine")
    bad = Outcome(id="new-out", venture_id="acme", decision_id="no-such-decision", score=0.1)
    with pytest.raises(MissingReference) as caught:
        store.upsert([good, bad])
    assert caught.value.field == "decision_id"
    assert store.get("new-obs") is None


def test_reference_into_another_venture_is_rejected(store: GraphStore) -> None:
    seed(store)
    with pytest.raises(MissingReference, match="belongs to venture 'beta'") as caught:
        store.upsert(Outcome(venture_id="acme", decision_id="beta-d0", score=0.0))
    assert caught.value.field == "decision_id"


def test_reference_to_wrong_kind_is_rejected(store: GraphStore) -> None:
    seed(store)
    with pytest.raises(MissingReference, match="is a Observation, expected a Decision"):
        store.upsert(Outcome(venture_id="acme", decision_id="acme-obs", score=0.0))


def test_id_used_by_another_kind_conflicts(store: GraphStore) -> None:
    seed(store)
    with pytest.raises(IdConflict) as caught:
        store.upsert(Observation(id="acme-d0", venture_id="acme", text="clash"))
    assert caught.value.field == "id"
    assert isinstance(store.get("acme-d0"), Decision)


def test_batch_may_refer_to_earlier_records(store: GraphStore) -> None:
    store.upsert([
        Venture(id="v", name="V"),
        Decision(id="d", venture_id="v", role="ceo", kind="pricing", title="t"),
        Outcome(id="o", venture_id="v", decision_id="d", score=1.0),
    ])
    assert store.count() == 3


def test_neighbours_filter_by_direction_type_and_label(store: GraphStore) -> None:
    seed(store)
    assert ids(store.neighbours("acme-d3")) == ["acme", "acme-b1", "acme-cmo", "acme-o3", "acme-o3b"]
    assert ids(store.neighbours("acme-d3", rel_types=[RelType.LED_TO])) == ["acme-o3", "acme-o3b"]
    assert ids(store.neighbours("acme-d3", labels=[NodeLabel.VENTURE])) == ["acme"]
    assert ids(store.neighbours("acme-d3", direction=Direction.IN)) == []
    incoming = store.neighbours("acme-b1", direction=Direction.IN, rel_types=[RelType.UNDER])
    assert ids(incoming) == ["acme-d3", "acme-d4", "acme-d5"]


def test_two_hop_expansion_with_filters(store: GraphStore) -> None:
    seed(store)
    full = store.expand(["acme-o0"], hops=2)
    assert set(full.nodes) == {"acme-o0", "acme-d0", "acme", "acme-cto"}
    assert {(e.source, e.type, e.target) for e in full.edges} >= {
        ("acme-d0", RelType.LED_TO, "acme-o0"), ("acme-d0", RelType.IN, "acme"),
    }
    wider = store.expand(["acme-o0"], hops=3, rel_types=[RelType.LED_TO, RelType.IN])
    assert {n for n in wider.nodes if n.startswith("acme-d")} == {f"acme-d{i}" for i in range(6)}
    assert "beta-d0" not in wider.nodes
    only_decisions = store.expand(["acme"], hops=2, labels=[NodeLabel.DECISION])
    assert set(only_decisions.nodes) == {"acme"} | {f"acme-d{i}" for i in range(6)}


def test_time_ordered_listing_per_venture_role_and_kind(store: GraphStore) -> None:
    seed(store)
    listed = store.list_nodes(NodeQuery(NodeLabel.DECISION, venture_id="acme", limit=3))
    assert ids(listed) == ["acme-d5", "acme-d4", "acme-d3"]
    by_role = store.list_nodes(NodeQuery(NodeLabel.DECISION, venture_id="acme", role="cmo", newest_first=False))
    assert ids(by_role) == ["acme-d1", "acme-d3", "acme-d5"]
    by_kind = store.list_nodes(NodeQuery(NodeLabel.DECISION, kind="architecture"))
    assert ids(by_kind) == ["acme-d4", "acme-d2", "beta-d0", "acme-d0"]
    window = store.list_nodes(NodeQuery(NodeLabel.DECISION, venture_id="acme",
                                        since=T0 + timedelta(days=1), until=T0 + timedelta(days=3)))
    assert ids(window) == ["acme-d2", "acme-d1"]


def test_count_linked_counts_sources_by_label_role_and_time(store: GraphStore) -> None:
    seed(store)
    store.upsert([WakeUp(id="acme-w1", venture_id="acme", role="cto", brain_version_id="acme-b1",
                         started_at=T0 + timedelta(days=2))])
    under = partial(store.count_linked, "acme-b1", RelType.UNDER)
    assert under(NodeLabel.DECISION) == 3  # acme-d3, d4, d5
    assert under(NodeLabel.DECISION, role="cmo") == 2
    assert under(NodeLabel.DECISION, before=T0 + timedelta(days=4)) == 1
    assert under(NodeLabel.DECISION, role="cto", before=T0 + timedelta(days=5)) == 1
    assert under(NodeLabel.WAKEUP, role="cto") == 1
    assert under(NodeLabel.WAKEUP, before=T0 + timedelta(days=2)) == 0
    assert store.count_linked("acme-d3", RelType.LED_TO, NodeLabel.DECISION) == 0


def test_decisions_with_outcomes(store: GraphStore) -> None:
    seed(store)
    rows = store.decisions_with_outcomes(venture_id="acme", role="cmo")
    assert [r.decision.id for r in rows] == ["acme-d5", "acme-d3", "acme-d1"]
    d3 = rows[1]
    assert [o.id for o in d3.outcomes] == ["acme-o3", "acme-o3b"]
    assert d3.outcome.score == 0.75
    assert rows[0].outcome is None
    under = store.decisions_with_outcomes(brain_version_id="acme-b1")
    assert [r.decision.id for r in under] == ["acme-d5", "acme-d4", "acme-d3"]
    assert store.decisions_with_outcomes(venture_id="beta")[0].decision.id == "beta-d0"


def test_explicit_edges_with_properties(store: GraphStore) -> None:
    seed(store)
    store.upsert_edges([make_edge("acme-b1", RelType.INCLUDED, "acme-d0", section="recent", rank=2)])
    store.upsert_edges([make_edge("acme-b1", RelType.INCLUDED, "acme-d0", section="recent", rank=1)])
    included = store.edges_of(["acme-b1"], direction=Direction.OUT, rel_types=[RelType.INCLUDED])
    assert [(e.target, e.properties) for e in included] == [("acme-d0", {"section": "recent", "rank": 1})]
    with pytest.raises(MissingReference) as caught:
        store.upsert_edges([make_edge("acme-b1", RelType.INCLUDED, "ghost")])
    assert caught.value.field == "target"


def test_delete_venture_removes_only_what_belongs_to_it(store: GraphStore) -> None:
    seed(store)
    store.upsert([
        Insight(id="acme-i", venture_id="acme", text="Managed Postgres works", evidence_ids=["acme-d0"]),
        Venture(id="gamma", name="Gamma", sharing=Sharing.OPEN),
        Insight(id="gamma-i", venture_id="gamma", text="Managed Postgres works here too"),
        Pattern(id="p1", text="Managed databases pay off", venture_ids=["acme", "gamma"],
                insight_ids=["acme-i", "gamma-i"]),
    ])
    counts = store.delete_venture("acme")
    assert counts == {"Venture": 1, "Agent": 2, "BrainVersion": 1, "Decision": 6, "Outcome": 3,
                      "Observation": 1, "Insight": 1}
    assert store.count(venture_id="acme") == 0
    assert store.get("beta-d0") is not None
    pattern = store.get("p1")
    assert pattern.venture_ids == ["gamma"] and pattern.insight_ids == ["gamma-i"]
    assert ids(store.neighbours("p1")) == ["gamma", "gamma-i"]
    assert store.delete_venture("acme") == {}


def test_networkx_projection(store: GraphStore) -> None:
    seed(store)
    graph = store.projection(venture_id="acme")
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_nodes() == store.count(venture_id="acme") == 14
    assert graph.nodes["acme-d3"]["label"] == "Decision"
    assert graph.has_edge("acme-d3", "acme-o3b", key="LED_TO")
    assert nx.shortest_path_length(graph.to_undirected(), "acme-o0", "acme-o3") == 4
    decisions_only = store.projection(labels=[NodeLabel.DECISION, NodeLabel.OUTCOME])
    assert set(decisions_only.nodes) >= {"beta-d0", "acme-o0"}
    assert "acme" not in decisions_only


def test_unindexed_tracking(store: GraphStore) -> None:
    seed(store)
    pending = store.unindexed(limit=1000)
    assert len(pending) == store.count()
    store.mark_indexed([n.id for n in pending])
    assert store.unindexed() == []
    store.upsert(store.get("acme-d1").model_copy(update={"title": "Changed"}))
    assert ids(store.unindexed()) == ["acme-d1"]


def test_delete_nodes_removes_them_and_their_relationships(store: GraphStore) -> None:
    seed(store)
    assert store.delete_nodes(["acme-d3", "acme-o3", "acme-o3b", "no-such-node"]) == 3
    assert store.get_many(["acme-d3", "acme-o3", "acme-o3b"]) == {}
    assert store.edges_of(["acme-d3", "acme-o3"]) == []
    assert ids(store.neighbours("acme-b1", direction=Direction.IN)) == ["acme-d4", "acme-d5"]
    assert store.delete_nodes([]) == 0


def test_outcome_groups_aggregate_latest_outcomes_of_sharing_ventures(store: GraphStore) -> None:
    seed(store)
    store.upsert([Outcome(id="beta-o0", venture_id="beta", decision_id="beta-d0", score=0.9, observed_at=T0)])
    groups = sorted(store.outcome_groups(["open"]), key=lambda g: (g.kind, g.venture_id))
    # acme-d3 counts once, with its latest outcome (+0.75, not -0.25); beta shares nothing
    assert [(g.kind, g.chosen, g.venture_id, g.decisions, g.total, g.wins) for g in groups] == [
        ("architecture", None, "acme", 1, 0.5, 1),
        ("channel", None, "acme", 1, 0.75, 1),
    ]
    assert [g.kind for g in store.outcome_groups(["open"], kind="channel")] == ["channel"]
    assert store.outcome_groups(["open"], ventures=["beta"]) == []
    both = store.outcome_groups(["open", "none"], kind="architecture")
    assert sorted((g.venture_id, g.decisions, g.total) for g in both) == [("acme", 1, 0.5), ("beta", 1, 0.9)]


def test_read_only_store_reads_and_refuses_writes(store: GraphStore, tmp_path) -> None:
    from orgmind.config import Settings
    from orgmind.errors import StoreUnavailable
    from orgmind.graph import open_graph

    seed(store)
    if store.backend == "embedded":
        settings = Settings(home=tmp_path)
    else:
        from tests.conftest import NEO4J_PASSWORD, NEO4J_URL, NEO4J_USER

        settings = Settings(home=tmp_path, graph_url=NEO4J_URL, graph_user=NEO4J_USER, graph_password=NEO4J_PASSWORD)
    reader = open_graph(settings, read_only=True)
    try:
        assert reader.count(NodeLabel.DECISION) == 7
        assert reader.get("acme-d0") == store.get("acme-d0")
        with pytest.raises(StoreUnavailable, match="read-only"):
            reader.upsert(Observation(id="ro-obs", venture_id="acme", text="Should not be written"))
        with pytest.raises(StoreUnavailable, match="read-only"):
            reader.delete_nodes(["acme-d0"])
        with pytest.raises(StoreUnavailable, match="read-only"):
            reader.put_api_key("k1", "{}")
        store.put_api_key("k1", '{"id": "k1"}')
        assert reader.get_api_key("k1") == '{"id": "k1"}' and reader.list_api_keys() == ['{"id": "k1"}']
        store.upsert(Observation(id="late-obs", venture_id="acme", text="Written by the other handle"))
        assert reader.get("late-obs") is not None  # a reader sees commits made next to it
    finally:
        reader.close()
    assert store.get("ro-obs") is None and store.get("acme-d0") is not None


def test_driver_errors_are_translated_on_every_call(store: GraphStore) -> None:
    from orgmind.errors import StoreUnavailable

    seed(store)
    store.close()  # every later call meets a closed connection: the driver's error, translated
    calls = [
        lambda: store.count(),
        lambda: store.get("acme-d0"),
        lambda: store.list_nodes(NodeQuery(NodeLabel.DECISION)),
        lambda: store.outcome_groups(["open"]),
        lambda: store.upsert(Observation(id="late", venture_id="acme", text="After close")),
        lambda: store.delete_nodes(["acme-d0"]),
        lambda: store.mark_indexed(["acme-d0"]),
        lambda: store.put_api_key("k1", "{}"),
        lambda: store.get_api_key("k1"),
        lambda: store.list_api_keys(),
    ]
    for call in calls:
        with pytest.raises(StoreUnavailable):
            call()
