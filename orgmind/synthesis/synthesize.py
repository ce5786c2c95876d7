"""Brain synthesis: decisions with outcomes become brain version N+1, which SUCCEEDS version N.

Decisions are grouped by kind and chosen option, paraphrased options merged by embedding
similarity, and split by context value where the context changes the answer. Each group's mean
outcome gets a 95% t-interval; groups with enough support and a clear sign become insights, and
the best option so far of a kind and context that lacks them becomes a tentative insight.
Insights of version N are carried by their stable ``key``: reinforced by agreeing new evidence,
weakened when decisions that followed them (their wake-up brief cited them) turned out badly,
retired when the evidence no longer shows a clear effect. Deterministic; no LLM unless a
``Summariser`` is given. See docs/synthesis.md.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from scipy.stats import f_oneway

from orgmind.core.store import Store
from orgmind.errors import InvalidArgument, NotFound
from orgmind.graph.base import GraphStore
from orgmind.models import (
    BrainVersion, Decision, DecisionWithOutcomes, Insight, InsightStatus, NodeLabel, Venture, utc_now,
)
from orgmind.synthesis.estimates import CHANGE_HISTORY, Observation, posterior
from orgmind.synthesis.history import chain, citing_decisions, insights_of
from orgmind.synthesis.labels import normalise
from orgmind.synthesis.result import SynthesisResult, VersionDiff
from orgmind.synthesis.recommend import RECOMMEND, Evidence, Recommendation, recommend
from orgmind.synthesis.stats import Estimate, estimate
from orgmind.synthesis.warmstart import borrowed_evidence

MIN_SUPPORT = 3
"""Fewest decisions with outcomes behind an insight."""
TENTATIVE_SUPPORT = 2
"""Fewest decisions with outcomes behind a tentative insight (the best option so far of a kind and context)."""
SIMILARITY = 0.8
"""Cosine similarity (average linkage) above which two option labels of a kind are one option."""
MAX_LEVELS = 6
"""Context keys with 2..MAX_LEVELS distinct values (strings or booleans) split groups."""
MAX_EVIDENCE = 500
"""DERIVED_FROM links per insight (the most recent decisions); estimates use all of them."""


class TextEmbedder(Protocol):
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class InsightKey:
    """What an insight is about; its string form is ``Insight.key``, stable across versions."""

    kind: str
    option: str
    condition: tuple[str, str] | None = None

    def __str__(self) -> str:
        base = f"{self.kind}|{self.option}"
        return base if self.condition is None else f"{base}|{self.condition[0]}={self.condition[1]}"


def parse_key(key: str) -> InsightKey:
    """The InsightKey of an ``Insight.key`` string: ``kind|option`` or ``kind|option|name=value``."""
    kind, option, *rest = key.split("|", 2)
    if not rest:
        return InsightKey(kind, option)
    name, _, value = rest[0].partition("=")
    return InsightKey(kind, option, (name, value))


@dataclass(frozen=True)
class Group:
    """Decisions with outcomes about one kind, option and (optionally) context value."""

    key: InsightKey
    label: str
    members: tuple[DecisionWithOutcomes, ...]

    @property
    def scores(self) -> list[float]:
        return [m.outcomes[-1].score for m in self.members]


@dataclass(frozen=True)
class InsightDraft:
    """An insight before it is written; what a Summariser phrases."""

    key: InsightKey
    label: str
    role: str | None
    estimate: Estimate | None
    track: Estimate | None
    """Outcomes of the group's decisions whose brief cited the previous version's insight."""
    status: InsightStatus
    change: str
    evidence_ids: tuple[str, ...]
    text: str
    reason: str = ""
    """Why it was weakened or retired, when recent outcomes contradict it."""


class Summariser(Protocol):
    """Rephrases an insight (e.g. with an LLM); off by default."""

    def phrase(self, draft: InsightDraft) -> str: ...


def synthesize(
    store: Store,
    embedder: TextEmbedder,
    venture: str,
    role: str | None = None,
    now: datetime | None = None,
    summariser: Summariser | None = None,
    seed: int = 0,
) -> SynthesisResult:
    """Synthesize brain version N+1 of the venture (``role`` None: the venture-wide brain).

    Uses every decision with an outcome of the venture (and role), plus borrowed evidence of
    similar sharing ventures when it shares. Writes the version and its insights in one
    ``store.commit``, unless nothing changed against version N (then returns N,
    ``created=False``) or there is neither a previous version nor any insight. ``seed`` fixes the
    draws behind each recommendation's chance of being best (see docs/synthesis.md).
    """
    graph = store.graph
    now = now or utc_now()
    subject = graph.get(venture)
    if not isinstance(subject, Venture):
        raise NotFound(f"no venture with id {venture!r}")
    versions = chain(graph, venture, role)
    previous = versions[-1] if versions else None
    if previous is not None and now < previous.created_at:
        raise InvalidArgument("now", f"is before brain version {previous.version} ({previous.created_at.isoformat()})")
    old = insights_of(graph, previous.id) if previous else []
    carried = {i.key: i for i in old if i.key and i.status != InsightStatus.RETIRED}
    items = _evidence(graph, venture, role)
    groups = group_decisions(items, embedder, preferred={(k.kind, k.option) for k in map(parse_key, carried)})
    drafts = _drafts(groups, carried, citing_decisions(graph, [i.id for i in carried.values()]), previous, now)
    number = previous.version + 1 if previous else 1
    evidence = _recommendation_evidence(groups)
    as_of = max((e.observed_at for e in evidence), default=now)  # ages count from the newest outcome
    recommendations = recommend(
        evidence, as_of, boundaries=[v.created_at for v in versions[-CHANGE_HISTORY:]],
        borrowed=borrowed_evidence(graph, embedder.embed_documents, subject, now),
        seed=f"{venture}|{role or ''}|{len(evidence)}|{seed}",
    )
    drafts += [_recommendation_draft(r, carried.get(str(_recommendation_key(r)))) for r in recommendations]
    drafts += [_vanished(parse_key(key), insight) for key, insight in carried.items()
               if key not in {str(d.key) for d in drafts}]
    if summariser is not None:
        drafts = [replace(d, text=(summariser.phrase(d).strip() or d.text)[:10_000]) for d in drafts]
    diff = VersionDiff(**{name: tuple(sorted(str(d.key) for d in drafts if d.change == name))
                          for name in ("new", "reinforced", "weakened", "retired", "unchanged")},
                       why=tuple(sorted((str(d.key), d.reason) for d in drafts if d.reason)))
    if not drafts or (previous is not None and not diff.changed and not _renumbered(drafts, carried)):
        return SynthesisResult(previous, old, diff, created=False)
    version = BrainVersion(
        id=f"brn_{_digest(venture, role or '')[:12]}_v{number:04d}", venture_id=venture, role=role,
        version=number, previous_id=previous.id if previous else None, created_at=now,
        summary=_summary(number, drafts, diff, len(items)),
    )
    insights = [_insight(d, version, role) for d in drafts]
    store.commit([version, *insights])
    return SynthesisResult(version, sorted(insights, key=lambda i: (i.key or "", i.id)), diff, created=True)


def group_decisions(
    items: Sequence[DecisionWithOutcomes],
    embedder: TextEmbedder,
    *,
    threshold: float = SIMILARITY,
    preferred: Iterable[tuple[str, str]] = (),
) -> list[Group]:
    """Groups per kind and option cluster, plus their splits by context value.

    An item's option is ``chosen``, else ``context["option"]``, else its title. A cluster is
    named by its most frequent option, preferring one in ``preferred`` (kind, option) so keys
    stay stable across versions.
    """
    favoured = set(preferred)
    by_kind: dict[str, list[DecisionWithOutcomes]] = defaultdict(list)
    for item in items:
        by_kind[item.decision.kind].append(item)
    written = {kind: [_option_of(m.decision) for m in members] for kind, members in by_kind.items()}
    variants: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for kind, texts in written.items():
        for text in texts:
            variants[(kind, normalise(text))][text] += 1
    labels = sorted(variants)
    display = {label: _most_common(counts) for label, counts in variants.items()}
    vectors = _unit_vectors(embedder, [display[label] for label in labels])
    position = {label: row for row, label in enumerate(labels)}
    groups: list[Group] = []
    for kind in sorted(by_kind):
        members, names = by_kind[kind], [normalise(w) for w in written[kind]]
        counts = Counter(names)
        distinct = sorted(counts)
        rows = [position[(kind, n)] for n in distinct]
        clusters = _clusters(vectors[rows], threshold)
        levels = _context_levels(members)
        for cluster in sorted(set(clusters)):
            inside = [n for n, c in zip(distinct, clusters) if c == cluster]
            canonical = _most_common({n: counts[n] for n in [n for n in inside if (kind, n) in favoured] or inside})
            chosen = tuple(m for m, n in zip(members, names) if n in inside)
            base = Group(InsightKey(kind, canonical), display[(kind, canonical)], chosen)
            groups.append(base)
            for name, values in levels.items():
                for value in values:
                    subset = tuple(m for m in chosen if _context_value(m.decision, name) == value)
                    if subset:
                        key = InsightKey(kind, canonical, (normalise(name, 30), value))
                        groups.append(Group(key, base.label, subset))
    return groups


def _clusters(vectors: np.ndarray, threshold: float = SIMILARITY) -> list[int]:
    """Cluster number per unit vector: average-linkage clusters of cosine similarity >= ``threshold``."""
    if len(vectors) < 2:
        return [1] * len(vectors)
    distances = np.clip(pdist(vectors, "cosine"), 0.0, 2.0)
    return [int(c) for c in fcluster(linkage(distances, "average"), t=1 - threshold, criterion="distance")]


def _unit_vectors(embedder: TextEmbedder, texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, 1))
    vectors = np.asarray(embedder.embed_documents(list(texts)), dtype=float)
    normalised: np.ndarray = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return normalised


# ---- drafting --------------------------------------------------------------------------------


def _drafts(
    groups: Sequence[Group], carried: Mapping[str, Insight], followed: Mapping[str, set[str]],
    previous: BrainVersion | None, now: datetime,
) -> list[InsightDraft]:
    overall = {(g.key.kind, g.key.option): estimate(g.scores) for g in groups if g.key.condition is None}
    split = _split_by(groups)
    leaders = _leaders(groups, split)
    drafts = []
    for group in groups:
        est = estimate(group.scores)
        prev = carried.get(str(group.key))
        base, condition = (group.key.kind, group.key.option), group.key.condition
        depends = split.get(base) if condition is None else None
        # a leader short of a clear effect may still be drafted as tentative
        leads = group.key in leaders and not (est.n >= MIN_SUPPORT and est.sign != 0)
        runner_up = leaders.get(group.key)
        if (prev is None and not leads and condition and split.get(base) != condition[0]
                and not _differs(est, overall[base])):
            continue
        track_ids = followed.get(prev.id, set()) if prev else set()
        track = _estimate_of([m for m in group.members if m.decision.id in track_ids])
        fresh = _estimate_of([m for m in group.members
                              if previous is not None and m.outcomes[-1].observed_at > previous.created_at])
        contradicted = _contradicted(prev, fresh, group, now) if prev is not None else None
        decided = contradicted[:2] if contradicted else _decide(est, prev, track, fresh, pooled_ok=depends is None)
        tentative = not contradicted and leads and (decided is None or decided[0] == InsightStatus.RETIRED)
        if tentative:
            decided = _decide_tentative(prev, track, fresh)
        if decided is None:
            continue
        status, change = decided
        reason = contradicted[2] if contradicted else ""
        recent = sorted(group.members, key=lambda m: (m.decision.made_at, m.decision.id))[-MAX_EVIDENCE:]
        roles = {m.decision.role for m in group.members}
        drafts.append(InsightDraft(
            key=group.key, label=group.label, role=roles.pop() if len(roles) == 1 else None, estimate=est,
            track=track, status=status, change=change, evidence_ids=tuple(m.decision.id for m in recent),
            text=(_tentative_text(group.key, group.label, est, runner_up) if tentative
                  else _text(group.key, group.label, est, status, track, depends) + (f" {reason}" if reason else "")),
            reason=reason,
        ))
    return drafts


def _contradicted(
    prev: Insight, fresh: Estimate | None, group: Group, now: datetime
) -> tuple[InsightStatus, str, str] | None:
    """Weakened (first time) or retired (again, or when the recency-weighted mean has turned) when
    the outcomes since the previous version (n >= 2) contradict the insight's direction."""
    direction = 1 if prev.effect >= 0 else -1
    if fresh is None or fresh.n < 2 or fresh.mean * direction >= 0:
        return None
    observations = [Observation(m.outcomes[-1].score, m.outcomes[-1].observed_at) for m in group.members]
    recent = posterior(observations, now, sigma=1.0, prior_weight=0.0).mean
    reason = (f"Recent outcomes contradict it: {fresh.mean:+.2f} on average since the previous version "
              f"(n={fresh.n}) against {prev.effect:+.2f} before; recency-weighted mean {recent:+.2f}.")
    if prev.status == InsightStatus.WEAKENED or recent * direction < 0:
        return InsightStatus.RETIRED, "retired", reason
    return InsightStatus.WEAKENED, "weakened", reason


