"""LoCoMo benchmark: evidence recall on long conversations, asked as a new user would.

    HF_HUB_OFFLINE=1 PYTHONPATH=. python bench/locomo.py PATH [--methods] [--cv]

PATH is a folder of LoCoMo conversation files (``*.json``, the format of the public LoCoMo
release: ``session_N`` turn lists with ``session_N_date_time``, and ``qa``); the data is read
from there, never copied. Each conversation becomes a venture and each turn an Observation
(text ``"speaker: text"``, ``ref`` its dia_id, ``observed_at`` its session's date plus one
second per turn so the turns keep their order), written through ``OrgMind.record_many``.

Every question of categories 1-4 (multi-hop, temporal, open-domain, single-hop) is asked
through ``OrgMind.recall(question, venture=..., k=10)``. Evidence recall@k: the share of a
question's evidence turns among the top k hits, averaged over questions; MRR: 1/rank of the
first evidence turn in the top 10. Printed per category and overall, with import throughput
(records/s, embedding included) and recall latency p50/p95 (each question asked once, so its
embedding is never cached).

``--methods`` also ranks every question under ranking variants (``RankWeights`` passed to
``HybridSearch``), each method of hybrid recall switched on alone and all together. ``--cv``
fits the few free weights by leave-one-conversation-out cross-validation (fit on the others, score the
one left out), once on LoCoMo alone and once pooled with the labelled set of
``bench/recall.py``, and prints the cross-validated estimates. Both use only what the installed
``orgmind`` offers, so the script also runs against older code.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orgmind.mind import OrgMind
from orgmind.models import Observation, Venture
from orgmind.retrieval.ranking import RankWeights
from orgmind.retrieval.search import HybridSearch, SearchRequest

try:
    from bench import recall as recall_bench
    from bench import recall_set
except ImportError:  # run as a script without the repository root on sys.path
    import recall as recall_bench  # type: ignore[no-redef]
    import recall_set  # type: ignore[no-redef]

K = 10
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}
_SESSION = re.compile(r"session_(\d+)")
_FIELDS = {f.name for f in dataclasses.fields(RankWeights)}


@dataclass(frozen=True)
class Question:
    conversation: str
    text: str
    evidence: frozenset[str]
    category: int


@dataclass(frozen=True)
class Conversation:
    venture: str
    records: list[Venture | Observation]
    questions: list[Question]


def session_time(text: str) -> datetime:
    """``"1:56 pm on 8 May, 2023"`` as UTC."""
    return datetime.strptime(text.strip(), "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC)


def load(path: Path) -> list[Conversation]:
    """The conversations of the LoCoMo files in ``path``, as records and questions."""
    conversations = []
    for file in sorted(path.glob("*.json")):
        data = json.loads(file.read_text())
        venture = f"locomo-{file.stem}"
        records: list[Venture | Observation] = [Venture(id=venture, name=f"LoCoMo conversation {file.stem}")]
        turns: set[str] = set()
        sessions = sorted(int(m.group(1)) for key in data if (m := _SESSION.fullmatch(key)))
        for number in sessions:
            start = session_time(data[f"session_{number}_date_time"])
            for position, turn in enumerate(data[f"session_{number}"]):
                turns.add(turn["dia_id"])
                records.append(Observation(
                    id=f"{venture}-{turn['dia_id'].replace(':', '-')}",
                    venture_id=venture,
                    text=f"{turn['speaker']}: {turn['text']}",
                    ref=turn["dia_id"],
                    observed_at=start + timedelta(seconds=position),
                ))
        questions = []
        for qa in data["qa"]:
            evidence = frozenset(e.strip() for e in qa.get("evidence", []) if e.strip() in turns)
            if qa["category"] in CATEGORIES and evidence:
                questions.append(Question(venture, qa["question"], evidence, qa["category"]))
        conversations.append(Conversation(venture, records, questions))
    return conversations


def scores(refs: Sequence[str | None], evidence: frozenset[str]) -> tuple[float, float, float]:
    """(recall@5, recall@10, reciprocal rank of the first evidence turn within the top 10)."""
    r5 = len(evidence.intersection(refs[:5])) / len(evidence)
    r10 = len(evidence.intersection(refs[:10])) / len(evidence)
    rr = next((1.0 / rank for rank, ref in enumerate(refs[:10], 1) if ref in evidence), 0.0)
    return r5, r10, rr


Ranked = dict[int, list[str | None]]  # question number -> refs, best first
Metric = tuple[float, float, float]


def mean(rows: Sequence[Metric]) -> Metric:
    return tuple(statistics.fmean(col) for col in zip(*rows)) if rows else (0.0, 0.0, 0.0)  # type: ignore[return-value]


def by_category(questions: Sequence[Question], ranked: Ranked) -> dict[str, Metric]:
    rows = {"all": [scores(ranked[i], q.evidence) for i, q in enumerate(questions)]}
    for number, name in CATEGORIES.items():
        rows[name] = [scores(ranked[i], q.evidence) for i, q in enumerate(questions) if q.category == number]
    return {group: mean(found) for group, found in rows.items()}


def table(results: dict[str, dict[str, Metric]], questions: Sequence[Question]) -> str:
    counts = {name: sum(q.category == n for q in questions) for n, name in CATEGORIES.items()}
    groups = [("all", len(questions)), *((name, counts[name]) for name in CATEGORIES.values())]
    lines = ["| method | " + " | ".join(f"{g} ({n}) R@5 / R@10 / MRR" for g, n in groups) + " |",
             "|---|" + "---|" * len(groups)]
    for name, stats in results.items():
        lines.append(f"| {name} | " + " | ".join(" / ".join(f"{v:.3f}" for v in stats[g]) for g, _ in groups) + " |")
    return "\n".join(lines)


def ask_recall(mind: OrgMind, questions: Sequence[Question]) -> tuple[Ranked, list[float]]:
    """Every question through ``OrgMind.recall``, timed end to end."""
    ranked, latencies = {}, []
    for i, q in enumerate(questions):
        started = time.perf_counter()
        hits = mind.recall(q.text, venture=q.conversation, k=K)
        latencies.append(time.perf_counter() - started)
        ranked[i] = [h.ref for h in hits]
    return ranked, latencies


def ask_variant(mind: OrgMind, questions: Sequence[Question], weights: RankWeights,
                dense: bool = True, lexical: bool = True) -> Ranked:
    search = HybridSearch(mind.graph, mind.index, weights)
    return {
        i: [h.ref for h in search.search(SearchRequest(q.text, [q.conversation], K, dense=dense, lexical=lexical))]
        for i, q in enumerate(questions)
    }


def weights(**changes: float) -> RankWeights | None:
    """The shipped weights with ``changes``, or None if this orgmind lacks one of the fields."""
    if not set(changes) <= _FIELDS:
        return None
    return dataclasses.replace(RankWeights(), **changes)  # type: ignore[arg-type]


PURE = {"recency": 0.0, "outcome_known": 0.0, "outcome_strength": 0.0, "mmr_lambda": 1.0}
TEXTBOOK = {**PURE, "rrf_k": 60, "lexical_weight": 1.0}


def method_variants() -> dict[str, tuple[dict[str, float], bool, bool]]:
    """name -> (weight changes from the shipped ones, dense on, lexical on)."""
    return {
        "dense only (MiniLM)": (PURE, True, False),
        "BM25 only": (PURE, False, True),
        "textbook RRF (k=60, equal weights), no rerank, no MMR": (TEXTBOOK, True, True),
        "shipped ranking of the base version (BM25 x0.5, no neighbours)": (
            {"rrf_k": 10, "lexical_weight": 0.5, "lexical_weight_unsure": 0.5, "mmr_lambda": 0.8,
             "neighbour_weight": 0.0, "time_weight": 0.0, "exact_weight": 0.0}, True, True),
        "shipped ranking without the adaptive BM25 weight (fixed 0.5)": ({"lexical_weight_unsure": 0.5}, True, True),
        "shipped ranking with BM25 at equal weight always (1.0)": (
            {"lexical_weight": 1.0, "lexical_weight_unsure": 1.0}, True, True),
        "shipped ranking without neighbours": ({"neighbour_weight": 0.0}, True, True),
        "shipped ranking + named periods (0.1)": ({"time_weight": 0.1}, True, True),
        "shipped ranking + names and numbers (0.1)": ({"exact_weight": 0.1}, True, True),
        "shipped ranking (all methods)": ({}, True, True),
    }


def methods(mind: OrgMind, questions: Sequence[Question]) -> dict[str, dict[str, Metric]]:
    results = {}
    for name, (changes, dense, lexical) in method_variants().items():
        chosen = weights(**changes)
        if chosen is None:
            print(f"(skipped {name!r}: this orgmind does not have the weights it needs)")
            continue
        results[name] = by_category(questions, ask_variant(mind, questions, chosen, dense, lexical))
    return results


GRID: dict[str, Sequence[float]] = {
    "lexical_weight_unsure": (0.5, 1.0, 1.5),
    "spread_wide": (0.2, 0.28),
    "exact_weight": (0.0, 0.1, 0.2),
}


def labelled_set_recall(chosen: RankWeights, labelled: OrgMind) -> float:
    """R@10 of ``bench/recall.py``'s labelled set under ``chosen`` (hybrid, as ``OrgMind.recall`` asks)."""
    search = HybridSearch(labelled.graph, labelled.index, chosen)
    return statistics.fmean(
        recall_bench.scores([h.id for h in search.search(recall_bench.request_for(labelled, q, True, True))],
                            q.relevant)[1]
        for q in recall_set.QUERIES
    )


