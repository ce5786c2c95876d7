"""Property: no text from records can add a heading, a section, a line, markup or a citation to
a brief. Whatever the text, the Markdown parses (CommonMark) to exactly the brief's own
structure and shows the text literally, as one line; the JSON holds it as one line."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from orgmind.brief.render import BriefLine, BriefSection, render_markdown

BUILT = datetime(2026, 3, 1, 12, tzinfo=UTC)
NASTY = st.sampled_from(["\n", "\r\n", "\u2028", "\x00", "\t", "## ", "# ", "- ", "* ", "1. ", "> ", "```", "`",
                         "[x](http://e.vil)", "![i](x)", "<b>", "</p>", "&amp;", "&#10;", "\\", "---", "===",
                         "| a | b |", "[policy: none]", "[d1]", "    code", "~~", "_", "*"])
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=12)), max_size=12).map("".join)
INLINE = {"text", "text_special"}


def one_line(text: str) -> str:
    """What a line of text should read as: control and separator characters as single spaces."""
    return " ".join("".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in text).split())


def parsed(markdown: str) -> list:  # type: ignore[type-arg]
    return MarkdownIt("commonmark").parse(markdown)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(TEXT, min_size=1, max_size=4), name=TEXT, task=TEXT)
def test_record_text_never_becomes_brief_structure(texts: list[str], name: str, task: str) -> None:
    lines = tuple(BriefLine(text=text, cites=(f"d{n}",)) for n, text in enumerate(texts))
    sections = (BriefSection(name="precedents", title="Precedents", lines=lines),
                BriefSection(name="guardrails", title="Guardrails", lines=(BriefLine(text="x", cites=(), policy="g"),)))
    tokens = parsed(render_markdown(name or "V", "cto", task or None, BUILT, sections))
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1", "h2", "h2"]
    assert [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"][1:] == [
        "Precedents", "Guardrails"]
    assert sum(t.type == "list_item_open" for t in tokens) == len(lines) + 1
    assert sum(t.type == "bullet_list_open" for t in tokens) == 2  # no nested or extra lists
    assert not {t.type for t in tokens} & {"html_block", "fence", "code_block", "blockquote_open", "hr",
                                          "ordered_list_open", "table_open"}
    inlines = [t for t in tokens if t.type == "inline"]
    assert all({c.type for c in t.children or []} <= INLINE for t in inlines), [
        c.type for t in inlines for c in t.children or []]
    in_items = [t for t in inlines if t.level > 1]  # the paragraphs of list items
    shown = ["".join(c.content for c in t.children or []) for t in in_items][:len(lines)]
    for line, text in zip(lines, shown, strict=True):
        assert text == f"{one_line(line.text)} [{line.cites[0]}]".lstrip()  # shown literally, citation intact
        assert "\n" not in line.text and line.text == one_line(line.text)
