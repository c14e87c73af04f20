"""Hart InterCivic Verity cast vote records (a folder of one XML file per ballot) read into ballots.

A Hart export is a folder of ``*.xml`` files, one per ballot sheet, each a ``Cvr``
element (namespace ``http://tempuri.org/CVRDesign.xsd``) holding ``Contests/Contest``
(``Name``, ``Id``, ``Options/Option``), ``BatchNumber``, ``CvrGuid`` and
``PrecinctSplit`` (``Name``, ``Id``). Each ``Option`` names a candidate (``Name``, ``Id``)
and carries a ``Value``: a string of digits read left to right, one per rank, ``1``
where the voter marked that rank (``0100``: ranked 2nd; ``0101``: ranked 2nd and 4th).
Two options marked at one rank are an overvote; a rank marked for no option is skipped.
Candidates are named by their option ``Id`` (a GUID): the RCTab config maps those codes
to names through candidate aliases, and the source's ``undeclaredWriteInLabel`` is the
``Id`` of the write-in option.

Source text: RCTab ``src/main/java/network/brightspots/rcv/HartCvrReader.java``
(BrightSpots/rcv; ``readCastVoteRecords``, ``readCastVoteRecord``), whose rules are
followed here: every file of the folder whose name ends in ``xml`` (not ``.sig.xml``, a
signature) is one CVR; only the contest whose ``Id`` is the source's ``contestId`` is
read, and a file without it is not a ballot in that contest; the write-in option becomes
the undeclared write-in; one option ``Id`` seen with two different ``Name``\\ s stops the
load ("Candidate Code ... associated with more than one candidate name"); the record's
id is its ``CvrGuid``, its precinct the ``PrecinctSplit`` ``Name`` and its batch the
``BatchNumber``. Files are read in name order (RCTab takes the directory's order, which
the count does not depend on). Deliberate differences: a ``Value`` holding anything but
the digits 0 and 1, or an option without ``Id`` or ``Value``, stops the load naming the
file and field (RCTab ignores other digits, and fails without saying where on a missing
field). Signature checking (RCTab's optional ``.sig.xml`` validation) is not done.

XML is parsed with ``defusedxml`` (no entity expansion, no external resources).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.errors import BallotFileError
from tellers.formats.rctab_config import UNDECLARED_WRITE_INS, CvrRecord

if TYPE_CHECKING:
    from tellers.formats.rctab_config import RctabConfig, RctabSource

__all__ = ["HartContest", "hart_cvr_files", "read_hart", "read_hart_contest", "read_hart_records"]

_SIGNATURE_SUFFIX = ".sig.xml"
_MAX_RANK = 1000
"""Ranks above this are refused rather than laid out (a ballot with 1000 ranks is an error)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HartContest:
    """One contest of a Hart export, read into raw records.

    ``candidates`` maps each option ``Id`` seen in the contest (write-in option excluded)
    to its ``Name``, in order of first appearance.
    """

    contest_id: str
    name: str
    candidates: Mapping[str, str | None]
    records: tuple[CvrRecord, ...]


def hart_cvr_files(folder: str | Path) -> list[Path]:
    """The CVR files of a Hart export: every ``*xml`` file but signatures, by name.

    Raises:
        BallotFileError: the path is not a folder, or holds no CVR file.
    """
    root = Path(folder)
    if not root.is_dir():
        problem = "expected the folder of a Hart export (one XML file per ballot)"
        raise BallotFileError(str(root), "", "", problem)
    files = sorted(
        (
            child
            for child in root.iterdir()
            if child.name.lower().endswith("xml")
            and not child.name.lower().endswith(_SIGNATURE_SUFFIX)
            and child.is_file()
        ),
        key=lambda p: p.name,
    )
    if not files:
        raise BallotFileError(str(root), "", "", "Unable to find any XML files in the folder")
    return files


# --------------------------------------------------------------------------- XML


def _local(tag: object) -> str | None:
    if not isinstance(tag, str):  # comments, processing instructions
        return None
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Element, name: str) -> str | None:
    """The text of the first child called ``name`` (None when absent), stripped."""
    child = _child(element, name)
    if child is None:
        return None
    return (child.text or "").strip()


def _parse(path: Path) -> Element:
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        problem = f"cannot read the file: {err.strerror or err}"
        raise BallotFileError(where, "", "", problem) from err
    try:
        root: Element = SafeET.fromstring(data)
    except DefusedXmlException as err:
        problem = f"refused unsafe XML ({type(err).__name__}): entities and DTDs are not allowed"
        raise BallotFileError(where, "", "", problem) from err
    except SafeET.ParseError as err:
        line, column = getattr(err, "position", (0, 0))
        problem = f"not well-formed XML: {err}"
        raise BallotFileError(where, f"line {line}", f"column {column}", problem) from err
    except (ValueError, UnicodeError) as err:
        raise BallotFileError(where, "", "", f"not readable XML: {err}") from err
    if _local(root.tag) != "Cvr":
        problem = f"expected a Hart <Cvr> document, found <{_local(root.tag)}>"
        raise BallotFileError(where, "", "", problem)
    return root


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class _Seen:
    """Option ids met so far, with the name each first came with (RCTab's consistency check)."""

    names: dict[str, str | None]
    where: dict[str, str]
    contest_name: str = ""


