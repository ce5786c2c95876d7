"""Human approval gates: the escalation policy, a validated TOML file.

A decision triggers a gate when its kind is one of the gate's ``kinds``, its role is one of the
gate's ``roles`` (when given) and every condition on its ``context`` holds. A condition on a
context field the decision lacks (or that is not a number where one is compared) is unknown:
the gate is triggered anyway unless it says ``if_missing = "pass"``. The built-in policy is
``default_policy.toml`` beside this module; the format is documented in docs/approvals.md.
"""

from __future__ import annotations

import math
import operator
import re
import tomllib
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from orgmind.errors import PolicyError
from orgmind.models import Decision, Scalar, Slug, Text

DEFAULT_POLICY_FILE = "default_policy.toml"

Threshold = Annotated[float, Field(ge=0, strict=True, allow_inf_nan=False)]
ContextKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Op = Literal[">", ">=", "<", "<=", "==", "!=", "in"]
Loc = tuple[str | int, ...]

_COMPARE = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le,
            "==": operator.eq, "!=": operator.ne}
_ORDERED = {">", ">=", "<", "<="}
_TOML_POSITION = re.compile(r"\s*\(at (?:line (\d+), column \d+|end of document)\)")
_TABLE = re.compile(r"^\s*(\[\[?)([^\[\]]+)\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


class _At(ValueError):
    """A validation error raised for a nested key (``loc`` relative to the model raising it)."""

    def __init__(self, loc: Loc, reason: str) -> None:
        super().__init__(reason)
        self.loc = loc


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: object) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


class Condition(BaseModel):
    """``context[field] op value``; ``absolute`` compares the field's absolute value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: ContextKey
    op: Op
    value: Any
    absolute: bool = False

    @field_validator("value")
    @classmethod
    def _fits_op(cls, value: Any, info: Any) -> Any:
        op = info.data.get("op")
        if not all(_finite(v) for v in (value if isinstance(value, list) else [value])):
            raise ValueError("must be finite (no inf or nan)")
        if op in _ORDERED and not _is_number(value):
            raise ValueError(f"{op!r} compares numbers; got {value!r}")
        if op == "in" and not (
            isinstance(value, list) and value and all(isinstance(v, bool | int | float | str) for v in value)
        ):
            raise ValueError("'in' needs a non-empty list of numbers, strings or booleans")
        if op in ("==", "!=") and not isinstance(value, bool | int | float | str):
            raise ValueError(f"{op!r} needs a number, string or boolean")
        return value

    def holds(self, context: dict[str, Scalar]) -> bool | None:
        """Whether the condition holds; None when the field is missing or not comparable."""
        actual = context.get(self.field)
        if actual is None or (self.op in _ORDERED and not _is_number(actual)):
            return None
        if self.absolute and isinstance(actual, (int, float)):
            actual = abs(actual)
        if self.op == "in":
            return actual in self.value
        return bool(_COMPARE[self.op](actual, self.value))

    def __str__(self) -> str:
        name = f"|{self.field}|" if self.absolute else self.field
        return f"{name} {self.op} {_show(self.value)}"


class Gate(BaseModel):
    """Decisions that need a person's approval before they are executed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Slug
    description: Text
    kinds: Annotated[tuple[Slug, ...], Field(min_length=1)]
    roles: Annotated[tuple[Slug, ...], Field(min_length=1)] | None = None
    amount_above: Threshold | None = None
    percent_change_above: Threshold | None = None
    conditions: tuple[Condition, ...] = ()
    if_missing: Literal["escalate", "pass"] = "escalate"

    @property
    def checks(self) -> tuple[Condition, ...]:
        """Every condition on the context, the shorthands first."""
        shorthands = []
        if self.amount_above is not None:
            shorthands.append(Condition(field="amount", op=">", value=self.amount_above))
        if self.percent_change_above is not None:
            shorthands.append(
                Condition(field="percent_change", op=">", value=self.percent_change_above, absolute=True)
            )
        return (*shorthands, *self.conditions)

    def check(self, decision: Decision) -> list[str] | None:
        """Why ``decision`` triggers this gate, or None when it does not."""
        if decision.kind not in self.kinds or (self.roles and decision.role not in self.roles):
            return None
        why = [f"kind {decision.kind}"] + ([f"role {decision.role}"] if self.roles else [])
        for condition in self.checks:
            held = condition.holds(decision.context)
            if held is False or (held is None and self.if_missing == "pass"):
                return None
            shown = decision.context.get(condition.field)
            why.append(f"{condition} ({'unknown' if held is None else _show(shown)})")
        return why


