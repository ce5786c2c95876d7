"""Pattern mining: sharing rules, the two-venture minimum, clean statements, idempotence, briefs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from orgmind.errors import InvalidArgument
from orgmind.graph.base import Direction, GraphStore
from orgmind.graph.sqlite import SqliteGraphStore
from orgmind.mind import OrgMind
from orgmind.models import Decision, Insight, NodeLabel, Outcome, Pattern, RelType, Sharing, Venture
from orgmind.synthesis.patterns import mine_patterns, write_patterns
from tests.contract.test_cross_venture import DECISIONS, T0, records, vector, vectors_of

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[GraphStore]:
    with SqliteGraphStore(tmp_path / "graph.sqlite3") as store:
        store.upsert(records())
        yield store


COPY = "gamma-copy-"


def gamma_copies_of_acme() -> list:
    """Decisions and outcomes of the ``none`` venture gamma identical to acme's."""
    copies: list = []
    for node in records():
        if isinstance(node, (Decision, Outcome)) and node.venture_id == "acme":
            update = {"id": COPY + node.id, "venture_id": "gamma"}
            if isinstance(node, Outcome):
                update["decision_id"] = COPY + node.decision_id
            copies.append(node.model_copy(update=update))
    return copies


def with_copies(ids: list[str]) -> dict[str, np.ndarray]:
    return vectors_of(ids) | {i: vector(i.removeprefix(COPY)) for i in ids if i.startswith(COPY)}


def test_a_none_venture_never_contributes(graph: GraphStore, tmp_path: Path) -> None:
    with SqliteGraphStore(tmp_path / "without-gamma.sqlite3") as without:
        without.upsert([n for n in records() if n.owner_venture != "gamma"])
        expected = mine_patterns(without, vectors_of, now=NOW)
    graph.upsert(gamma_copies_of_acme())
    mined = mine_patterns(graph, with_copies, now=NOW)
    assert mined == expected
    assert all("gamma" not in p.venture_ids for p in mined)
    graph.upsert(Venture(id="gamma", name="Gamma Inc", sharing=Sharing.PATTERNS, created_at=T0))
    assert mine_patterns(graph, with_copies, now=NOW) != expected, "the copies would count if gamma shared"


def test_patterns_need_enough_ventures(graph: GraphStore) -> None:
    assert mine_patterns(graph, vectors_of, min_ventures=3) == []
    with pytest.raises(InvalidArgument):
        mine_patterns(graph, vectors_of, min_ventures=1)
    lone = next(d for d in DECISIONS if d[2] == "lower price")[0]
    graph.upsert([
        Decision(id="delta-d9", venture_id="delta", role="ceo", kind="pricing", title="Delta reprices", made_at=T0),
        Outcome(id="delta-d9-o0", venture_id="delta", decision_id="delta-d9", score=-0.2, observed_at=T0),
    ])

    def with_twin(ids: list[str]) -> dict[str, np.ndarray]:
        return vectors_of(ids) | ({"delta-d9": vector(lone)} if "delta-d9" in ids else {})

    mined = {tuple(p.venture_ids): p for p in mine_patterns(graph, with_twin) if p.kind == "pricing"}
    twin = mined[("beta", "delta")]
    assert twin.support == 2 and twin.effect == -0.3
    assert twin.text.startswith("Across 2 ventures, a group of similar pricing decisions did poorly")
    assert "lower price" not in twin.text, "an option chosen in one venture only is not named"


def test_statements_quote_no_records(graph: GraphStore) -> None:
    patterns = mine_patterns(graph, vectors_of)
    assert patterns
    stored = list(graph.scan())
    titles = [n.title for n in stored if isinstance(n, Decision)]
    names = [n.name for n in stored if isinstance(n, Venture)]
    for pattern in patterns:
        words = set(re.findall(r"[\w-]+", pattern.text.lower()))
        assert not any(title in pattern.text for title in titles)
        assert not words & {n.id.lower() for n in stored}
        assert not any(name.lower() in pattern.text.lower() for name in names)


# ---- through the facade, with the real embedding model ------------------------------------------

VENTURES = {"lumen": Sharing.OPEN, "harbor": Sharing.PATTERNS, "sprout": Sharing.NONE, "nimbus": Sharing.OPEN}
TASK = "Which paid channel should get more of the marketing budget?"
SECRET = "Sprout secret: move the meal-kit budget to LinkedIn ads"


