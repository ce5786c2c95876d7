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
from orgmind.retrieval.vectors import VectorFilter

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
        self.term_idf, self.mean_length = idf, float(lengths.mean())
        norm = self.k1 * (1 - self.b + self.b * lengths / self.mean_length)
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
    order: np.ndarray
    """Rows sorted by venture, then label, then time: a record's neighbours sit beside it."""
    position: np.ndarray
    """Each row's place in ``order``."""
    venture_rows: dict[str, tuple[int, int]]
    """The rows of each venture: ``range(*venture_rows[v])`` (rows are grouped by venture)."""

    @classmethod
    def build(cls, entries: list[tuple[LexicalDoc, np.ndarray]], vocabulary: dict[str, int]) -> _Snapshot:
        """Index ``entries`` (documents and their term ids in ``vocabulary``), grouped by venture."""
        entries = sorted(entries, key=lambda entry: entry[0].venture_id)
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
        order = np.lexsort((np.arange(len(docs)), ts, codes["label"], codes["venture_id"]))
        position = np.empty_like(order)
        position[order] = np.arange(order.size)
        rows = {node_id: row for row, node_id in enumerate(ids)}
        bounds = np.searchsorted(codes["venture_id"], np.arange(len(code_of["venture_id"]) + 1))
        venture_rows = {str(v): (int(bounds[c]), int(bounds[c + 1])) for v, c in code_of["venture_id"].items()}
        return cls(bm25, ids, rows, codes, code_of, ts, order, position, venture_rows)

    def scores_within(self, term_ids: list[int], ventures: Collection[str] | None) -> tuple[np.ndarray, np.ndarray]:
        """The rows of ``ventures`` (all when None) that hold a query term, and their BM25 scores.

        Reads only those ventures' postings (each term's postings are sorted by row, and rows are
        grouped by venture), so a search costs time in proportion to the ventures searched, not
        to the whole index; the scores are bm25s' own (float32, summed term by term).
        """
        matrix = self.bm25.scores
        data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
        if ventures is None:
            spans = [(0, len(self.ids))]
        else:
            spans = sorted(self.venture_rows[v] for v in set(ventures) if v in self.venture_rows)
        found_rows, found_scores = [], []
        for low, high in spans:
            rows, values = [], []
            for term in term_ids:
                postings = indices[indptr[term] : indptr[term + 1]]
                start, end = indptr[term] + np.searchsorted(postings, [low, high])
                rows.append(indices[start:end])
                values.append(data[start:end])
            hits = np.concatenate(rows).astype(np.int64) - low
            scores = np.zeros(high - low, dtype=data.dtype)
            np.add.at(scores, hits, np.concatenate(values))
            matched = np.flatnonzero(scores > 0)
            found_rows.append(matched + low)
            found_scores.append(scores[matched])
        if not found_rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=data.dtype)
        return np.concatenate(found_rows), np.concatenate(found_scores)

    def beside(self, row: int, within_us: int) -> list[int]:
        """The rows just before and after ``row`` in time, of its venture and label, within ``within_us``."""
        found = []
        place = int(self.position[row])
        for step in (-1, 1):
            other_place = place + step
            if not 0 <= other_place < self.order.size:
                continue
            other = int(self.order[other_place])
            same = all(self.codes[name][other] == self.codes[name][row] for name in ("venture_id", "label"))
            if same and abs(int(self.ts[other]) - int(self.ts[row])) <= within_us:
                found.append(other)
        return found

    def score_recent(self, entries: list[tuple[LexicalDoc, np.ndarray]], term_ids: list[int]) -> np.ndarray:
        """BM25 scores of documents written after this snapshot, under its statistics.

        Term frequencies and lengths are the documents' own; the inverse document frequencies and
        the mean length are the snapshot's (a term it has never seen gets the idf of its count
        among ``entries``), so a score is what a rebuild would give but for that drift.
        """
        query = np.asarray(term_ids, dtype=np.int64)  # sorted and distinct
        lengths = np.fromiter((terms.size for _, terms in entries), np.int64, len(entries))
        tokens = np.concatenate([terms for _, terms in entries]).astype(np.int64)
        doc_of_token = np.repeat(np.arange(len(entries)), lengths)
        hit = np.isin(tokens, query)
        tf = np.zeros((len(entries), query.size))
        np.add.at(tf, (doc_of_token[hit], np.searchsorted(query, tokens[hit])), 1.0)
        known = self.bm25.term_idf
        n_docs, df = len(self.ids), np.count_nonzero(tf, axis=0)
        unseen = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        idf = np.where(query < known.size, known[np.minimum(query, known.size - 1)], unseen)
        bm25 = self.bm25
        norm = bm25.k1 * (1 - bm25.b + bm25.b * lengths / self.bm25.mean_length)
        return np.asarray((idf * tf / (tf + norm[:, None])).sum(axis=1))

    def allowed(self, rows: np.ndarray, name: str, values: Collection[str]) -> np.ndarray:
        """Which of ``rows`` have one of ``values`` in payload field ``name``."""
        wanted = [self.code_of[name][v] for v in values if v in self.code_of[name]]
        return np.isin(self.codes[name][rows], wanted)


