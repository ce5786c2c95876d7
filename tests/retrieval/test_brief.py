"""Wake-up briefs: within budget, tenant-safe, citing only real nodes, recorded for attribution."""

from __future__ import annotations

import json

import pytest

from orgmind.errors import InvalidArgument, InvalidRecord, NotFound
from orgmind.graph.base import Direction
from orgmind.mind import OrgMind
from orgmind.models import (
    BrainVersion,
    Brief,
    Decision,
    Insight,
    Outcome,
    Pattern,
    RelType,
    WakeUp,
)
from orgmind.brief.render import SCHEMA
from orgmind.retrieval.tokens import count_tokens
from orgmind.sample import DEFAULT_END, ROLES, VENTURES

TASK = "Decide whether to move the billing service to managed Postgres"
OPEN = {v.id for v in VENTURES if v.sharing.value == "open"}


@pytest.mark.parametrize("budget", [50, 120, 300, 800, 1200, 4000])
def test_brief_never_exceeds_its_budget(mind: OrgMind, budget: int) -> None:
    brief = mind.wake_up("lumen", "cto", task=TASK, budget_tokens=budget, now=DEFAULT_END)
    markdown = brief.to_markdown()
    assert count_tokens(markdown) == brief.tokens <= budget
    if budget >= 300:
        assert brief.sections, "a reasonable budget holds at least one section"


@pytest.mark.parametrize("venture", [v.id for v in VENTURES])
@pytest.mark.parametrize("role", ROLES)
def test_briefs_cite_only_existing_nodes_of_ventures_they_may_see(mind: OrgMind, venture: str, role: str) -> None:
    brief = mind.wake_up(venture, role, task=TASK, budget_tokens=1500, now=DEFAULT_END)
    cited = brief.cited_ids
    assert cited
    nodes = mind.graph.get_many(cited)
    assert set(nodes) == set(cited), "every cited id is a stored node"
    owners = {node.owner_venture for node in nodes.values()}
    assert owners <= {venture, None} | OPEN
    if venture not in OPEN:
        assert venture in owners


def test_precedents_come_from_own_venture_first_then_open_ones(mind: OrgMind) -> None:
    brief = mind.wake_up("sprout", "cto", task=TASK, budget_tokens=4000, now=DEFAULT_END)
    precedents = brief.section("precedents")
    assert precedents is not None
    owners = [mind.graph.get(line.cites[0]).venture_id for line in precedents.lines]
    assert owners[0] == "sprout"
    assert owners == sorted(owners, key=lambda v: v != "sprout")
    assert set(owners) - {"sprout"} <= OPEN


def test_attribution_links_brief_to_citations_and_decisions_to_wakeup(mind: OrgMind) -> None:
    brief = mind.wake_up("lumen", "cto", task=TASK, now=DEFAULT_END)
    wakeup = mind.graph.get(brief.wakeup_id)
    assert isinstance(wakeup, WakeUp) and wakeup.agent_id == "lumen-cto" and wakeup.task == TASK
    stored = mind.graph.get(brief.brief_id)
    assert isinstance(stored, Brief) and stored.content == brief.to_markdown()
    included = mind.graph.edges_of([brief.brief_id], direction=Direction.OUT, rel_types=[RelType.INCLUDED])
    assert {e.target for e in included} == set(brief.cited_ids)
    first = brief.sections[0]
    edge = next(e for e in included if e.target == first.lines[0].cites[0])
    assert edge.properties == {"section": first.name, "rank": 1}

    decision = Decision(id="lumen-after-brief", venture_id="lumen", role="cto", kind="architecture",
                        title="Move billing to managed Postgres", wakeup_id=brief.wakeup_id)
    outcome = Outcome(id="lumen-after-brief-out", venture_id="lumen", decision_id=decision.id, score=0.4)
    mind.record_many([decision, outcome])
    # trace the outcome back to what the agent was told
    [made] = mind.graph.neighbours(outcome.id, rel_types=[RelType.LED_TO])
    [during] = mind.graph.neighbours(made.id, direction=Direction.OUT, rel_types=[RelType.DURING])
    [received] = mind.graph.neighbours(during.id, direction=Direction.OUT, rel_types=[RelType.RECEIVED])
    assert received.id == brief.brief_id