def _recommendation_evidence(groups: Sequence[Group]) -> list[Evidence]:
    """Every decision with an outcome once, under its option cluster's key and label."""
    return [
        Evidence(
            decision_id=m.decision.id, kind=group.key.kind, role=m.decision.role, option=group.key.option,
            label=group.label,
            context={normalise(name, 30): value for name in sorted(m.decision.context)
                     if name != "option" and (value := _context_value(m.decision, name)) is not None},
            listed=tuple((normalise(o), o) for o in m.decision.options),
            score=m.outcomes[-1].score, observed_at=m.outcomes[-1].observed_at,
        )
        for group in groups if group.key.condition is None for m in group.members
    ]


def _recommendation_key(rec: Recommendation) -> InsightKey:
    return InsightKey(rec.kind, RECOMMEND, rec.condition)


def _recommendation_draft(rec: Recommendation, prev: Insight | None) -> InsightDraft:
    """A recommendation as an insight: its effect and interval are the chosen option's posterior,
    its confidence the chance that option is best; "new" when the choice differs from before."""
    post = rec.chosen.posterior
    low, high = post.interval()
    text = rec.text
    same = prev is not None and prev.text.split(" (", 1)[0] == text.split(" (", 1)[0]
    return InsightDraft(
        key=_recommendation_key(rec), label=rec.chosen.label, role=rec.role,
        estimate=Estimate(post.n, post.mean, low, high, 1 - rec.chance_best, 0.0), track=None,
        status=InsightStatus.ACTIVE, change="unchanged" if same else "new",
        evidence_ids=rec.evidence_ids[-MAX_EVIDENCE:], text=text,
    )


