"""Names and numbers of a query, matched as written."""

from __future__ import annotations

import pytest

from orgmind.retrieval.exact import exact_terms, prefer_exact
from orgmind.retrieval.ranking import Candidate


@pytest.mark.parametrize(("query", "terms"), [
    ("What did Priya research?", ["Priya"]),
    ("When did Tomas ship the billing rewrite in 2022?", ["Tomas", "2022"]),
    ("Which pricing change raised ARPU by $49 in Q3?", ["ARPU", "$49", "Q3"]),
    ("How many kids does Tomas's friend Arun have? Arun said two.", ["Tomas", "Arun"]),
    ("why did churn rise", []),
])
def test_names_after_the_first_word_and_numbers_are_kept_as_written(query: str, terms: list[str]) -> None:
    assert exact_terms(query) == terms


def test_a_candidate_gains_the_share_of_the_terms_its_text_holds() -> None:
    candidates = {i: Candidate(i, relevance=0.5) for i in ("both", "one", "none", "inside")}
    texts = {"both": "Arun moved to Q3 pricing", "one": "Arun left", "none": "nothing here",
             "inside": "Jonathan in Q35"}  # whole words only
    prefer_exact(candidates, texts, ["Arun", "Q3"], weight=0.2)
    assert candidates["both"].relevance == pytest.approx(0.7)
    assert candidates["one"].relevance == pytest.approx(0.6)
    assert candidates["none"].relevance == candidates["inside"].relevance == 0.5
