"""NIST CDF reader: JSON and XML cast vote records, overvotes, skips, write-ins, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tellers.errors import BallotFileError
from tellers.formats.cdf import read_cdf, read_cdf_contest

RCTAB = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "rctab"


def _position(rank: int, **extra: Any) -> dict[str, Any]:
    return {"HasIndication": "yes", "IsAllocable": "unknown", "NumberVotes": 1, "Rank": rank} | (
        extra
    )


def _report(ballots: list[list[tuple[str, int]]], *, write_in: bool = False) -> dict[str, Any]:
    """A small CDF JSON report: candidates A, B, C; each ballot a list of (selection, rank)."""
    selections: list[dict[str, Any]] = [
        {"@id": f"cs-{c}", "CandidateIds": [f"cand-{c}"]} for c in "abc"
    ]
    if write_in:
        selections.append({"@id": "cs-wi", "IsWriteIn": "true"})
    cvrs = []
    for n, ballot in enumerate(ballots, start=1):
        cvrs.append(
            {
                "BallotPrePrintedId": str(n),
                "CurrentSnapshotId": f"s{n}",
                "CVRSnapshot": [
                    {"@id": f"old{n}", "CVRContest": []},
                    {
                        "@id": f"s{n}",
                        "CVRContest": [
                            {
                                "ContestId": "contest-1",
                                "CVRContestSelection": [
                                    {"ContestSelectionId": sel, "SelectionPosition": [_position(r)]}
                                    for sel, r in ballot
                                ],
                            }
                        ],
                    },
                ],
            }
        )
    return {
        "CVR": cvrs,
        "Election": [
            {
                "@id": "e1",
                "Candidate": [{"@id": f"cand-{c}", "Name": f"Name {c.upper()}"} for c in "abc"],
                "Contest": [{"@id": "contest-1", "Name": "Mayor", "ContestSelection": selections}],
            }
        ],
        "GpUnit": [],
    }


def _write(tmp_path: Path, data: object, name: str = "cvr.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_json_ballots_are_read_in_rank_order_with_names_from_the_candidate_list(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, _report([[("cs-b", 2), ("cs-a", 1)], [("cs-c", 1)]]))
    profile = read_cdf(path)
    assert profile.candidates == ("Name A", "Name B", "Name C")
    assert sorted(profile.ballots()) == [((0, 1), 1), ((2,), 1)]


def test_two_selections_at_one_rank_are_an_overvote_and_a_missing_rank_is_skipped(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, _report([[("cs-a", 1), ("cs-b", 1), ("cs-c", 3)]]))
    profile = read_cdf(path)
    assert list(profile.ballots()) == [((frozenset({0, 1}), None, 2), 1)]


def test_a_write_in_selection_becomes_the_undeclared_write_in_candidate(tmp_path: Path) -> None:
    path = _write(tmp_path, _report([[("cs-wi", 1), ("cs-a", 2)]], write_in=True))
    profile = read_cdf(path)
    uwi = profile.index("Undeclared Write-ins")
    assert uwi in profile.write_ins
    assert list(profile.ballots()) == [((uwi, 0), 1)]


def test_positions_without_indication_or_not_allocable_are_ignored(tmp_path: Path) -> None:
    data = _report([[("cs-a", 1), ("cs-b", 2)]])
    selections = data["CVR"][0]["CVRSnapshot"][1]["CVRContest"][0]["CVRContestSelection"]
    selections[0]["SelectionPosition"][0]["HasIndication"] = "no"
    selections[1]["SelectionPosition"][0]["IsAllocable"] = "no"
    profile = read_cdf(_write(tmp_path, data))
    assert list(profile.ballots()) == [((), 1)]


def test_the_contest_is_found_by_name_or_id_and_an_unknown_one_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, _report([[("cs-a", 1)]]))
    assert read_cdf_contest(path, "Mayor").records == read_cdf_contest(path, "contest-1").records
    with pytest.raises(BallotFileError, match=r"Contest \"Sheriff\" not found.*'Mayor'"):
        read_cdf(path, "Sheriff")


def test_a_selection_the_contest_does_not_define_names_the_cvr_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, _report([[("cs-a", 1)], [("cs-zz", 1)]]))
    with pytest.raises(BallotFileError) as caught:
        read_cdf(path)
    assert caught.value.location == "CVR 2"
    assert caught.value.field == "ContestSelectionId"
    assert "cs-zz" in caught.value.problem


def test_a_rank_that_is_not_a_number_names_the_cvr_and_field(tmp_path: Path) -> None:
    data = _report([[("cs-a", 1)]])
    position = data["CVR"][0]["CVRSnapshot"][1]["CVRContest"][0]["CVRContestSelection"][0]
    position["SelectionPosition"][0]["Rank"] = "first"
    with pytest.raises(BallotFileError, match=r"CVR 1, field Rank: expected a whole number"):
        read_cdf(_write(tmp_path, data))


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"CVR": [\n  {,\n]}', encoding="utf-8")
    with pytest.raises(BallotFileError) as caught:
        read_cdf(path)
    assert caught.value.location == "line 2"
    assert caught.value.field == "column 4"


def test_xml_entities_are_refused_not_expanded(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        "<CastVoteRecordReport><CVR>&b;</CVR></CastVoteRecordReport>",
        encoding="utf-8",
    )
    with pytest.raises(BallotFileError, match="unsafe XML"):
        read_cdf(path)


def test_nist_xml_selection_needing_adjudication_is_ignored_leaving_an_undervote() -> None:
    # RCTab's expected report for this case: 1 ballot, "undervotes": 1.
    contest = read_cdf_contest(
        RCTAB / "nist_xml_cdf_2" / "nist_xml_cdf_2.xml", "For Governor and Lieutenant Governor"
    )
    assert len(contest.records) == 1
    assert contest.records[0].rankings == ()
    assert len(contest.candidates) == 3


def test_unisyn_xml_contest_reads_every_ballot_with_precincts() -> None:
    contest = read_cdf_contest(
        RCTAB / "unisyn_cvrs" / "101-RCV-CVT_TEST_3_UNIOVS2103-2.xml", "For City C Mayor (1/3)"
    )
    assert len(contest.records) == 35
    assert all(r.precinct for r in contest.records)


def test_a_file_with_several_contests_needs_the_contest_named(tmp_path: Path) -> None:
    data = _report([[("cs-a", 1)]])
    data["Election"][0]["Contest"].append({"@id": "contest-2", "Name": "Sheriff"})
    with pytest.raises(BallotFileError, match=r"2 contests \('Mayor', 'Sheriff'\)"):
        read_cdf(_write(tmp_path, data))
    assert read_cdf(_write(tmp_path, data, "b.json"), "Mayor").total == 1


def test_rank_on_the_selection_and_write_ins_on_a_position_are_read(tmp_path: Path) -> None:
    data = _report([[("cs-a", 2)]])
    selections = data["CVR"][0]["CVRSnapshot"][1]["CVRContest"][0]["CVRContestSelection"]
    selections.append({"ContestSelectionId": "cs-b", "Rank": 1, "SelectionPosition": []})
    selections.append(
        {
            "ContestSelectionId": "cs-c",
            "SelectionPosition": [_position(3, CVRWriteIn={"Text": "Zed"})],
        }
    )
    profile = read_cdf(_write(tmp_path, data))
    assert profile.ranked_names(0) == ("Name B", "Name A", "Undeclared Write-ins")


def test_the_precinct_is_the_gp_unit_named_by_the_ballot_style_unit(tmp_path: Path) -> None:
    data = _report([[("cs-a", 1)]])
    data["GpUnit"] = [{"@id": "gp-7", "Name": "Ward 7"}]
    data["CVR"][0]["BallotStyleUnitId"] = "gp-7"
    contest = read_cdf_contest(_write(tmp_path, data))
    assert contest.records[0].precinct == "Ward 7"


def test_xml_with_a_namespace_prefix_reads_like_json(tmp_path: Path) -> None:
    xml = """<?xml version="1.0"?>
