"""Dominion JSON export reader: sessions, adjudication, marks, cards, files, errors, configs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tellers.errors import BallotFileError
from tellers.formats.dominion import (
    cvr_export_files,
    read_dominion,
    read_dominion_contest,
)
from tellers.formats.rctab_config import UNDECLARED_WRITE_INS, load_rctab_contest

# Contest 1 "Mayor" (3 ranks): candidates 10 Ann, 11 Ben, 12 Cy, 19 the write-in line.
# Contest 2 "Clerk": candidate 20 Dee.
CANDIDATES = [(10, "Ann", 1), (11, "Ben", 1), (12, "Cy", 1), (19, "Write-in", 1), (20, "Dee", 2)]


def _mark(candidate: int, rank: int, **extra: Any) -> dict[str, Any]:
    return {
        "CandidateId": candidate,
        "Rank": rank,
        "IsAmbiguous": False,
        "IsVote": True,
        "OutstackConditionIds": [],
    } | extra


def _contest(marks: list[dict[str, Any]], contest: int = 1, **extra: Any) -> dict[str, Any]:
    return {"Id": contest, "OutstackConditionIds": [], "Marks": marks} | extra


def _session(
    record: int,
    contests: list[dict[str, Any]],
    *,
    cards: bool = True,
    tabulator: int = 5,
    batch: int = 2,
    **original: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"PrecinctPortionId": 1, "BallotTypeId": 1, "IsCurrent": True}
    body |= {"Cards": [{"Id": 1, "Contests": contests}]} if cards else {"Contests": contests}
    return {
        "TabulatorId": tabulator,
        "BatchId": batch,
        "RecordId": record,
        "Original": body | original,
    }


def _export(
    folder: Path,
    sessions: list[dict[str, Any]] | dict[str, list[dict[str, Any]]],
    *,
    precincts: bool = True,
) -> Path:
    """Write a small export; ``sessions`` is one CvrExport.json, or file name -> sessions."""
    folder.mkdir(parents=True, exist_ok=True)

    def manifest(name: str, items: list[dict[str, Any]]) -> None:
        (folder / name).write_text(json.dumps({"Version": "5", "List": items}), "utf-8")

    manifest(
        "ContestManifest.json",
        [
            {"Description": "Mayor", "Id": 1, "VoteFor": 1, "NumOfRanks": 3},
            {"Description": "Clerk", "Id": 2, "VoteFor": 1, "NumOfRanks": 0},
        ],
    )
    manifest(
        "CandidateManifest.json",
        [{"Description": n, "Id": i, "ContestId": c, "Type": "Regular"} for i, n, c in CANDIDATES],
    )
    manifest(
        "PrecinctPortionManifest.json",
        [{"Description": "North part", "Id": 1, "PrecinctId": 7}],
    )
    if precincts:
        manifest("PrecinctManifest.json", [{"Description": "North", "Id": 7}])
    files = sessions if isinstance(sessions, dict) else {"CvrExport.json": sessions}
    for name, content in files.items():
        text = json.dumps({"Version": "5", "ElectionId": "E", "Sessions": content})
        (folder / name).write_text(text, "utf-8")
    return folder


def _rankings(folder: Path, contest: str = "1", **kwargs: Any) -> list[tuple[tuple[int, str], ...]]:
    return [r.rankings for r in read_dominion_contest(folder, contest, **kwargs).records]


def test_marks_become_ranks_with_overvotes_skips_and_the_write_in(tmp_path: Path) -> None:
    folder = _export(
        tmp_path / "e",
        [
            _session(1, [_contest([_mark(11, 1), _mark(10, 3)])]),
            _session(2, [_contest([_mark(10, 1), _mark(12, 1), _mark(11, 2)])]),
            _session(3, [_contest([_mark(19, 1), _mark(12, 2)])]),
            _session(4, [_contest([])]),
        ],
    )
    profile = read_dominion(folder, "1", undeclared_write_in_label="19")
    assert profile.candidates == ("Ann", "Ben", "Cy", UNDECLARED_WRITE_INS)
    assert profile.write_ins == frozenset({3})
    assert profile.total == 4
    assert {profile.ranked_names(r) for r in range(len(profile))} == {
        ("Ben", None, "Ann"),
        (("Ann", "Cy"), "Ben"),
        (UNDECLARED_WRITE_INS, "Cy"),
        (),
    }


def test_records_are_named_tabulator_batch_record_with_precinct_and_batch(tmp_path: Path) -> None:
    folder = _export(
        tmp_path / "e",
        [_session(9, [_contest([_mark(10, 1)])], tabulator=42, batch=3, PrecinctId=7)],
    )
    (record,) = read_dominion_contest(folder, "1").records
    assert record.record_id == "42-3-9"
    assert record.precinct == "North"
    assert record.batch == "3"
    assert record.location == "CvrExport.json, session 1 (record 42-3-9)"
    assert record.rankings == ((1, "10"),)


def test_a_session_without_precinct_id_has_no_precinct(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [_session(1, [_contest([_mark(10, 1)])])])
    assert read_dominion_contest(folder, "1").records[0].precinct is None


def test_adjudicated_marks_replace_the_original_and_unadjudicated_sessions_are_skipped(
    tmp_path: Path,
) -> None:
    adjudicated = _session(1, [_contest([_mark(10, 1)])], IsCurrent=False)
    adjudicated["Modified"] = {
        "PrecinctPortionId": 1,
        "BallotTypeId": 1,
        "IsCurrent": True,
        "Cards": [{"Id": 1, "Contests": [_contest([_mark(12, 1), _mark(11, 2)])]}],
    }
    orphan = _session(2, [_contest([_mark(11, 1)])], IsCurrent=False)
    folder = _export(tmp_path / "e", [adjudicated, orphan])
    assert _rankings(folder) == [((1, "12"), (2, "11"))]


def test_ambiguous_marks_are_ignored_and_is_vote_is_not_consulted(tmp_path: Path) -> None:
    marks = [_mark(10, 1, IsVote=False), _mark(11, 2, IsAmbiguous=True), _mark(12, 3)]
    folder = _export(tmp_path / "e", [_session(1, [_contest(marks)])])
    assert _rankings(folder) == [((1, "10"), (3, "12"))]


def test_an_invalid_contest_is_not_a_ballot_in_that_contest(tmp_path: Path) -> None:
    # Outstack condition 7, "InvalidContest" (RCTab #909): Alaska's partial-count ballots.
    folder = _export(
        tmp_path / "e",
        [
            _session(1, [_contest([_mark(10, 1)], OutstackConditionIds=[7])]),
            _session(2, [_contest([], OutstackConditionIds=[7])]),
            _session(3, [_contest([_mark(11, 1)], OutstackConditionIds=[11, 14])]),
        ],
    )
    assert [r.record_id for r in read_dominion_contest(folder, "1").records] == ["5-2-3"]


def test_contests_are_read_with_or_without_cards_and_from_every_card(tmp_path: Path) -> None:
    two_cards = _session(2, [_contest([_mark(20, 1)], contest=2)])
    two_cards["Original"]["Cards"].append({"Id": 2, "Contests": [_contest([_mark(12, 1)])]})
    folder = _export(
        tmp_path / "e", [_session(1, [_contest([_mark(10, 1)])], cards=False), two_cards]
    )
    assert _rankings(folder) == [((1, "10"),), ((1, "12"),)]
    assert _rankings(folder, "2") == [((1, "20"),)]


def test_split_exports_are_read_in_the_order_of_their_numbers(tmp_path: Path) -> None:
    # Upstream #898: numbering need not start at 1 nor be consecutive.
    folder = _export(
        tmp_path / "e",
        {
            "CvrExport_10.json": [_session(3, [_contest([_mark(12, 1)])])],
            "CvrExport_9.json": [_session(2, [_contest([_mark(11, 1)])])],
            "CvrExport_182.json": [_session(4, [_contest([_mark(10, 1)])])],
        },
    )
    (folder / "CvrExport_notes.json").write_text("{}", "utf-8")
    assert [p.name for p in cvr_export_files(folder)] == [
        "CvrExport_9.json",
        "CvrExport_10.json",
        "CvrExport_182.json",
    ]
    assert _rankings(folder) == [((1, "11"),), ((1, "12"),), ((1, "10"),)]


def test_a_single_cvr_export_is_preferred_to_split_files(tmp_path: Path) -> None:
    folder = _export(
        tmp_path / "e",
        {
            "CvrExport.json": [_session(1, [_contest([_mark(10, 1)])])],
            "CvrExport_1.json": [_session(2, [_contest([_mark(11, 1)])])],
        },
    )
    assert _rankings(folder) == [((1, "10"),)]


def test_an_export_without_cvr_files_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", {})
    with pytest.raises(BallotFileError, match="neither CvrExport.json nor CvrExport_<n>.json"):
        read_dominion_contest(folder, "1")


def test_a_file_instead_of_a_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CvrExport.json"
    path.write_text("{}", "utf-8")
    with pytest.raises(BallotFileError, match="expected the folder of a Dominion export"):
        read_dominion_contest(path, "1")


def test_an_unknown_precinct_portion_names_file_session_and_field(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [_session(1, [_contest([])], PrecinctPortionId=99)])
    with pytest.raises(BallotFileError) as caught:
        read_dominion_contest(folder, "1")
    assert caught.value.path.endswith("CvrExport.json")
    assert caught.value.location == "session 1 (record 5-2-1)"
    assert caught.value.field == "Original.PrecinctPortionId"
    assert '"99"' in caught.value.problem


def test_a_precinct_id_needs_a_precinct_manifest(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [_session(1, [_contest([])], PrecinctId=7)], precincts=False)
    with pytest.raises(BallotFileError, match='Precinct ID "7" from CVR not found'):
        read_dominion_contest(folder, "1")


def test_a_candidate_of_another_contest_is_refused_naming_the_mark(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [_session(1, [_contest([_mark(10, 1), _mark(20, 2)])])])
    with pytest.raises(BallotFileError) as caught:
        read_dominion_contest(folder, "1")
    assert caught.value.field == "Original.Cards[0].Contests[0].Marks[1].CandidateId"
    assert "Candidate ID '20' is not valid for contest '1'" in caught.value.problem


def test_a_rank_that_is_not_a_whole_number_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [_session(1, [_contest([_mark(10, 1, Rank="1")])])])
    with pytest.raises(BallotFileError) as caught:
        read_dominion_contest(folder, "1")
    assert caught.value.field == "Original.Cards[0].Contests[0].Marks[0].Rank"
    assert "whole number" in caught.value.problem


def test_an_unknown_contest_is_refused_listing_the_manifest(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [_session(1, [_contest([])])])
    with pytest.raises(BallotFileError, match=r"Unknown contest ID '3'.*1 \(Mayor\)"):
        read_dominion_contest(folder, "3")


def test_a_contest_without_ballots_is_refused(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [_session(1, [_contest([_mark(10, 1)])])])
    with pytest.raises(BallotFileError, match="No cast vote record data found for contest '2'"):
        read_dominion_contest(folder, "2")


def test_a_missing_manifest_is_named(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [_session(1, [_contest([])])])
    (folder / "CandidateManifest.json").unlink()
    with pytest.raises(BallotFileError) as caught:
        read_dominion_contest(folder, "1")
    assert caught.value.path.endswith("CandidateManifest.json")
    assert "missing" in caught.value.problem


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e", [])
    (folder / "CvrExport.json").write_text('{"Sessions": [\n  {,}\n]}', "utf-8")
    with pytest.raises(BallotFileError) as caught:
        read_dominion_contest(folder, "1")
    assert (caught.value.location, caught.value.field) == ("line 2", "column 4")


# --------------------------------------------------------------------------- RCTab configs


def _config(tmp_path: Path, export: Path, max_rankings: str) -> Path:
    config = {
        "tabulatorVersion": "TEST",
        "outputSettings": {"contestName": "Mayor"},
        "cvrFileSources": [
            {
                "filePath": str(export),
                "contestId": "1",
                "provider": "dominion",
                "undeclaredWriteInLabel": "19",
            }
        ],
        "candidates": [
            {"name": "Ann", "aliases": ["10"]},
            {"name": "Ben", "aliases": ["11"]},
        ],
        "rules": {
            "tiebreakMode": "useCandidateOrder",
            "overvoteRule": "exhaustImmediately",
            "winnerElectionMode": "singleWinnerMajority",
            "numberOfWinners": "1",
            "decimalPlacesForVoteArithmetic": "4",
            "maxSkippedRanksAllowed": "1",
            "maxRankingsAllowed": max_rankings,
        },
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), "utf-8")
    return path


def test_an_rctab_config_resolves_codes_through_aliases(tmp_path: Path) -> None:
    export = _export(
        tmp_path / "e",
        [
            _session(1, [_contest([_mark(11, 1), _mark(19, 2)])]),
            _session(2, [_contest([_mark(10, 1)])]),
        ],
    )
    contest = load_rctab_contest(_config(tmp_path, export, "2"))
    profile = contest.profile
    assert profile.candidates == ("Ann", "Ben", UNDECLARED_WRITE_INS)
    assert sorted(profile.ranked_names(r) for r in range(len(profile))) == [
        ("Ann",),
        ("Ben", UNDECLARED_WRITE_INS),
    ]


def test_a_code_the_config_does_not_know_is_refused_with_its_count(tmp_path: Path) -> None:
    export = _export(tmp_path / "e", [_session(1, [_contest([_mark(12, 1)])])])
    with pytest.raises(BallotFileError, match='"12" appears 1 time'):
        load_rctab_contest(_config(tmp_path, export, "2"))


def test_with_max_rankings_a_contest_allows_its_own_number_of_ranks(tmp_path: Path) -> None:
    # Two declared candidates, but the contest has NumOfRanks 3 (as upstream's
    # 2024_alaska_dominion: 4 candidates, ballots ranked to 5).
    export = _export(tmp_path / "e", [_session(1, [_contest([_mark(10, 1), _mark(10, 3)])])])
    contest = load_rctab_contest(_config(tmp_path, export, "max"))
    assert contest.profile.ranked_names(0) == ("Ann", None, "Ann")


def test_with_max_rankings_a_rank_beyond_the_contests_ranks_is_refused(tmp_path: Path) -> None:
    export = _export(tmp_path / "e", [_session(1, [_contest([_mark(10, 4)])])])
    with pytest.raises(BallotFileError) as caught:
        load_rctab_contest(_config(tmp_path, export, "max"))
    assert caught.value.location == "CvrExport.json, session 1 (record 5-2-1)"
    assert 'has a ranking 4, but contest "1" has max ranking 3' in caught.value.problem


def test_a_numeric_max_rankings_allowed_is_enforced(tmp_path: Path) -> None:
    export = _export(tmp_path / "e", [_session(1, [_contest([_mark(10, 3)])])])
    with pytest.raises(BallotFileError, match="max ranking 2"):
        load_rctab_contest(_config(tmp_path, export, "2"))
