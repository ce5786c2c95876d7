"""Relevance spread to the records written beside a relevant one."""

from __future__ import annotations

import pytest

from orgmind.retrieval.lexical import LexicalDoc, LexicalIndex
from orgmind.retrieval.neighbours import spread_to_neighbours
from orgmind.retrieval.ranking import Candidate

T0 = 1_700_000_000_000_000
SECOND = 1_000_000


@pytest.fixture
def index() -> LexicalIndex:
    lexical = LexicalIndex()
    turns = ["Did you go hiking?", "Yes, up Mount Tam on Sunday.", "Nice.", "Bye."]
    lexical.upsert(
        [LexicalDoc(f"t{i}", text, "v1", "Observation", T0 + i * SECOND) for i, text in enumerate(turns)]
        + [
            LexicalDoc("later", "Next week's plans.", "v1", "Observation", T0 + 3600 * SECOND),
            LexicalDoc("other", "Another venture's note.", "v2", "Observation", T0 + 4 * SECOND),
            LexicalDoc("decision", "A decision written meanwhile.", "v1", "Decision", T0 + 2 * SECOND),
        ]
    )
    return lexical


def test_neighbours_are_the_records_just_before_and_after_of_the_same_venture_and_label(
    index: LexicalIndex,
) -> None:
    found = index.neighbours(["t0", "t1", "t3", "unknown"], within_us=60 * SECOND)
    assert found == {"t0": ["t1"], "t1": ["t0", "t2"], "t3": ["t2"]}  # "later" is an hour away
    assert index.neighbours(["t3"], within_us=7200 * SECOND) == {"t3": ["t2", "later"]}


def test_a_seed_passes_a_share_of_its_relevance_and_pulls_in_new_neighbours(index: LexicalIndex) -> None:
    candidates = {"t0": Candidate("t0", relevance=1.0), "t3": Candidate("t3", relevance=0.2)}
    spread_to_neighbours(candidates, lambda ids: index.neighbours(ids, 60 * SECOND), 0.5, seeds=1)
    assert candidates["t1"].relevance == pytest.approx(0.5)  # pulled in from t0
    assert candidates["t0"].relevance == 1.0 and "t2" not in candidates  # t3 is not among the seeds


def test_without_admitting_new_records_only_candidates_gain(index: LexicalIndex) -> None:
    candidates = {"t1": Candidate("t1", relevance=1.0), "t2": Candidate("t2", relevance=0.1)}
    spread_to_neighbours(candidates, lambda ids: index.neighbours(ids, 60 * SECOND), 0.4, seeds=5, admit_new=False)
    assert set(candidates) == {"t1", "t2"}
    assert candidates["t2"].relevance == pytest.approx(0.5) and candidates["t1"].relevance == pytest.approx(1.04)