<cdf:CastVoteRecordReport xmlns:cdf="NIST_V0_cast_vote_records.xsd">
  <cdf:CVR>
    <cdf:CurrentSnapshotId>s1</cdf:CurrentSnapshotId>
    <cdf:CVRSnapshot ObjectId="s1">
      <cdf:CVRContest>
        <cdf:ContestId>k1</cdf:ContestId>
        <cdf:CVRContestSelection>
          <cdf:ContestSelectionId>cs-b</cdf:ContestSelectionId>
          <cdf:SelectionPosition><cdf:IsAllocable>yes</cdf:IsAllocable><cdf:Rank>1</cdf:Rank>
          </cdf:SelectionPosition>
        </cdf:CVRContestSelection>
        <cdf:CVRContestSelection>
          <cdf:ContestSelectionId>cs-a</cdf:ContestSelectionId>
          <cdf:SelectionPosition><cdf:Rank>2</cdf:Rank></cdf:SelectionPosition>
        </cdf:CVRContestSelection>
      </cdf:CVRContest>
    </cdf:CVRSnapshot>
  </cdf:CVR>
  <cdf:Election ObjectId="e1">
    <cdf:Candidate ObjectId="c-a"><cdf:Name>Ann</cdf:Name></cdf:Candidate>
    <cdf:Candidate ObjectId="c-b"><cdf:Name>Ben</cdf:Name></cdf:Candidate>
    <cdf:Contest ObjectId="k1">
      <cdf:ContestSelection ObjectId="cs-a"><cdf:CandidateIds>c-a</cdf:CandidateIds>
      </cdf:ContestSelection>
      <cdf:ContestSelection ObjectId="cs-b"><cdf:CandidateIds>c-b</cdf:CandidateIds>
      </cdf:ContestSelection>
      <cdf:Name>Mayor</cdf:Name>
    </cdf:Contest>
  </cdf:Election>
</cdf:CastVoteRecordReport>
"""
    path = tmp_path / "cvr.xml"
    path.write_text(xml, encoding="utf-8")
    profile = read_cdf(path, "Mayor")
    assert profile.candidates == ("Ann", "Ben")
    assert profile.ranked_names(0) == ("Ben", "Ann")
