"""Hypothesis strategies for records: plausible field data (so that many records are stored;
numbers are now and then non-finite, past 64 bits or booleans), then now and then one field made wild (non-finite numbers, 70-bit integers, booleans, lone
surrogates, dates at the ends of time, nested containers) or an unknown field added."""

from __future__ import annotations

import enum
import os
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from orgmind.models import Node

_DEEP = os.environ.get("ORGMIND_PROPERTIES") == "deep"
PROFILE = settings(
    max_examples=300 if _DEEP else 30, derandomize=not _DEEP, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
"""The property suites' settings: 30 examples per test by default (fixed seed, so CI is
repeatable), ten times as many with ORGMIND_PROPERTIES=deep (random seed: use it to search)."""

REFERENCES = {
    "venture_id": ["v1", "v1", "v2", "x-unknown"],
    "agent_id": ["a1"],
    "wakeup_id": ["w1"],
    "decision_id": ["d1", "d1", "o1"],
    "brain_version_id": ["b1"],
    "previous_id": ["b1"],
    "evidence_ids": ["d1", "o1", "i1"],
    "venture_ids": ["v1", "v2"],
    "insight_ids": ["i1"],
}
"""Ids the seed records use (and a few of the wrong kind or never stored), per reference field."""

_PRINTABLE = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
_SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=5)), timezone(timedelta(hours=-11))])

words = st.text(alphabet=_PRINTABLE, min_size=1, max_size=40).filter(str.strip)
slugs = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(finite, st.integers(-(2**63), 2**63 - 1), st.booleans(), st.text(alphabet=_PRINTABLE, max_size=20))
moments = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=_OFFSETS
).map(datetime.isoformat)

wild_values = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf"), True, False, None, 2**64, -(2**70), "", " "]),
    st.text(alphabet=st.one_of(_PRINTABLE, _SURROGATES), max_size=12),
    st.text(min_size=301, max_size=320),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2020", "2026-01-01T00:00:00"]),
    st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                 max_leaves=5),
)


EDGE_NUMBERS = st.sampled_from([float("nan"), float("inf"), float("-inf"), 2**63, -(2**70), True, False])


def _edgy(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy``, or one time in ten a number no store can keep (or a boolean)."""
    return st.integers(0, 9).flatmap(lambda roll: EDGE_NUMBERS if roll == 0 else strategy)


def _enum_values(annotation: Any) -> list[str] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            return [member.value for member in arg]
        if typing.get_origin(arg) is typing.Literal:
            return [str(v) for v in typing.get_args(arg)]
    return None


def _plausible(name: str, annotation: Any) -> st.SearchStrategy[Any]:
    """A value the field is meant to hold (references may still point at nothing)."""
    if name in REFERENCES:
        pool = st.sampled_from(REFERENCES[name])
        return st.lists(pool, max_size=3) if name.endswith("_ids") else pool
    if name == "id":
        return st.from_regex(r"r[0-9]{1,3}", fullmatch=True)
    values = _enum_values(annotation)
    if values:
        return st.sampled_from(values)
    if name.endswith("_at"):
        return moments
    if name == "context":
        return st.dictionaries(slugs, _edgy(scalars), max_size=4)
    if name == "metrics":
        return st.dictionaries(slugs, _edgy(finite), max_size=4)
    if name in ("score", "effect", "interval_low", "interval_high"):
        return _edgy(st.floats(min_value=-1, max_value=1))
    if name in ("confidence", "consistency"):
        return _edgy(st.floats(min_value=0, max_value=1))
    if name in ("support", "version", "tokens", "budget"):
        return _edgy(st.integers(min_value=1, max_value=10_000))
    if name in ("role", "kind", "stage", "source", "gate"):
        return slugs
    if name == "tags":
        return st.lists(slugs, max_size=3)
    if name == "options":
        return st.lists(words, max_size=3)
    return words


def record_data(cls: type[Node]) -> st.SearchStrategy[dict[str, Any]]:
    """Field data for ``cls``: optional fields sometimes omitted; one time in two, one field
    replaced by a wild value or an unknown field added."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            if info.is_required() or draw(st.booleans()):
                data[name] = draw(_plausible(name, info.annotation))
        if draw(st.booleans()):
            target = draw(st.sampled_from([*cls.model_fields, "(unknown)"]))
            if target == "(unknown)":
                data[draw(st.text(min_size=1, max_size=8))] = draw(wild_values)
            elif target in ("context", "metrics") and draw(st.booleans()):
                data[target] = {draw(slugs): draw(wild_values)}
            else:
                data[target] = draw(wild_values)
        return data

    return build()