def cross_validate(mind: OrgMind, conversations: Sequence[Conversation], labelled: OrgMind) -> str:
    """Leave-one-conversation-out: fit the grid's weights on four, score the fifth.

    Two objectives: R@10 on the four conversations alone, and pooled with the labelled set of
    ``bench/recall.py`` (the mean of the two R@10), so that weights good for long conversations
    must also hold on the hand-written queries.
    """
    grid = {name: values for name, values in GRID.items() if name in _FIELDS}
    questions = [q for c in conversations for q in c.questions]
    per_point: dict[tuple[float, ...], list[Metric]] = {}
    labelled_r10: dict[tuple[float, ...], float] = {}
    for point in itertools.product(*grid.values()):
        chosen = weights(**dict(zip(grid, point, strict=True)))
        assert chosen is not None
        ranked = ask_variant(mind, questions, chosen)
        per_point[point] = [scores(ranked[i], q.evidence) for i, q in enumerate(questions)]
        labelled_r10[point] = labelled_set_recall(chosen, labelled)
    lines = ["| objective | left out | questions | weights fitted on the other conversations "
             "| R@5 / R@10 / MRR on the one left out |", "|---|---|---|---|---|"]
    for objective in ("LoCoMo alone", "pooled with the labelled set"):
        held: list[Metric] = []
        for left in conversations:
            train = [i for i, q in enumerate(questions) if q.conversation != left.venture]
            test = [i for i, q in enumerate(questions) if q.conversation == left.venture]

            def fit(p: tuple[float, ...], train: list[int] = train, objective: str = objective) -> float:
                locomo = statistics.fmean(per_point[p][i][1] for i in train)
                return locomo if objective == "LoCoMo alone" else (locomo + labelled_r10[p]) / 2

            best = max(per_point, key=lambda p: (fit(p), p))
            rows = [per_point[best][i] for i in test]
            held.extend(rows)
            fitted = ", ".join(f"{n}={v:g}" for n, v in zip(grid, best, strict=True))
            lines.append(f"| {objective} | {left.venture} | {len(test)} | {fitted} | "
                         f"{' / '.join(f'{v:.3f}' for v in mean(rows))} |")
        lines.append(f"| {objective} | **pooled** | {len(held)} | | {' / '.join(f'{v:.3f}' for v in mean(held))} |")
    lines.append("\nEvery grid point on all conversations (in-sample) and on the labelled set:\n")
    lines.append("| " + " | ".join(grid) + " | LoCoMo R@10 | labelled set R@10 |")
    lines.append("|" + "---|" * (len(grid) + 2))
    for point, rows in per_point.items():
        lines.append("| " + " | ".join(f"{v:g}" for v in point)
                     + f" | {statistics.fmean(r[1] for r in rows):.3f} | {labelled_r10[point]:.3f} |")
    return "\n".join(lines)


