"""Wake-up briefs: gather, pack into a token budget, render, record."""

MIN_BUDGET = 50
"""The smallest token budget of a brief."""
