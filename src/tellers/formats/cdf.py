"""NIST Cast Vote Record Common Data Format (SP 1500-103), JSON and XML, read into ballots.

A CDF ``CastVoteRecordReport`` holds the election's static data (``Election[]`` with its
``Candidate[]`` and ``Contest[]``, each contest's ``ContestSelection[]`` pointing at
candidate ids; ``GpUnit[]`` for precincts) and one ``CVR`` per ballot. A CVR has
snapshots; the one whose ``@id`` (XML: ``ObjectId``) equals ``CurrentSnapshotId`` is read.
Its ``CVRContest`` for the contest being counted lists ``CVRContestSelection``s, each
with the ``Rank`` given to that selection, either on the selection itself or on each of
its ``SelectionPosition``s. Two selections at one rank are an overvote; a rank with none
is skipped.

The XML form is turned into the same nested shape as the JSON form (namespaces dropped,
``ObjectId`` read as ``@id``, every element a list) so that one code path reads both.
XML is parsed with ``defusedxml`` (no entity expansion, no external resources).

Source text: NIST SP 1500-103 (Cast Vote Records Common Data Format Specification),
section 3.4.2 (a position with ``HasIndication`` "no" is not a mark); RCTab
``src/main/java/network/brightspots/rcv/CommonDataFormatReader.java`` for the exact
reading rules: the contest is found by its ``Name`` (the config's ``contestId``);
selections with ``Status`` "needs-adjudication" (XML) are ignored; positions with
``HasIndication`` or ``IsAllocable`` "no" are ignored; a selection whose
``ContestSelection`` has ``IsWriteIn`` true, or a position carrying a ``CVRWriteIn``, is an
undeclared write-in; a candidate whose name equals the source's ``overvoteLabel`` is an
overvote. Two deliberate differences from RCTab: a CVR without the contest is skipped
in JSON as in XML (RCTab's JSON path fails with "Unknown error"), and a missing
``CVRContestSelection`` list is an undervote rather than a failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError
from tellers.formats.rctab_config import UNDECLARED_WRITE_INS, CvrRecord

if TYPE_CHECKING:
    from tellers.formats.rctab_config import RctabConfig, RctabSource

__all__ = ["CdfContest", "read_cdf", "read_cdf_contest", "read_cdf_records"]

_NO = "no"
_NEEDS_ADJUDICATION = "needs-adjudication"
_WHOLE_FILE = ""
"""The location given when the fault is in the report's static data, not in one CVR."""
_MAX_RANK = 1000
"""Ranks above this are refused rather than laid out (a ballot with 1000 ranks is an error)."""

Node = Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class CdfContest:
    """One contest of a CDF file, read into raw records.

    ``candidates`` are the names the contest's selections point at, in the order of the
    contest's ``ContestSelection`` list (write-ins excluded).
    """

    contest_id: str
    name: str
    candidates: tuple[str, ...]
    records: tuple[CvrRecord, ...]


# --------------------------------------------------------------------------- loading


def _xml_to_node(element: Element) -> dict[str, Any]:
    """Turn an XML element into the JSON shape: children grouped by local name in lists."""
    node: dict[str, Any] = {}
    for key, value in element.attrib.items():
        local = key.rsplit("}", 1)[-1]
        node["@id" if local == "ObjectId" else f"@{local}"] = value
    for child in element:
        if not isinstance(child.tag, str):  # comments, processing instructions
            continue
        local = child.tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
        item: Any = _xml_to_node(child) if len(child) or child.attrib else (child.text or "")
        node.setdefault(local, []).append(item)
    return node