def test_sections_follow_the_graph_and_empty_ones_are_omitted(mind: OrgMind) -> None:
    plain = mind.wake_up("harbor", "cmo", budget_tokens=4000, now=DEFAULT_END)
    names = [s.name for s in plain.sections]
    assert "current_brain" not in names and "precedents" not in names and "platform_patterns" not in names
    assert names[-1] == "guardrails" and "open_items" in names and "recent_history" in names
    pending = plain.section("open_items").lines
    assert any("Awaiting human approval" in line.text for line in pending)

    brain = BrainVersion(id="harbor-brain-1", venture_id="harbor", version=1, created_at=DEFAULT_END)
    insight = Insight(id="harbor-ins-1", venture_id="harbor", brain_version_id=brain.id, role="cmo",
                      text="LinkedIn ads convert finance buyers better than TikTok", support=12, effect=0.4)
    pattern = Pattern(id="pattern-linkedin", text="B2B ventures do better on LinkedIn than on TikTok",
                      kind="channel", support=30, effect=0.45, venture_ids=["lumen", "harbor"])
    mind.record_many([brain, insight, pattern])
    enriched = mind.wake_up("harbor", "cmo", task="choose a paid channel", budget_tokens=4000, now=DEFAULT_END)
    assert enriched.section("current_brain").lines[0].cites == ("harbor-ins-1",)
    assert enriched.section("platform_patterns").lines[0].cites == ("pattern-linkedin",)
    assert mind.graph.get(enriched.wakeup_id).brain_version_id == brain.id


def test_renderings(mind: OrgMind) -> None:
    brief = mind.wake_up("lumen", "cto", task=TASK, now=DEFAULT_END)
    markdown = brief.to_markdown()
    assert markdown.startswith("# Brief for the CTO of Lumen Analytics")
    assert "{" not in markdown and "days ago" in markdown and "2026-" in markdown
    assert any(word in markdown for word in ("success (+", "failure (-", "setback (-"))
    data = json.loads(json.dumps(brief.to_json()))
    assert data["schema"] == SCHEMA
    assert set(data) == {"schema", "brief_id", "wakeup_id", "venture", "role", "task", "built_at", "tokens",
                         "budget", "sections", "cut_by_budget"}
    assert set(data["sections"][0]["lines"][0]) == {"text", "cites", "policy"}


def test_bad_wake_up_arguments(mind: OrgMind) -> None:
    with pytest.raises(NotFound):
        mind.wake_up("atlantis", "cto")
    with pytest.raises(InvalidArgument) as caught:
        mind.wake_up("lumen", "cto", budget_tokens=10)
    assert caught.value.field == "budget_tokens"


def test_guardrails_in_full_only_for_the_kinds_the_task_touches(mind: OrgMind) -> None:
    brief = mind.wake_up("lumen", "ceo", task="Raise the pricing of the Team plan", budget_tokens=4000, now=DEFAULT_END)
    lines = brief.section("guardrails").lines
    full, rest = lines[:-1], lines[-1]
    assert [line.policy for line in full] == ["pricing_change"]
    assert rest.text.startswith("Also gated: ") and "vendor" in rest.text and "pricing" not in rest.text
    assert rest.policy and "pricing_change" not in rest.policy and "new_dependency" in rest.policy.split("; ")
    assert "None" not in rest.render()
    untargeted = mind.wake_up("lumen", "ceo", budget_tokens=4000, now=DEFAULT_END)
    assert all(line.policy for line in untargeted.section("guardrails").lines)


def test_the_brief_says_which_sections_the_budget_cut(mind: OrgMind) -> None:
    roomy = mind.wake_up("lumen", "cto", task=TASK, budget_tokens=20000, now=DEFAULT_END)
    tight = mind.wake_up("lumen", "cto", task=TASK, budget_tokens=250, now=DEFAULT_END)
    assert roomy.cut_by_budget == {}
    assert tight.cut_by_budget and all(count > 0 for count in tight.cut_by_budget.values())
    for name, count in tight.cut_by_budget.items():
        shown = tight.section(name)
        assert len(roomy.section(name).lines) == count + (len(shown.lines) if shown else 0)


def test_with_a_task_lines_under_the_relevance_floor_are_left_out(mind: OrgMind) -> None:
    plain = mind.wake_up("lumen", "cto", budget_tokens=20000, now=DEFAULT_END)
    focused = mind.wake_up("lumen", "cto", task=TASK, budget_tokens=20000, now=DEFAULT_END)
    assert len(focused.section("recent_history").lines) < len(plain.section("recent_history").lines)
    first = mind.graph.get(focused.section("recent_history").lines[0].cites[0])
    assert isinstance(first, Decision) and first.kind == "architecture"


def test_the_wake_up_keeps_the_orchestrators_run_id(mind: OrgMind) -> None:
    brief = mind.wake_up("lumen", "cto", task="Pick a queue", ref="paperclip-run:7f3a", now=DEFAULT_END)
    stored = mind.graph.get(brief.wakeup_id)
    assert isinstance(stored, WakeUp) and stored.ref == "paperclip-run:7f3a"
    with pytest.raises(InvalidRecord) as caught:
        mind.wake_up("lumen", "cto", ref=" ", now=DEFAULT_END)
    assert caught.value.field == "ref"
