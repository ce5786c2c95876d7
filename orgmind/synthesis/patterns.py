"""Cross-venture patterns: what tends to work, mined from ventures that share.

Only decisions with outcomes of ventures sharing ``patterns`` or ``open`` are read; a venture
sharing ``none`` contributes nothing. Per decision kind, decisions become nodes of a similarity
graph (an edge where the embeddings' cosine reaches ``similarity``, and always between decisions
that chose the same option, with extra weight), split into communities by Louvain (fixed seed).
A community that chose one option in most of its decisions becomes that option's pattern;
communities with the same kind and option are merged. A pattern needs ``min_ventures`` ventures.
Its statement carries statistics only: no titles, ids or venture names, and the option only when
that many ventures chose it. See docs/patterns.md.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
import numpy as np

from orgmind.core.store import Store
from orgmind.errors import InvalidArgument
from orgmind.graph.base import GraphStore, NodeQuery
from orgmind.graph.queries import ALL, norm_option, sharing_ventures
from orgmind.models import Decision, Insight, InsightStatus, NodeLabel, Pattern, utc_now
from orgmind.synthesis.synthesize import parse_key

VectorsOf = Callable[[list[str]], dict[str, np.ndarray]]
"""Unit-length decision embeddings by decision id (e.g. ``mind.index.vectors.get_vectors``)."""

SEED = 7
MIN_VENTURES = 2
"""Ventures a pattern needs at least, by default."""
SIMILARITY = 0.75
"""Cosine from which two decisions of a kind are linked in its similarity graph, by default."""
SAME_OPTION = 1.0
"""Edge-weight bonus for two decisions of a kind that chose the same option."""
WELL = 0.15
"""Mean score from which a pattern "did well" (and below minus which it "did poorly")."""
_BLOCK = 1024


@dataclass(frozen=True)
class _Member:
    decision: Decision
    score: float
    option: str
    """The chosen option, normalised; empty when none was recorded."""


@dataclass
class _Cluster:
    kind: str
    option: str | None
    signature: str
    members: dict[str, _Member]


def mine_patterns(
    graph: GraphStore,
    vectors_of: VectorsOf,
    now: datetime | None = None,
    min_ventures: int = MIN_VENTURES,
    similarity: float = SIMILARITY,
    excluded: Collection[str] = (),
) -> list[Pattern]:
    """Patterns across sharing ventures, ordered by id (nothing is written).

    Ids derive from the kind and the option (or, without a dominant option, the community's
    earliest decision), so re-mining updates patterns; a stored pattern keeps its created_at.
    Decisions without a vector are left out: mine after the search index is reconciled.
    ``min_ventures`` is at least 2: patterns reach every venture's brief. ``excluded``: ventures
    left out although they share (one about to stop sharing, or to be deleted).
    """
    if min_ventures < 2:
        raise InvalidArgument("min_ventures", "must be at least 2 (a pattern of one venture is its own data)")
    members, vectors = _members(graph, vectors_of, excluded)
    clusters: dict[tuple[str, str], _Cluster] = {}
    for kind in sorted({m.decision.kind for m in members.values()}):
        of_kind = [m for _, m in sorted(members.items()) if m.decision.kind == kind]
        matrix = np.stack([np.asarray(vectors[m.decision.id], dtype=np.float32) for m in of_kind])
        for community in _communities(of_kind, matrix, similarity):
            cluster = _cluster(kind, community)
            merged = clusters.setdefault((kind, cluster.signature), cluster)
            if merged is not cluster:
                merged.members.update(cluster.members)
    insights = _insights(graph, {m.decision.venture_id for m in members.values()})
    stored = graph.get_many([_pattern_id(kind, signature) for kind, signature in clusters])
    patterns = []
    for cluster in clusters.values():
        pattern = _pattern(cluster, min_ventures, insights, now or utc_now())
        if pattern is not None:
            kept = stored.get(pattern.id)
            if isinstance(kept, Pattern):
                pattern = pattern.model_copy(update={"created_at": kept.created_at})
            patterns.append(pattern)
    return sorted(patterns, key=lambda p: p.id)


def write_patterns(store: Store, patterns: Sequence[Pattern]) -> list[str]:
    """Store the complete result of a mining run; returns the ids of stale patterns removed.

    Changed and new patterns are committed in one transaction (with their SEEN_IN and
    GENERALIZES links) and indexed, then stored patterns absent from ``patterns`` are deleted in
    a second one, so there is never a moment without patterns.
    """
    stored = {p.id: p for p in store.graph.list_nodes(NodeQuery(NodeLabel.PATTERN, limit=ALL))}
    store.commit(patterns)
    stale = sorted(stored.keys() - {p.id for p in patterns})
    store.delete(stale)
    return stale


def _members(
    graph: GraphStore, vectors_of: VectorsOf, excluded: Collection[str]
) -> tuple[dict[str, _Member], dict[str, np.ndarray]]:
    """Decisions with outcomes of sharing ventures (but ``excluded``) that have a vector (by id),
    and the vectors."""
    members: dict[str, _Member] = {}
    for venture in sharing_ventures(graph):
        if venture.id in excluded:
            continue
        for item in graph.decisions_with_outcomes(venture_id=venture.id, limit=ALL):
            decision, outcome = item.decision, item.outcome
            if outcome is not None:
                members[decision.id] = _Member(decision, outcome.score, norm_option(decision.chosen))
    vectors = vectors_of(sorted(members)) if members else {}
    return {i: m for i, m in members.items() if i in vectors}, vectors


def _communities(members: list[_Member], matrix: np.ndarray, similarity: float) -> list[list[_Member]]:
    """Louvain communities of the kind's similarity graph (same option: always an edge)."""
    codes = {option: code for code, option in enumerate(sorted({m.option for m in members} - {""}))}
    option = np.array([codes.get(m.option, -1) for m in members])
    graph = nx.Graph()
    graph.add_nodes_from(range(len(members)))
    for start in range(0, len(members), _BLOCK):
        rows = np.arange(start, min(start + _BLOCK, len(members)))
        sims = matrix[rows] @ matrix.T
        same = (option[rows, None] == option[None, :]) & (option[None, :] >= 0)
        upper = np.arange(len(members))[None, :] > rows[:, None]
        for r, c in zip(*np.nonzero(((sims >= similarity) | same) & upper)):
            graph.add_edge(int(rows[r]), int(c), weight=float(sims[r, c]) + SAME_OPTION * bool(same[r, c]))
    found = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    return [[members[i] for i in sorted(c)] for c in sorted(found, key=min)]


