"""What the store holds for a venture: plain data shared by the memory service and the client."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orgmind.models import Decision, DecisionWithOutcomes, Outcome, Venture


@dataclass(frozen=True)
class VentureStats:
    """What the store holds for one venture: counts per label and its latest decisions."""

    venture: Venture
    counts: dict[str, int]
    recent: list[DecisionWithOutcomes]

    def to_json_dict(self) -> dict[str, Any]:
        """As JSON: the venture, the counts and each recent decision with its outcomes."""
        return {
            "venture": self.venture.to_json_dict(),
            "counts": dict(self.counts),
            "recent": [
                {"decision": item.decision.to_json_dict(), "outcomes": [o.to_json_dict() for o in item.outcomes]}
                for item in self.recent
            ],
        }

    @classmethod
    def from_json_dict(cls, data: Mapping[str, Any]) -> VentureStats:
        """The inverse of ``to_json_dict``."""
        return cls(
            venture=Venture.model_validate(data["venture"]),
            counts={str(label): int(n) for label, n in data["counts"].items()},
            recent=[
                DecisionWithOutcomes(
                    Decision.model_validate(item["decision"]),
                    tuple(Outcome.model_validate(o) for o in item["outcomes"]),
                )
                for item in data["recent"]
            ],
        )