def _load(path: Path) -> Node:
    """Read a CDF file (JSON or XML by extension, XML also when the text starts with ``<``)."""
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        problem = f"cannot read the file: {err.strerror or err}"
        raise BallotFileError(where, "", "", problem) from err
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() == ".xml" or stripped.startswith(b"<"):
        try:
            root = SafeET.fromstring(data)
        except DefusedXmlException as err:
            problem = (
                f"refused unsafe XML ({type(err).__name__}): entities and DTDs are not allowed"
            )
            raise BallotFileError(where, "", "", problem) from err
        except SafeET.ParseError as err:
            line, column = getattr(err, "position", (0, 0))
            problem = f"not well-formed XML: {err}"
            raise BallotFileError(where, f"line {line}", f"column {column}", problem) from err
        except (ValueError, UnicodeError, LookupError) as err:  # LookupError: encoding
            raise BallotFileError(where, "", "", f"not readable XML: {err}") from err
        try:
            return _xml_to_node(root)
        except RecursionError as err:
            raise BallotFileError(where, "", "", "XML nested too deeply") from err
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        problem = f"not UTF-8 text: undecodable byte at offset {err.start}"
        raise BallotFileError(where, "", "", problem) from err
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as err:
        problem = f"not valid JSON: {err.msg}"
        raise BallotFileError(where, f"line {err.lineno}", f"column {err.colno}", problem) from err
    except RecursionError as err:
        raise BallotFileError(where, "", "", "JSON nested too deeply") from err
    if not isinstance(loaded, dict):
        problem = f"a CastVoteRecordReport must be a JSON object, got {type(loaded).__name__}"
        raise BallotFileError(where, "", "", problem)
    return loaded


# --------------------------------------------------------------------------- accessors


class _Reader:
    """Typed access to the nested report, with errors that name file, record and field."""

    def __init__(self, path: Path) -> None:
        self.where = str(path)

    def fail(self, location: str, field: str, problem: str) -> BallotFileError:
        return BallotFileError(self.where, location, field, problem)

    def items(self, node: Node, key: str, location: str) -> list[Node]:
        """The list under ``key`` (absent = empty); every item must be an object."""
        value = node.get(key)
        if value is None:
            return []
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            raise self.fail(location, key, f"expected a list, got {type(value).__name__}")
        for item in value:
            if not isinstance(item, dict):
                raise self.fail(location, key, f"expected objects, got {type(item).__name__}")
        return value

    def text(self, node: Node, key: str, location: str, *, required: bool = True) -> str | None:
        value = node.get(key)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if value is None:
            if required:
                raise self.fail(location, key, "missing")
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int)):
            return str(value).strip()
        raise self.fail(location, key, f"expected text, got {type(value).__name__}")

    def strings(self, node: Node, key: str, location: str) -> list[str]:
        value = node.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            value = [value]
        out: list[str] = []
        for item in value:
            if not isinstance(item, (str, int)) or isinstance(item, bool):
                raise self.fail(location, key, f"expected text, got {type(item).__name__}")
            # XML may hold several ids in one element, space-separated (xsd:IDREFS).
            out.extend(str(item).split())
        return out

    def rank(self, node: Node, location: str) -> int:
        raw = self.text(node, "Rank", location)
        assert raw is not None
        try:
            return int(raw)
        except ValueError:
            raise self.fail(location, "Rank", f"expected a whole number, got {raw!r}") from None


# --------------------------------------------------------------------------- contests


@dataclass(frozen=True, slots=True)
class _Static:
    candidates: dict[str, str]  # candidate @id -> Name
    contests: list[Node]
    gp_units: dict[str, str]  # GpUnit @id -> Name


def _static(report: Node, reader: _Reader) -> _Static:
    elections = reader.items(report, "Election", "")
    if "CVR" not in report:
        raise reader.fail(_WHOLE_FILE, "CVR", "the report has no CVR list")
    if not elections:
        raise reader.fail(
            _WHOLE_FILE, "Election", "the report has no Election, so no candidate list"
        )
    candidates: dict[str, str] = {}
    contests: list[Node] = []
    for e, election in enumerate(elections, start=1):
        where = f"Election {e}"
        for c, candidate in enumerate(reader.items(election, "Candidate", where), start=1):
            ident = reader.text(candidate, "@id", f"{where}, Candidate {c}")
            assert ident is not None
            if ident in candidates:
                raise reader.fail(where, "Candidate", f'Candidate "{ident}" appears multiple times')
            name = reader.text(candidate, "Name", f"{where}, Candidate {ident}", required=False)
            candidates[ident] = name if name is not None else ident
        contests.extend(reader.items(election, "Contest", where))
    gp_units: dict[str, str] = {}
    for unit in reader.items(report, "GpUnit", ""):
        ident = reader.text(unit, "@id", "GpUnit", required=False)
        if ident is not None:
            gp_units[ident] = reader.text(unit, "Name", f"GpUnit {ident}", required=False) or ident
    return _Static(candidates=candidates, contests=contests, gp_units=gp_units)