def _leaders(
    groups: Sequence[Group], split: Mapping[tuple[str, str], str]
) -> dict[InsightKey, tuple[str, Estimate] | None]:
    """Per kind and context value (or kind alone): the option with the best positive mean so far
    among options with n >= TENTATIVE_SUPPORT, if it is ahead of every other such option; maps its
    key to the runner-up (label, estimate), or None when it is the only option with that support.
    Pooled groups of options that depend on a context are not candidates."""
    cells: dict[tuple[str, tuple[str, str] | None], list[tuple[Group, Estimate]]] = defaultdict(list)
    for group in groups:
        if group.key.condition is None and (group.key.kind, group.key.option) in split:
            continue
        if len(group.members) >= TENTATIVE_SUPPORT:
            cells[(group.key.kind, group.key.condition)].append((group, estimate(group.scores)))
    leaders: dict[InsightKey, tuple[str, Estimate] | None] = {}
    for entries in cells.values():
        ranked = sorted(entries, key=lambda e: (-e[1].mean, str(e[0].key)))
        best, est = ranked[0]
        if est.mean > 0 and (len(ranked) == 1 or est.mean > ranked[1][1].mean):
            leaders[best.key] = (ranked[1][0].label, ranked[1][1]) if len(ranked) > 1 else None
    return leaders


