"""What the platform knows across ventures that share: plain data shared by the brain service
and the client (light to import)."""

from __future__ import annotations

from dataclasses import dataclass

from orgmind.models import Pattern


@dataclass(frozen=True)
class KindStats:
    """How decisions of one kind (or one chosen option of it) went across sharing ventures.

    Each decision counts once, with its latest outcome; decisions without outcomes are left out.
    """

    kind: str
    option: str | None
    decisions: int
    mean_score: float
    success_rate: float
    """Share of decisions whose latest outcome score is positive."""
    ventures: int


@dataclass(frozen=True)
class KindKnowledge:
    """What the platform knows about a kind of decision."""

    kind: str
    stats: KindStats | None
    """None when fewer than ``min_ventures`` sharing ventures have outcomes of this kind."""
    options: tuple[KindStats, ...]
    """Per chosen option (as written, compared case-insensitively), best mean first."""
    patterns: tuple[Pattern, ...]
    """Mined patterns of this kind, largest support first."""


@dataclass(frozen=True)
class Precedent:
    """A similar decision of another venture that shares ``open``, and what came of it."""

    venture_id: str
    venture_name: str
    decision_id: str
    kind: str
    title: str
    chosen: str | None
    similarity: float
    score: float
    outcome_summary: str
