"""The PrefLib reader: real files from the shared PrefLib sample, and precise errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tellers.errors import BallotFileError
from tellers.formats.preflib import load_preflib, read_preflib

PREFLIB = "realdata/preflib"


def _first_preferences(path: Path) -> Counter[str]:
    profile = read_preflib(path)
    tally: Counter[str] = Counter()
    for marks, count in profile.ballots():
        if marks and isinstance(marks[0], int):
            tally[profile.candidates[marks[0]]] += count
    return tally


def test_dublin_north_first_preferences_match_the_official_party_totals(
    shared_dir: Path,
) -> None:
    # README of the shared PrefLib sample: "Sargent 7,294; Ryan 6,359; ... Walshe 247".
    path = shared_dir / PREFLIB / "00001-irish/00001-00000001.soi"
    profile = read_preflib(path)
    assert profile.total == 43942
    assert len(profile.candidates) == 12
    tally = _first_preferences(path)
    assert tally["Trevor Sargent G.P."] == 7294
    assert tally["Sean Ryan Lab"] == 6359
    assert tally["Clare Daly S.P."] == 5501
    assert tally["David Henry Walshe C.C. Csp"] == 247
    assert sum(tally.values()) == 43942


def test_burlington_2009_round_one_matches_the_official_count(shared_dir: Path) -> None:
    # README: "round 1 Wright 2,951, Kiss 2,585, Montroll 2,063, Smith 1,306 (the file
    # matches exactly)".
    path = shared_dir / PREFLIB / "00005-burlington/00005-00000002.toi"
    tally = _first_preferences(path)
    assert tally["Kurt Wright"] == 2951
    assert tally["Bob Kiss"] == 2585
    assert tally["Andy Montroll"] == 2063
    assert tally["Dan Smith"] == 1306


def test_tied_alternatives_become_one_rank_cell_holding_all_of_them(shared_dir: Path) -> None:
    # Line "1: 5,4,{1,2}" of the 2009 file: Wright, Smith, then Kiss and Montroll equal.
    loaded = load_preflib(shared_dir / PREFLIB / "00005-burlington/00005-00000002.toi")
    profile = loaded.profile
    assert loaded.data_type == "toi"
    assert loaded.title == "2009 Burlington Mayoral Election"
    wanted = ("Kurt Wright", "Dan Smith", ("Andy Montroll", "Bob Kiss"))
    rows = [row for row in range(len(profile)) if profile.ranked_names(row) == wanted]
    assert len(rows) == 1
    assert int(profile.counts[rows[0]]) == 1


def test_toc_keeps_the_unranked_alternatives_as_a_tied_last_cell(shared_dir: Path) -> None:
    # "34: 4,{1,2,3,5}" — 34 MPs ranked D. Miliband only.
    profile = read_preflib(shared_dir / PREFLIB / "00030-uklabor/00030-00000001.toc")
    assert profile.total == 266
    wanted = ("D.Milbnd", ("A.Burnhm", "D.Abbott", "E.Balls", "E.Milbnd"))
    counts = [
        int(profile.counts[row])
        for row in range(len(profile))
        if profile.ranked_names(row) == wanted
    ]
    assert counts == [34]


@pytest.mark.parametrize(
    "folder",
    ["00001-irish", "00002-debian", "00005-burlington", "00007-ers", "00008-glasgow"],
)
def test_every_shared_file_agrees_with_its_declared_voter_count(
    shared_dir: Path, folder: str
) -> None:
    files = sorted((shared_dir / PREFLIB / folder).glob("*.[st]o[ic]"))
    assert files
    for path in files:
        loaded = load_preflib(path)
        assert loaded.profile.total == int(loaded.header["NUMBER VOTERS"])
        assert len(loaded.profile.candidates) == int(loaded.header["NUMBER ALTERNATIVES"])


HEADER = """# FILE NAME: t.{ext}
# DATA TYPE: {ext}
# NUMBER ALTERNATIVES: 3
# NUMBER VOTERS: {voters}
# NUMBER UNIQUE ORDERS: {orders}
# ALTERNATIVE NAME 1: Ann
# ALTERNATIVE NAME 2: Bob
# ALTERNATIVE NAME 3: Cy
"""


def _write(
    tmp_path: Path, body: str, *, ext: str = "soi", voters: int = 0, orders: int = 0
) -> Path:
    path = tmp_path / f"t.{ext}"
    path.write_text(HEADER.format(ext=ext, voters=voters, orders=orders) + body, encoding="utf-8")
    return path


def test_a_small_soi_file_reads_in_header_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "3: 2,1\n2: 3\n", voters=5, orders=2)
    profile = read_preflib(path)
    assert profile.candidates == ("Ann", "Bob", "Cy")
    assert dict(profile.ballots()) == {(1, 0): 3, (2,): 2}


@pytest.mark.parametrize(
    ("body", "ext", "location", "field", "needle"),
    [
        ("3: 2,4\n", "soi", "line 9", "position 2", "alternative 4 is not among 1..3"),
        ("3: 2,2\n", "soi", "line 9", "position 2", "appears more than once"),
        ("x: 2\n", "soi", "line 9", "count", "whole number of voters"),
        ("3 2\n", "soi", "line 9", "count", "'<count>: <order>'"),
        ("3: 2,\n", "soi", "line 9", "position 2", "alternative number"),
        ("3: {1,2},3\n", "soi", "line 9", "position 1", "not allowed in a strict"),
        ("3: {1,2,3\n", "toi", "line 9", "position 1", "not closed"),
        ("3: 1,2\n", "toc", "line 9", "order", "must rank all 3"),
    ],
)
def test_malformed_lines_are_reported_with_file_line_and_field(
    tmp_path: Path, body: str, ext: str, location: str, field: str, needle: str
) -> None:
    path = _write(tmp_path, body, ext=ext, voters=3, orders=1)
    with pytest.raises(BallotFileError) as caught:
        read_preflib(path)
    err = caught.value
    assert err.path == str(path)
    assert err.location == location
    assert err.field == field
    assert needle in err.problem
    assert str(path) in str(err)


def test_a_voter_count_that_disagrees_with_the_body_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, "3: 1\n", voters=4, orders=1)
    with pytest.raises(BallotFileError, match="declares 4 but the file holds 3") as caught:
        read_preflib(path)
    assert caught.value.field == "NUMBER VOTERS"
    assert caught.value.location == "line 4"


def test_a_missing_alternative_name_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.soi"
    path.write_text("# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: Ann\n1: 1\n", encoding="utf-8")
    with pytest.raises(BallotFileError, match=r"alternative\(s\) \[2\]"):
        read_preflib(path)


def test_a_missing_file_is_an_input_error_not_an_oserror(tmp_path: Path) -> None:
    with pytest.raises(BallotFileError, match="cannot read the file"):
        read_preflib(tmp_path / "absent.soi")


NAMES = "# ALTERNATIVE NAME 1: Ann\n# ALTERNATIVE NAME 2: Bob\n"


@pytest.mark.parametrize(
    ("name", "text", "field", "needle"),
    [
        ("t.csv", NAMES + "1: 1\n", "DATA TYPE", "unsupported PrefLib data type 'csv'"),
        ("t.soi", "# DATA TYPE: wmd\n" + NAMES, "DATA TYPE", "unsupported"),
        ("t.soi", "# NUMBER ALTERNATIVES: two\n" + NAMES, "NUMBER ALTERNATIVES", "whole number"),
        ("t.soi", NAMES + "1: 1\n# TITLE: late\n", "", "header line after the first order"),
        ("t.soi", "# JUST A COMMENT\n" + NAMES, "", "'# KEY: value'"),
        ("t.soi", NAMES + "# ALTERNATIVE NAME 1: Cy\n", "ALTERNATIVE NAME 1", "named twice"),
        ("t.soi", "# ALTERNATIVE NAME 1:\n", "ALTERNATIVE NAME 1", "empty name"),
        ("t.soi", "1: 1\n", "NUMBER ALTERNATIVES", "no '# NUMBER ALTERNATIVES'"),
        (
            "t.soi",
            "# NUMBER ALTERNATIVES: 1\n" + NAMES,
            "ALTERNATIVE NAME 2",
            "outside 1..1",
        ),
        (
            "t.soi",
            "# ALTERNATIVE NAME 1: Ann\n# ALTERNATIVE NAME 2: Ann\n",
            "ALTERNATIVE NAME",
            "share a name",
        ),
        ("t.toi", NAMES + "1: {1}x,2\n", "position 1", "expected ',' after '}'"),
    ],
)
def test_malformed_headers_are_reported_precisely(
    tmp_path: Path, name: str, text: str, field: str, needle: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BallotFileError) as caught:
        read_preflib(path)
    assert caught.value.field == field
    assert needle in caught.value.problem


def test_without_a_count_header_the_names_fix_the_alternatives_and_singletons_unwrap(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.toi"
    path.write_text(NAMES + "2: {2},1\n1:\n", encoding="utf-8")
    loaded = load_preflib(path)
    assert loaded.profile.candidates == ("Ann", "Bob")
    assert dict(loaded.profile.ballots()) == {(1, 0): 2, (): 1}
    assert loaded.data_type == "toi"


def test_blank_lines_and_spaces_around_a_group_are_allowed(tmp_path: Path) -> None:
    path = tmp_path / "t.toi"
    path.write_text(NAMES + "\n3: { 1 , 2 } \n\n1: {1} , 2\n", encoding="utf-8")
    assert dict(read_preflib(path).ballots()) == {(frozenset({0, 1}),): 3, (0, 1): 1}
