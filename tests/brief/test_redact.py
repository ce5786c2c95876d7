"""Redacting a stored brief replaces exactly the lines that cite withdrawn records."""

from __future__ import annotations

from datetime import UTC, datetime

from orgmind.brief.redact import WITHDRAWN, redact_content
from orgmind.brief.render import BriefLine, BriefSection, render_markdown

BUILT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_only_lines_citing_withdrawn_ids_are_replaced() -> None:
    lines = (
        BriefLine(text="Evil Co: ads [evil-d1] worked → success", cites=("evil-d1", "evil-o1")),
        BriefLine(text="ours [evil-d1]", cites=("acme-d1",)),  # mentions the id only as text
        BriefLine(text="Across 3 ventures, ...", cites=("pat_channel_1",)),
    )
    sections = (BriefSection(name="precedents", title="Precedents", lines=lines),
                BriefSection(name="guardrails", title="Guardrails", lines=(BriefLine(text="g", cites=(), policy="x"),)))
    content = render_markdown("Acme", "cmo", "ads", BUILT, sections)
    redacted = redact_content(content, {"evil-o1", "pat_channel_1"}).splitlines()
    original = content.splitlines()
    assert [n for n, (a, b) in enumerate(zip(original, redacted, strict=True)) if a != b] == [4, 6]
    assert redacted[4] == redacted[6] == WITHDRAWN
    assert redact_content(content, set()) == content