def small_history() -> list:
    nodes: list = [Venture(id=v, name=f"{v.title()} Co", sharing=s, created_at=T0) for v, s in VENTURES.items()]
    for venture in VENTURES:
        for n, score in enumerate((0.5, 0.3) if venture != "sprout" else (-0.9, -0.9, -0.9)):
            title = SECRET if venture == "sprout" else f"Shift {10 + 5 * n}% of paid budget to LinkedIn ads"
            made = T0 + timedelta(days=n)
            nodes.append(Decision(id=f"{venture}-d{n}", venture_id=venture, role="cmo", kind="channel",
                                  title=title, rationale="Blended CAC is rising.", chosen="LinkedIn ads", made_at=made))
            nodes.append(Outcome(id=f"{venture}-o{n}", venture_id=venture, decision_id=f"{venture}-d{n}",
                                 score=score, summary="Qualified signups moved.",
                                 observed_at=made + timedelta(days=14)))
        nodes.append(Insight(id=f"{venture}-i", venture_id=venture, text="LinkedIn ads work for us",
                             kind="channel", key="LinkedIn ads"))
    return nodes


@pytest.fixture(scope="module")
def mind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgMind]:
    with OrgMind.open(home=tmp_path_factory.mktemp("patterns-home")) as opened:
        opened.record_many(small_history())
        write_patterns(opened.store, mine_patterns(opened.graph, opened.index.vectors.get_vectors, now=NOW))
        opened.reconcile()
        yield opened


def test_mined_with_real_embeddings_and_linked(mind: OrgMind) -> None:
    [pattern] = mind.graph.scan(labels=[NodeLabel.PATTERN])
    assert isinstance(pattern, Pattern)
    assert (pattern.venture_ids, pattern.support, pattern.effect) == (["harbor", "lumen", "nimbus"], 6, 0.4)
    assert "sprout" not in pattern.text.lower() and "meal-kit" not in pattern.text
    out = {(e.type, e.target) for e in mind.graph.edges_of([pattern.id], direction=Direction.OUT)}
    assert out == {(RelType.SEEN_IN, v) for v in ("harbor", "lumen", "nimbus")} | {
        (RelType.GENERALIZES, f"{v}-i") for v in ("harbor", "lumen", "nimbus")}


def test_remining_is_idempotent(mind: OrgMind) -> None:
    before = list(mind.graph.scan(labels=[NodeLabel.PATTERN]))
    again = mine_patterns(mind.graph, mind.index.vectors.get_vectors, now=NOW + timedelta(days=7))
    assert again == before
    assert write_patterns(mind.store, again) == []
    assert list(mind.graph.scan(labels=[NodeLabel.PATTERN])) == before


def test_patterns_reach_briefs_without_leaking_a_none_venture(mind: OrgMind) -> None:
    [pattern] = mind.graph.scan(labels=[NodeLabel.PATTERN])
    for venture in ("harbor", "lumen"):
        brief = mind.wake_up(venture, "cmo", task=TASK, budget_tokens=2000, now=NOW)
        section = brief.section("platform_patterns")
        assert section is not None and [line.cites for line in section.lines] == [(pattern.id,)]
        owners = {n.owner_venture for n in mind.graph.get_many(brief.cited_ids).values()}
        assert "sprout" not in owners
        assert "sprout" not in brief.to_markdown().lower() and SECRET not in brief.to_markdown()
        precedents = brief.section("precedents")
        assert precedents is not None
        assert all(not c.startswith("sprout") for line in precedents.lines for c in line.cites)


def test_patterns_generalise_synthesised_insights(tmp_path) -> None:
    from orgmind.mind import OrgMind
    from orgmind.models import Insight
    from orgmind.sample import DEFAULT_END, generate
    from orgmind.synthesis.synthesize import parse_key

    with OrgMind.open(home=tmp_path) as mind:
        mind.record_many(generate(decisions_per_venture=80))
        for venture in ("lumen", "nimbus", "sprout"):
            mind.synthesize(venture, now=DEFAULT_END)
        patterns = mind.mine_patterns(now=DEFAULT_END)
        linked = [(p, mind.graph.get(i)) for p in patterns for i in p.insight_ids]
        assert linked, "synthesised insights of sharing ventures are generalised by patterns"
        for pattern, insight in linked:
            assert isinstance(insight, Insight) and insight.kind == pattern.kind
            assert insight.venture_id in pattern.venture_ids and insight.venture_id != "sprout"
            assert parse_key(insight.key).option.casefold() in pattern.text.casefold()
