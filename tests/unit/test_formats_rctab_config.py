"""RCTab contest configs: typed reading and validation as RCTab's ContestConfig does it."""

from __future__ import annotations

import json
from copy import deepcopy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tellers.errors import BallotFileError, ConfigError
from tellers.formats.rctab_config import (
    RctabConfigInvalid,
    load_rctab_contest,
    read_rctab_config,
)

BASE: dict[str, Any] = {
    "tabulatorVersion": "TEST",
    "outputSettings": {
        "contestName": "Mayor",
        "contestDate": "2024-11-05",
        "contestJurisdiction": "Town",
        "contestOffice": "Mayor",
        "tabulateByPrecinct": False,
    },
    "cvrFileSources": [
        {
            "filePath": "cvr.csv",
            "provider": "genericCsv",
            "contestId": "",
            "firstVoteColumnIndex": "2",
            "firstVoteRowIndex": "2",
            "idColumnIndex": "1",
            "undeclaredWriteInLabel": "Write-In",
            "treatBlankAsUndeclaredWriteIn": False,
        }
    ],
    "candidates": [
        {"name": "Ann", "aliases": ["A. Smith"], "excluded": False},
        {"name": "Ben", "aliases": [], "excluded": True},
        {"name": "Cy"},
    ],
    "rules": {
        "tiebreakMode": "random",
        "randomSeed": "42",
        "overvoteRule": "alwaysSkipToNextRank",
        "winnerElectionMode": "singleWinnerMajority",
        "numberOfWinners": "1",
        "decimalPlacesForVoteArithmetic": "4",
        "minimumVoteThreshold": "0",
        "maxSkippedRanksAllowed": "unlimited",
        "maxRankingsAllowed": "max",
        "multiSeatBottomsUpPercentageThreshold": "",
        "stopTabulationEarlyAfterRound": "",
        "batchElimination": True,
        "rulesDescription": "kept in raw",
    },
}


def _write(tmp_path: Path, config: dict[str, Any], cvr: str = "id,Ann,Ben,Cy\n1,1,,2\n") -> Path:
    (tmp_path / "cvr.csv").write_text(cvr, encoding="utf-8")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _with(**changes: Any) -> dict[str, Any]:
    """BASE with dotted-path changes: ``rules__numberOfWinners="3"``, ``source__provider``."""
    config = deepcopy(BASE)
    for key, value in changes.items():
        section, _, field = key.partition("__")
        target = config["cvrFileSources"][0] if section == "source" else config[section]
        target[field] = value
    return config


