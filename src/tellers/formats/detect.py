"""Pick the reader for a ballot file: by the format named, or by extension and content.

Formats: ``csv`` (tellers' plain ballot CSV), ``rctab-csv`` (RCTab's converted CVR
CSV), ``cdf`` (NIST CDF JSON or XML), ``ess`` (ES&S xlsx), ``blt`` (ERS/OpenSTV/Droop)
and ``preflib`` (``.soi``/``.soc``/``.toi``/``.toc``). With ``auto``: ``.csv`` is plain
CSV unless its header starts with ``Source Filepath`` (then RCTab's CSV), ``.json`` and
``.xml`` are CDF, ``.xlsx`` is ES&S, ``.blt`` is BLT and the PrefLib extensions are
PrefLib; any other extension is guessed from the first bytes (``{`` or ``<``: CDF; a zip
archive: ES&S).

The BLT and PrefLib readers are imported only when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tellers.counting.profile import Profile
from tellers.errors import BallotFileError, InputError

__all__ = ["FORMATS", "LoadedElection", "detect_format", "load_election", "read_profile"]

FORMATS = ("auto", "csv", "cdf", "ess", "rctab-csv", "blt", "preflib")

_BY_EXTENSION = {
    ".json": "cdf",
    ".xml": "cdf",
    ".xlsx": "ess",
    ".blt": "blt",
    ".soi": "preflib",
    ".soc": "preflib",
    ".toi": "preflib",
    ".toc": "preflib",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedElection:
    """A ballot file read for ``tellers count``: the ballots and what the file says."""

    profile: Profile
    seats: int | None = None
    """Seats to fill, when the file says (BLT)."""
    title: str | None = None
    options: Mapping[str, object] = field(default_factory=dict)
    """Counting options the file implies (BLT: ``withdrawn`` candidates)."""
    format: str = ""


def detect_format(path: str | Path) -> str:
    """The format ``auto`` picks for this file (see the module docstring).

    Raises:
        BallotFileError: the file cannot be opened, or nothing says what it is.
    """
    file_path = Path(path)
    suffix = file_path.suffix.lower()
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    try:
        with file_path.open("rb") as handle:
            head = handle.read(512)
    except FileNotFoundError as err:
        raise BallotFileError(str(path), "", "", "file not found") from err
    except OSError as err:
        problem = f"cannot read the file: {err.strerror or err}"
        raise BallotFileError(str(path), "", "", problem) from err
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if suffix == ".csv" or text[:1] not in (b"{", b"<") and not head.startswith(b"PK"):
        if text.startswith(b"Source Filepath") or text.startswith(b'"Source Filepath"'):
            return "rctab-csv"
        return "csv"
    if head.startswith(b"PK"):
        return "ess"
    return "cdf"


def _module(name: str) -> Any:
    return importlib.import_module(f"tellers.formats.{name}")


def load_election(
    path: str | Path,
    fmt: str = "auto",
    *,
    counts: bool = False,
    contest_id: str | None = None,
) -> LoadedElection:
    """Read a ballot file in the given format (or the detected one).

    Args:
        path: the file.
        fmt: one of :data:`FORMATS`.
        counts: plain CSV only: the first cell of each line is a ballot count.
        contest_id: CDF only: the contest's name or id, when the file holds several.

    Raises:
        InputError: an unknown format name (the message lists the known ones).
        BallotFileError: the file cannot be read in that format.
    """
    if fmt not in FORMATS:
        msg = f"unknown ballot file format {fmt!r}: expected one of {', '.join(FORMATS)}"
        raise InputError(msg)
    chosen = detect_format(path) if fmt == "auto" else fmt
    if chosen == "csv":
        try:
            reader = _module("csv_fast").read_csv_fast
        except (ImportError, AttributeError):
            reader = _module("csv_ballots").read_csv_ballots
        return LoadedElection(profile=reader(path, counts=counts), format=chosen)
    if chosen == "rctab-csv":
        return LoadedElection(profile=_module("rctab_csv").read_rctab_csv(path), format=chosen)
    if chosen == "cdf":
        profile = _module("cdf").read_cdf(path, contest_id)
        return LoadedElection(profile=profile, format=chosen)
    if chosen == "ess":
        return LoadedElection(profile=_module("ess").read_ess(path), format=chosen)
    if chosen == "blt":
        blt = _module("blt").read_blt(path)
        options: dict[str, object] = {}
        if blt.withdrawn:
            options["withdrawn"] = tuple(blt.withdrawn)
        return LoadedElection(
            profile=blt.profile,
            seats=blt.seats,
            title=blt.title or None,
            options=options,
            format=chosen,
        )
    preflib = _module("preflib").load_preflib(path)
    return LoadedElection(profile=preflib.profile, title=preflib.title or None, format=chosen)


def read_profile(
    path: str | Path,
    fmt: str = "auto",
    *,
    counts: bool = False,
    contest_id: str | None = None,
) -> Profile:
    """Read a ballot file into a profile (see :func:`load_election`)."""
    return load_election(path, fmt, counts=counts, contest_id=contest_id).profile
