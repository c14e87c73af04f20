"""SB 1288 counting on small worked examples, and the reader of the reference's JSON specs.

The IRV example in the first test is the one in DavidCary/CA-SB1288's README; the others
are worked by hand in the comments beside them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from tellers.counting.methods import CountParams
from tellers.counting.profile import Mark, Profile
from tellers.counting.rounds import CountResult
from tellers.counting.rules import sb1288
from tellers.errors import BallotFileError, CountError, InvalidCountOptions
from tellers.formats.sb1288_spec import decode_list, read_sb1288_spec


def _profile(candidates: str, *groups: tuple[int, Sequence[str | None]]) -> Profile:
    """Ballot groups by name; ``None`` is a skipped ranking and ``"#"`` an overvote."""
    names = candidates.split()
    ballots: list[tuple[list[Mark], int]] = []
    for multiple, rankings in groups:
        marks: list[Mark] = []
        for code in rankings:
            if code is None:
                marks.append(None)
            elif code == "#":
                marks.append(frozenset())
            else:
                marks.append(names.index(code))
        ballots.append((marks, multiple))
    return Profile.from_ballots(names, ballots)


def _count(profile: Profile, seats: int = 1, **options: object) -> CountResult:
    return sb1288.count(profile, CountParams(seats=seats, options=options))


def _status(result: CountResult) -> dict[str, tuple[str, int, object]]:
    codes = result.details["status_codes"]
    assert isinstance(codes, tuple)
    return {name: (status, number, votes) for name, status, number, votes in codes}


# -- IRV (section 22100) -----------------------------------------------------------------


def test_irv_readme_example_elects_b_after_c_is_defeated() -> None:
    profile = _profile("A B C", (4, ["A", "B", "C"]), (3, ["B", "A", "C"]), (2, ["C", "B", "A"]))
    result = _count(profile, max_ranking_levels=3, tie_breaker=("C", "A", "B"))
    assert result.winners == ("B",)
    assert _status(result) == {
        "A": ("defeated", 2, 4),
        "B": ("elected", 2, 5),
        "C": ("defeated", 1, 2),
    }
    assert sb1288.reference_tally(result) == {
        "A": (4, 4),
        "B": (3, 5),
        "C": (2,),
        ":Overvotes": (0, 0),
        ":Abstentions": (0, 0),
        ":Other exhausted": (0, 0),
    }
    assert result.method == "irv-sb1288"
    assert result.quota is None


def test_an_overvote_stops_the_ballot_but_skipped_rankings_are_passed_over() -> None:
    # Round 1: A 4, B 3, C 3 (two C-first ballots, one reaching C after two skips).
    # C and B tie; the tie-breaker lists C first, so C is defeated. Its "C # B" ballots
    # reach the overvote before B (2 overvotes); the "- - C" ballot has nobody left and
    # ranked one candidate of three allowed (1 abstention).
    profile = _profile(
        "A B C",
        (4, ["A"]),
        (3, ["B"]),
        (2, ["C", "#", "B"]),
        (1, [None, None, "C"]),
    )
    result = _count(profile, max_ranking_levels=3, tie_breaker=("C", "B", "A"))
    assert result.winners == ("A",)
    assert result.rounds[0].tallies == {"A": 4, "B": 3, "C": 3}
    assert result.rounds[1].tallies == {"A": 4, "B": 3}
    assert result.rounds[1].inactive == {"overvotes": 2, "abstentions": 1, "other exhausted": 0}
    assert result.rounds[1].exhausted == 3
    assert result.tie_breaks[0].tied == ("C", "B")
    assert result.tie_breaks[0].chosen == "C"


FIVE = "A B C D E"
FIVE_BALLOTS: tuple[tuple[int, Sequence[str | None]], ...] = (
    (10, ["A"]),
    (9, ["B"]),
    (3, ["C"]),
    (2, ["D"]),
    (1, ["E", "D", "C"]),
)


@pytest.mark.parametrize(
    ("levels", "abstentions", "other"),
    [
        # E, then D (tie with C broken by the order), then C are defeated: the E-D-C
        # ballot has ranked three candidates, as many as the ballot allowed.
        (3, (0, 0, 2, 5), (0, 0, 0, 1)),
        # With no limit, "allowed" is every candidate, five: it is an abstention.
        (None, (0, 0, 2, 6), (0, 0, 0, 0)),
    ],
)
def test_an_exhausted_ballot_is_an_abstention_unless_it_used_every_ranking(
    levels: int | None, abstentions: tuple[int, ...], other: tuple[int, ...]
) -> None:
    result = _count(
        _profile(FIVE, *FIVE_BALLOTS),
        max_ranking_levels=levels,
        tie_breaker=("D", "C", "B", "A", "E"),
    )
    tally = sb1288.reference_tally(result)
    assert tally[":Abstentions"] == abstentions
    assert tally[":Other exhausted"] == other
    assert tally["C"] == (3, 3, 4)
    assert tally["D"] == (2, 3)
    assert result.winners == ("A",)


def test_the_count_runs_to_the_last_two_unless_asked_to_stop_at_a_majority() -> None:
    profile = _profile("A B C", (6, ["A"]), (3, ["B"]), (2, ["C"]))
    full = _count(profile, max_ranking_levels=3, tie_breaker=())
    assert len(full.rounds) == 2
    assert _status(full)["A"] == ("elected", 2, 6)
    stop = _count(profile, max_ranking_levels=3, tie_breaker=(), stop_at_majority=True)
    assert len(stop.rounds) == 1
    assert _status(stop) == {
        "A": ("elected", 1, 6),
        "B": ("defeated", 1, 3),
        "C": ("defeated", 1, 2),
    }


def test_irv_alternative_defeats_remove_every_candidate_who_cannot_catch_up() -> None:
    # Round 1: 10, 9, 3, 2, 1. C+D+E = 6 < 9 (B), but B+C+D+E = 15 >= 10: C, D, E go.
    result = _count(_profile(FIVE, *FIVE_BALLOTS), max_ranking_levels=3, alternative_defeats="y")
    assert result.rounds[0].eliminated == ("C", "D", "E")
    assert len(result.rounds) == 2
    assert result.winners == ("A",)


def test_a_per_round_alternative_defeats_list_must_cover_every_round() -> None:
    profile = _profile(FIVE, *FIVE_BALLOTS)
    with pytest.raises(InvalidCountOptions, match="round 2"):
        _count(profile, max_ranking_levels=3, tie_breaker=FIVE.split(), alternative_defeats=["N"])


# -- ties --------------------------------------------------------------------------------


def test_a_tie_among_candidates_missing_from_the_tie_breaker_is_refused() -> None:
    with pytest.raises(CountError, match="tie_breaker"):
        _count(_profile(FIVE, *FIVE_BALLOTS), max_ranking_levels=3, tie_breaker=("A", "B"))


def test_without_a_tie_breaker_order_lots_are_drawn_from_the_seed_reproducibly() -> None:
    profile = _profile(FIVE, *FIVE_BALLOTS)
    params = CountParams(seats=1, seed=7, options={"max_ranking_levels": 3})
    first = sb1288.count(profile, params)
    again = sb1288.count(profile, params)
    assert first == again
    assert first.seed == 7
    (tie,) = first.tie_breaks
    assert (tie.round, tie.how, sorted(tie.tied)) == (2, "lot", ["C", "D"])
    assert tie.chosen in ("C", "D")


def test_a_tie_with_neither_an_order_nor_a_seed_is_refused() -> None:
    with pytest.raises(CountError, match="seed"):
        _count(_profile(FIVE, *FIVE_BALLOTS), max_ranking_levels=3)


# -- STV (section 22101) -----------------------------------------------------------------


def test_stv_surplus_moves_at_truncated_values_and_the_loss_is_residual_surplus() -> None:
    # 10 votes, 2 seats: threshold 10/3 rounded up at the 5th place = 3.33334.
    # A's surplus 3.66666; fraction 3.66666/7 = 0.523808... -> 0.52380; B receives
    # 7 x 0.52380 = 3.66660; 0.00006 is lost. Round 2: B 4.66660 is elected, C defeated.
    profile = _profile("A B C", (7, ["A", "B"]), (1, ["B"]), (2, ["C"]))
    result = _count(profile, seats=2, max_ranking_levels=3, tie_breaker=())
    assert result.method == "stv-sb1288"
    assert result.quota == Decimal("3.33334")
    assert result.winners == ("A", "B")
    (transfer,) = result.rounds[0].transfers
    assert (transfer.source, transfer.reason) == ("A", "surplus")
    assert transfer.to == {"B": Decimal("3.66660")}
    assert transfer.loss == Decimal("0.00006")
    assert result.rounds[1].tallies == {
        "A": Decimal("3.33334"),
        "B": Decimal("4.66660"),
        "C": Decimal("2.00000"),
    }
    assert result.rounds[1].loss == Decimal("0.00006")
    assert _status(result)["B"] == ("elected", 2, Decimal("4.66660"))
    assert _status(result)["C"] == ("defeated", 2, Decimal("2.00000"))


def test_stv_threshold_is_exact_when_the_division_is_and_electing_needs_more() -> None:
    # 15 votes, 2 seats: threshold exactly 5. B has 5, not more, so only A is elected in
    # round 1; A's surplus 1 at 1/6 -> 0.16666 gives B 0.99996 more.
    profile = _profile("A B C", (6, ["A", "B"]), (5, ["B"]), (4, ["C"]))
    result = _count(profile, seats=2, max_ranking_levels=3, tie_breaker=())
    assert result.quota == Decimal("5.00000")
    assert result.rounds[0].elected == ("A",)
    assert result.rounds[1].tallies["B"] == Decimal("5.99996")
    assert result.rounds[1].loss == Decimal("0.00004")
    assert result.winners == ("A", "B")


def test_stv_every_round_conserves_the_ballots() -> None:
    profile = _profile(
        "A B C D",
        (7, ["A", "B", "C"]),
        (3, ["A", "#", "B"]),
        (4, ["B", None, "D"]),
        (5, ["C", "A"]),
        (2, ["D"]),
    )
    result = _count(profile, seats=3, max_ranking_levels=3, tie_breaker=("D", "C", "B", "A"))
    for round_ in result.rounds:
        amounts = [*round_.tallies.values(), round_.exhausted, round_.loss]
        decimals = [a for a in amounts if isinstance(a, Decimal)]
        assert len(decimals) == len(amounts)
        assert sum(decimals) == profile.total


def test_stv_with_no_more_candidates_than_seats_elects_them_all_at_once() -> None:
    result = _count(_profile("A B", (3, ["A"]), (1, ["B"])), seats=2, max_ranking_levels=3)
    assert set(result.winners) == {"A", "B"}
    assert len(result.rounds) == 1


# -- options and ballots -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("seats", "options", "message"),
    [
        (0, {}, "nbr_seats_to_fill not >= 1"),
        (1, {"majority": True}, "unknown"),
        (1, {"max_ranking_levels": 2}, "at least 3"),
        (1, {"stop_at_majority": "yes"}, "True or False"),
        (1, {"alternative_defeats": "maybe"}, "'Y', 'N'"),
        (1, {"tie_breaker": "A B"}, "sequence"),
    ],
)
def test_invalid_options_are_refused(seats: int, options: dict[str, object], message: str) -> None:
    profile = _profile("A B C", (1, ["A"]))
    with pytest.raises(InvalidCountOptions, match=message):
        sb1288.count(profile, CountParams(seats=seats, options=options))


def test_a_ballot_with_more_rankings_than_allowed_is_refused() -> None:
    profile = _profile("A B C D", (1, ["A", "B", "C", "D"]))
    with pytest.raises(CountError, match="max_ranking_levels"):
        _count(profile, max_ranking_levels=3)


# -- the spec reader ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decoded"),
    [
        (" A B C", ("A", "B", "C")),
        ("|A|B||C|#|D", ("A", "B", "", "C", "#", "D")),
        ("", ()),
        (["A", ""], ("A", "")),
    ],
)
def test_string_encoded_lists_split_on_their_first_character(
    value: object, decoded: tuple[str, ...]
) -> None:
    assert decode_list(value, path="f.json", key="k") == decoded


def test_a_list_that_is_neither_text_nor_strings_names_the_file_and_key() -> None:
    with pytest.raises(BallotFileError) as caught:
        decode_list(["A", 3], path="f.json", key="candidates")
    assert (caught.value.path, caught.value.field) == ("f.json", "candidates")


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_specs_merge_defaults_then_includes_then_their_own_keys(tmp_path: Path) -> None:
    _write(tmp_path / "all-tests-spec.json", {"max_ranking_levels": 4, "description": "d"})
    _write(
        tmp_path / "t" / "x-base.json",
        {
            "description": "base",
            "nbr_seats_to_fill": 1,
            "candidates": " A B",
            "ballots": [[2, " A  # B"]],
            "tie_breaker": " B A",
            "options": {"alternative_defeats": "y"},
            "include": ["t/missing.json"],  # an included file's includes are ignored
        },
    )
    case = _write(
        tmp_path / "t" / "x-1.json",
        {
            "description": "case",
            "include": ["t/x-base.json"],
            "ballots_more": [[1, " B"]],
            "elected": " A",
            "tally": {"A": [2.0], ":Residual surplus": [0.00001]},
        },
    )
    spec = read_sb1288_spec(case)
    assert spec.description == "case"
    assert spec.seats == 1
    assert spec.options == {
        "alternative_defeats": "Y",
        "tie_breaker": ("B", "A"),
        "max_ranking_levels": 4,
    }
    assert sorted(spec.profile.ballots(), key=lambda b: b[1]) == [
        ((1,), 1),
        ((0, None, frozenset(), 1), 2),
    ]
    assert spec.expected.elected == frozenset({"A"})
    assert spec.expected.tally[":Residual surplus"] == (Decimal("0.00001"),)


@pytest.mark.parametrize(
    ("ballots", "field", "problem"),
    [
        ([[1, " A Z"]], "ballots[0]", "not a candidate"),
        ([[1, " A B A B"]], "ballots[0]", "max_ranking_levels"),
        ([[0, " A"]], "ballots[0]", "at least 1"),
        ([[1.5, " A"]], "ballots[0]", "integer"),
    ],
)
def test_a_bad_ballot_group_names_the_file_and_the_key(
    tmp_path: Path, ballots: object, field: str, problem: str
) -> None:
    path = _write(
        tmp_path / "bad.json",
        {"nbr_seats_to_fill": 1, "candidates": " A B", "ballots": ballots, "max_ranking_levels": 3},
    )
    with pytest.raises(BallotFileError, match=problem) as caught:
        read_sb1288_spec(path)
    assert caught.value.path == str(path)
    assert caught.value.field == field


def test_a_spec_that_is_not_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "candidates": " A",\n  oops\n}', encoding="utf-8")
    with pytest.raises(BallotFileError) as caught:
        read_sb1288_spec(path)
    assert caught.value.location == "line 3"


VALID_SPEC = {
    "nbr_seats_to_fill": 1,
    "candidates": " A B",
    "ballots": [[1, " A B"]],
    "max_ranking_levels": 3,
    "tie_breaker": " A B",
}


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"candidates": 5}, "candidates", "list of strings"),
        ({"candidates": " A #"}, "candidates", "invalid candidate name"),
        ({"candidates": " A :B"}, "candidates", "invalid candidate name"),
        ({"candidates": " A A"}, "candidates", "not unique"),
        ({"description": 3}, "description", "text"),
        ({"nbr_seats_to_fill": "1"}, "nbr_seats_to_fill", "integer"),
        ({"include": "x.json"}, "include", "list of paths"),
        ({"include": ["nowhere.json"]}, "include", "cannot read the included file"),
        ({"tie_breaker": " Z"}, "tie_breaker", "not a candidate"),
        ({"ballots": {}}, "ballots", "list of ballot groups"),
        ({"ballots": [[1]]}, "ballots[0]", r"\[count, rankings\]"),
        ({"options": []}, "options", "object"),
        ({"options": {"stop_at_majority": "yes"}}, "options.stop_at_majority", "true or false"),
        ({"options": {"alternative_defeats": " Y X"}}, "options.alternative_defeats", "each"),
        ({"options": {"fast": True}}, "options.fast", "unknown option"),
        ({"status_codes": {}}, "status_codes", "list"),
        ({"status_codes": [["A", "won", 1, 1]]}, "status_codes[0]", "elected"),
        ({"status_codes": [["A", "elected", 1, "1"]]}, "status_codes[0]", "number of votes"),
        ({"tally": []}, "tally", "object"),
        ({"tally": {"A": 1}}, "tally.A", "list of amounts"),
        ({"tally": {"A": [float("inf")]}}, "tally.A", "finite"),
        ({"exception": ["RcvValueError"]}, "exception", "exception type"),
    ],
)
def test_a_malformed_key_names_the_file_and_the_key(
    tmp_path: Path, change: dict[str, object], field: str, problem: str
) -> None:
    path = _write(tmp_path / "case.json", {**VALID_SPEC, **change})
    with pytest.raises(BallotFileError, match=problem) as caught:
        read_sb1288_spec(path)
    assert (caught.value.path, caught.value.field) == (str(path), field)


def test_a_spec_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "list.json", [VALID_SPEC])
    with pytest.raises(BallotFileError, match="JSON object"):
        read_sb1288_spec(path)


def test_per_round_alternative_defeats_and_an_expected_exception_are_read(tmp_path: Path) -> None:
    change = {
        "options": {"alternative_defeats": " y N", "stop_at_majority": True},
        "exception": ["RcvValueError", "nbr_seats_to_fill not >= 1:"],
        "ballots": "",
    }
    spec = read_sb1288_spec(_write(tmp_path / "case.json", {**VALID_SPEC, **change}))
    assert spec.options["alternative_defeats"] == ("Y", "N")
    assert spec.options["stop_at_majority"] is True
    assert spec.expected.exception == ("RcvValueError", "nbr_seats_to_fill not >= 1:")
    assert spec.profile.total == 0
    assert spec.params() == CountParams(seats=1, options=spec.options)


# -- edge cases of the count -------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"tie_breaker": ("A", "A")},
        {"alternative_defeats": ("Y", "maybe")},
        {"alternative_defeats": 5},
    ],
)
def test_malformed_tie_breaker_or_per_round_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(InvalidCountOptions):
        sb1288.count(_profile("A B C", (1, ["A"])), CountParams(seats=1, options=options))


def test_the_number_of_seats_must_be_a_whole_number() -> None:
    with pytest.raises(InvalidCountOptions, match="not an int"):
        sb1288.count(_profile("A B C", (1, ["A"])), CountParams(seats=True))


@pytest.mark.parametrize(("candidates", "winners"), [("A", ("A",)), ("", ())])
def test_irv_with_one_candidate_elects_them_and_with_none_elects_nobody(
    candidates: str, winners: tuple[str, ...]
) -> None:
    profile = Profile.from_ballots(candidates.split(), [([], 2)])
    result = _count(profile, max_ranking_levels=3)
    assert result.winners == winners
    assert len(result.rounds) == 1
    assert result.rounds[0].inactive["abstentions"] == 2


def test_candidates_without_votes_are_defeated_in_tie_breaker_order() -> None:
    # Nobody ranks anyone: alternative defeats find no group (all tied at 0), so the
    # tie-breaker decides, one candidate a round, and the last one left is elected.
    profile = Profile.from_ballots(["A", "B", "C"], [([], 1)])
    result = _count(
        profile, max_ranking_levels=3, alternative_defeats="Y", tie_breaker=("A", "B", "C")
    )
    assert [r.eliminated for r in result.rounds] == [("A",), ("B",)]
    assert result.winners == ("C",)


def test_the_reference_tally_of_an_stv_count_has_a_residual_surplus_row() -> None:
    profile = _profile("A B C", (7, ["A", "B"]), (1, ["B"]), (2, ["C"]))
    tally = sb1288.reference_tally(_count(profile, seats=2, max_ranking_levels=3))
    assert tally[":Residual surplus"] == (Decimal("0.00000"), Decimal("0.00006"))
    assert list(tally) == ["A", "B", "C", *INACTIVE_LABELS, ":Residual surplus"]


INACTIVE_LABELS = [":Overvotes", ":Abstentions", ":Other exhausted"]