def _cluster(kind: str, community: list[_Member]) -> _Cluster:
    """The community's dominant option (chosen by more than half of it) and signature."""
    counts = Counter(m.option for m in community if m.option)
    top = min(counts.items(), key=lambda kv: (-kv[1], kv[0]), default=("", 0))
    if 2 * top[1] > len(community):
        kept = {m.decision.id: m for m in community if m.option in ("", top[0])}
        return _Cluster(kind, top[0], f"option:{top[0]}", kept)
    anchor = min(community, key=lambda m: (m.decision.made_at, m.decision.id))
    return _Cluster(kind, None, f"anchor:{anchor.decision.id}", {m.decision.id: m for m in community})


def _pattern(cluster: _Cluster, min_ventures: int, insights: list[Insight], now: datetime) -> Pattern | None:
    members = [m for _, m in sorted(cluster.members.items())]
    by_venture: dict[str, list[float]] = {}
    for m in members:
        by_venture.setdefault(m.decision.venture_id, []).append(m.score)
    if len(by_venture) < min_ventures:
        return None
    effect = round(float(np.mean([m.score for m in members])), 4)
    consistent = sum(1 for scores in by_venture.values() if np.sign(np.mean(scores)) == np.sign(effect))
    choosers = {m.decision.venture_id for m in members if cluster.option and m.option == cluster.option}
    spelled = Counter(m.decision.chosen for m in members if m.option and m.option == cluster.option)
    named = min(spelled, key=lambda s: (-spelled[s], s)) if len(choosers) >= min_ventures else None
    linked = [
        i.id for i in insights
        if i.venture_id in by_venture and i.kind == cluster.kind
        and (i.key is None or _key_option(i.key) == cluster.option)
    ]
    return Pattern(
        id=_pattern_id(cluster.kind, cluster.signature),
        text=_statement(cluster.kind, named, len(by_venture), len(members), effect, consistent),
        kind=cluster.kind, support=len(members), effect=effect,
        consistency=round(consistent / len(by_venture), 4),
        venture_ids=sorted(by_venture), insight_ids=sorted(linked), created_at=now,
    )


def _statement(kind: str, option: str | None, ventures: int, support: int, effect: float, consistent: int) -> str:
    what = f"{kind.replace('_', ' ')} decisions choosing {option}" if option else (
        f"a group of similar {kind.replace('_', ' ')} decisions")
    verdict = "did well" if effect >= WELL else "did poorly" if effect <= -WELL else "made little difference"
    return (f"Across {ventures} ventures, {what} {verdict}: mean {effect:+.2f}, n={support}, "
            f"consistent in {consistent}/{ventures} ventures.")


def _key_option(key: str) -> str | None:
    """The option an insight key names: synthesis writes ``kind|option[|context]`` keys."""
    return norm_option(parse_key(key).option if "|" in key else key)


def _insights(graph: GraphStore, ventures: set[str]) -> list[Insight]:
    """Insights of these ventures that have a kind and are not retired."""
    found = [
        n for v in sorted(ventures)
        for n in graph.list_nodes(NodeQuery(NodeLabel.INSIGHT, venture_id=v, limit=ALL))
    ]
    return [i for i in found if isinstance(i, Insight) and i.kind and i.status != InsightStatus.RETIRED]


def _pattern_id(kind: str, signature: str) -> str:
    return f"pat_{kind}_{hashlib.sha1(f'{kind}|{signature}'.encode()).hexdigest()[:12]}"
