"""Judged brief precision: do the lines of a wake-up brief concern the task?

    HF_HUB_OFFLINE=1 PYTHONPATH=. python bench/brief_judged.py

Over the seeded sample history (``orgmind.sample``, 40 decisions per venture; one brain version
per venture and the platform patterns mined from them), 45 tasks written in words that appear
nowhere in the sample's templates (checked below: no analysed term of a task occurs in any
template, fill value, outcome or observation text, so keywords alone cannot match them) are each
judged to concern one decision kind: the relevant records of a task are the decisions of that
kind, their outcomes, the insights and patterns about it, and the approvals it waits on; a
guardrail line is relevant when its gate covers that kind.

Each task wakes up the role that makes that kind of decision, in one of the four ventures, with
the default budget (1200 tokens). Reported per section: lines shown (over all briefs), the
precision (share of shown lines that are relevant) and the briefs where the section appears.
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass

from orgmind.mind import OrgMind
from orgmind.models import Decision, Escalation, Insight, Outcome, Pattern
from orgmind.retrieval.lexical import analyze
from orgmind.sample import (
    BAD_OUTCOMES,
    DEFAULT_END,
    FILL,
    FLAT_OUTCOMES,
    GOOD_OUTCOMES,
    METRICS,
    OBS_FILL,
    OBSERVATIONS,
    PENDING,
    TEMPLATES,
    VENTURES,
    generate,
)
from orgmind.approvals.gates import DEFAULT_GATES

ROLE_OF = {t.kind: t.role for t in TEMPLATES}


@dataclass(frozen=True)
class Judged:
    kind: str
    task: str


TASKS = (
    Judged("channel", "Which social network deserves extra advertising money?"),
    Judged("channel", "Keep buying keyword placements on the big web engine?"),
    Judged("channel", "Redirect acquisition dollars toward short video apps?"),
    Judged("channel", "Where do fresh users cost us least to acquire via the internet?"),
    Judged("channel", "Sponsor audio programmes instead of display banners?"),
    Judged("campaign", "Run seminars to attract enterprise prospects"),
    Judged("campaign", "Offer coupons so that newcomers try us"),
    Judged("campaign", "A member-gets-member reward to grow enrolments"),
    Judged("campaign", "Publish testimonials that convince skeptical prospects"),
    Judged("campaign", "Kick off a promotional drive aimed at households"),
    Judged("pricing", "Ought we to charge subscribers extra every cycle?"),
    Judged("pricing", "Make yearly subscriptions cheaper"),
    Judged("pricing", "Reduce what the middle subscription tier costs"),
    Judged("pricing", "What ought clients to be billed for the premium tier?"),
    Judged("pricing", "Rivals undercut us; do we drop tariffs?"),
    Judged("architecture", "Split the checkout server into separately deployable units?"),
    Judged("architecture", "Replace the database with a cloud relational one"),
    Judged("architecture", "Introduce streaming middleware for internal messages"),
    Judged("architecture", "Go with lambdas on the server?"),
    Judged("architecture", "The server struggles under heavy traffic; redesign it"),
    Judged("vendor", "Buy or write a login system ourselves?"),
    Judged("vendor", "Which provider handles transactional mail?"),
    Judged("vendor", "Pick a toolkit for toggling functionality by tenant"),
    Judged("vendor", "Crash reporting: commercial tool or homegrown?"),
    Judged("vendor", "Use community-maintained packages instead of writing things ourselves"),
    Judged("hiring", "Bring on another developer to unblock releases"),
    Judged("hiring", "Recruit somebody responsible for uptime and pager duty"),
    Judged("hiring", "Staff with freelancers or permanent employees?"),
    Judged("hiring", "Grow developer headcount soon?"),
    Judged("hiring", "Create a requisition for an infra specialist"),
    Judged("spend", "Authorise purchasing an exhibition stand at the expo"),
    Judged("spend", "Retain an outside firm for cold outreach"),
    Judged("spend", "Fund the security certification auditors"),
    Judged("spend", "Is the analytical storage investment worth the money?"),
    Judged("spend", "Authorise a large one-off purchase"),
    Judged("budget", "How much can the commercial department use through the coming period?"),
    Judged("budget", "Trim the advertising allowance for the upcoming period"),
    Judged("budget", "Keep infra allocation unchanged or grow it?"),
    Judged("budget", "Directors demand tighter cost control; fix allocations"),
    Judged("budget", "Expand the recruiting allocation by twenty percent?"),
    Judged("partnership", "Join forces with another firm for joint promotion"),
    Judged("partnership", "Compensate an alliance by commission or a fixed sum?"),
    Judged("partnership", "Integrate with an ally instead of paying them"),
    Judged("partnership", "Is a cross-promotion arrangement with a complementary startup wise?"),
    Judged("partnership", "Evaluate an affiliate arrangement with a larger firm"),
)


def template_vocabulary() -> set[str]:
    """Every analysed term of the sample's templates, fill values, outcomes and observations."""
    texts = [t.title + " " + t.rationale + " " + " ".join(t.options) + " " + t.kind for t in TEMPLATES]
    texts += [" ".join(values) for values in (*FILL.values(), *OBS_FILL.values())]
    texts += [*GOOD_OUTCOMES, *BAD_OUTCOMES, *FLAT_OUTCOMES, *METRICS.values(), *(t for _, t in OBSERVATIONS)]
    texts += [" ".join(p) for p in PENDING] + [f"{v.name} {v.description}" for v in VENTURES]
    return {term for text in texts for term in analyze(text.replace("{", " ").replace("}", " "))}