def imported(home: str, conversations: Sequence[Conversation]) -> tuple[OrgMind, float]:
    """A store at ``home`` holding the conversations, and the seconds the import took."""
    mind = OrgMind.open(home=home)
    started = time.perf_counter()
    for conversation in conversations:
        mind.record_many(conversation.records)
    return mind, time.perf_counter() - started


def run(path: Path, show_methods: bool, cv: bool, out: Callable[[str], None] = print) -> None:
    conversations = load(path)
    questions = [q for c in conversations for q in c.questions]
    turns = sum(len(c.records) - 1 for c in conversations)
    out(f"{len(conversations)} conversations, {turns} turns, {len(questions)} questions (categories 1-4)\n")
    with tempfile.TemporaryDirectory(prefix="orgmind-locomo-") as home:
        mind, seconds = imported(home, conversations)
        try:
            ranked, latencies = ask_recall(mind, questions)
            q = statistics.quantiles(latencies, n=100, method="inclusive")
            out("OrgMind.recall(question, venture=..., k=10):\n")
            out(table({"OrgMind.recall": by_category(questions, ranked)}, questions))
            out(f"\nimport: {turns} turns in {seconds:.1f} s = {turns / seconds:.0f} records/s (embedding "
                f"included); recall p50 / p95: {q[49] * 1000:.0f} / {q[94] * 1000:.0f} ms "
                f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})\n")
            if show_methods:
                out("Each method (ranking variants on the same index):\n")
                out(table(methods(mind, questions), questions) + "\n")
            if cv:
                out("Leave-one-conversation-out cross-validation of " + ", ".join(GRID) + " (R@10 fitted):\n")
                with tempfile.TemporaryDirectory(prefix="orgmind-labelled-") as other:
                    labelled = OrgMind.open(home=other)
                    try:
                        labelled.record_many(recall_set.records())
                        out(cross_validate(mind, conversations, labelled))
                    finally:
                        labelled.close()
        finally:
            mind.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="folder of LoCoMo conversation files (*.json)")
    parser.add_argument("--methods", action="store_true", help="also score each ranking method alone and together")
    parser.add_argument("--cv", action="store_true", help="also fit the fusion weights by leave-one-conversation-out")
    args = parser.parse_args()
    if not args.path.is_dir():
        parser.error(f"{args.path} is not a folder")
    logging.basicConfig(level=logging.WARNING)
    run(args.path, args.methods, args.cv)


if __name__ == "__main__":
    sys.exit(main())