def _rankings(
    contest: Element,
    write_in: str | None,
    seen: _Seen,
    path: Path,
    location: str,
) -> list[tuple[int, str]]:
    where = str(path)
    rankings: list[tuple[int, str]] = []
    options = _child(contest, "Options")
    if options is None:
        return rankings
    for n, option in enumerate(_children(options, "Option"), start=1):
        field = f"Options/Option[{n}]"
        code = _text(option, "Id")
        if not code:
            raise BallotFileError(where, location, f"{field}/Id", "missing")
        name = _text(option, "Name")
        if code == write_in:
            code = UNDECLARED_WRITE_INS
        elif code not in seen.names:
            seen.names[code] = name
            seen.where[code] = path.name
        elif seen.names[code] != name:
            problem = (
                f"Candidate Code {code} associated with more than one candidate name: "
                f"originally {seen.names[code]!r} (in {seen.where[code]}), here {name!r}"
            )
            raise BallotFileError(where, location, f"{field}/Name", problem)
        value = _text(option, "Value")
        if value is None:
            raise BallotFileError(where, location, f"{field}/Value", "missing")
        if value.strip("01"):
            problem = f"expected a string of 0 and 1, one digit per rank, got {value!r}"
            raise BallotFileError(where, location, f"{field}/Value", problem)
        if len(value) > _MAX_RANK:
            problem = f"{len(value)} ranks is beyond the largest rank tellers reads ({_MAX_RANK})"
            raise BallotFileError(where, location, f"{field}/Value", problem)
        rankings.extend((rank, code) for rank, digit in enumerate(value, start=1) if digit == "1")
    return rankings


def _records(path: Path, contest_id: str, write_in: str | None, seen: _Seen) -> list[CvrRecord]:
    root = _parse(path)
    batch = _text(root, "BatchNumber") or None
    guid = _text(root, "CvrGuid") or path.stem
    split = _child(root, "PrecinctSplit")
    precinct = (_text(split, "Name") or None) if split is not None else None
    records: list[CvrRecord] = []
    contests = _child(root, "Contests")
    if contests is None:
        return records
    for n, contest in enumerate(_children(contests, "Contest"), start=1):
        if _text(contest, "Id") != contest_id:
            continue
        location = f"Contest[{n}] (CvrGuid {guid})"
        seen.contest_name = seen.contest_name or _text(contest, "Name") or ""
        rankings = _rankings(contest, write_in, seen, path, location)
        records.append(
            CvrRecord(
                record_id=guid,
                location=f"{path.name}, {location}",
                rankings=tuple(rankings),
                precinct=precinct,
                batch=batch,
            )
        )
    return records


def read_hart_contest(
    folder: str | Path, contest_id: str, *, undeclared_write_in_label: str | None = None
) -> HartContest:
    """Read one contest of a Hart export into raw records (option ids not yet resolved).

    Args:
        folder: the folder of per-ballot XML files.
        contest_id: the contest's ``Id`` (RCTab's ``contestId``).
        undeclared_write_in_label: the ``Id`` of the write-in option; its marks become
            ``Undeclared Write-ins``.

    Returns:
        The contest and its records, in file-name order. Each ranking names a candidate
        by its option ``Id``.

    Raises:
        BallotFileError: no XML files, a file that is not a Hart CVR, a malformed option,
            one option id with two names, or no ballot in the contest; names the file,
            the contest and the field.
    """
    seen = _Seen(names={}, where={})
    records: list[CvrRecord] = []
    for path in hart_cvr_files(folder):
        records.extend(_records(path, contest_id, undeclared_write_in_label, seen))
    if not records:
        problem = f"No cast vote records found for contest '{contest_id}'"
        raise BallotFileError(str(folder), "", "", problem)
    return HartContest(
        contest_id=contest_id,
        name=seen.contest_name,
        candidates=dict(seen.names),
        records=tuple(records),
    )


def read_hart_records(config: RctabConfig, source: RctabSource) -> Sequence[CvrRecord]:
    """Read an RCTab ``hart`` source: the records of the source's ``contestId``."""
    del config  # option ids are resolved to names by the caller, through the aliases
    if source.contest_id is None:  # the config validation requires it
        raise BallotFileError(str(source.path), "", "contestId", "a contest id is required")
    return read_hart_contest(
        source.path,
        source.contest_id,
        undeclared_write_in_label=source.undeclared_write_in_label,
    ).records


def read_hart(
    folder: str | Path, contest_id: str, *, undeclared_write_in_label: str | None = None
) -> Profile:
    """Read one contest of a Hart export into a profile, candidates named by the options.

    Candidates are the options' ``Name``\\ s (the ``Id`` when unnamed) in order of first
    appearance, then ``Undeclared Write-ins`` (a write-in) if any ballot has one.

    Raises:
        BallotFileError: as :func:`read_hart_contest`.
    """
    contest = read_hart_contest(
        folder, contest_id, undeclared_write_in_label=undeclared_write_in_label
    )
    names = {code: name or code for code, name in contest.candidates.items()}
    builder = ProfileBuilder(list(dict.fromkeys(names.values())))
    for record in contest.records:
        builder.add(_marks(record, names, builder))
    return builder.build()


def _marks(record: CvrRecord, names: Mapping[str, str], builder: ProfileBuilder) -> list[Mark]:
    if not record.rankings:
        return []
    cells: list[set[int]] = [set() for _ in range(max(rank for rank, _ in record.rankings))]
    for rank, code in record.rankings:
        if code == UNDECLARED_WRITE_INS:
            cells[rank - 1].add(builder.candidate(UNDECLARED_WRITE_INS, write_in=True))
        else:
            cells[rank - 1].add(builder.candidate(names[code]))
    return [
        None if not cell else next(iter(cell)) if len(cell) == 1 else frozenset(cell)
        for cell in cells
    ]
