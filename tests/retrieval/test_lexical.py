"""The BM25 lexical index: analysis, ranking, filters, updates and persistence."""

from __future__ import annotations


import bm25s
import numpy as np
import pytest

from orgmind.errors import InvalidRecord
from orgmind.retrieval.lexical import LexicalDoc, LexicalIndex, analyze
from orgmind.retrieval.vectors import VectorFilter

T0 = 1_700_000_000_000_000


def doc(
    node_id: str, text: str, venture: str = "v1", label: str = "Decision", ts: int = T0, **kw: str
) -> LexicalDoc:
    return LexicalDoc(node_id=node_id, text=text, venture_id=venture, label=label, ts=ts, **kw)


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [node_id for node_id, _ in hits]


@pytest.fixture
def index() -> LexicalIndex:
    lexical = LexicalIndex()
    lexical.upsert(
        [
            doc("d1", "We raised the price of ACME-42 to $49 for Q3.", kind="pricing", role="cfo"),
            doc("d2", "ACME-24 was discontinued; customers moved to ACME-4.", kind="product", role="ceo"),
            doc("d3", "Churn rose 3.5% in Q4 after the $499 enterprise plan.", ts=T0 + 10, role="cfo"),
            doc("o1", "Revenue grew 35% once pricing was simplified.", "v2", "Outcome", T0 + 20),
            doc("x1", "The office coffee machine broke again.", label="Observation", ts=T0 + 30),
        ]
    )
    return lexical


def test_analyze_keeps_codes_amounts_and_figures_whole() -> None:
    terms = analyze("ACME-42 costs $49 (3.5%) in Q3; revenue $1,200,000 on 2024-06-01.")
    codes = ["acme-42", "acme", "42", "$49", "49", "3.5%", "3.5", "q3"]
    assert set(codes) | {"$1200000", "1200000", "2024-06-01", "2024", "06"} <= set(terms)
    assert "the" not in analyze("the price") and analyze("The Prices") == analyze("price")
    assert analyze("company's policies") == ["company", "policy"]
    assert analyze("") == [] and analyze("a the of !!") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [("$49", ["d1"]), ("$499", ["d3"]), ("3.5%", ["d3"]), ("35%", ["o1"]), ("Q3", ["d1"]), ("q4", ["d3"])],
)
def test_exact_codes_and_numbers_are_searchable(index: LexicalIndex, query: str, expected: list[str]) -> None:
    assert ids(index.search(query, 10)) == expected


def test_codes_match_whole_first_then_by_part(index: LexicalIndex) -> None:
    assert ids(index.search("ACME-42", 10)) == ["d1", "d2"]  # d2 shares only the part "acme"
    assert ids(index.search("acme-24", 10)) == ["d2", "d1"]
    assert ids(index.search("ACME 42", 10))[0] == "d1"
    assert ids(index.search("42", 10)) == ["d1"]


def test_ranking_sanity() -> None:
    lexical = LexicalIndex()
    lexical.upsert(
        [
            doc("a", "pricing pricing pricing decision for the enterprise plan"),
            doc("b", "a long note that mentions pricing once among other words about hiring and moves"),
            doc("c", "hiring plan for engineering"),
        ]
    )
    hits = lexical.search("pricing", 10)
    assert ids(hits) == ["a", "b"]
    assert hits[0][1] > hits[1][1] > 0
    assert ids(lexical.search("hiring plans", 10))[0] == "c"
    assert lexical.search("nothing matches this", 10) == []
    assert lexical.search("pricing", 0) == []


def test_scores_are_bm25s_lucene_scores() -> None:
    texts = ["pricing change for plan", "plan to hire", "pricing pricing review", "coffee", "the of"]
    lexical = LexicalIndex()
    lexical.upsert(doc(f"n{i}", text) for i, text in enumerate(texts))
    reference = bm25s.BM25()
    reference.index([analyze(text) for text in texts], show_progress=False)
    expected = reference.get_scores(analyze("pricing plan"))
    for node_id, score in lexical.search("pricing plan", 10):
        assert score == pytest.approx(float(expected[int(node_id[1:])]), rel=1e-5)


def test_filters(index: LexicalIndex) -> None:
    query = "price pricing acme churn revenue coffee"
    assert set(ids(index.search(query, 10))) == {"d1", "d2", "d3", "o1", "x1"}
    assert set(ids(index.search(query, 10, VectorFilter(venture_ids=["v2"])))) == {"o1"}
    assert set(ids(index.search(query, 10, VectorFilter(labels=["Decision", "Observation"])))) == {"d1", "d2", "d3", "x1"}
    assert set(ids(index.search(query, 10, VectorFilter(kinds=["pricing"])))) == {"d1"}
    assert set(ids(index.search(query, 10, VectorFilter(roles=["cfo"])))) == {"d1", "d3"}
    assert set(ids(index.search(query, 10, VectorFilter(since_ts=T0 + 10, until_ts=T0 + 30)))) == {"d3", "o1"}
    assert set(ids(index.search(query, 10, VectorFilter(exclude_ids=["d1", "nope"])))) == {"d2", "d3", "o1", "x1"}
    assert ids(index.search(query, 10, VectorFilter(venture_ids=[]))) == []
    assert ids(index.search(query, 10, VectorFilter(venture_ids=["unknown"]))) == []


