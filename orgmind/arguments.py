"""The arguments of public calls, checked at the boundary by one mechanism.

``checked(name=Type, ...)`` validates the named arguments of a call with pydantic before the
call runs, and turns a failure into an ``InvalidArgument`` naming the argument (and the position
inside it: ``objs.0``). The types below say what each kind of argument may be; the record models
(orgmind/models.py) check records the same way.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, ParamSpec, TypeVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    InstanceOf,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from orgmind.errors import InvalidArgument
from orgmind.models import Id, Name, Node, NodeLabel, OptionalText, Slug, Unit

P = ParamSpec("P")
R = TypeVar("R")

TASK_MAX = 2_000
"""Characters in a wake-up task: a sentence or a paragraph, not a document."""
QUERY_MAX = 10_000
"""Characters in a search query."""


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


def _moment(value: Any) -> Any:
    """A datetime, a date (midnight UTC) or an ISO 8601 string; never a number or a bare year."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            if "T" in text or " " in text:
                return datetime.fromisoformat(text)
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        except ValueError:
            pass
    raise ValueError(f"give a datetime or an ISO 8601 date or time (e.g. 2020-01-01), not {value!r}")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a timezone (e.g. 2020-01-01T00:00:00Z)")
    return value.astimezone(UTC)


Moment = Annotated[datetime, BeforeValidator(_moment), AfterValidator(_aware)]
"""A point in time: an aware datetime, a date, or an ISO 8601 string with a timezone."""
Query = Annotated[str, StringConstraints(min_length=1, max_length=QUERY_MAX)]
Task = Annotated[str, StringConstraints(max_length=TASK_MAX)]
Positive = Annotated[int, BeforeValidator(_not_bool), Field(ge=1, le=100_000)]
Fraction = Annotated[Unit, BeforeValidator(_not_bool)]
Record = InstanceOf[Node] | Mapping[str, Any]
"""A record model, or a mapping with a ``type`` field (as in the import format)."""

ID = Id | None
IDS = list[Id] | None
SLUG = Slug | None
SLUGS = list[Slug] | None
LABELS = list[NodeLabel] | None
WHEN = Moment | None
TASK = Task | None
NAME = Name | None
NOTE = OptionalText | None


def checked(**types: Any) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Validate the named arguments of the decorated function against ``types``.

    Only arguments the caller passes are checked (defaults are trusted); validated values (an id
    stripped, a kind folded to lower case, a date made a UTC datetime) replace the given ones.
    """
    adapters = {name: TypeAdapter(annotation) for name, annotation in types.items()}

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)
        unknown = set(adapters) - set(signature.parameters)
        if unknown:
            raise TypeError(f"{func.__qualname__} has no arguments {sorted(unknown)}")

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            for name, adapter in adapters.items():
                if name in bound.arguments:
                    value = bound.arguments[name]
                    try:
                        bound.arguments[name] = adapter.validate_python(value)
                    except ValidationError as exc:
                        raise _invalid(name, value, exc) from None
            return func(*bound.args, **bound.kwargs)

        return wrapper

    return decorate


def _invalid(name: str, value: Any, exc: ValidationError) -> InvalidArgument:
    """The first error as an InvalidArgument; its path keeps only positions and keys of ``value``
    (pydantic adds the names of union members)."""
    error = exc.errors(include_url=False)[0]
    path = [name]
    for part in error["loc"]:
        if isinstance(value, (list, tuple)) and isinstance(part, int) and part < len(value):
            value = value[part]
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            break
        path.append(str(part))
    reason = error["msg"].removeprefix("Value error, ")
    return InvalidArgument(".".join(path), reason)
