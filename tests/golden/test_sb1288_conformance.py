"""The CA-SB1288 reference test specs (IRV, STV, STV with alternative defeats), read in place.

Source: DavidCary/CA-SB1288, ``tests/`` at commit 40516440 (Apache-2.0), copied unchanged
to ``shared/conformance/sb1288``. Every file not ending in ``-base.json`` is a case; each
pins the winners, every candidate's status code and every tally row of every round,
amounts to five decimal places. ``irv-003`` expects the count to be refused.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tellers.counting.amounts import Amount
from tellers.counting.rounds import CountResult
from tellers.counting.rules import sb1288
from tellers.errors import InvalidCountOptions
from tellers.formats.sb1288_spec import Sb1288Spec, read_sb1288_spec, sb1288_spec_paths
from tests.conftest import SHARED

SUITE = SHARED / "conformance" / "sb1288"
PATHS = sb1288_spec_paths(SUITE) if SUITE.is_dir() else []

EXCEPTIONS: dict[str, type[Exception]] = {"RcvValueError": InvalidCountOptions}
"""The reference's exception types, and ours."""

PILES = {
    ":Overvotes": sb1288.OVERVOTES,
    ":Abstentions": sb1288.ABSTENTIONS,
    ":Other exhausted": sb1288.OTHER_EXHAUSTED,
}
RESIDUAL = ":Residual surplus"
QUANTUM = Decimal("0.00001")


def _five_places(value: Amount) -> Decimal:
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return exact.quantize(QUANTUM)


def _tally_rows(result: CountResult) -> dict[str, tuple[Decimal, ...]]:
    """The result's rounds laid out as the reference's tally (label -> amounts by round)."""
    rows: dict[str, list[Decimal]] = {name: [] for name in result.candidates}
    for label in PILES:
        rows[label] = []
    if result.seats > 1:
        rows[RESIDUAL] = []
    for round_ in result.rounds:
        for name, votes in round_.tallies.items():
            rows[name].append(_five_places(votes))
        for label, pile in PILES.items():
            rows[label].append(_five_places(round_.inactive[pile]))
        if result.seats > 1:
            rows[RESIDUAL].append(_five_places(round_.loss))
    return {label: tuple(amounts) for label, amounts in rows.items()}


def test_the_suite_holds_all_111_runnable_specs(shared_dir: Path) -> None:
    assert len(sb1288_spec_paths(shared_dir / "conformance" / "sb1288")) == 111
    assert len(PATHS) == 111


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_the_count_matches_the_reference_winners_status_codes_and_tallies(
    path: Path, shared_dir: Path
) -> None:
    spec: Sb1288Spec = read_sb1288_spec(path, root=shared_dir / "conformance" / "sb1288")
    if spec.expected.exception is not None:
        kind, message = spec.expected.exception
        with pytest.raises(EXCEPTIONS[kind]) as caught:
            sb1288.count(spec.profile, spec.params())
        assert str(caught.value).startswith(message)
        return
    result = sb1288.count(spec.profile, spec.params())

    assert set(result.winners) == spec.expected.elected
    assert len(result.winners) == len(spec.expected.elected)

    codes = result.details["status_codes"]
    assert isinstance(codes, tuple)
    got_codes = {
        name: (status, number, _five_places(votes)) for name, status, number, votes in codes
    }
    expected_codes = {
        name: (status, number, votes) for name, status, number, votes in spec.expected.status_codes
    }
    assert got_codes == expected_codes

    assert _tally_rows(result) == dict(spec.expected.tally)