def _decide_tentative(
    prev: Insight | None, track: Estimate | None, fresh: Estimate | None
) -> tuple[InsightStatus, str]:
    """(status, change) of a tentative insight: the leader of its kind and context that lacks a clear sign."""
    if prev is None or prev.effect < 0:
        return InsightStatus.ACTIVE, "new"
    if track is not None and track.n >= 2 and track.mean < 0:
        return InsightStatus.WEAKENED, "weakened"
    if any(e is not None and e.mean > 0 for e in (track, fresh)):
        return InsightStatus.ACTIVE, "reinforced"
    return prev.status, "unchanged"


def _tentative_text(key: InsightKey, label: str, est: Estimate, runner_up: tuple[str, Estimate] | None) -> str:
    numbers = f"mean outcome {est.mean:+.2f} (n={est.n})"
    if est.low is not None and est.high is not None:
        numbers = f"mean outcome {est.mean:+.2f} (95% CI {est.low:+.2f}..{est.high:+.2f}, n={est.n})"
    other = f"; next best '{runner_up[0]}' {runner_up[1].mean:+.2f} (n={runner_up[1].n})" if runner_up else ""
    return (f"Tentative: for {_scope(key)}, '{label}' has the best mean outcome so far: {numbers}{other}. "
            f"Not yet a clear effect.")


