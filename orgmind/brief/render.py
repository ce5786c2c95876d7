"""The wake-up brief as data, and its two renderings (Markdown for models and people, JSON).

JSON schema (``WakeUpBrief.to_json()``, version 1)::

    {"schema": "orgmind.brief/1", "brief_id", "wakeup_id", "venture", "role", "task",
     "built_at" (ISO 8601 UTC), "tokens", "budget",
     "sections": [{"name", "title", "lines": [{"text", "cites": [node id, ...], "policy"}]}],
     "cut_by_budget": {section name: lines left out for the budget}}

Section names: current_brain, open_items, recent_history, precedents, platform_patterns,
guardrails. Empty sections are omitted.

Text from records is data, never structure: every line's text is one line (newlines, tabs and
other control characters become single spaces, in the JSON too), and the Markdown rendering
escapes what Markdown would read as syntax (headings, list markers, emphasis, code, links,
HTML, citations). No record can add a heading, a section, a line or a citation to a brief.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from orgmind.models import Outcome

SCHEMA = "orgmind.brief/1"

_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]<>#|~&])")
_LIST_MARKER = re.compile(r"^([-+]|\d+(?=[.)]))")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """``text`` as one line: control, format and separator characters (newlines, tabs, U+2028,
    bidirectional overrides) become spaces, runs of spaces one space."""
    if text.isprintable():  # the common case: no such character but the ASCII space
        cleaned = text
    elif text.isascii():  # in ASCII those categories are the controls and the space
        cleaned = _ASCII_CONTROL.sub(" ", text)
    else:
        cleaned = "".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text)
    return " ".join(cleaned.split())


def markdown_text(text: str) -> str:
    """One line of plain text, escaped so that Markdown shows it literally."""
    escaped = _MARKDOWN_SYNTAX.sub(r"\\\1", one_line(text))
    marker = _LIST_MARKER.match(escaped)
    if marker is None:
        return escaped
    end = marker.end()
    return escaped[:end] + "\\" + escaped[end:] if escaped[:1].isdigit() else "\\" + escaped


OneLine = Annotated[str, AfterValidator(one_line)]


class BriefLine(BaseModel):
    """One line of a brief and the ids of the nodes it came from."""

    model_config = ConfigDict(frozen=True)

    text: OneLine
    cites: tuple[str, ...]
    policy: str | None = None
    """For a guardrail: the approval gate it states (a policy rule, not a node); several are joined by "; "."""

    def render(self) -> str:
        source = ", ".join(self.cites) if self.cites else f"policy: {self.policy}"
        text = markdown_text(self.text)
        return f"- {text} [{source}]" if text else f"- [{source}]"  # ids and gate names are validated slugs


class BriefSection(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    lines: tuple[BriefLine, ...]


class WakeUpBrief(BaseModel):
    """What an agent is told when it wakes up, as recorded in the graph."""

    model_config = ConfigDict(frozen=True)

    brief_id: str
    wakeup_id: str
    venture: str
    venture_name: str
    role: str
    task: str | None
    built_at: datetime
    tokens: int
    budget: int
    sections: tuple[BriefSection, ...]
    cut_by_budget: dict[str, int] = Field(default_factory=dict)
    """Sections that had more relevant lines than the budget held, and how many were left out."""

    @property
    def cited_ids(self) -> list[str]:
        return [node_id for s in self.sections for line in s.lines for node_id in line.cites]

    def section(self, name: str) -> BriefSection | None:
        return next((s for s in self.sections if s.name == name), None)

    def to_markdown(self) -> str:
        return render_markdown(self.venture_name, self.role, self.task, self.built_at, self.sections)

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", exclude={"venture_name"})
        return {"schema": SCHEMA, **data}


def header(venture_name: str, role: str, task: str | None, built_at: datetime) -> list[str]:
    lines = [f"# Brief for the {markdown_text(role.upper())} of {markdown_text(venture_name)}"
             f" — {built_at:%Y-%m-%d %H:%M} UTC"]
    if task:
        lines.append(f"Task: {markdown_text(task)}")
    return lines


def render_markdown(
    venture_name: str, role: str, task: str | None, built_at: datetime, sections: tuple[BriefSection, ...]
) -> str:
    out = header(venture_name, role, task, built_at)
    for section in sections:
        out.append("")
        out.append(f"## {section.title}")
        out.extend(line.render() for line in section.lines)
    return "\n".join(out) + "\n"


def when(moment: datetime, now: datetime) -> str:
    """An absolute date and how long ago it was: '2026-11-12 (8 days ago)'."""
    days = (now.date() - moment.date()).days
    if days == 0:
        relative = "today"
    elif days == 1:
        relative = "yesterday"
    elif days > 0:
        relative = f"{days} days ago" if days < 60 else f"{days // 30} months ago"
    else:
        relative = f"in {-days} days"
    return f"{moment:%Y-%m-%d} ({relative})"


def outcome_words(outcome: Outcome) -> str:
    """An outcome in words and numbers: 'success (+0.42): Pipeline up 13%.'"""
    score = outcome.score
    if score >= 0.5:
        verdict = "strong success"
    elif score >= 0.15:
        verdict = "success"
    elif score > -0.15:
        verdict = "no clear effect"
    elif score > -0.5:
        verdict = "setback"
    else:
        verdict = "failure"
    summary = f": {outcome.summary}" if outcome.summary else ""
    return f"{verdict} ({score:+.2f}){summary}"