def check_wording() -> None:
    vocabulary = template_vocabulary()
    shared = {j.task: sorted(set(analyze(j.task)) & vocabulary) for j in TASKS}
    shared = {task: words for task, words in shared.items() if words}
    if shared:
        raise SystemExit(f"tasks use template words: {shared}")


def kind_of(mind: OrgMind, node_id: str) -> str | None:
    node = mind.graph.get(node_id)
    match node:
        case Decision() | Insight() | Pattern():
            return node.kind
        case Outcome():
            return kind_of(mind, node.decision_id)
        case Escalation():
            return kind_of(mind, node.decision_id)
    return None


def line_relevant(mind: OrgMind, kind: str, cites: tuple[str, ...], policy: str | None) -> bool:
    if policy is not None:
        return any(kind in gate.kinds for gate in DEFAULT_GATES if gate.name == policy)
    return any(kind_of(mind, node_id) == kind for node_id in cites)


def main() -> None:
    check_wording()
    print(f"{len(TASKS)} judged tasks over {len(ROLE_OF)} decision kinds; no task shares a term with the templates\n")
    shown: dict[str, int] = defaultdict(int)
    relevant: dict[str, int] = defaultdict(int)
    present: dict[str, int] = defaultdict(int)
    with tempfile.TemporaryDirectory(prefix="orgmind-brief-judged-") as home, OrgMind.open(home=home) as mind:
        mind.record_many(generate(decisions_per_venture=40))
        for venture in VENTURES:
            mind.synthesize(venture.id, now=DEFAULT_END)
        mind.mine_patterns(now=DEFAULT_END)
        for number, judged in enumerate(TASKS):
            venture = VENTURES[number % len(VENTURES)].id
            brief = mind.wake_up(venture, ROLE_OF[judged.kind], task=judged.task, now=DEFAULT_END)
            for section in brief.sections:
                present[section.name] += 1
                for line in section.lines:
                    shown[section.name] += 1
                    relevant[section.name] += line_relevant(mind, judged.kind, line.cites, line.policy)
    print("| section | briefs with it | lines shown | relevant | precision |")
    print("|---|---|---|---|---|")
    for name in sorted(shown, key=lambda n: -shown[n]):
        print(f"| {name} | {present[name]} | {shown[name]} | {relevant[name]} | {relevant[name] / shown[name]:.2f} |")
    total, good = sum(shown.values()), sum(relevant.values())
    print(f"| all sections | {len(TASKS)} | {total} | {good} | {good / total:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
