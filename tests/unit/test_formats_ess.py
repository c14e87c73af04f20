"""ES&S xlsx reader: cells as RCTab's StreamingCvrReader reads them, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Font

from tellers.errors import BallotFileError
from tellers.formats.ess import EssLayout, read_ess
from tellers.formats.rctab_config import load_rctab_contest

HEADER = ("Precinct", "1st Choice", "2nd Choice", "3rd Choice", "Count")


def _xlsx(tmp_path: Path, rows: list[tuple[object, ...]], name: str = "cvr.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / name
    workbook.save(path)
    return path


def _config(tmp_path: Path, xlsx: Path, **source: object) -> Path:
    entry: dict[str, object] = {
        "filePath": xlsx.name,
        "provider": "ess",
        "contestId": "",
        "firstVoteColumnIndex": "2",
        "firstVoteRowIndex": "2",
        "overvoteLabel": "overvote",
        "skippedRankLabel": "undervote",
    }
    entry.update(source)
    config = {
        "tabulatorVersion": "TEST",
        "outputSettings": {"contestName": "Test"},
        "cvrFileSources": [entry],
        "candidates": [
            {"name": "Ann", "aliases": ["A"], "excluded": False},
            {"name": "Ben", "aliases": [], "excluded": False},
            {"name": "Cy", "aliases": [], "excluded": False},
        ],
        "rules": {
            "tiebreakMode": "useCandidateOrder",
            "overvoteRule": "exhaustImmediately",
            "winnerElectionMode": "singleWinnerMajority",
            "numberOfWinners": "1",
            "decimalPlacesForVoteArithmetic": "4",
            "maxSkippedRanksAllowed": "1",
            "maxRankingsAllowed": "3",
        },
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def test_names_labels_and_blanks_become_marks_and_the_count_column_is_ignored(
    tmp_path: Path,
) -> None:
    path = _xlsx(
        tmp_path,
        [
            HEADER,
            ("P1", "Ann", "undervote", "Ben", 1),
            ("P1", "overvote", "Ben", None, 1),
            ("P2", None, None, "Cy", 1),
        ],
    )
    profile = read_ess(path)
    assert profile.ranked_names(0) == ("Ann", None, "Ben")
    assert profile.marks(1) == (frozenset(), profile.index("Ben"))
    assert profile.ranked_names(2) == (None, None, "Cy")
    assert "1" not in profile.candidates


def test_aliases_resolve_to_the_configured_name_and_unknown_names_are_listed(
    tmp_path: Path,
) -> None:
    xlsx = _xlsx(tmp_path, [HEADER, ("P1", "A", "Ben", None, 1)])
    contest = load_rctab_contest(_config(tmp_path, xlsx))
    assert contest.profile.ranked_names(0) == ("Ann", "Ben")
    bad = _xlsx(tmp_path, [HEADER, ("P1", "Dee", "Dee", None, 1)], "bad.xlsx")
    with pytest.raises(BallotFileError, match=r'"Dee" appears 2 time\(s\)'):
        load_rctab_contest(_config(tmp_path, bad))


def test_the_overvote_delimiter_splits_a_cell_into_an_overvote(tmp_path: Path) -> None:
    xlsx = _xlsx(tmp_path, [HEADER, ("P1", "Ann|Ben", "Cy", None, 1)])
    contest = load_rctab_contest(_config(tmp_path, xlsx, overvoteDelimiter="|", overvoteLabel=""))
    assert contest.profile.ranked_names(0) == (("Ann", "Ben"), "Cy")


def test_a_delimited_cell_with_an_undervote_part_names_row_and_column(tmp_path: Path) -> None:
    xlsx = _xlsx(tmp_path, [HEADER, ("P1", "Ann", "Ben", None, 1), ("P1", "Ann", "Ben|undervote")])
    with pytest.raises(BallotFileError) as caught:
        load_rctab_contest(_config(tmp_path, xlsx, overvoteDelimiter="|", overvoteLabel=""))
    assert caught.value.path.endswith("cvr.xlsx")
    assert (caught.value.location, caught.value.field) == ("row 3", "column C")


def test_blanks_are_undeclared_write_ins_when_the_source_says_so(tmp_path: Path) -> None:
    xlsx = _xlsx(tmp_path, [HEADER, ("P1", "Ann", None, "UWI", 1)])
    contest = load_rctab_contest(
        _config(tmp_path, xlsx, undeclaredWriteInLabel="UWI", treatBlankAsUndeclaredWriteIn=True)
    )
    uwi = contest.profile.index("Undeclared Write-ins")
    assert contest.profile.marks(0) == (0, uwi, uwi)


def test_rows_without_a_precinct_are_grouped_and_a_missing_id_names_the_cell(
    tmp_path: Path,
) -> None:
    xlsx = _xlsx(tmp_path, [HEADER, ("P1", "Ann", None, None), (None, "Ben", None, None)])
    contest = load_rctab_contest(_config(tmp_path, xlsx, precinctColumnIndex="1"))
    assert {k: v.total for k, v in contest.precincts.items()} == {
        "P1": 1,
        "missing_precinct_id": 1,
    }
    with pytest.raises(BallotFileError) as caught:
        load_rctab_contest(_config(tmp_path, xlsx, idColumnIndex="1"))
    assert (caught.value.location, caught.value.field) == ("row 3", "column A")


def test_only_max_rankings_columns_are_read(tmp_path: Path) -> None:
    xlsx = _xlsx(tmp_path, [HEADER, ("P1", "Ann", "Ben", "Cy", "Ann")])
    profile = read_ess(xlsx, EssLayout(rankings=2))
    assert profile.ranked_names(0) == ("Ann", "Ben")


def test_a_row_of_formatted_empty_cells_is_an_undervote_but_a_missing_row_is_nothing(
    tmp_path: Path,
) -> None:
    # RCTab streams the sheet's <row> elements: one holding only a styled, empty cell is
    # a ballot with no marks; row numbers with no element at all are no ballots.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(HEADER))
    sheet.append(["P1", "Ann"])
    sheet["B3"].font = Font(bold=True)
    sheet["A6"] = "P1"
    sheet["B6"] = "Ben"
    path = tmp_path / "gaps.xlsx"
    workbook.save(path)
    profile = read_ess(path, EssLayout(rankings=3))
    assert profile.total == 3
    assert sorted(profile.ranked_names(r) for r in range(len(profile))) == [
        (),
        ("Ann",),
        ("Ben",),
    ]


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04garbage"])
def test_a_file_that_is_not_a_workbook_is_a_ballot_file_error(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(BallotFileError, match="Excel workbook"):
        read_ess(path)
