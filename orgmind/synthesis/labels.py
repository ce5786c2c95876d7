"""Option and context labels as they appear in insight keys."""

from __future__ import annotations


def normalise(text: str, limit: int = 80) -> str:
    """Case-folded, whitespace-collapsed label as used in keys."""
    return " ".join(str(text).casefold().replace("|", "/").replace("=", ":").split())[:limit]