def _problems(tmp_path: Path, config: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(RctabConfigInvalid) as caught:
        read_rctab_config(_write(tmp_path, config))
    return caught.value.problems


def test_a_valid_config_is_read_into_typed_values(tmp_path: Path) -> None:
    config = read_rctab_config(_write(tmp_path, BASE))
    assert config.contest_name == "Mayor"
    assert [c.name for c in config.candidates] == ["Ann", "Ben", "Cy"]
    assert config.candidates[0].aliases == ("A. Smith",)
    assert config.candidates[1].excluded
    rules = config.rules
    assert rules.random_seed == 42
    assert rules.max_skipped_ranks_allowed is None  # "unlimited"
    assert rules.max_rankings_allowed is None  # "max"
    assert config.ranking_limit == 3  # "max" = the declared candidates
    assert rules.batch_elimination
    assert not rules.hare_quota
    assert rules.stop_tabulation_early_after_round is None
    assert rules.raw["rulesDescription"] == "kept in raw"
    source = config.sources[0]
    assert source.path == (tmp_path / "cvr.csv").resolve()
    assert (source.first_vote_column_index, source.id_column_index) == (2, 1)
    assert source.precinct_column_index is None


def test_integers_written_as_json_numbers_are_accepted(tmp_path: Path) -> None:
    config = read_rctab_config(_write(tmp_path, _with(rules__numberOfWinners=1)))
    assert config.rules.number_of_winners == 1


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"rules__tiebreakMode": "coinToss"}, "Invalid tiebreakMode 'coinToss'"),
        ({"rules__randomSeed": ""}, "randomSeed must be supplied"),
        ({"rules__overvoteRule": "ignore"}, "Invalid overvoteRule"),
        ({"rules__maxRankingsAllowed": "0"}, 'maxRankingsAllowed must either be "max"'),
        ({"rules__maxSkippedRanksAllowed": "-1"}, "maxSkippedRanksAllowed must either be"),
        ({"rules__numberOfWinners": "one"}, "numberOfWinners must be an integer"),
        ({"rules__decimalPlacesForVoteArithmetic": "21"}, "decimalPlacesForVoteArithmetic"),
        ({"rules__numberOfWinners": "0"}, "If numberOfWinners is zero"),
        ({"rules__hareQuota": True}, "hareQuota can't be true"),
        ({"outputSettings__contestName": ""}, "contestName is required"),
        ({"source__provider": "scantron"}, "Invalid provider 'scantron'"),
        ({"source__filePath": "missing.csv"}, "Cast vote record file not found"),
        ({"source__firstVoteColumnIndex": "0"}, "firstVoteColumnIndex must be an integer"),
        ({"source__contestId": "7"}, "contestId should not be defined"),
        (
            {"source__treatBlankAsUndeclaredWriteIn": True, "source__undeclaredWriteInLabel": ""},
            "undeclaredWriteInLabel must be supplied",
        ),
        ({"source__undeclaredWriteInLabel": "ann"}, "can't be used as undeclaredWriteInLabel"),
    ],
)
def test_each_invalid_field_is_reported_by_name(
    tmp_path: Path, changes: dict[str, Any], expected: str
) -> None:
    problems = _problems(tmp_path, _with(**changes))
    assert any(expected in p for p in problems), problems


def test_multi_seat_rules_are_checked_against_the_winner_election_mode(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        _with(
            rules__numberOfWinners="3",
            rules__winnerElectionMode="multiWinnerAllowMultipleWinnersPerRound",
            rules__continueUntilTwoCandidatesRemain=True,
        ),
    )
    assert any("batchElimination can't be true in a multi-seat contest" in p for p in problems)
    assert any("continueUntilTwoCandidatesRemain can't be true" in p for p in problems)
    # multi-pass IRV runs single-seat passes, so batch elimination is allowed there
    read_rctab_config(
        _write(
            tmp_path,
            _with(rules__numberOfWinners="3", rules__winnerElectionMode="multiPassIrv"),
        )
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, _with(rules__tiebreakMode="x", rules__overvoteRule="y", source__provider="z")
    )
    assert len(problems) >= 3


def test_duplicate_names_and_aliases_are_refused(tmp_path: Path) -> None:
    config = deepcopy(BASE)
    config["candidates"][2]["aliases"] = ["A. Smith"]
    problems = _problems(tmp_path, config)
    assert any("'A. Smith'" in p for p in problems)


def test_percentage_threshold_is_read_for_bottoms_up(tmp_path: Path) -> None:
    config = read_rctab_config(
        _write(
            tmp_path,
            _with(
                rules__numberOfWinners="0",
                rules__winnerElectionMode="bottomsUpUsingPercentageThreshold",
                rules__multiSeatBottomsUpPercentageThreshold="15",
                rules__batchElimination=False,
            ),
        )
    )
    assert config.rules.multi_seat_bottoms_up_percentage_threshold == Decimal(15)


def test_json_syntax_errors_name_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{\n  "rules": {,}\n}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 2, column 13"):
        read_rctab_config(path)


def test_a_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        read_rctab_config(tmp_path / "absent.json")


def test_a_hart_source_must_be_the_folder_of_a_hart_export(tmp_path: Path) -> None:
    config = _with(
        source__provider="hart",
        source__contestId="1",
        source__firstVoteColumnIndex="",
        source__firstVoteRowIndex="",
        source__idColumnIndex="",
    )
    with pytest.raises(BallotFileError, match="expected the folder of a Hart export"):
        load_rctab_contest(_write(tmp_path, config))


