"""The approval policy file fails closed: a file that states no gates, or a bound that is not a
finite number, is a PolicyError naming the file and the field, never a policy with fewer gates."""

from __future__ import annotations

import pytest

from orgmind.approvals.gates import parse_policy
from orgmind.errors import PolicyError

GATE = '[[gates]]\nname = "spend"\ndescription = "big spend"\nkinds = ["spend"]\n'


@pytest.mark.parametrize("text", ["", "   \n", "# no gates here\n# at all\n"])
def test_an_empty_or_comment_only_policy_is_an_error(text: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.toml")
    assert caught.value.key == "gates"
    assert "gates = []" in caught.value.reason


def test_no_gates_must_be_said_explicitly() -> None:
    assert parse_policy("gates = []\n", "policy.toml").gates == ()


@pytest.mark.parametrize("bound", ["inf", "+inf", "-inf", "nan"])
@pytest.mark.parametrize("field", ["amount_above", "percent_change_above"])
def test_bounds_must_be_finite(field: str, bound: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(f"{GATE}{field} = {bound}\n", "policy.toml")
    assert caught.value.key == f"gates[0].{field}"
    assert caught.value.line == 5


@pytest.mark.parametrize("value", ["inf", "nan", "[1, inf]"])
def test_condition_values_must_be_finite(value: str) -> None:
    text = f'{GATE}conditions = [{{ field = "amount", op = "==", value = {value} }}]\n'
    if value.startswith("["):
        text = text.replace('"=="', '"in"')
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.toml")
    assert caught.value.key == "gates[0].conditions[0].value"


def test_finite_bounds_still_load() -> None:
    policy = parse_policy(f"{GATE}amount_above = 1e12\n", "policy.toml")
    assert policy.gates[0].amount_above == 1e12
