"""What the fault tests look for after a crash: acknowledged records, and probes for recall."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any


def sample_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def recall_probes(lines: list[dict[str, Any]], count: int = 6) -> list[list[str]]:
    """``(id, venture, title)`` of decisions whose title no other record shares, evenly spread."""
    titles = Counter(line.get("title") for line in lines if line["type"] == "decision")
    unique = [line for line in lines if line["type"] == "decision" and titles[line["title"]] == 1]
    step = max(1, len(unique) // count)
    return [[line["id"], line["venture_id"], line["title"]] for line in unique[::step][:count]]


def copy_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def assert_consistent(outcome: dict[str, Any]) -> None:
    """The checker found nothing and every recall probe found its record."""
    report = outcome["report"]
    assert report["ok"], f"the store disagrees with itself after reopening: {report['counts']} {report['problems'][:5]}"
    assert all(outcome["probes_found"]), f"records not findable by recall: {outcome['probes_found']}"
