"""Redacting stored briefs: lines that cite withdrawn records lose their text.

A stored Brief keeps its rendered Markdown, one line per brief line, each ending in the ids it
cites (``orgmind.brief.render``: record text is escaped, so the citation is the line's last
bracket). Its INCLUDED relationships name every node it cites, so the briefs that quote a
record are found by id and only their lines citing it are replaced.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from orgmind.graph.base import Direction, GraphStore
from orgmind.models import Brief, RelType

WITHDRAWN = "- (withdrawn: the venture this came from was deleted or no longer shares it)"
_CITATION = re.compile(r"^- (?:.* )?\[(?P<cites>[^\[\]]*)\]$")


def redact_content(content: str, withdrawn: Collection[str]) -> str:
    """``content`` with every line that cites one of ``withdrawn`` replaced by ``WITHDRAWN``."""
    lines = []
    for line in content.split("\n"):
        found = _CITATION.match(line)
        cites = found.group("cites").split(", ") if found else []
        lines.append(WITHDRAWN if any(node_id in withdrawn for node_id in cites) else line)
    return "\n".join(lines)


def redacted_briefs(graph: GraphStore, withdrawn: Sequence[str], keep_venture: str | None = None) -> list[Brief]:
    """Stored briefs (other than ``keep_venture``'s) that cite any of ``withdrawn``, redacted."""
    if not withdrawn:
        return []
    edges = graph.edges_of(list(withdrawn), direction=Direction.IN, rel_types=[RelType.INCLUDED])
    briefs = graph.get_many(sorted({e.source for e in edges}))
    gone = set(withdrawn)
    changed = []
    for brief in briefs.values():
        if isinstance(brief, Brief) and brief.venture_id != keep_venture:
            content = redact_content(brief.content, gone)
            if content != brief.content:
                changed.append(brief.model_copy(update={"content": content}))
    return changed
