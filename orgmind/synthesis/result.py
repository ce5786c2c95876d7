"""What a synthesis and a scorecard return: plain data shared with the client (light to import)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from orgmind.models import BrainVersion, Insight
from orgmind.synthesis.stats import Change


@dataclass(frozen=True)
class VersionDiff:
    """Insight keys by what happened to them against the previous version."""

    new: tuple[str, ...] = ()
    reinforced: tuple[str, ...] = ()
    weakened: tuple[str, ...] = ()
    retired: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    why: tuple[tuple[str, str], ...] = ()
    """(key, reason) of insights weakened or retired because recent outcomes contradict them."""

    @property
    def changed(self) -> bool:
        return bool(self.new or self.reinforced or self.weakened or self.retired)


@dataclass(frozen=True)
class SynthesisResult:
    """The brain version (new when ``created``, else the unchanged latest), its insights, the diff."""

    version: BrainVersion | None
    insights: list[Insight]
    diff: VersionDiff
    created: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "version": self.version.to_json_dict() if self.version else None,
            "insights": [i.to_json_dict() for i in self.insights],
            "diff": {name: [list(k) for k in keys] if name == "why" else list(keys)
                     for name, keys in asdict(self.diff).items()},
        }


class VersionScore(BaseModel):
    """How decisions made under one brain version (or before the first) turned out."""

    label: str
    version: int | None
    brain_version_id: str | None
    created_at: datetime | None
    decisions: int
    outcomes: int
    mean: float | None
    low: float | None
    high: float | None
    success_rate: float | None
    change: Change | None
    """Against the previous row (v1 against "before v1")."""


class InsightScore(BaseModel):
    """Outcomes of the decisions whose wake-up brief cited an insight."""

    insight_id: str
    version: int
    key: str | None
    status: str
    text: str
    decisions: int
    outcomes: int
    mean: float | None


class Scorecard(BaseModel):
    venture: str
    role: str | None
    versions: list[VersionScore]
    insights: list[InsightScore]

    def to_json(self) -> dict[str, object]:
        return self.model_dump(mode="json")
