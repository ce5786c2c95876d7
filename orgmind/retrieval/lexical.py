"""BM25 keyword search over records, with payload filters, incremental updates and persistence.

Each document is a node's text plus a small payload (venture, label, kind, role, timestamp) that
searches filter on. bm25s builds a static index, so :class:`LexicalIndex` keeps its documents and
rebuilds the bm25s index lazily, on the first search after a change. Filters are applied to every
matching document before the top ``k`` are taken, so a filter never hides matches.

Text is analysed by :func:`analyze`: lower-cased words; codes, amounts and figures kept whole
("ACME-42", "$49", "3.5%", "Q3", "1,200") and also split into their parts; English stop words
(bm25s' list) and single letters dropped; plurals reduced by the S-stemmer (Harman, 1991).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN

from orgmind.errors import InvalidRecord

__all__ = ["LexicalDoc", "LexicalIndex", "analyze"]

_STOPWORDS = frozenset(STOPWORDS_EN)
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b")
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_TOKEN = re.compile(r"[$€£¥]?\w+(?:[-.,/:&'\u2019+]\w+)*%?")
_PART_SEPARATOR = re.compile(r"(?:[^\w.]|_)+|(?<!\d)\.|\.(?!\d)")
_FILTERED = ("venture_id", "label", "kind", "role")


def analyze(text: str) -> list[str]:
    """The index terms of ``text``; queries and documents are analysed alike."""
    text = text.lower()
    if "'" in text or "\u2019" in text:
        text = _POSSESSIVE.sub("", text)
    if "," in text:
        text = _DIGIT_GROUP.sub("", text)
    return list(chain.from_iterable(map(_token_terms, _TOKEN.findall(text))))


@lru_cache(maxsize=1 << 16)
def _token_terms(token: str) -> tuple[str, ...]:
    """A token's terms: the token itself if it is compound, then its stemmed parts."""
    parts = [part for part in _PART_SEPARATOR.split(token) if part]
    kept = tuple(_stem(p) for p in parts if p not in _STOPWORDS and not (len(p) == 1 and p.isalpha()))
    return kept if parts == [token] else (token, *kept)


def _stem(word: str) -> str:
    """The S-stemmer (Harman, 1991), for alphabetic words of four letters or more."""
    if len(word) < 4 or not word.isalpha():
        return word
    if word.endswith("ies") and not word.endswith(("eies", "aies")):
        return word[:-3] + "y"
    if word.endswith("es") and not word.endswith(("aes", "ees", "oes")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("us", "ss")):
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class LexicalDoc:
    """A node's searchable text and the payload searches filter on (``ts`` in UTC microseconds)."""

    node_id: str
    text: str
    venture_id: str
    label: str
    ts: int
    kind: str | None = None
    role: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.ts, int):  # checked here, as a bad value would only fail the next rebuild
            raise InvalidRecord("ts", "must be an int (UTC microseconds)", record_type="LexicalDoc")