class Policy(BaseModel):
    """The gates decisions are checked against. Gate names are unique; ``gates`` is required, so
    a policy without gates says ``gates = []`` (an empty file is an error, never "no gates")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gates: tuple[Gate, ...]

    @model_validator(mode="after")
    def _unique_names(self) -> Policy:
        seen: set[str] = set()
        for index, gate in enumerate(self.gates):
            if gate.name in seen:
                raise _At(("gates", index, "name"), f"duplicate gate name {gate.name!r}")
            seen.add(gate.name)
        return self

    def explain(self, decision: Decision) -> list[tuple[Gate, list[str]]]:
        """The gates ``decision`` triggers, in policy order, each with why."""
        found = [(gate, gate.check(decision)) for gate in self.gates]
        return [(gate, why) for gate, why in found if why is not None]

    def match(self, decision: Decision) -> list[Gate]:
        """The gates ``decision`` triggers, in policy order."""
        return [gate for gate, _ in self.explain(decision)]


def load_policy(path: Path | None = None) -> Policy:
    """The policy in ``path`` (the built-in default when None). Raises PolicyError."""
    if path is None:
        return default_policy()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), None, None, f"cannot read the policy file: {exc}") from None
    return parse_policy(text, str(path))


@cache
def default_policy() -> Policy:
    """The built-in policy (default_policy.toml)."""
    resource = files(__package__).joinpath(DEFAULT_POLICY_FILE)
    return parse_policy(resource.read_text(encoding="utf-8"), str(resource))


def parse_policy(text: str, file: str) -> Policy:
    """Validate policy TOML ``text``; errors name ``file``, the key path and the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.search(str(exc))
        line = getattr(exc, "lineno", None)
        if found:
            line = int(found.group(1)) if found.group(1) else max(1, len(text.splitlines()))
        raise PolicyError(file, line, None, f"invalid TOML: {_TOML_POSITION.sub('', str(exc))}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        error = next((e for e in errors if e["type"] != "missing"), errors[0])  # a typo explains a gap
        cause = error.get("ctx", {}).get("error")
        loc = _data_loc(data, tuple(error["loc"]) + getattr(cause, "loc", ()))
        reason = "unknown key" if error["type"] == "extra_forbidden" else str(cause or error["msg"])
        if error["type"] == "missing" and loc == ("gates",):
            reason = "missing: list the gates, or write `gates = []` for a policy with none"
        raise PolicyError(file, _line_of(text, loc), _key_path(loc), reason) from None


def _data_loc(data: Any, loc: Loc) -> Loc:
    """The part of pydantic's ``loc`` that names keys of ``data`` (drops union tags)."""
    kept: list[str | int] = []
    for part in loc:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            break
        kept.append(part)
    return tuple(kept)


def _key_path(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(policy)"


def _line_of(text: str, loc: Loc) -> int | None:
    """The line that defines ``loc`` or, failing that, its closest enclosing key."""
    lines = _key_lines(text)
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _key_lines(text: str) -> dict[Loc, int]:
    """Best-effort map from key paths to the (first) line that defines them."""
    lines: dict[Loc, int] = {}
    arrays: dict[tuple[str, ...], int] = {}  # array-of-tables name -> index of its last element
    table: Loc = ()
    for number, raw in enumerate(text.splitlines(), 1):
        header = _TABLE.match(raw)
        if header:
            names = _dotted(header.group(2))
            if header.group(1) == "[[":
                arrays = {k: i for k, i in arrays.items() if k[: len(names)] != names or k == names}
                arrays[names] = arrays.get(names, -1) + 1
            table = ()
            for depth in range(1, len(names) + 1):
                table += (names[depth - 1],)
                lines.setdefault(table, number)
                if names[:depth] in arrays:
                    table += (arrays[names[:depth]],)
                    lines.setdefault(table, number)
            continue
        key = _KEY.match(raw)
        if key:
            lines.setdefault(table + _dotted(key.group(1)), number)
    return lines


def _dotted(name: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in name.split("."))


DEFAULT_GATES: tuple[Gate, ...] = default_policy().gates
