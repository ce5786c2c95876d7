"""Names and numbers a query spells out, matched exactly in the candidates' text.

BM25 lower-cases and stems every word and weighs it by rarity, so "Oscar" the pet and "oscar"
the prize look alike, and a name shared by half the records counts for little. A query's names
(capitalised words after its first) and numbers ("2023", "$49", "Q3") are kept as written; a
candidate whose text holds them gains ``weight`` times the share it holds, as a preference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping

from orgmind.retrieval.ranking import Candidate

__all__ = ["exact_terms", "prefer_exact"]

_WORD = re.compile(r"[$€£¥]?\w+(?:[-.,/:&'\u2019]\w+)*%?")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)([$€£¥]?\w+)")


def exact_terms(query: str) -> list[str]:
    """The names and numbers of ``query``, in order, without repeats."""
    starts = {m.start(1) for m in _SENTENCE_START.finditer(query)}
    found: list[str] = []
    for match in _WORD.finditer(query):
        word = match.group().removesuffix("'s").removesuffix("\u2019s")
        is_number = any(ch.isdigit() for ch in word)
        is_name = word[:1].isupper() and match.start() not in starts and len(word) > 1
        if (is_number or is_name) and word not in found:
            found.append(word)
    return found


def prefer_exact(
    candidates: MutableMapping[str, Candidate], texts: Mapping[str, str], terms: list[str], weight: float
) -> None:
    """Raise each candidate's ``relevance`` by ``weight`` times the share of ``terms`` its text holds."""
    if weight <= 0 or not terms:
        return
    patterns = [re.compile(rf"(?<!\w){re.escape(term)}(?!\w)") for term in terms]
    for node_id, candidate in candidates.items():
        text = texts.get(node_id, "")
        held = sum(1 for pattern in patterns if pattern.search(text))
        candidate.relevance += weight * held / len(patterns)