class _BM25(bm25s.BM25):  # type: ignore[misc]
    """bm25s' default BM25 (Lucene variant), with the index build vectorised in numpy.

    bm25s builds its score matrix in a Python loop over the documents; this override (bm25s'
    documented extension point) computes the same Lucene scores in a few numpy passes.
    """

    def build_index_from_ids(
        self,
        unique_token_ids: list[int],
        corpus_token_ids: list[np.ndarray],
        show_progress: bool = True,
        leave_progress: bool = False,
    ) -> dict[str, Any]:
        lengths = np.fromiter(map(len, corpus_token_ids), np.int64, len(corpus_token_ids))
        n_docs, n_terms = lengths.size, len(unique_token_ids)
        doc_of_token = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        keys = np.concatenate(corpus_token_ids).astype(np.int64) * n_docs + doc_of_token
        keys, tf = np.unique(keys, return_counts=True)
        term, doc = np.divmod(keys, n_docs)  # sorted by term, then by document: CSC order
        df = np.bincount(term, minlength=n_terms)
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        norm = self.k1 * (1 - self.b + self.b * lengths / lengths.mean())
        self.nonoccurrence_array = None  # only the BM25L and BM25+ variants use it
        return {
            "data": (idf[term] * tf / (norm[doc] + tf)).astype(self.dtype),
            "indices": doc.astype(self.int_dtype),
            "indptr": np.concatenate(([0], np.cumsum(df))),
            "num_docs": n_docs,
        }


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The BM25 index over the documents as of one rebuild, with their payload as arrays."""

    bm25: _BM25
    ids: list[str]
    rows: dict[str, int]
    codes: dict[str, np.ndarray]
    code_of: dict[str, dict[str | None, int]]
    ts: np.ndarray

    @classmethod
    def build(cls, entries: list[tuple[LexicalDoc, np.ndarray]], vocabulary: dict[str, int]) -> _Snapshot:
        """Index ``entries`` (documents and their term ids in ``vocabulary``)."""
        docs = [doc for doc, _ in entries]
        bm25 = _BM25()
        corpus = ([terms for _, terms in entries], vocabulary)
        bm25.index(corpus, create_empty_token=False, show_progress=False)
        code_of: dict[str, dict[str | None, int]] = {}
        codes: dict[str, np.ndarray] = {}
        for name in _FILTERED:
            mapping = code_of[name] = {}
            values = (mapping.setdefault(getattr(doc, name), len(mapping)) for doc in docs)
            codes[name] = np.fromiter(values, np.int32, len(docs))
        ids = [doc.node_id for doc in docs]
        ts = np.fromiter((doc.ts for doc in docs), np.int64, len(docs))
        return cls(bm25, ids, {node_id: row for row, node_id in enumerate(ids)}, codes, code_of, ts)

    def allowed(self, rows: np.ndarray, name: str, values: Collection[str]) -> np.ndarray:
        """Which of ``rows`` have one of ``values`` in payload field ``name``."""
        wanted = [self.code_of[name][v] for v in values if v in self.code_of[name]]
        return np.isin(self.codes[name][rows], wanted)


class LexicalIndex:
    """A BM25 index of :class:`LexicalDoc` keyed by node id; safe to share between threads."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[LexicalDoc, np.ndarray]] = {}
        self._vocabulary: dict[str, int] = {}
        self._snapshot: _Snapshot | None = None
        self._dirty = False
        self._lock = threading.Lock()

    def upsert(self, docs: Iterable[LexicalDoc]) -> None:
        """Add documents, replacing any stored under the same node id."""
        with self._lock:
            vocabulary = self._vocabulary
            for doc in docs:
                stored = self._entries.get(doc.node_id)
                if stored is None or stored[0] != doc:
                    terms = [vocabulary.setdefault(term, len(vocabulary)) for term in analyze(doc.text)]
                    self._entries[doc.node_id] = (doc, np.array(terms, dtype=np.int32))
                    self._dirty = True

    def delete(self, node_ids: Iterable[str]) -> int:
        """Remove documents by node id; returns how many were stored. Unknown ids are ignored."""
        with self._lock:
            removed = sum(self._entries.pop(node_id, None) is not None for node_id in node_ids)
            self._dirty = self._dirty or removed > 0
            return removed

    def ids(self) -> frozenset[str]:
        """The node ids of the stored documents."""
        with self._lock:
            return frozenset(self._entries)

    def count(self) -> int:
        """The number of stored documents."""
        with self._lock:
            return len(self._entries)

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        venture_ids: Collection[str] | None = None,
        labels: Collection[str] | None = None,
        kinds: Collection[str] | None = None,
        roles: Collection[str] | None = None,
        since_ts: int | None = None,
        until_ts: int | None = None,
        exclude_ids: Collection[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The best ``k`` documents matching ``query`` as ``(node_id, bm25_score)``, best first.

        Only documents sharing a term with the query are returned. A filter given as ``None`` is
        not applied; otherwise a document must have one of its values (an empty collection
        matches nothing). ``since_ts`` is inclusive and ``until_ts`` exclusive.
        """
        if k <= 0:
            return []
        terms = analyze(query)
        with self._lock:
            snapshot = self._current()
            term_ids = sorted({self._vocabulary[term] for term in terms if term in self._vocabulary})
        if snapshot is None or not term_ids:
            return []
        scores = snapshot.bm25.get_scores_from_ids(term_ids)
        rows = np.flatnonzero(scores > 0)
        keep = np.ones(rows.size, dtype=bool)
        for name, values in zip(_FILTERED, (venture_ids, labels, kinds, roles), strict=True):
            if values is not None:
                keep &= snapshot.allowed(rows, name, values)
        if since_ts is not None:
            keep &= snapshot.ts[rows] >= since_ts
        if until_ts is not None:
            keep &= snapshot.ts[rows] < until_ts
        if exclude_ids:
            keep &= ~np.isin(rows, [snapshot.rows[i] for i in exclude_ids if i in snapshot.rows])
        rows = rows[keep]
        if rows.size > k:
            rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
        rows = rows[np.lexsort((rows, -scores[rows]))]
        return [(snapshot.ids[row], float(scores[row])) for row in rows]

    def _current(self) -> _Snapshot | None:
        """The snapshot of the stored documents, rebuilt first if they changed; hold the lock."""
        if self._dirty:
            entries = list(self._entries.values())
            has_terms = any(terms.size for _, terms in entries)
            self._snapshot = _Snapshot.build(entries, self._vocabulary) if has_terms else None
            self._dirty = False
        return self._snapshot

