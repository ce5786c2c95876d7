"""Deleting a venture, or switching it to ``sharing: none``, removes what it shared everywhere,
on every backend: its text leaves other ventures' stored briefs, its statistics leave pattern
text (patterns are mined again in the same call), and the graph, the vector index and the
lexical index are scanned whole to prove it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orgmind.mind import OrgMind
from orgmind.models import Brief, Decision, Node, Outcome, Pattern, Sharing, Venture
from orgmind.synthesis.patterns import mine_patterns

from tests.contract.minds import mind  # noqa: F401 - the fixture

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
UNIQUE = "zorblax"
TASK = "Run LinkedIn ads for our product launch"


def history() -> list[Node]:
    records: list[Node] = []
    for venture, sharing in (("evil", Sharing.OPEN), ("acme", Sharing.OPEN), ("beta", Sharing.PATTERNS)):
        records.append(Venture(id=venture, name=f"{venture.title()} Co", sharing=sharing,
                               created_at=NOW - timedelta(days=90)))
        for n in range(2):
            title = (f"Run LinkedIn ads for the {UNIQUE.title()} quantum turnip launch" if venture == "evil"
                     else f"Run LinkedIn ads for the spring launch, wave {n}")
            records.append(Decision(id=f"{venture}-d{n}", venture_id=venture, role="cmo", kind="channel",
                                    title=title, chosen="LinkedIn ads", made_at=NOW - timedelta(days=40 - n)))
            summary = f"{UNIQUE.title()} signups up 40%" if venture == "evil" else "Signups up 12%"
            records.append(Outcome(id=f"{venture}-o{n}", venture_id=venture, decision_id=f"{venture}-d{n}",
                                   score=0.5, summary=summary, observed_at=NOW - timedelta(days=20 - n)))
    return records


def owned_by_evil(node: Node) -> bool:
    return node.owner_venture == "evil"


def assert_patterns_rederived(mind: OrgMind) -> None:  # noqa: F811
    stored = sorted((p for p in mind.graph.scan(labels=None) if isinstance(p, Pattern)), key=lambda p: p.id)
    fresh = mine_patterns(mind.graph, mind.index.vectors.get_vectors, now=NOW)
    assert [p.model_dump(exclude={"created_at"}) for p in stored] == [
        p.model_dump(exclude={"created_at"}) for p in fresh]
    assert stored and all("evil" not in p.venture_ids and p.text.startswith("Across 2 ventures") for p in stored)


@pytest.mark.parametrize("withdraw", ["delete", "sharing-none"])
def test_a_withdrawn_venture_leaves_no_text_in_other_briefs_or_patterns(mind: OrgMind, withdraw: str) -> None:  # noqa: F811
    mind.record_many(history())
    [pattern] = mind.mine_patterns(now=NOW)
    assert pattern.text.startswith("Across 3 ventures") and "evil" in pattern.venture_ids
    brief = mind.wake_up("acme", "cmo", task=TASK, now=NOW)
    assert {"evil-d0", "evil-d1"} & set(brief.cited_ids) and pattern.id in brief.cited_ids
    stored = mind.graph.get(brief.brief_id)
    assert isinstance(stored, Brief) and UNIQUE in stored.content.lower() and "Across 3 ventures" in stored.content

    if withdraw == "delete":
        mind.delete_venture("evil")
    else:
        mind.record(Venture(id="evil", name="Evil Co", sharing=Sharing.NONE, created_at=NOW - timedelta(days=90)))

    others = [n for n in mind.graph.scan() if not owned_by_evil(n)]
    assert others and not [n.id for n in others if UNIQUE in n.model_dump_json().lower()]
    assert not [n.id for n in others if "Across 3 ventures" in n.model_dump_json()]
    if withdraw == "delete":
        assert not [n.id for n in mind.graph.scan() if owned_by_evil(n)]
    redacted = mind.graph.get(brief.brief_id)
    assert isinstance(redacted, Brief) and "(withdrawn: " in redacted.content
    assert_patterns_rederived(mind)

    mind.reconcile()
    graph_ids = {n.id for n in mind.graph.scan()}
    vectors, lexical = mind.index.vectors, mind.index.lexical
    assert vectors.ids() <= graph_ids and lexical.ids() <= graph_ids
    hits = vectors.search(mind.index.embedder.embed_query(f"{UNIQUE} quantum turnip"), k=1000)
    leaked = {h.node_id for h in hits} | {node_id for node_id, _ in lexical.search(UNIQUE, k=1000)}
    if withdraw == "delete":
        assert not {i for i in vectors.ids() | lexical.ids() if i.startswith("evil")}
        assert not {i for i in leaked if i.startswith("evil")}
    assert all(node_id.startswith("evil") for node_id, _ in lexical.search(UNIQUE, k=1000))
    later = mind.wake_up("acme", "cmo", task=TASK, now=NOW + timedelta(days=1))
    assert not [i for i in later.cited_ids if i.startswith("evil")]
    assert UNIQUE not in later.to_markdown().lower()


@pytest.mark.parametrize("withdraw", ["delete", "sharing-none"])
def test_patterns_lose_a_withdrawn_ventures_statistics_at_once(mind: OrgMind, withdraw: str) -> None:  # noqa: F811
    mind.record_many(history())
    mind.mine_patterns(now=NOW)
    if withdraw == "delete":
        mind.delete_venture("evil")
    else:
        mind.record(Venture(id="evil", name="Evil Co", sharing=Sharing.NONE, created_at=NOW - timedelta(days=90)))
    assert_patterns_rederived(mind)


class Killed(Exception):
    """Stands for the process dying at this point."""


@pytest.mark.parametrize("withdraw", ["delete", "sharing-none"])
def test_a_crash_before_the_last_step_leaves_nothing_shared_that_is_being_withdrawn(
    mind: OrgMind, withdraw: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    mind.record_many(history())
    mind.mine_patterns(now=NOW)
    brief = mind.wake_up("acme", "cmo", task=TASK, now=NOW)
    narrower = Venture(id="evil", name="Evil Co", sharing=Sharing.NONE, created_at=NOW - timedelta(days=90))
    store = mind.store
    if withdraw == "delete":
        def killed_deleting(venture_id: str) -> dict[str, int]:
            raise Killed

        monkeypatch.setattr(store, "delete_venture", killed_deleting)
        with pytest.raises(Killed):
            mind.delete_venture("evil")
    else:
        commit = store.commit

        def killed_writing_the_venture(nodes, *args, **kwargs):  # type: ignore[no-untyped-def]
            if any(isinstance(node, Venture) for node in nodes):
                raise Killed
            return commit(nodes, *args, **kwargs)

        monkeypatch.setattr(store, "commit", killed_writing_the_venture)
        with pytest.raises(Killed):
            mind.record(narrower)

    still = mind.graph.get("evil")
    assert isinstance(still, Venture) and still.sharing == Sharing.OPEN  # the last step never ran
    redacted = mind.graph.get(brief.brief_id)
    assert isinstance(redacted, Brief) and "(withdrawn: " in redacted.content and UNIQUE not in redacted.content.lower()
    patterns = [p for p in mind.graph.scan() if isinstance(p, Pattern)]
    assert patterns and all("evil" not in p.venture_ids and p.text.startswith("Across 2 ventures") for p in patterns)

    monkeypatch.undo()  # the call repeated after the restart completes the withdrawal
    if withdraw == "delete":
        mind.delete_venture("evil")
        assert mind.graph.get("evil") is None
    else:
        mind.record(narrower)
        assert mind.graph.get("evil") == narrower
    assert_patterns_rederived(mind)