def test_filter_applies_before_top_k() -> None:
    lexical = LexicalIndex()
    lexical.upsert(doc(f"a{i}", "pricing pricing pricing", venture="a") for i in range(200))
    lexical.upsert([doc("b1", "a long text where pricing appears only once among many other words", "b")])
    assert ids(lexical.search("pricing", 5, VectorFilter(venture_ids=["b"]))) == ["b1"]
    assert "b1" not in ids(lexical.search("pricing", 5))


def test_upsert_is_idempotent_and_replaces(index: LexicalIndex) -> None:
    before = index.search("ACME-42", 10)
    index.upsert([doc("d1", "We raised the price of ACME-42 to $49 for Q3.", kind="pricing", role="cfo")])
    assert index.count() == 5 and index.search("ACME-42", 10) == before
    index.upsert([doc("d1", "Renamed the product to ZETA-7.", kind="pricing")])
    assert index.count() == 5
    assert "d1" not in ids(index.search("ACME-42", 10))
    assert ids(index.search("zeta-7", 10)) == ["d1"]
    assert ids(index.search("zeta", 10, VectorFilter(roles=["cfo"]))) == []  # the payload was replaced too


def test_delete(index: LexicalIndex) -> None:
    assert index.delete(["d1", "unknown"]) == 1
    assert index.ids() == frozenset({"d2", "d3", "o1", "x1"}) and index.count() == 4
    assert ids(index.search("ACME-42", 10)) == ["d2"]
    assert index.delete(["d1"]) == 0
    index.delete(list(index.ids()))
    assert index.count() == 0 and index.search("acme", 10) == []


def test_timestamp_must_be_int() -> None:
    with pytest.raises(InvalidRecord):
        LexicalDoc(node_id="d", text="t", venture_id="v", label="Decision", ts=None)  # type: ignore[arg-type]


def test_documents_without_terms() -> None:
    lexical = LexicalIndex()
    lexical.upsert([doc("s", "the of and"), doc("e", "")])
    assert lexical.count() == 2 and lexical.search("the", 10) == []
    lexical.upsert([doc("p", "pricing")])
    assert ids(lexical.search("pricing", 10)) == ["p"]
    assert isinstance(lexical.search("pricing", 10)[0][1], float)
    assert np.isfinite(lexical.search("pricing", 10)[0][1])


def test_writes_after_the_snapshot_are_searchable_at_once_with_rebuilt_scores() -> None:
    texts = [f"note {i} about {'pricing' if i % 3 else 'hiring'} and churn {i % 7}" for i in range(60)]
    streamed, rebuilt = LexicalIndex(), LexicalIndex()
    streamed.upsert([doc(f"d{i}", t, ts=T0 + i) for i, t in enumerate(texts[:50])])
    streamed.search("pricing", 5)  # builds the snapshot
    late = [doc(f"d{i}", t, ts=T0 + i) for i, t in enumerate(texts[50:], start=50)]
    late.append(doc("fresh", "a brand-new word: kombucha pricing", ts=T0 + 99))
    streamed.upsert(late)
    streamed.delete(["d1", "d2"])
    rebuilt.upsert([doc(f"d{i}", t, ts=T0 + i) for i, t in enumerate(texts) if i not in (1, 2)] + late[-1:])
    assert ids(streamed.search("kombucha", 5)) == ["fresh"]
    got, want = streamed.search("pricing churn 3", 20), rebuilt.search("pricing churn 3", 20)
    assert "d1" not in ids(got) and "d2" not in ids(got) and {"d52", "fresh"} & set(ids(got))
    # the same scores, but for the statistics a rebuild would refresh
    assert [score for _, score in got[:5]] == pytest.approx([score for _, score in want[:5]], rel=0.15)
    assert dict(got)["d52"] == pytest.approx(dict(want)["d52"], rel=0.15)
    assert ids(streamed.search("pricing", 60, VectorFilter(venture_ids=["elsewhere"]))) == []


def test_the_snapshot_is_rebuilt_once_the_changes_pile_up(monkeypatch: pytest.MonkeyPatch) -> None:
    index = LexicalIndex()
    monkeypatch.setattr(LexicalIndex, "REBUILD_AFTER", 3)
    index.upsert([doc(f"d{i}", f"pricing note {i}") for i in range(10)])
    index.search("pricing")
    first = index._snapshot  # the snapshot identity tells whether it was rebuilt
    index.upsert([doc("d10", "pricing note 10"), doc("d11", "pricing note 11")])
    index.search("pricing")
    assert index._snapshot is first
    index.upsert([doc("d12", "pricing note 12"), doc("d13", "pricing note 13")])
    index.search("pricing")
    assert index._snapshot is not first and len(index.search("pricing", 20)) == 14