def _find_contest(static: _Static, contest: str | None, reader: _Reader) -> Node:
    named: list[tuple[str, str, Node]] = []
    for node in static.contests:
        ident = reader.text(node, "@id", "Contest", required=False) or ""
        name = reader.text(node, "Name", f"Contest {ident}", required=False) or ""
        named.append((ident, name, node))
    if contest is None:
        if len(named) == 1:
            return named[0][2]
        listed = ", ".join(repr(name or ident) for ident, name, _ in named) or "none"
        problem = f"the file holds {len(named)} contests ({listed}); say which one to read"
        raise reader.fail(_WHOLE_FILE, "Contest", problem)
    for _, name, node in named:  # RCTab matches the contest's Name
        if name == contest:
            return node
    for ident, _, node in named:  # and tellers also accepts its @id
        if ident == contest:
            return node
    listed = ", ".join(repr(name or ident) for ident, name, _ in named) or "none"
    problem = f'Contest "{contest}" not found; the file holds {listed}'
    raise reader.fail(_WHOLE_FILE, "Contest", problem)


def _selection_names(
    contest: Node, static: _Static, reader: _Reader, overvote_label: str | None
) -> dict[str, str]:
    """ContestSelection @id -> the name RCTab records for it."""
    where = f"Contest {reader.text(contest, '@id', 'Contest', required=False)}"
    out: dict[str, str] = {}
    for selection in reader.items(contest, "ContestSelection", where):
        ident = reader.text(selection, "@id", f"{where}, ContestSelection")
        assert ident is not None
        if ident in out:
            raise reader.fail(where, "ContestSelection", f'"{ident}" appears multiple times')
        write_in = (reader.text(selection, "IsWriteIn", where, required=False) or "").lower()
        if write_in in ("true", "1"):
            out[ident] = UNDECLARED_WRITE_INS
            continue
        ids = reader.strings(selection, "CandidateIds", f"{where}, ContestSelection {ident}")
        if not ids:
            problem = f'CandidateSelection "{ident}" has no CandidateIds'
            raise reader.fail(where, "CandidateIds", problem)
        name = static.candidates.get(ids[0])
        if name is None:
            problem = (
                f'Candidate ID "{ids[0]}" in Contest Selection "{ident}" is not in the '
                "candidate list"
            )
            raise reader.fail(where, "CandidateIds", problem)
        out[ident] = name
    return out


def _current_snapshot(cvr: Node, reader: _Reader, location: str) -> Node | None:
    current = reader.text(cvr, "CurrentSnapshotId", location, required=False)
    snapshots = reader.items(cvr, "CVRSnapshot", location)
    for snapshot in snapshots:
        if reader.text(snapshot, "@id", location, required=False) == current:
            return snapshot
    if current is None and len(snapshots) == 1:
        return snapshots[0]
    return None


def _rankings(
    cvr_contest: Node, names: Mapping[str, str], reader: _Reader, location: str
) -> list[tuple[int, str]]:
    rankings: list[tuple[int, str]] = []
    for selection in reader.items(cvr_contest, "CVRContestSelection", location):
        status = reader.text(selection, "Status", location, required=False)
        if status == _NEEDS_ADJUDICATION:
            continue
        ident = reader.text(selection, "ContestSelectionId", location)
        assert ident is not None
        name = names.get(ident)
        if name is None:
            problem = f'ContestSelection "{ident}" from CVR not found in the contest'
            raise reader.fail(location, "ContestSelectionId", problem)
        if "Rank" in selection:
            rankings.append((reader.rank(selection, location), name))
            continue
        for position in reader.items(selection, "SelectionPosition", location):
            mark = name
            if "CVRWriteIn" in position:
                mark = UNDECLARED_WRITE_INS
            indication = reader.text(position, "HasIndication", location, required=False)
            allocable = reader.text(position, "IsAllocable", location, required=False)
            if indication == _NO or allocable == _NO:
                continue
            rankings.append((reader.rank(position, location), mark))
    return rankings


