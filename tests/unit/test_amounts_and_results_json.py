"""Amounts are exact decimal strings; the results JSON never holds a float."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tellers.counting.amounts import format_amount, parse_amount
from tellers.counting.rounds import CountResult, Round, TieBreak, Transfer
from tellers.formats.results_json import dump_result, result_to_json


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (14, "14"),
        (Decimal("7.25010"), "7.2501"),
        (Decimal("5.00000"), "5"),
        (Fraction(1, 8), "0.125"),
        (Fraction(16, 3), "16/3"),
        (Fraction(10, 5), "2"),
        (Decimal("0.00001"), "0.00001"),
    ],
)
def test_amounts_are_written_exactly(value: int | Decimal | Fraction, text: str) -> None:
    assert format_amount(value) == text


@given(st.fractions())
@example(Fraction(1, 2**41))  # 41 significant digits: once rounded to Decimal's 28
def test_every_fraction_round_trips_through_its_text(value: Fraction) -> None:
    assert parse_amount(format_amount(value)) == value


def test_a_float_is_refused() -> None:
    with pytest.raises(TypeError):
        format_amount(0.5)  # type: ignore[arg-type]


def test_results_json_holds_strings_for_amounts_and_keeps_winner_order() -> None:
    result = CountResult(
        method="irv",
        seats=1,
        candidates=("A", "B", "C"),
        winners=("B",),
        valid=5,
        rounds=(
            Round(
                number=1,
                tallies={"A": 2, "B": 2, "C": 1},
                threshold=3,
                eliminated=("C",),
                transfers=(Transfer(source="C", reason="eliminated", to={"B": 1}, exhausted=0),),
            ),
            Round(number=2, tallies={"A": 2, "B": 3}, threshold=3, elected=("B",)),
        ),
        tie_breaks=(TieBreak(round=1, purpose="elimination", tied=("C",), chosen="C", how="lot"),),
        seed=7,
        details={"matrix": {"A": {"B": 2}}, "share": Fraction(3, 5)},
    )
    data = json.loads(dump_result(result))
    assert data["schema"] == "tellers-results/1"
    assert data["winners"] == ["B"]
    assert data["rounds"][0]["tallies"] == {"A": "2", "B": "2", "C": "1"}
    assert data["rounds"][0]["transfers"][0] == {
        "from": "C",
        "reason": "eliminated",
        "to": {"B": "1"},
        "exhausted": "0",
    }
    assert data["details"] == {"matrix": {"A": {"B": "2"}}, "share": "0.6"}
    assert result_to_json(result) == data

    def no_floats(node: object) -> bool:
        if isinstance(node, float):
            return False
        if isinstance(node, dict):
            return all(no_floats(v) for v in node.values())
        if isinstance(node, list):
            return all(no_floats(v) for v in node)
        return True

    assert no_floats(data)
