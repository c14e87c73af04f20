"""Meek STV: worked examples computed by hand from the rule texts."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import Profile
from tellers.errors import InvalidCountOptions

# Castor 4 (then Pollux), Helen 2; 2 seats (Droop's "42" test).
P = Profile.from_ballots(["Castor", "Pollux", "Helen"], [([0, 1], 4), ([2], 2)])


def test_keep_factor_halves_castors_votes() -> None:
    # Quota 6/3 truncated + 10^-9 = 2.000000001 (PRF B.2.b). Castor is elected; his keep
    # factor falls towards 1/2, Pollux (fed by Castor) ends just under Helen and is defeated.
    result = count(P, "stv-meek", CountParams(seats=2))
    assert result.quota == Decimal("2.000000001")
    assert result.winners == ("Castor", "Helen")
    assert result.rounds[1].eliminated == ("Pollux",)
    kf = result.details["keep_factors"][1]["Castor"]
    assert Decimal("0.5") < kf < Decimal("0.500001")
    assert result.tie_breaks == ()


def test_rational_meek_converges_to_exact_shares() -> None:
    result = count(
        P,
        "stv-meek",
        CountParams(
            seats=2,
            options={
                "variant": "droop",
                "arithmetic": "rational",
                "tie_order": ["Pollux", "Helen", "Castor"],
            },
        ),
    )
    assert result.quota == Fraction(2)
    assert result.winners == ("Castor", "Helen")


def test_nz_variant_counts() -> None:
    result = count(P, "stv-meek", CountParams(seats=2, seed=3, options={"variant": "nz"}))
    assert result.winners[0] == "Castor"
    assert result.details["omega"] == "1/10^5"


def test_bad_options_are_refused() -> None:
    for opts in (
        {"variant": "x"},
        {"variant": "prf", "omega": 3},
        {"defeat_batch": "all", "variant": "droop"},
    ):
        with pytest.raises(InvalidCountOptions):
            count(P, "stv-meek", CountParams(seats=2, options=opts))


def test_the_record_can_be_written_as_a_results_file() -> None:
    import json

    from tellers.formats.results_json import result_to_json

    result = count(P, "stv-meek", CountParams(seats=2))
    data = json.loads(json.dumps(result_to_json(result)))
    actions = data["details"]["actions"]
    assert actions[0]["action"] == "begin"
    assert actions[-1]["action"] == "end"
    assert actions[-1]["keep_factors"]["Castor"] == format(
        result.details["keep_factors"][-1]["Castor"], "f"
    )


@pytest.mark.parametrize(
    ("opts", "omega"),
    [
        ({"arithmetic": "fixed", "precision": 9}, "1/10^6"),
        ({"arithmetic": "guarded"}, "1/10^9"),
        ({"arithmetic": "rational"}, "1/10^10"),
        ({"arithmetic": "rational", "omega": 7}, "1/10^7"),
    ],
)
def test_droop_variant_omega_follows_the_arithmetic(opts, omega) -> None:
    options = {"variant": "droop", "tie_order": ["Pollux", "Helen", "Castor"], **opts}
    result = count(P, "stv-meek", CountParams(seats=2, options=options))
    assert result.details["omega"] == omega
    assert result.winners == ("Castor", "Helen")
