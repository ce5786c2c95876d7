"""Packing a drafted brief into its token budget, by section priority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orgmind.brief.gather import READING_ORDER, TITLES, Draft
from orgmind.brief.render import BriefLine, BriefSection, header, render_markdown
from orgmind.retrieval.tokens import count_tokens

PRIORITY = ("guardrails", "open_items", "current_brain", "precedents", "recent_history", "platform_patterns")
FIRST_PASS_LINES = 2


@dataclass(frozen=True)
class PackedBrief:
    """The sections that fit, their token count, and (section, rank, node id) for attribution."""

    sections: tuple[BriefSection, ...]
    tokens: int
    ranks: list[tuple[str, int, str]]


def pack(
    draft: Draft, budget: int, venture_name: str, role: str, task: str | None, built_at: datetime
) -> PackedBrief:
    """Choose lines by section priority so the rendered Markdown fits ``budget`` tokens.

    WordPiece counts whitespace-separated pieces independently, so the brief's token count is
    the sum of its lines' counts; the result is still re-counted and trimmed if it were over.
    """
    used = sum(count_tokens(line) for line in header(venture_name, role, task, built_at))
    chosen: dict[str, list[BriefLine]] = {name: [] for name in TITLES}
    for quota in (FIRST_PASS_LINES, None):
        for name in PRIORITY:
            candidates = draft.lines[name]
            for line in candidates[len(chosen[name]) : quota]:
                cost = count_tokens(line.render()) + (0 if chosen[name] else count_tokens(f"## {TITLES[name]}"))
                if used + cost > budget:
                    break
                chosen[name].append(line)
                used += cost
    def sections_of(lines: dict[str, list[BriefLine]]) -> tuple[BriefSection, ...]:
        return tuple(
            BriefSection(name=name, title=TITLES[name], lines=tuple(lines[name])) for name in READING_ORDER if lines[name]
        )

    sections = sections_of(chosen)
    used = count_tokens(render_markdown(venture_name, role, task, built_at, sections))
    while used > budget and any(chosen.values()):
        lowest = next(name for name in reversed(PRIORITY) if chosen[name])
        chosen[lowest].pop()
        sections = sections_of(chosen)
        used = count_tokens(render_markdown(venture_name, role, task, built_at, sections))
    ranks = [
        (section.name, rank, node_id)
        for section in sections
        for rank, line in enumerate(section.lines, start=1)
        for node_id in line.cites
    ]
    return PackedBrief(sections, used, ranks)

