"""Token counting with the bundled model's tokenizer."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from orgmind.retrieval.embedder import packaged_model_path
from orgmind.retrieval.tokens import count_tokens

TEXTS = [
    "hello",
    "We raised the price of ACME-42 to $49 in Q3; churn rose 3.5%.",
    "Décision approuvée — naïve café, 東京 office, emoji 🚀.",
    "  leading and trailing whitespace  ",
]


@pytest.fixture(scope="module")
def reference() -> AutoTokenizer:
    return AutoTokenizer.from_pretrained(str(packaged_model_path()), local_files_only=True)


def test_counts_are_positive_and_empty_is_zero() -> None:
    assert count_tokens("") == 0
    assert all(count_tokens(text) > 0 for text in TEXTS)
    assert count_tokens("hello") == 1  # no [CLS] / [SEP]


@pytest.mark.parametrize("text", TEXTS)
def test_counts_match_the_model_tokenizer(text: str, reference: AutoTokenizer) -> None:
    assert count_tokens(text) == len(reference.tokenize(text))


def test_counts_grow_with_text_length() -> None:
    sentence = "The board approved the Q3 pricing change for ACME-42. "
    counts = [count_tokens(sentence * n) for n in range(1, 8)]
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    assert count_tokens(TEXTS[1]) <= count_tokens(TEXTS[1] + " and more words")


def test_long_text_is_counted_in_full(reference: AutoTokenizer) -> None:
    text = " ".join(f"word{i}" for i in range(3000))
    count = count_tokens(text)
    assert count > 3000  # far beyond the model's 128/256/512 limits
    assert count == len(reference.tokenize(text))
    assert count_tokens(text + " " + text) == 2 * count