class LexicalIndex:
    """A BM25 index of :class:`LexicalDoc` keyed by node id; safe to share between threads.

    Searches read a snapshot (the bm25s index as of its last build) plus the documents changed
    since, scored directly under the snapshot's statistics: a write is searchable at once and
    costs no rebuild. The snapshot is rebuilt on the first search after the changes outnumber
    ``REBUILD_AFTER`` or ``REBUILD_SHARE`` of the snapshot, so the statistics never drift far
    and a stream of writes pays one rebuild per that many writes, not one per write.
    """

    REBUILD_AFTER = 2_000
    REBUILD_SHARE = 0.1

    def __init__(self) -> None:
        self._entries: dict[str, tuple[LexicalDoc, np.ndarray]] = {}
        self._vocabulary: dict[str, int] = {}
        self._snapshot: _Snapshot | None = None
        self._changed: set[str] = set()
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
                    self._changed.add(doc.node_id)

    def delete(self, node_ids: Iterable[str]) -> int:
        """Remove documents by node id; returns how many were stored. Unknown ids are ignored."""
        with self._lock:
            removed = [node_id for node_id in node_ids if self._entries.pop(node_id, None) is not None]
            self._changed.update(removed)
            return len(removed)

    def ids(self) -> frozenset[str]:
        """The node ids of the stored documents."""
        with self._lock:
            return frozenset(self._entries)

    def count(self) -> int:
        """The number of stored documents."""
        with self._lock:
            return len(self._entries)

    def search(self, query: str, k: int = 10, flt: VectorFilter | None = None) -> list[tuple[str, float]]:
        """The best ``k`` documents matching ``query`` and ``flt`` as ``(node_id, bm25_score)``, best first.

        Only documents sharing a term with the query are returned. The filter means what it
        means to the vector indexes (``VectorFilter``): ``None`` fields are not applied, an empty
        list matches nothing, ``since_ts`` is inclusive and ``until_ts`` exclusive.
        """
        flt = flt or VectorFilter()
        if k <= 0:
            return []
        terms = analyze(query)
        with self._lock:
            snapshot = self._current()
            term_ids = sorted({self._vocabulary[term] for term in terms if term in self._vocabulary})
            changed = list(self._changed)
            recent = [self._entries[node_id] for node_id in changed if node_id in self._entries]
        if snapshot is None or not term_ids:
            return []
        found = self._search_snapshot(snapshot, term_ids, k, changed, flt)
        recent = [(doc, terms) for doc, terms in recent if terms.size and _passes(doc, flt)]
        if recent:
            scores = snapshot.score_recent(recent, term_ids)
            found += [(doc.node_id, float(score)) for (doc, _), score in zip(recent, scores, strict=True) if score > 0]
            found.sort(key=lambda hit: (-hit[1], hit[0]))
        return found[:k]

    def _search_snapshot(
        self,
        snapshot: _Snapshot,
        term_ids: list[int],
        k: int,
        changed: list[str],
        flt: VectorFilter,
    ) -> list[tuple[str, float]]:
        """The snapshot's best ``k`` for the query, leaving out documents changed since it was built."""
        term_ids = [term for term in term_ids if term < snapshot.bm25.term_idf.size]  # newer terms: not in it
        if not term_ids:
            return []
        rows, scores = snapshot.scores_within(term_ids, flt.venture_ids)
        keep = np.ones(rows.size, dtype=bool)
        for name, values in zip(_FILTERED[1:], (flt.labels, flt.kinds, flt.roles), strict=True):
            if values is not None:
                keep &= snapshot.allowed(rows, name, values)
        if flt.since_ts is not None:
            keep &= snapshot.ts[rows] >= flt.since_ts
        if flt.until_ts is not None:
            keep &= snapshot.ts[rows] < flt.until_ts
        hidden = [*(flt.exclude_ids or ()), *changed]
        if hidden:
            keep &= ~np.isin(rows, [snapshot.rows[i] for i in hidden if i in snapshot.rows])
        rows, scores = rows[keep], scores[keep]
        if rows.size > k:
            top = np.argpartition(-scores, k - 1)[:k]
            rows, scores = rows[top], scores[top]
        ranked = np.lexsort((rows, -scores))
        return [(snapshot.ids[row], float(score)) for row, score in zip(rows[ranked], scores[ranked], strict=True)]

    def neighbours(self, node_ids: Iterable[str], within_us: int) -> dict[str, list[str]]:
        """For each known id, the records written just before and after it (same venture and
        label, at most ``within_us`` apart): the turns around a turn, the notes of one sitting."""
        with self._lock:
            snapshot = self._current()
        if snapshot is None:
            return {}
        return {
            node_id: [snapshot.ids[other] for other in snapshot.beside(snapshot.rows[node_id], within_us)]
            for node_id in node_ids
            if node_id in snapshot.rows
        }

    def timestamps(self, node_ids: Iterable[str]) -> dict[str, int]:
        """The ``ts`` (UTC microseconds) of each known id."""
        with self._lock:
            entries = self._entries
            return {node_id: entries[node_id][0].ts for node_id in node_ids if node_id in entries}

    def _current(self) -> _Snapshot | None:
        """The snapshot, rebuilt first if too much changed since it was built; hold the lock."""
        size = len(self._snapshot.ids) if self._snapshot is not None else 0
        if self._changed and (size == 0 or len(self._changed) > max(self.REBUILD_AFTER, self.REBUILD_SHARE * size)):
            entries = list(self._entries.values())
            has_terms = any(terms.size for _, terms in entries)
            self._snapshot = _Snapshot.build(entries, self._vocabulary) if has_terms else None
            self._changed = set()
        return self._snapshot



def _passes(doc: LexicalDoc, flt: VectorFilter) -> bool:
    """Whether ``doc`` passes ``flt``, as the vector indexes apply it to their payloads."""
    return flt.admits({"node_id": doc.node_id, "venture_id": doc.venture_id, "label": doc.label,
                       "kind": doc.kind, "role": doc.role, "ts": doc.ts})
