"""Human approval gates: which decisions need a person before they are executed.

These defaults name the strategic decision kinds; the brief lists them as guardrails.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Gate:
    """A kind of decision that needs human approval."""

    name: str
    description: str
    kinds: tuple[str, ...]


DEFAULT_GATES = (
    Gate("pricing_change", "any change to list prices or discounts", ("pricing",)),
    Gate("stage_transition", "moving the venture to another stage", ("stage_transition",)),
    Gate("customer_commitment", "contractual commitments to a customer", ("customer_commitment",)),
    Gate("spend_threshold", "spend above $10,000", ("spend", "budget")),
    Gate("new_dependency", "adopting a new third-party vendor or service", ("vendor", "partnership")),
    Gate("security_compliance", "security or compliance decisions", ("security", "compliance")),
)