def _decide(
    est: Estimate, prev: Insight | None, track: Estimate | None, fresh: Estimate | None, *, pooled_ok: bool = True
) -> tuple[InsightStatus, str] | None:
    """(status, change) of a group's insight given the previous version's, or None to leave it out.

    ``pooled_ok`` is False for an option whose outcome depends on a context value: its pooled
    estimate is no advice.
    """
    qualifies = pooled_ok and est.n >= MIN_SUPPORT and est.sign != 0
    if prev is None:
        return (InsightStatus.ACTIVE, "new") if qualifies else None
    direction = 1 if prev.effect >= 0 else -1
    if not qualifies or (track is not None and track.n >= MIN_SUPPORT and track.sign == -direction):
        return InsightStatus.RETIRED, "retired"
    if est.sign != direction:
        return InsightStatus.ACTIVE, "new"
    if track is not None and track.n >= 2 and track.mean * direction < 0:
        return InsightStatus.WEAKENED, "weakened"
    if any(e is not None and e.mean * direction > 0 for e in (track, fresh)):
        return InsightStatus.ACTIVE, "reinforced"
    return prev.status, "unchanged"


def _split_by(groups: Sequence[Group]) -> dict[tuple[str, str], str]:
    """Per (kind, option): the first context name whose values differ in mean outcome
    (one-way ANOVA over values with two or more outcomes, p < 0.05)."""
    samples: dict[tuple[str, str], dict[str, list[list[float]]]] = defaultdict(lambda: defaultdict(list))
    for group in groups:
        if group.key.condition and len(group.members) >= 2:
            samples[(group.key.kind, group.key.option)][group.key.condition[0]].append(group.scores)
    found = {}
    for base, by_name in samples.items():
        for name, levels in sorted(by_name.items()):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # constant levels: p is 0 (they differ) or nan (they do not)
                if len(levels) >= 2 and float(f_oneway(*levels).pvalue) < 0.05:
                    found[base] = name
                    break
    return found


def _differs(conditional: Estimate, overall: Estimate) -> bool:
    """Whether a context changes the answer: a clear sign that the overall estimate lacks or
    contradicts, or an interval that excludes the overall mean."""
    if conditional.sign == 0 or conditional.low is None or conditional.high is None:
        return False
    return overall.sign != conditional.sign or not conditional.low <= overall.mean <= conditional.high


def _vanished(key: InsightKey, prev: Insight) -> InsightDraft:
    return InsightDraft(key=key, label=key.option, role=prev.role, estimate=None, track=None,
                        status=InsightStatus.RETIRED, change="retired", evidence_ids=(),
                        text=f"Retired: no evidence is left for '{key.option}' in {_scope(key)}.")