def test_loading_resolves_aliases_and_keeps_excluded_candidates_and_write_ins(
    tmp_path: Path,
) -> None:
    cvr = "id,A. Smith,Ben,Cy,Write-In\n1,1,,2,\n2,,1,,2\n3,,,,\n"
    contest = load_rctab_contest(_write(tmp_path, BASE, cvr))
    profile = contest.profile
    assert profile.candidates == ("Ann", "Ben", "Cy", "Undeclared Write-ins")
    assert profile.write_ins == frozenset({3})
    assert sorted(profile.ranked_names(r) for r in range(len(profile))) == [
        (),
        ("Ann", "Cy"),
        ("Ben", "Undeclared Write-ins"),
    ]


def test_unrecognized_candidates_are_all_listed_with_their_counts(tmp_path: Path) -> None:
    cvr = "id,Ann,Dee,Eve\n1,1,2,\n2,,1,2\n"
    with pytest.raises(BallotFileError) as caught:
        load_rctab_contest(_write(tmp_path, BASE, cvr))
    message = str(caught.value)
    assert '"Dee" appears 2 time(s)' in message
    assert '"Eve" appears 1 time(s)' in message


_CLEAR_BALLOT_HEAD = (
    "RowNumber,BoxID,BoxPosition,BallotID,PrecinctID,BallotStyleID,PrecinctStyleName,"
    "ScanComputerName,Status,Remade"
)


def _clear_ballot(tmp_path: Path, header: str, *rows: str) -> Path:
    config = _with(
        source__provider="clearBallot",
        source__contestId="Mayor, City",
        source__firstVoteColumnIndex="",
        source__firstVoteRowIndex="",
        source__idColumnIndex="",
        source__undeclaredWriteInLabel="",
    )
    return _write(tmp_path, config, "\n".join([f"{_CLEAR_BALLOT_HEAD},{header}", *rows]) + "\n")


def test_clear_ballot_marks_are_read_by_rank_and_candidate_from_the_header(
    tmp_path: Path,
) -> None:
    header = (
        '"Choice_1_1:Mayor, City:1:Vote For 1:Ann:NP","Choice_1_1:Mayor, City:2:Vote For 1:Ann:NP",'
        '"Choice_2_1:Mayor, City:1:Vote For 1:Cy:NP","Choice_2_1:Mayor, City:2:Vote For 1:Cy:NP",'
        '"Choice_3_1:Other:1:Vote For 1:Zed:NP"'
    )
    path = _clear_ballot(tmp_path, header, "1,b,1,B-1,P1,1,s,c,0,0,0,1,1,0,1")
    contest = load_rctab_contest(path)
    assert contest.profile.ranked_names(0) == ("Cy", "Ann")
    assert set(contest.precincts) == {"P1"}


def test_clear_ballot_mark_that_is_not_0_or_1_names_row_and_column(tmp_path: Path) -> None:
    header = '"Choice_1_1:Mayor, City:1:Vote For 1:Ann:NP"'
    path = _clear_ballot(tmp_path, header, "1,b,1,B-1,P1,1,s,c,0,0,1", "2,b,1,B-2,P1,1,s,c,0,0,x")
    with pytest.raises(BallotFileError) as caught:
        load_rctab_contest(path)
    assert (caught.value.location, caught.value.field) == ("row 3", "column 11")


def test_clear_ballot_rank_above_the_limit_in_a_header_is_refused(tmp_path: Path) -> None:
    header = '"Choice_1_1:Mayor, City:4:Vote For 1:Ann:NP"'
    path = _clear_ballot(tmp_path, header, "1,b,1,B-1,P1,1,s,c,0,0,1")
    with pytest.raises(BallotFileError, match="Rank: 4 exceeds max rankings allowed in config: 3"):
        load_rctab_contest(path)
