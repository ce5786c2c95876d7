"""Cross-venture queries and pattern mining: the same answers on every backend, computed by hand.

Ventures: acme (open), beta (patterns), gamma (none: must never count), delta (open). Vectors are
fake and deterministic: one axis per (kind, option), so only equal choices are similar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from orgmind.graph.base import Direction, GraphStore
from orgmind.core.store import Store
from orgmind.graph.queries import kind_success, platform_knowledge
from orgmind.knowledge import KindStats
from orgmind.retrieval.precedents import similar_elsewhere
from orgmind.models import Decision, Insight, InsightStatus, NodeLabel, Outcome, RelType, Sharing, Venture
from orgmind.retrieval.documents import document_of
from orgmind.retrieval.edge_index import EdgeVectorIndex
from orgmind.retrieval.vectors import VectorPoint
from orgmind.synthesis.patterns import mine_patterns, write_patterns

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SHARING = {"acme": Sharing.OPEN, "beta": Sharing.PATTERNS, "gamma": Sharing.NONE, "delta": Sharing.OPEN}
DECISIONS = [  # id, kind, chosen, outcome scores (oldest first)
    ("acme-d1", "channel", "LinkedIn ads", (0.6,)),
    ("acme-d2", "channel", "LinkedIn ads", (0.4,)),
    ("acme-d3", "channel", "TikTok ads", (-0.5,)),
    ("acme-d4", "pricing", "raise price", (-0.2, 0.3)),
    ("acme-d5", "pricing", "raise price", ()),
    ("beta-d1", "channel", "linkedin  ads", (0.2,)),
    ("beta-d2", "channel", "TikTok ads", (-0.3,)),
    ("beta-d3", "pricing", "lower price", (-0.4,)),
    ("gamma-d1", "channel", "LinkedIn ads", (-1.0,)),
    ("gamma-d2", "channel", "LinkedIn ads", (-1.0,)),
    ("gamma-d3", "pricing", "raise price", (-1.0,)),
    ("gamma-d4", "hiring", "contractor team", (0.9,)),
    ("delta-d1", "hiring", "contractor team", (0.5,)),
    ("delta-d2", "pricing", "raise price", (0.1,)),
]
INSIGHTS = [  # id, kind, key, status: which a pattern may generalise
    ("acme-i1", "channel", "LinkedIn ads", InsightStatus.ACTIVE),
    ("beta-i1", "channel", None, InsightStatus.ACTIVE),
    ("gamma-i1", "channel", "LinkedIn ads", InsightStatus.ACTIVE),
    ("acme-i2", "pricing", "lower price", InsightStatus.ACTIVE),
    ("delta-i1", "pricing", "raise price", InsightStatus.RETIRED),
]
AXES = sorted({(kind, " ".join(chosen.split()).casefold()) for _, kind, chosen, _ in DECISIONS})
LINKEDIN, TIKTOK, RAISE = "pat_channel_5e5ac433e25f", "pat_channel_f00c34277b63", "pat_pricing_98d29d5a5e70"


def venture_of(record_id: str) -> str:
    return record_id.split("-")[0]


def records() -> list:
    """The test history as records, in an order that satisfies every reference."""
    nodes: list = [Venture(id=v, name=f"{v.title()} Inc", sharing=s, created_at=T0) for v, s in SHARING.items()]
    for n, (decision_id, kind, chosen, scores) in enumerate(DECISIONS):
        made = T0 + timedelta(days=n)
        nodes.append(Decision(id=decision_id, venture_id=venture_of(decision_id), role="cmo", kind=kind,
                              title=f"{venture_of(decision_id).title()} bets on {chosen} ({decision_id})",
                              chosen=chosen, made_at=made))
        nodes.extend(Outcome(id=f"{decision_id}-o{i}", venture_id=venture_of(decision_id), decision_id=decision_id,
                             score=score, observed_at=made + timedelta(days=10 + i)) for i, score in enumerate(scores))
    nodes.extend(Insight(id=i, venture_id=venture_of(i), text=f"Insight {i}", kind=kind, key=key, status=status)
                 for i, kind, key, status in INSIGHTS)
    return nodes


def vector(decision_id: str) -> np.ndarray:
    _, kind, chosen, _ = next(d for d in DECISIONS if d[0] == decision_id)
    axis = np.zeros(len(AXES), dtype=np.float32)
    axis[AXES.index((kind, " ".join(chosen.split()).casefold()))] = 1.0
    return axis


def vectors_of(ids: list[str]) -> dict[str, np.ndarray]:
    wanted = set(ids)
    return {d[0]: vector(d[0]) for d in DECISIONS if d[0] in wanted}


def seed(store: GraphStore) -> None:
    store.upsert(records())


def test_kind_success(store: GraphStore) -> None:
    seed(store)
    assert kind_success(store) == [
        KindStats("channel", None, decisions=5, mean_score=0.08, success_rate=0.6, ventures=2),
        KindStats("pricing", None, decisions=3, mean_score=0.0, success_rate=0.6667, ventures=3),
    ]
    assert kind_success(store, ["acme", "gamma"], min_ventures=1) == [
        KindStats("pricing", None, decisions=1, mean_score=0.3, success_rate=1.0, ventures=1),
        KindStats("channel", None, decisions=3, mean_score=0.1667, success_rate=0.6667, ventures=1),
    ]
    single = kind_success(store, min_ventures=1)
    assert [s.kind for s in single] == ["hiring", "channel", "pricing"]
    assert single[0] == KindStats("hiring", None, decisions=1, mean_score=0.5, success_rate=1.0, ventures=1)


def test_platform_knowledge(store: GraphStore) -> None:
    seed(store)
    write_patterns(Store(store), mine_patterns(store, vectors_of, now=T0))
    channel = platform_knowledge(store, "channel")
    assert channel.stats == KindStats("channel", None, 5, 0.08, 0.6, 2)
    assert channel.options == (
        KindStats("channel", "LinkedIn ads", decisions=3, mean_score=0.4, success_rate=1.0, ventures=2),
        KindStats("channel", "TikTok ads", decisions=2, mean_score=-0.4, success_rate=0.0, ventures=2),
    )
    assert [p.id for p in channel.patterns] == [LINKEDIN, TIKTOK]
    pricing = platform_knowledge(store, "pricing")
    assert pricing.options == (KindStats("pricing", "raise price", 2, 0.2, 1.0, 2),)
    assert [p.id for p in pricing.patterns] == [RAISE]
    hiring = platform_knowledge(store, "hiring")
    assert hiring.stats is None and hiring.options == () and hiring.patterns == ()


def test_pattern_mining(store: GraphStore) -> None:
    seed(store)
    patterns = mine_patterns(store, vectors_of, now=T0)
    assert [(p.id, p.kind, p.support, p.effect, p.consistency, p.venture_ids, p.insight_ids) for p in patterns] == [
        (LINKEDIN, "channel", 3, 0.4, 1.0, ["acme", "beta"], ["acme-i1", "beta-i1"]),
        (TIKTOK, "channel", 2, -0.4, 1.0, ["acme", "beta"], ["beta-i1"]),
        (RAISE, "pricing", 2, 0.2, 1.0, ["acme", "delta"], []),
    ]
    assert patterns[0].text == ("Across 2 ventures, channel decisions choosing LinkedIn ads did well: "
                                "mean +0.40, n=3, consistent in 2/2 ventures.")
    assert write_patterns(Store(store), patterns) == []
    assert store.count(NodeLabel.PATTERN) == 3
    assert [(e.type, e.target) for e in store.edges_of([LINKEDIN], direction=Direction.OUT)] == [
        (RelType.GENERALIZES, "acme-i1"), (RelType.GENERALIZES, "beta-i1"),
        (RelType.SEEN_IN, "acme"), (RelType.SEEN_IN, "beta"),
    ]

    again = mine_patterns(store, vectors_of, now=T0 + timedelta(days=30))
    assert again == patterns, "re-mining updates in place and keeps created_at"
    assert write_patterns(Store(store), again) == [] and store.count(NodeLabel.PATTERN) == 3

    store.upsert(Venture(id="beta", name="Beta Inc", sharing=Sharing.NONE, created_at=T0))
    assert [p.id for p in mine_patterns(store, vectors_of)] == [RAISE]
    assert write_patterns(Store(store), mine_patterns(store, vectors_of)) == [LINKEDIN, TIKTOK]
    assert [p.id for p in store.scan(labels=[NodeLabel.PATTERN])] == [RAISE]
    assert store.edges_of([LINKEDIN, TIKTOK]) == []


def test_similar_elsewhere_sees_only_open_ventures(store: GraphStore, tmp_path: Path) -> None:
    seed(store)
    vectors = EdgeVectorIndex(tmp_path / "vectors", len(AXES), "fake")
    try:
        decisions = [n for n in store.scan(labels=[NodeLabel.DECISION])]
        outcomes = store.outcomes_of([d.id for d in decisions])
        vectors.upsert([
            VectorPoint(d.id, vector(d.id), document_of(d, outcomes.get(d.id, [None])[-1]).payload)
            for d in decisions
        ])
        close = similar_elsewhere(store, vectors, "beta-d1", k=2)
        assert sorted(p.decision_id for p in close) == ["acme-d1", "acme-d2"]
        assert {(p.venture_name, p.similarity) for p in close} == {("Acme Inc", 1.0)}
        everything = similar_elsewhere(store, vectors, "beta-d1", k=20)
        assert sorted(p.decision_id for p in everything) == [
            "acme-d1", "acme-d2", "acme-d3", "acme-d4", "delta-d1", "delta-d2"]
        assert next(p.score for p in everything if p.decision_id == "acme-d4") == 0.3
        assert {p.venture_id for p in similar_elsewhere(store, vectors, "acme-d1", k=20)} == {"delta"}
    finally:
        vectors.close()
