"""A seeded, deterministic multi-venture history for demos, tests and benchmarks.

Four ventures with different sharing settings, four roles, decisions over simulated months whose
outcomes follow a hidden ground truth (some choices work better for some kinds of business), with
noise, plus observations and a few decisions waiting for human approval.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orgmind.models import (
    Agent,
    Decision,
    DecisionStatus,
    Escalation,
    Node,
    import_line,
    Observation,
    Outcome,
    Sharing,
    Venture,
)

DEFAULT_END = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
ROLES = ("ceo", "cto", "cmo", "cfo")


@dataclass(frozen=True)
class VentureSpec:
    id: str
    name: str
    stage: str
    sharing: Sharing
    segment: str
    description: str


VENTURES = (
    VentureSpec("lumen", "Lumen Analytics", "growth", Sharing.OPEN, "b2b",
                "Product analytics for mid-market SaaS companies"),
    VentureSpec("harbor", "Harbor Pay", "mvp", Sharing.PATTERNS, "b2b",
                "Payments API for online marketplaces"),
    VentureSpec("sprout", "Sprout Kitchen", "growth", Sharing.NONE, "d2c",
                "Direct-to-consumer meal kits with weekly delivery"),
    VentureSpec("nimbus", "Nimbus Docs", "seed", Sharing.OPEN, "plg",
                "Collaborative documentation for engineering teams"),
)


@dataclass(frozen=True)
class Template:
    """A kind of decision: its wording, its options and how well each option works per segment."""

    role: str
    kind: str
    title: str
    rationale: str
    options: tuple[str, ...]
    effects: dict[str, tuple[float, ...]]  # segment -> mean outcome per option


TEMPLATES = (
    Template("cmo", "channel", "Shift {pct}% of paid budget to {option}",
             "Blended CAC is ${cac} and rising; {option} should reach {audience} more cheaply.",
             ("LinkedIn ads", "TikTok ads", "Google search ads", "podcast sponsorships"),
             {"b2b": (0.45, -0.5, 0.2, 0.1), "d2c": (-0.4, 0.5, 0.15, -0.1), "plg": (0.0, -0.3, 0.35, 0.3)}),
    Template("cmo", "campaign", "Launch a {weeks}-week {option} campaign for {audience}",
             "Pipeline is {gap}% below plan this quarter; a focused push on {audience} could close it.",
             ("webinar series", "referral bonus", "discount code", "case-study"),
             {"b2b": (0.35, 0.1, -0.3, 0.4), "d2c": (-0.2, 0.45, 0.3, -0.1), "plg": (0.2, 0.4, -0.2, 0.1)}),
    Template("ceo", "pricing", "Pricing of the {plan} plan: {option} (now ${old}/month, proposed ${new}/month)",
             "Win-rate analysis shows price is {signal}; competitors sit around ${peer}.",
             ("raise price", "lower price", "add annual discount"),
             {"b2b": (0.3, -0.35, 0.2), "d2c": (-0.45, 0.25, 0.1), "plg": (-0.1, 0.2, 0.35)}),
    Template("cto", "architecture", "Move the {service} from {current} to {option}",
             "The {service} hit {ms} ms p95 at peak; the team expects {option} to hold up better.",
             ("managed Postgres", "a self-hosted Kafka cluster", "serverless functions", "a modular monolith"),
             {"b2b": (0.4, -0.3, -0.1, 0.3), "d2c": (0.3, -0.4, 0.2, 0.1), "plg": (0.35, -0.45, 0.1, 0.4)}),
    Template("cto", "vendor", "Adopt {option} for {need}",
             "Building {need} in-house would take about {weeks} engineer-weeks.",
             ("an open-source library", "a paid SaaS vendor", "an in-house build"),
             {"b2b": (0.2, 0.3, -0.35), "d2c": (0.25, 0.15, -0.3), "plg": (0.4, -0.1, -0.2)}),
    Template("cto", "hiring", "Hire a {option} in {quarter}",
             "On-call load is {pages} pages a week and the roadmap slipped {weeks} weeks.",
             ("senior backend engineer", "contractor team", "site reliability engineer"),
             {"b2b": (0.35, -0.25, 0.3), "d2c": (0.2, 0.1, 0.15), "plg": (0.4, -0.3, 0.1)}),
    Template("cfo", "spend", "Approve ${amount} for {option}",
             "Runway is {runway} months; this spend is {share}% of monthly burn.",
             ("a trade-show booth", "a data warehouse upgrade", "an outbound agency", "a SOC 2 audit"),
             {"b2b": (-0.2, 0.3, 0.1, 0.45), "d2c": (-0.3, 0.2, -0.35, 0.05), "plg": (-0.4, 0.25, -0.3, 0.3)}),
    Template("cfo", "budget", "Set next quarter's {area} budget to {option}",
             "Last quarter {area} spend returned {roi}x; the board asked for discipline.",
             ("flat", "a 20% increase", "a 15% cut"),
             {"b2b": (0.1, 0.25, -0.2), "d2c": (0.2, -0.3, 0.15), "plg": (0.15, 0.2, -0.25)}),
    Template("ceo", "partnership", "Sign a co-marketing partnership with {partner} ({option})",
             "{partner} reaches {reach} of our target buyers.",
             ("revenue share", "flat fee", "integration only"),
             {"b2b": (0.3, -0.2, 0.35), "d2c": (0.35, -0.1, -0.2), "plg": (0.1, -0.3, 0.45)}),
)

FILL = {
    "pct": ("10", "15", "20", "25", "30"),
    "cac": ("180", "240", "310", "95", "420"),
    "audience": ("heads of data", "finance teams", "busy parents", "platform engineers", "founders"),
    "weeks": ("2", "3", "4", "6", "8"),
    "gap": ("8", "12", "15", "22"),
    "plan": ("Starter", "Team", "Growth", "Pro"),
    "old": ("29", "49", "79", "99", "149"),
    "signal": ("rarely the objection", "the top objection in lost deals", "below the market"),
    "peer": ("59", "89", "120"),
    "service": ("billing service", "event pipeline", "search API", "notification service"),
    "current": ("a single VM", "SQLite", "a cron job", "the legacy monolith"),
    "ms": ("850", "1200", "1900", "640"),
    "need": ("feature flags", "authentication", "error tracking", "email delivery"),
    "quarter": ("Q1", "Q2", "Q3", "Q4"),
    "pages": ("6", "11", "17", "24"),
    "amount": ("12,000", "25,000", "48,000", "90,000"),
    "runway": ("9", "14", "18", "26"),
    "share": ("4", "9", "15", "22"),
    "area": ("marketing", "infrastructure", "hiring", "sales"),
    "roi": ("0.8", "1.4", "2.1", "3.0"),
    "partner": ("Segmently", "Brightloop", "CartNest", "DevHarbor"),
    "reach": ("a third", "half", "a fifth"),
}

GOOD_OUTCOMES = (
    "{metric} improved {delta}% within {days} days.",
    "Clear win: {metric} up {delta}% and the team wants to double down.",
    "{metric} moved {delta}% in the right direction; no side effects seen.",
)
BAD_OUTCOMES = (
    "{metric} fell {delta}% over {days} days; rolled back.",
    "Did not work: {metric} dropped {delta}% and support tickets rose.",
    "{metric} got {delta}% worse; the team called it a mistake.",
)
FLAT_OUTCOMES = ("No measurable change in {metric} after {days} days.",)
METRICS = {
    "channel": "qualified signups", "campaign": "pipeline", "pricing": "net revenue",
    "architecture": "service reliability", "vendor": "delivery speed", "hiring": "roadmap velocity",
    "spend": "return on spend", "budget": "quarterly margin", "partnership": "partner-sourced leads",
}

OBSERVATIONS = (
    ("metric", "Weekly active accounts reached {n} ({delta:+d}% week over week)."),
    ("customer", "Customer {customer} asked for {feature} before renewing."),
    ("customer", "Churn interview with {customer}: left because of {reason}."),
    ("metric", "Monthly churn was {churn}% in {month}."),
    ("incident", "Incident: the {service} was down for {minutes} minutes; root cause {cause}."),
    ("market", "Competitor {competitor} cut its entry price to ${price}."),
)
OBS_FILL = {
    "customer": ("Northwind", "Globex", "Initech", "Umbrella Foods", "Stark Retail", "Wayne Logistics"),
    "feature": ("SSO", "an audit log", "a Salesforce export", "vegetarian boxes", "usage-based billing"),
    "reason": ("price", "missing integrations", "slow support", "delivery delays"),
    "month": ("June", "July", "August", "September", "October"),
    "service": FILL["service"],
    "cause": ("an expired certificate", "a bad migration", "queue backlog", "a DNS change"),
    "competitor": ("Quantly", "PayLane", "FreshCrate", "Docsy"),
}

PENDING = (
    ("ceo", "pricing", "Raise the Team plan from $49 to $69 per month", "pricing_change"),
    ("ceo", "stage_transition", "Declare product-market fit and move to the growth stage", "stage_transition"),
    ("cfo", "spend", "Approve $120,000 for a year-long outbound agency contract", "spend_threshold"),
)


def _fill(rng: random.Random, template: str, **fixed: str) -> str:
    values = {key: rng.choice(options) for key, options in FILL.items()}
    values.update(fixed)
    return template.format(**values)


def venture_specs(count: int) -> list[VentureSpec]:
    """The four sample ventures, or ``count`` ventures cycling through their profiles."""
    if count <= len(VENTURES):
        return list(VENTURES[:count])
    return [
        VentureSpec(f"{base.id}{n}", f"{base.name} {n}", base.stage, base.sharing, base.segment, base.description)
        for n in range(count)
        for base in (VENTURES[n % len(VENTURES)],)
    ]


def generate(seed: int = 7, decisions_per_venture: int = 120, days: int = 180,
             end: datetime = DEFAULT_END, ventures: int = len(VENTURES)) -> list[Node]:
    """The sample history as records, in an order that satisfies every reference."""
    rng = random.Random(seed)
    start = end - timedelta(days=days)
    records: list[Node] = []
    for spec in venture_specs(ventures):
        records.append(Venture(id=spec.id, name=spec.name, stage=spec.stage, sharing=spec.sharing,
                               description=spec.description, created_at=start - timedelta(days=30)))
        records.extend(Agent(id=f"{spec.id}-{role}", venture_id=spec.id, role=role,
                             name=f"{spec.name} {role.upper()}", created_at=start - timedelta(days=30))
                       for role in ROLES)
        records.extend(_decisions(rng, spec, decisions_per_venture, start, end))
        records.extend(_observations(rng, spec, decisions_per_venture // 2, start, end))
        records.extend(_pending(spec, end))
    return records


def _decisions(rng: random.Random, spec: VentureSpec, count: int, start: datetime,
               end: datetime) -> list[Node]:
    records: list[Node] = []
    span = (end - start).total_seconds()
    moments = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    for number, made_at in enumerate(moments):
        template = rng.choice(TEMPLATES)
        choice = rng.randrange(len(template.options))
        option = template.options[choice]
        prices = _prices(rng, option)
        decision = Decision(
            id=f"{spec.id}-dec-{number:04d}", venture_id=spec.id, role=template.role,
            agent_id=f"{spec.id}-{template.role}", kind=template.kind,
            title=_fill(rng, template.title, option=option, **prices),
            rationale=_fill(rng, template.rationale, option=option),
            options=list(template.options), chosen=option,
            confidence=round(rng.uniform(0.4, 0.95), 2),
            context={"segment": spec.segment, "option": option}, made_at=made_at,
        )
        records.append(decision)
        waited = timedelta(days=rng.uniform(7, 30))
        if made_at + waited < end:
            score = template.effects[spec.segment][choice] + rng.gauss(0, 0.25)
            records.append(_outcome(rng, decision, max(-1.0, min(1.0, round(score, 2))),
                                    made_at + waited))
    return records


def _prices(rng: random.Random, option: str) -> dict[str, str]:
    """Old and new monthly prices that agree with the pricing option chosen."""
    old = int(rng.choice(FILL["old"]))
    factor = {"raise price": 1.3, "lower price": 0.8}.get(option, 1.0)
    return {"old": str(old), "new": str(round(old * factor))}


def _outcome(rng: random.Random, decision: Decision, score: float, observed_at: datetime) -> Outcome:
    templates = GOOD_OUTCOMES if score > 0.15 else BAD_OUTCOMES if score < -0.15 else FLAT_OUTCOMES
    delta = max(1, round(abs(score) * 30))
    metric = METRICS[decision.kind]
    summary = rng.choice(templates).format(metric=metric.capitalize(), delta=delta,
                                           days=rng.choice((14, 21, 30)))
    return Outcome(id=decision.id.replace("-dec-", "-out-"), venture_id=decision.venture_id,
                   decision_id=decision.id, score=score, summary=summary,
                   metrics={metric.replace(" ", "_") + "_change_pct": float(delta if score >= 0 else -delta)},
                   observed_at=observed_at)


def _observations(rng: random.Random, spec: VentureSpec, count: int, start: datetime,
                  end: datetime) -> list[Node]:
    span = (end - start).total_seconds()
    records: list[Node] = []
    for number in range(count):
        source, template = rng.choice(OBSERVATIONS)
        values = {key: rng.choice(options) for key, options in OBS_FILL.items()}
        text = template.format(n=rng.randrange(200, 9000), delta=rng.randrange(-12, 18),
                               churn=round(rng.uniform(1.5, 7.5), 1), minutes=rng.randrange(5, 240),
                               price=rng.choice((19, 29, 39, 59)), **values)
        records.append(Observation(
            id=f"{spec.id}-obs-{number:04d}", venture_id=spec.id, text=text, source=source,
            role=rng.choice(ROLES), observed_at=start + timedelta(seconds=rng.uniform(0, span)),
        ))
    return records


def _pending(spec: VentureSpec, end: datetime) -> list[Node]:
    records: list[Node] = []
    for number, (role, kind, title, gate) in enumerate(PENDING):
        decision = Decision(
            id=f"{spec.id}-pending-{number}", venture_id=spec.id, role=role, agent_id=f"{spec.id}-{role}",
            kind=kind, title=title, rationale="Proposed by the agent; strategic decisions need a human.",
            status=DecisionStatus.PENDING_APPROVAL, made_at=end - timedelta(days=number + 1),
        )
        records.append(decision)
        records.append(Escalation(
            id=f"{spec.id}-esc-{number}", venture_id=spec.id, decision_id=decision.id, gate=gate,
            reason=f"matches the {gate.replace('_', ' ')} gate", requested_at=decision.made_at,
        ))
    return records


def write_jsonl(records: list[Node], path: Path) -> Path:
    """Write records as JSONL in the import format (a ``type`` field per line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(import_line(record)) + "\n")
    return path