def _text(
    key: InsightKey, label: str, est: Estimate, status: InsightStatus, track: Estimate | None, depends: str | None
) -> str:
    numbers = f"mean outcome {est.mean:+.2f} (n={est.n})"
    if est.low is not None and est.high is not None:
        numbers = f"mean outcome {est.mean:+.2f} (95% CI {est.low:+.2f}..{est.high:+.2f}, n={est.n})"
    followed = f"decisions that followed it scored {track.mean:+.2f} on average (n={track.n})" if track else ""
    if status == InsightStatus.RETIRED:
        tail = f" {followed[0].upper()}{followed[1:]}." if followed else ""
        verdict = f"depends on {depends}" if depends else "no longer holds"
        return f"Retired: '{label}' for {_scope(key)} {verdict}: {numbers}.{tail}"
    claim = f"For {_scope(key)}, '{label}' worked" if est.mean > 0 else f"Avoid '{label}' for {_scope(key)}"
    weakened = f" Weakened: {followed}." if status == InsightStatus.WEAKENED and followed else ""
    return f"{claim}: {numbers}.{weakened}"


def _scope(key: InsightKey) -> str:
    return f"{key.kind} decisions" + (f" with {key.condition[0]} = {key.condition[1]}" if key.condition else "")


def _insight(draft: InsightDraft, version: BrainVersion, role: str | None) -> Insight:
    est = draft.estimate
    return Insight(
        id=f"ins_{_digest(version.id, str(draft.key))[:20]}", venture_id=version.venture_id, text=draft.text,
        role=draft.role, kind=draft.key.kind, key=str(draft.key), scope="role" if role else "venture",
        support=est.n if est else 0, effect=_clip(est.mean) if est else 0.0,
        interval_low=_clip(est.low) if est and est.low is not None else None,
        interval_high=_clip(est.high) if est and est.high is not None else None,
        confidence=1 - est.p_value if est and est.p_value is not None else 0.0, status=draft.status,
        brain_version_id=version.id, evidence_ids=list(draft.evidence_ids), created_at=version.created_at,
    )


def _renumbered(drafts: Sequence[InsightDraft], carried: Mapping[str, Insight]) -> bool:
    """Whether any estimate differs from the insight it carries."""
    for draft in drafts:
        prev, est = carried.get(str(draft.key)), draft.estimate
        if prev is None or est is None or (prev.support, prev.effect) != (est.n, _clip(est.mean)):
            return True
    return False


def _summary(number: int, drafts: Sequence[InsightDraft], diff: VersionDiff, evidence: int) -> str:
    status = Counter(d.status.value for d in drafts)
    return (f"v{number}: {status['active']} active, {status['weakened']} weakened, {status['retired']} retired "
            f"insights from {evidence} decisions with outcomes (new {len(diff.new)}, reinforced "
            f"{len(diff.reinforced)}, weakened {len(diff.weakened)}, retired {len(diff.retired)}).")


# ---- helpers ---------------------------------------------------------------------------------


def _evidence(graph: GraphStore, venture: str, role: str | None) -> list[DecisionWithOutcomes]:
    decisions = [n for n in graph.scan(venture, [NodeLabel.DECISION])
                 if isinstance(n, Decision) and (role is None or n.role == role)]
    outcomes = graph.outcomes_of([d.id for d in decisions])
    return [DecisionWithOutcomes(d, tuple(outcomes[d.id])) for d in decisions if outcomes.get(d.id)]


def _estimate_of(members: Sequence[DecisionWithOutcomes]) -> Estimate | None:
    return estimate([m.outcomes[-1].score for m in members]) if members else None


def _option_of(decision: Decision) -> str:
    option = decision.context.get("option")
    return decision.chosen or (option if isinstance(option, str) and option.strip() else decision.title)


def _context_levels(members: Sequence[DecisionWithOutcomes]) -> dict[str, list[str]]:
    values: dict[str, set[str]] = defaultdict(set)
    for member in members:
        for name in member.decision.context:
            value = _context_value(member.decision, name)
            if name != "option" and value is not None:
                values[name].add(value)
    return {name: sorted(v) for name, v in sorted(values.items()) if 2 <= len(v) <= MAX_LEVELS}


def _context_value(decision: Decision, name: str) -> str | None:
    value = decision.context.get(name)
    return normalise(str(value), 40) if isinstance(value, (str, bool)) else None


def _most_common(counts: Mapping[str, int]) -> str:
    return min(counts, key=lambda name: (-counts[name], name))


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, value))


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()