def _records(
    report: Node, contest: Node, names: Mapping[str, str], static: _Static, reader: _Reader
) -> Iterator[CvrRecord]:
    contest_id = reader.text(contest, "@id", "Contest", required=False)
    file_name = Path(reader.where).name
    index = 0
    for n, cvr in enumerate(reader.items(report, "CVR", ""), start=1):
        location = f"CVR {n}"
        snapshot = _current_snapshot(cvr, reader, location)
        if snapshot is None:
            continue
        found: Node | None = None
        for cvr_contest in reader.items(snapshot, "CVRContest", location):
            if reader.text(cvr_contest, "ContestId", location, required=False) == contest_id:
                found = cvr_contest
                break
        if found is None:
            continue
        index += 1
        rankings = _rankings(found, names, reader, location)
        unit = reader.text(cvr, "BallotStyleUnitId", location, required=False)
        supplied = reader.text(cvr, "BallotPrePrintedId", location, required=False) or (
            reader.text(cvr, "UniqueId", location, required=False)
        )
        yield CvrRecord(
            record_id=supplied or f"{file_name}({index})",
            location=location,
            rankings=tuple(rankings),
            precinct=static.gp_units.get(unit) if unit is not None else None,
        )


def read_cdf_contest(
    path: str | Path, contest: str | None = None, *, overvote_label: str | None = None
) -> CdfContest:
    """Read one contest of a CDF file into raw records (names not yet resolved).

    Args:
        path: a ``.json`` or ``.xml`` CastVoteRecordReport.
        contest: the contest's ``Name`` (as RCTab's ``contestId``) or ``@id``; ``None``
            when the file holds exactly one contest.
        overvote_label: a candidate name that means "overvote" (RCTab ``overvoteLabel``).

    Returns:
        The contest's candidates and its records in file order.

    Raises:
        BallotFileError: the file is not a readable CDF report; names file, CVR and field.
    """
    file_path = Path(path)
    reader = _Reader(file_path)
    report = _load(file_path)
    static = _static(report, reader)
    node = _find_contest(static, contest, reader)
    names = _selection_names(node, static, reader, overvote_label)
    if overvote_label is not None:
        names = {k: ("overvote" if v == overvote_label else v) for k, v in names.items()}
    ordered = tuple(dict.fromkeys(v for v in names.values() if v not in (UNDECLARED_WRITE_INS,)))
    return CdfContest(
        contest_id=reader.text(node, "@id", "Contest", required=False) or "",
        name=reader.text(node, "Name", "Contest", required=False) or "",
        candidates=ordered,
        records=tuple(_records(report, node, names, static, reader)),
    )


def read_cdf_records(config: RctabConfig, source: RctabSource) -> Sequence[CvrRecord]:
    """Read an RCTab ``cdf`` source: the records of the source's ``contestId``."""
    del config  # names are resolved by the caller
    return read_cdf_contest(
        source.path, source.contest_id, overvote_label=source.overvote_label
    ).records


def read_cdf(path: str | Path, contest_id: str | None = None) -> Profile:
    """Read a CDF file into a profile for ``tellers count --format cdf``.

    Candidates are the contest's selections in file order (names from the Election's
    Candidate list), then ``Undeclared Write-ins`` (a write-in) if any ballot has one.

    Args:
        path: a ``.json`` or ``.xml`` CastVoteRecordReport.
        contest_id: the contest's ``Name`` or ``@id``; optional for one-contest files.

    Raises:
        BallotFileError: the file cannot be read as a CDF report.
    """
    contest = read_cdf_contest(path, contest_id)
    builder = ProfileBuilder(contest.candidates)
    for record in contest.records:
        builder.add(_marks(record, builder, str(path)))
    return builder.build()


def _marks(record: CvrRecord, builder: ProfileBuilder, where: str) -> list[Mark]:
    if not record.rankings:
        return []
    ranks = [rank for rank, _ in record.rankings]
    if min(ranks) < 1:
        problem = f"rankings must start at 1, got {min(ranks)}"
        raise BallotFileError(where, record.location, "Rank", problem)
    if max(ranks) > _MAX_RANK:
        problem = f"rank {max(ranks)} is beyond the largest rank tellers reads ({_MAX_RANK})"
        raise BallotFileError(where, record.location, "Rank", problem)
    cells: list[set[int]] = [set() for _ in range(max(ranks))]
    for rank, name in record.rankings:
        cells[rank - 1].add(builder.candidate(name, write_in=name == UNDECLARED_WRITE_INS))
    return [
        None if not cell else next(iter(cell)) if len(cell) == 1 else frozenset(cell)
        for cell in cells
    ]
