"""Plain ballot CSV, RCTab's generic and converted CSV, and format detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from tellers.counting.profile import Profile
from tellers.errors import BallotFileError, InputError
from tellers.formats.csv_ballots import read_csv_ballots, write_csv_ballots
from tellers.formats.detect import detect_format, load_election, read_profile
from tellers.formats.rctab_csv import read_generic_csv, read_rctab_csv, read_rctab_csv_rankings


def _file(tmp_path: Path, text: str | bytes, name: str = "ballots.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return path


# --------------------------------------------------------------------------- plain CSV


def test_each_line_is_a_ballot_in_rank_order_and_candidates_follow_first_appearance(
    tmp_path: Path,
) -> None:
    profile = read_csv_ballots(_file(tmp_path, "Bob,Alice\nAlice\nBob,Alice\n"))
    assert profile.candidates == ("Bob", "Alice")
    assert list(profile.ballots()) == [((0, 1), 2), ((1,), 1)]


def test_a_given_candidate_list_fixes_the_order_and_rejects_other_names(tmp_path: Path) -> None:
    path = _file(tmp_path, "Bob,Alice\nAlice,Carol\n")
    with pytest.raises(BallotFileError) as caught:
        read_csv_ballots(path, candidates=["Alice", "Bob"])
    assert (caught.value.location, caught.value.field) == ("line 2", "column 2")
    assert "unknown candidate 'Carol'" in caught.value.problem
    good = read_csv_ballots(_file(tmp_path, "Bob,Alice\n", "b.csv"), candidates=["Alice", "Bob"])
    assert good.candidates == ("Alice", "Bob")
    assert list(good.ballots()) == [((1, 0), 1)]


def test_blank_cells_are_skipped_ranks_and_spaces_around_names_are_ignored(
    tmp_path: Path,
) -> None:
    profile = read_csv_ballots(_file(tmp_path, " Alice ,, Bob,\n"))
    assert profile.ranked_names(0) == ("Alice", None, "Bob")


def test_equals_joins_names_at_one_rank_and_a_lone_equals_is_an_unknown_overvote(
    tmp_path: Path,
) -> None:
    profile = read_csv_ballots(_file(tmp_path, "Alice=Bob,Carol\n=,Alice\n"))
    assert profile.ranked_names(0) == (("Alice", "Bob"), "Carol")
    assert profile.marks(1) == (frozenset(), 0)


def test_counts_column_multiplies_a_line_and_a_count_alone_is_an_empty_ballot(
    tmp_path: Path,
) -> None:
    profile = read_csv_ballots(_file(tmp_path, "3,Alice,Bob\n2\n1,Alice,Bob\n"), counts=True)
    assert list(profile.ballots()) == [((0, 1), 4), ((), 2)]


def test_quoted_names_may_hold_commas(tmp_path: Path) -> None:
    profile = read_csv_ballots(_file(tmp_path, '"Smith, Jo",Alice\n'))
    assert profile.candidates == ("Smith, Jo", "Alice")


def test_blank_lines_are_ignored_but_a_lone_comma_is_a_ballot_with_no_marks(
    tmp_path: Path,
) -> None:
    profile = read_csv_ballots(_file(tmp_path, "Alice\n\n   \n,\n"))
    assert list(profile.ballots()) == [((0,), 1), ((), 1)]


@pytest.mark.parametrize("count", ["0", "-2", "two", "1.5", "", "\u0662"])
def test_a_count_that_is_not_a_positive_whole_number_names_line_and_column(
    tmp_path: Path, count: str
) -> None:
    path = _file(tmp_path, f"1,Alice\n{count},Bob\n")
    with pytest.raises(BallotFileError) as caught:
        read_csv_ballots(path, counts=True)
    assert caught.value.path == str(path)
    assert (caught.value.location, caught.value.field) == ("line 2", "column 1")
    assert "whole number of at least 1" in caught.value.problem
    assert repr(count) in caught.value.problem


def test_an_empty_equal_ranking_part_names_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(BallotFileError) as caught:
        read_csv_ballots(_file(tmp_path, "Alice\nBob,Alice=\n"))
    assert (caught.value.location, caught.value.field) == ("line 2", "column 2")


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_an_empty_file_is_an_error_not_an_empty_count(tmp_path: Path, text: str) -> None:
    with pytest.raises(BallotFileError, match="holds no ballots"):
        read_csv_ballots(_file(tmp_path, text))


def test_malformed_utf8_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(BallotFileError) as caught:
        read_csv_ballots(_file(tmp_path, b"Alice\nBob,\xff\xfeCarol\n"))
    assert caught.value.location == "line 2"
    assert "UTF-8" in caught.value.problem


def test_a_missing_file_is_a_ballot_file_error(tmp_path: Path) -> None:
    with pytest.raises(BallotFileError, match="file not found"):
        read_csv_ballots(tmp_path / "nope.csv")


def test_line_numbers_count_physical_lines_across_quoted_newlines(tmp_path: Path) -> None:
    path = _file(tmp_path, '1,"Al\nice"\nx,Bob\n')
    with pytest.raises(BallotFileError) as caught:
        read_csv_ballots(path, counts=True)
    assert caught.value.location == "line 3"


def test_write_then_read_gives_the_same_ballots_with_and_without_counts(tmp_path: Path) -> None:
    profile = Profile.from_ballots(
        ["Alice", "Bob", "Smith, Jo", "Zed"],
        [
            ((0, None, 2), 3),
            ((frozenset({0, 1}), 2), 1),
            ((frozenset(), 1), 2),
            ((), 4),
        ],
    )
    for counts in (True, False):
        path = tmp_path / f"out{counts}.csv"
        write_csv_ballots(profile, path, counts=counts)
        back = read_csv_ballots(path, counts=counts, candidates=profile.candidates)
        assert back.candidates == profile.candidates
        assert sorted(back.ballots(), key=repr) == sorted(profile.ballots(), key=repr)


def test_names_the_format_cannot_hold_are_refused_on_write(tmp_path: Path) -> None:
    profile = Profile.from_rankings(["A=B", "C"], [["C"]])
    with pytest.raises(InputError, match="'A=B'"):
        write_csv_ballots(profile, tmp_path / "x.csv")


# --------------------------------------------------------------------------- RCTab CSV


def test_generic_csv_cells_are_rank_numbers_for_the_header_candidates(tmp_path: Path) -> None:
    path = _file(tmp_path, "id,A,B,C\n1,2,1,\n2,1,1,3\n")
    profile = read_generic_csv(path, first_vote_column=2, id_column=1)
    assert profile.candidates == ("A", "B", "C")
    assert profile.ranked_names(0) == ("B", "A")
    assert profile.ranked_names(1) == (("A", "B"), None, "C")


def test_generic_csv_cell_that_is_not_a_rank_names_row_column_and_candidate(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path, "id,A,B\n1,1,2\n2,first,\n")
    with pytest.raises(BallotFileError) as caught:
        read_generic_csv(path, first_vote_column=2, id_column=1)
    assert (caught.value.location, caught.value.field) == ("row 3", "column 2")
    assert "'A'" in caught.value.problem
    assert "'first'" in caught.value.problem


def test_rctab_converted_csv_reads_undervotes_overvotes_and_write_in_codes(
    tmp_path: Path,
) -> None:
    text = (
        "Source Filepath,CVR Provider,Contest Id,RCTab CVR Id,Precinct,Rank 1,Rank 2,Rank 3\n"
        'x,cdf,,1,,"Ann\nBen",undervote,12\n'
        "x,cdf,,2,,overvote,Ben,undervote\n"
    )
    path = _file(tmp_path, text)
    assert read_rctab_csv_rankings(path)[0] == (("Ann", "Ben"), (), ("12",))
    profile = read_rctab_csv(path, write_in_labels=["12"])
    uwi = profile.index("Undeclared Write-ins")
    assert uwi in profile.write_ins
    assert profile.marks(0) == (frozenset({profile.index("Ann"), profile.index("Ben")}), None, uwi)
    assert profile.marks(1) == (frozenset(), profile.index("Ben"))


def test_rctab_csv_without_rank_columns_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BallotFileError, match="Rank 1"):
        read_rctab_csv(_file(tmp_path, "Source Filepath,Choice\nx,A\n"))


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.csv", b"Alice,Bob\n", "csv"),
        ("a.csv", b"Source Filepath,CVR Provider\n", "rctab-csv"),
        ("a.json", b"{}", "cdf"),
        ("a.xml", b"<a/>", "cdf"),
        ("a.xlsx", b"PK", "ess"),
        ("a.blt", b"2 1\n", "blt"),
        ("a.soi", b"# FILE NAME: x\n", "preflib"),
        ("a.TOC", b"# FILE NAME: x\n", "preflib"),
        ("ballots", b'  {"CVR": []}', "cdf"),
        ("ballots", b"PK\x03\x04", "ess"),
        ("ballots.txt", b"Alice,Bob\n", "csv"),
    ],
)
def test_auto_detection_by_extension_then_content(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    assert detect_format(_file(tmp_path, content, name)) == expected


def test_an_unknown_format_name_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected one of auto, csv, cdf, ess, rctab-csv"):
        read_profile(_file(tmp_path, "A\n"), "docx")


def test_read_profile_dispatches_plain_csv_with_counts(tmp_path: Path) -> None:
    profile = read_profile(_file(tmp_path, "2,Alice,Bob\n"), counts=True)
    assert list(profile.ballots()) == [((0, 1), 2)]


def test_load_election_reads_seats_and_title_from_blt(tmp_path: Path) -> None:
    path = _file(tmp_path, '3 2\n1 1 2 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"Title"\n', "e.blt")
    loaded = load_election(path)
    assert loaded.seats == 2
    assert loaded.title == "Title"
    assert loaded.profile.total == 3
