"""Hart per-ballot XML reader: rank digit strings, overvotes, write-ins, files, errors, configs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tellers.errors import BallotFileError
from tellers.formats.hart import hart_cvr_files, read_hart, read_hart_contest
from tellers.formats.rctab_config import UNDECLARED_WRITE_INS, load_rctab_contest

MAYOR = "c-mayor"
IDS = {"Ann": "id-ann", "Ben": "id-ben", "Cy": "id-cy"}
WRITE_IN = "id-write-in"


def _option(name: str | None, value: str, ident: str | None = None) -> str:
    ident = ident if ident is not None else IDS.get(name or "", WRITE_IN)
    name_xml = f"<Name>{name}</Name>" if name is not None else ""
    return f"<Option>{name_xml}<Id>{ident}</Id><Value>{value}</Value></Option>"


def _cvr(options: list[str], *, guid: str = "g1", contest: str = MAYOR, **extra: str) -> str:
    """A Hart CVR document as the vendor writes it: BOM, namespace, one line."""
    fields = {"BatchSequence": "1", "SheetNumber": "1", "BatchNumber": "7"} | extra
    tail = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return (
        '\ufeff<?xml version="1.0" encoding="utf-8"?>'
        '<Cvr xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns="http://tempuri.org/CVRDesign.xsd"><Contests>'
        "<Contest><Name>Other</Name><Id>c-other</Id><Options /></Contest>"
        f"<Contest><Name>Mayor</Name><Id>{contest}</Id><Options>{''.join(options)}</Options>"
        "</Contest></Contests>"
        f"{tail}<PrecinctSplit><Name>101</Name><Id>ps-1</Id></PrecinctSplit>"
        f"<CvrGuid>{guid}</CvrGuid></Cvr>"
    )


def _folder(tmp_path: Path, ballots: dict[str, str]) -> Path:
    folder = tmp_path / "hart"
    folder.mkdir()
    for name, text in ballots.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_rank_digits_become_ranks_with_overvotes_skips_and_write_ins(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "a.xml": _cvr([_option("Ben", "100"), _option("Ann", "001")], guid="a"),
            "b.xml": _cvr([_option("Ann", "10"), _option("Cy", "11")], guid="b"),
            "c.xml": _cvr([_option(None, "1"), _option("Cy", "01")], guid="c"),
            "d.xml": _cvr([], guid="d"),
        },
    )
    profile = read_hart(folder, MAYOR, undeclared_write_in_label=WRITE_IN)
    assert profile.candidates == ("Ben", "Ann", "Cy", UNDECLARED_WRITE_INS)
    assert profile.write_ins == frozenset({3})
    assert profile.total == 4
    assert {profile.ranked_names(r) for r in range(len(profile))} == {
        ("Ben", None, "Ann"),
        (("Ann", "Cy"), "Cy"),
        (UNDECLARED_WRITE_INS, "Cy"),
        (),
    }


def test_records_carry_guid_precinct_split_and_batch(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"x.xml": _cvr([_option("Ann", "1")], guid="G-42")})
    (record,) = read_hart_contest(folder, MAYOR).records
    assert record.record_id == "G-42"
    assert record.precinct == "101"
    assert record.batch == "7"
    assert record.location == "x.xml, Contest[2] (CvrGuid G-42)"
    assert record.rankings == ((1, "id-ann"),)


def test_a_sheet_without_the_contest_is_not_a_ballot_in_it(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "a.xml": _cvr([_option("Ann", "1")], guid="a"),
            "b.xml": _cvr([_option("Ann", "1")], guid="b", contest="c-clerk"),
        },
    )
    assert [r.record_id for r in read_hart_contest(folder, MAYOR).records] == ["a"]


def test_signatures_and_other_files_are_not_ballots(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "b.xml": _cvr([_option("Ann", "1")], guid="b"),
            "a.XML": _cvr([_option("Ben", "1")], guid="a"),
            "b.xml.sig.xml": "<Signature/>",
            "notes.txt": "not a ballot",
        },
    )
    assert [p.name for p in hart_cvr_files(folder)] == ["a.XML", "b.xml"]
    assert [r.record_id for r in read_hart_contest(folder, MAYOR).records] == ["a", "b"]


def test_one_option_id_with_two_names_is_refused_naming_both_files(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "a.xml": _cvr([_option("Ann", "1")], guid="a"),
            "b.xml": _cvr([_option("Anne", "1", ident="id-ann")], guid="b"),
        },
    )
    with pytest.raises(BallotFileError) as caught:
        read_hart_contest(folder, MAYOR)
    assert caught.value.path.endswith("b.xml")
    assert caught.value.field == "Options/Option[1]/Name"
    assert "Candidate Code id-ann associated with more than one candidate name" in (
        caught.value.problem
    )
    assert "a.xml" in caught.value.problem


@pytest.mark.parametrize(
    ("option", "field", "problem"),
    [
        (_option("Ann", "12"), "Options/Option[1]/Value", "string of 0 and 1"),
        ("<Option><Name>Ann</Name><Id>id-ann</Id></Option>", "Options/Option[1]/Value", "missing"),
        ("<Option><Name>Ann</Name><Value>1</Value></Option>", "Options/Option[1]/Id", "missing"),
    ],
)
def test_a_malformed_option_names_file_contest_and_field(
    tmp_path: Path, option: str, field: str, problem: str
) -> None:
    folder = _folder(tmp_path, {"a.xml": _cvr([option], guid="a")})
    with pytest.raises(BallotFileError) as caught:
        read_hart_contest(folder, MAYOR)
    assert caught.value.path.endswith("a.xml")
    assert caught.value.location == "Contest[2] (CvrGuid a)"
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_broken_xml_names_line_and_column(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.xml": "<Cvr>\n<Contests></Cvr>"})
    with pytest.raises(BallotFileError) as caught:
        read_hart_contest(folder, MAYOR)
    assert caught.value.location == "line 2"
    assert caught.value.field.startswith("column ")


def test_entities_are_refused(tmp_path: Path) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE Cvr [<!ENTITY a "aaaa">]><Cvr>&a;</Cvr>'
    folder = _folder(tmp_path, {"a.xml": bomb})
    with pytest.raises(BallotFileError, match="refused unsafe XML"):
        read_hart_contest(folder, MAYOR)


def test_a_document_that_is_not_a_cvr_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.xml": "<CastVoteRecordReport/>"})
    with pytest.raises(BallotFileError, match="expected a Hart <Cvr> document"):
        read_hart_contest(folder, MAYOR)


def test_a_folder_without_xml_or_a_file_instead_of_a_folder_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"notes.txt": "x"})
    with pytest.raises(BallotFileError, match="Unable to find any XML files"):
        read_hart_contest(folder, MAYOR)
    with pytest.raises(BallotFileError, match="expected the folder of a Hart export"):
        read_hart_contest(folder / "notes.txt", MAYOR)


def test_a_contest_without_ballots_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.xml": _cvr([_option("Ann", "1")])})
    with pytest.raises(BallotFileError, match="No cast vote records found for contest 'c-x'"):
        read_hart_contest(folder, "c-x")


# --------------------------------------------------------------------------- RCTab configs


def _config(tmp_path: Path, folder: Path, **source: Any) -> Path:
    config = {
        "tabulatorVersion": "TEST",
        "outputSettings": {"contestName": "Mayor"},
        "cvrFileSources": [
            {"filePath": str(folder), "contestId": MAYOR, "provider": "hart"} | source
        ],
        "candidates": [{"name": n, "aliases": [i]} for n, i in IDS.items()],
        "rules": {
            "tiebreakMode": "useCandidateOrder",
            "overvoteRule": "exhaustImmediately",
            "winnerElectionMode": "singleWinnerMajority",
            "numberOfWinners": "1",
            "decimalPlacesForVoteArithmetic": "4",
            "maxSkippedRanksAllowed": "1",
            "maxRankingsAllowed": "max",
        },
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), "utf-8")
    return path


def test_an_rctab_config_resolves_option_ids_through_aliases(tmp_path: Path) -> None:
    folder = _folder(
        tmp_path,
        {
            "a.xml": _cvr([_option("Cy", "10"), _option(None, "01")], guid="a"),
            "b.xml": _cvr([], guid="b"),
        },
    )
    contest = load_rctab_contest(_config(tmp_path, folder, undeclaredWriteInLabel=WRITE_IN))
    profile = contest.profile
    assert profile.candidates == ("Ann", "Ben", "Cy", UNDECLARED_WRITE_INS)
    assert {profile.ranked_names(r) for r in range(len(profile))} == {
        ("Cy", UNDECLARED_WRITE_INS),
        (),
    }
    assert set(contest.precincts) == {"101"}
    assert set(contest.batches) == {"7"}


def test_a_rank_beyond_the_candidate_count_is_refused_with_max(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.xml": _cvr([_option("Ann", "0001")], guid="a")})
    with pytest.raises(BallotFileError) as caught:
        load_rctab_contest(_config(tmp_path, folder))
    assert caught.value.location == "a.xml, Contest[2] (CvrGuid a)"
    assert 'CVR "a" has a ranking 4' in caught.value.problem
