"""Plurality, block vote, approval and Borda.

The Tennessee example (voters in Memphis 42%, Nashville 26%, Chattanooga 15%,
Knoxville 17%, each ranking the cities by distance) is the standard worked example of
the Wikipedia articles on these rules: plurality elects Memphis with 42; the Borda
count (n-1..0 points) gives Nashville 194, Chattanooga 173, Memphis 126, Knoxville 107
per 100 voters. Other expectations are worked by hand from each rule's definition.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import Mark, Profile
from tellers.errors import CountError, InvalidCountOptions

CITIES = ("Memphis", "Nashville", "Chattanooga", "Knoxville")


@pytest.fixture
def tennessee() -> Profile:
    m, n, c, k = range(4)
    return Profile.from_ballots(
        CITIES,
        [([m, n, c, k], 42), ([n, c, k, m], 26), ([c, k, n, m], 15), ([k, c, n, m], 17)],
    )


def test_plurality_elects_memphis_on_first_preferences(tennessee: Profile) -> None:
    result = count(tennessee, "plurality")
    assert result.winners == ("Memphis",)
    assert dict(result.rounds[0].tallies) == {
        "Memphis": 42,
        "Nashville": 26,
        "Chattanooga": 15,
        "Knoxville": 17,
    }
    assert result.valid == 100


def test_plurality_counts_overvoted_and_blank_first_ranks_as_invalid() -> None:
    a, b = 0, 1
    profile = Profile.from_ballots(
        ("A", "B"),
        [([a], 5), ([b], 3), ([frozenset({a, b})], 2), ([None, b], 4), ([], 1)],
    )
    result = count(profile, "plurality")
    assert result.winners == ("A",)
    assert dict(result.rounds[0].tallies) == {"A": 5, "B": 3}
    assert result.valid == 8
    assert result.rounds[0].exhausted == 7
    assert result.details["invalid"] == {"blank": 5, "overvote": 2}


def test_plurality_tie_needs_a_seed_and_records_the_lot() -> None:
    profile = Profile.from_rankings(("A", "B", "C"), [["A"], ["B"], ["C"], ["A"], ["B"]])
    with pytest.raises(CountError, match="no seed"):
        count(profile, "plurality")
    first = count(profile, "plurality", CountParams(seed=2026))
    again = count(profile, "plurality", CountParams(seed=2026))
    assert first.winners == again.winners
    assert first.winners[0] in {"A", "B"}
    (tie,) = first.tie_breaks
    assert tie.tied == ("A", "B")
    assert tie.how == "lot"
    assert first.seed == 2026


def test_plurality_with_several_seats_elects_the_top_candidates() -> None:
    profile = Profile.from_rankings(("A", "B", "C"), [["A"]] * 3 + [["B"]] * 2 + [["C"]])
    assert count(profile, "plurality", CountParams(seats=2)).winners == ("A", "B")


def test_block_vote_gives_one_vote_to_each_marked_candidate_up_to_the_seats() -> None:
    a, b, c, d = range(4)
    profile = Profile.from_ballots(
        ("A", "B", "C", "D"),
        [
            ([a, b], 10),  # two votes
            ([c], 4),  # a plumper
            ([b, c, d], 3),  # too many marks for 2 seats: void
            ([frozenset({c, d})], 6),  # two marks side by side: a valid block vote
            ([], 1),
        ],
    )
    result = count(profile, "block", CountParams(seats=2, seed=7))
    assert dict(result.rounds[0].tallies) == {"A": 10, "B": 10, "C": 10, "D": 6}
    assert result.details["invalid"] == {"blank": 1, "overvote": 3, "unreadable": 0}
    assert result.valid == 20
    # A, B and C tie for the two seats: one lot per seat, each recorded.
    first_lot, second_lot = result.tie_breaks
    assert first_lot.tied == ("A", "B", "C")
    assert set(second_lot.tied) == {"A", "B", "C"} - {first_lot.chosen}
    assert result.winners == (first_lot.chosen, second_lot.chosen)
    with pytest.raises(CountError):
        count(profile, "block", CountParams(seats=2, seed=None))


def test_block_vote_first_marks_option_counts_the_first_seats_marks_of_an_overvote() -> None:
    a, b, c = range(3)
    profile = Profile.from_ballots(("A", "B", "C"), [([c, b, a], 1), ([a], 1)])
    void = count(profile, "block", CountParams(seats=2, seed=7))
    assert dict(void.rounds[0].tallies) == {"A": 1, "B": 0, "C": 0}
    first = count(profile, "block", CountParams(seats=2, seed=7, options={"overvote": "first"}))
    assert dict(first.rounds[0].tallies) == {"A": 1, "B": 1, "C": 1}


def test_approval_counts_every_marked_candidate_once_in_any_order() -> None:
    a, b, c = range(3)
    profile = Profile.from_ballots(
        ("A", "B", "C"),
        [
            ([a, b], 4),
            ([b, a], 3),
            ([c, None, b], 2),
            ([b, b], 1),
            ([frozenset({a, c})], 2),
            ([], 5),
        ],
    )
    result = count(profile, "approval")
    assert dict(result.rounds[0].tallies) == {"A": 9, "B": 10, "C": 4}
    assert result.winners == ("B",)
    assert result.valid == 12
    assert result.details["invalid"] == {"blank": 5, "unreadable": 0}


def test_approval_rejects_an_overvote_cell_whose_candidates_are_unknown() -> None:
    profile = Profile.from_ballots(("A", "B"), [([0], 2), ([frozenset()], 1)])
    result = count(profile, "approval")
    assert result.details["invalid"] == {"blank": 0, "unreadable": 1}
    assert result.valid == 2


def test_borda_standard_scores_match_the_tennessee_example(tennessee: Profile) -> None:
    result = count(tennessee, "borda")
    assert dict(result.rounds[0].tallies) == {
        "Memphis": 126,
        "Nashville": 194,
        "Chattanooga": 173,
        "Knoxville": 107,
    }
    assert result.winners == ("Nashville",)


def test_borda_dowdall_gives_one_over_the_position(tennessee: Profile) -> None:
    result = count(tennessee, "borda", CountParams(options={"variant": "dowdall"}))
    tallies = result.rounds[0].tallies
    # Memphis: 42 firsts and 58 fourths = 42 + 58/4.
    assert tallies["Memphis"] == Fraction(42) + Fraction(58, 4)
    # Nashville: 42 seconds, 26 firsts, 32 thirds.
    assert tallies["Nashville"] == Fraction(42, 2) + 26 + Fraction(32, 3)
    assert result.winners == ("Nashville",)
    points = result.details["points"]
    assert isinstance(points, dict)
    assert points["Memphis"] == "56.5"


def test_borda_gives_unranked_candidates_nothing_and_shares_equal_ranks() -> None:
    a, b, c, d = range(4)
    profile = Profile.from_ballots(
        ("A", "B", "C", "D"), [([a], 1), ([b, frozenset({c, d})], 1), ([None, c, None, a], 1)]
    )
    result = count(profile, "borda", CountParams(seed=1))
    tallies = result.rounds[0].tallies
    # Ballot 1: A 3. Ballot 2: B 3, C and D share (2 + 1). Ballot 3 (blanks closed up): C 3, A 2.
    assert tallies["A"] == 5
    assert tallies["B"] == 3
    assert tallies["C"] == Fraction(3, 2) + 3
    assert tallies["D"] == Fraction(3, 2)


def test_modified_borda_gives_m_points_to_the_first_of_m_ranked() -> None:
    a, b, c = range(3)
    profile = Profile.from_ballots(("A", "B", "C"), [([a], 3), ([b, c], 2)])
    result = count(profile, "borda", CountParams(options={"variant": "modified"}))
    assert dict(result.rounds[0].tallies) == {"A": 3, "B": 4, "C": 2}


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("plurality", CountParams(options={"x": 1})),
        ("borda", CountParams(options={"variant": "nauru"})),
        ("block", CountParams(seats=2, options={"overvote": "maybe"})),
        ("approval", CountParams(seats=0)),
        ("approval", CountParams(seats=5)),
    ],
)
def test_bad_options_and_seats_are_refused(method: str, params: CountParams) -> None:
    profile = Profile.from_rankings(("A", "B", "C"), [["A", "B"]])
    with pytest.raises(InvalidCountOptions):
        count(profile, method, params)


def test_plurality_of_an_empty_ballot_box_counts_every_paper_as_blank() -> None:
    profile = Profile.from_ballots(("A", "B"), [([], 3)])
    result = count(profile, "plurality", CountParams(seed=1))
    assert result.valid == 0
    assert result.details["invalid"] == {"blank": 3, "overvote": 0}


def test_block_first_marks_option_voids_papers_it_cannot_cut_cleanly() -> None:
    a, b, c, d = range(4)
    profile = Profile.from_ballots(
        ("A", "B", "C", "D"),
        [
            ([a, None, b, c], 1),  # blank skipped: A and B count
            ([a, frozenset({b, c})], 1),  # the equal pair straddles the cut: void
            ([a, frozenset(), b], 1),  # an unreadable cell: void
            ([d, d, c, b], 1),  # the repeat is one mark: D and C count
        ],
    )
    result = count(profile, "block", CountParams(seats=2, seed=3, options={"overvote": "first"}))
    assert dict(result.rounds[0].tallies) == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert result.details["invalid"] == {"blank": 0, "overvote": 1, "unreadable": 1}


def test_borda_stops_at_an_unreadable_cell_and_ignores_repeats_and_blank_papers() -> None:
    a, b, c = range(3)
    profile = Profile.from_ballots(
        ("A", "B", "C"), [([a, a, frozenset(), b], 1), ([c, b], 1), ([], 2)]
    )
    result = count(profile, "borda", CountParams(seed=8))
    assert dict(result.rounds[0].tallies) == {"A": 2, "B": 1, "C": 2}
    assert result.details["blank"] == 2


def _borda_by_hand(
    n: int, rows: list[tuple[tuple[Mark, ...], int]], variant: str
) -> list[Fraction]:
    """Borda straight from the definition, one ballot at a time."""
    totals = [Fraction(0)] * n
    for marks, weight in rows:
        seen: set[int] = set()
        groups: list[list[int]] = []
        for mark in marks:
            if mark is None:
                continue
            if isinstance(mark, frozenset) and not mark:
                break
            fresh = [
                c for c in ([mark] if isinstance(mark, int) else sorted(mark)) if c not in seen
            ]
            if fresh:
                seen.update(fresh)
                groups.append(fresh)
        m = sum(len(g) for g in groups)
        position = 1
        for group in groups:
            held = range(position, position + len(group))
            if variant == "standard":
                points = [Fraction(n - k) for k in held]
            elif variant == "dowdall":
                points = [Fraction(1, k) for k in held]
            else:
                points = [Fraction(m - k + 1) for k in held]
            for c in group:
                totals[c] += sum(points, Fraction(0)) / len(group) * weight
            position += len(group)
    return totals


_marks = st.one_of(
    st.none(),
    st.integers(0, 4),
    st.frozensets(st.integers(0, 4), min_size=0, max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.lists(_marks, max_size=6).map(tuple), st.integers(1, 5)), max_size=8),
    st.sampled_from(["standard", "dowdall", "modified"]),
)
def test_vectorised_borda_equals_the_definition_ballot_by_ballot(
    rows: list[tuple[tuple[Mark, ...], int]], variant: str
) -> None:
    names = ("A", "B", "C", "D", "E")
    profile = Profile.from_ballots(names, rows)
    result = count(profile, "borda", CountParams(seed=1, options={"variant": variant}))
    expected = _borda_by_hand(5, rows, variant)
    assert [Fraction(result.rounds[0].tallies[c]) for c in names] == expected
