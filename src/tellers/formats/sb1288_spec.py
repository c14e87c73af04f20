"""Read the CA-SB1288 reference test specs (JSON) as a profile, count options and expectations.

The format is that of DavidCary/CA-SB1288 (``sb1288.with_json``, the JSON files under its
``tests/``). One JSON object per file:

- ``nbr_seats_to_fill`` (int), ``candidates``, ``ballots`` (``[count, rankings]`` pairs),
  ``ballots_more`` (appended to ``ballots`` after merging), ``max_ranking_levels`` (int or
  null), ``tie_breaker``, ``options`` (``stop_at_majority``, ``alternative_defeats``);
- expectations: ``elected``, ``status_codes`` (``[candidate, "elected"|"defeated", round,
  votes]``), ``tally`` (row label to amounts by round) or ``exception`` (``[type,
  message]``);
- ``include``: other spec files whose keys this file overrides.

**Merging**, as ``with_json.read_tabulation_spec`` does: built-in defaults, then
``all-tests-spec.json`` at the root of the suite (when present), then each file named in
*this* file's ``include`` in order (an included file's own ``include`` is ignored), then
this file's own keys; later values replace earlier ones. Include paths are relative to the
suite's root (``"test_irv/irv-005-base.json"``), which is the nearest folder at or above
the spec holding ``all-tests-spec.json``, unless given.

**String-encoded lists**: a string whose first character is the delimiter, so ``" A B C"``
is ``["A", "B", "C"]`` and ``"|A|B||C|#|D"`` is ``["A", "B", "", "C", "#", "D"]``; ``""``
is the empty list. A JSON array of strings is also accepted. In a ballot's rankings ``""``
is a skipped ranking and ``"#"`` an overvote (which candidates were marked is not
recorded), kept as cast in the :class:`~tellers.counting.profile.Profile`.

Amounts in ``status_codes`` and ``tally`` are JSON numbers (floats such as ``5.33334`` for
STV); they are read from their decimal text into :class:`~decimal.Decimal` quantised to the
five places of SB 1288's arithmetic, so nothing passes through binary floating point in a
comparison. Errors name the file and the key (:class:`~tellers.errors.BallotFileError`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tellers.counting.methods import CountParams
from tellers.counting.profile import Mark, Profile
from tellers.errors import BallotFileError

__all__ = [
    "SUITE_DEFAULTS_FILE",
    "Sb1288Expected",
    "Sb1288Spec",
    "decode_list",
    "read_sb1288_spec",
    "sb1288_spec_paths",
]

SUITE_DEFAULTS_FILE = "all-tests-spec.json"
"""The file of suite-wide values at the root of a suite, merged before any include."""

_QUANTUM = Decimal("0.00001")
_OVERVOTE_CODE = "#"
_SKIPPED_CODE = ""

# ``with_json.read_tabulation_spec``'s hard-coded defaults.
_DEFAULTS: Mapping[str, object] = {
    "description": "Test description not provided.",
    "nbr_seats_to_fill": 0,
    "candidates": "",
    "ballots": "",
    "max_ranking_levels": 0,
    "tie_breaker": "",
    "options": {},
    "elected": "",
    "status_codes": [],
    "tally": {},
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Sb1288Expected:
    """What the spec says the count must produce."""

    elected: frozenset[str]
    status_codes: tuple[tuple[str, str, int, Decimal], ...]
    """``(candidate, "elected" | "defeated", round, votes)`` for every candidate."""
    tally: Mapping[str, tuple[Decimal, ...]]
    """Row label (candidate or ``":Overvotes"``...) to amounts by round."""
    exception: tuple[str, str] | None
    """``(exception type, message)`` when the count must fail instead."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Sb1288Spec:
    """One test case: the ballots, how to count them, and the expected outcome."""

    path: Path
    description: str
    seats: int
    profile: Profile
    options: Mapping[str, object]
    """``tie_breaker``, ``max_ranking_levels`` and the spec's ``options``, for the rule."""
    expected: Sb1288Expected

    def params(self) -> CountParams:
        """The parameters to pass to :func:`tellers.counting.rules.sb1288.count`."""
        return CountParams(seats=self.seats, options=self.options)


def sb1288_spec_paths(folder: Path) -> list[Path]:
    """Every runnable spec under ``folder``: each ``*.json`` but ``*-base.json`` and defaults."""
    return sorted(
        path
        for path in folder.rglob("*.json")
        if not path.name.endswith("-base.json") and path.name != SUITE_DEFAULTS_FILE
    )


def decode_list(value: object, *, path: str, key: str) -> tuple[str, ...]:
    """Decode an ordered collection of strings (string-encoded or a JSON array).

    Args:
        value: the JSON value.
        path: the file, for errors.
        key: the key (or ``ballots[3]``-style location), for errors.

    Returns:
        The strings in order.

    Raises:
        BallotFileError: neither a string nor an array of strings.
    """
    if isinstance(value, str):
        return tuple(value[1:].split(value[0])) if value else ()
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not isinstance(item, str):
                problem = f"item {index} of the list is not a string: {item!r}"
                raise BallotFileError(path, "", key, problem)
        return tuple(value)
    problem = f"expected a delimiter-separated string or a list of strings, got {value!r}"
    raise BallotFileError(path, "", key, problem)


def _load(path: Path, *, what: str) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        problem = f"cannot read the {what}: {err.strerror or err}"
        raise BallotFileError(str(path), "", "", problem) from err
    except json.JSONDecodeError as err:
        problem = f"not valid JSON: {err.msg}"
        raise BallotFileError(str(path), f"line {err.lineno}", "", problem) from err
    except UnicodeDecodeError as err:
        problem = f"not UTF-8 text: undecodable byte at offset {err.start}"
        raise BallotFileError(str(path), "", "", problem) from err
    except RecursionError as err:
        raise BallotFileError(str(path), "", "", "JSON nested too deeply") from err
    if not isinstance(data, dict):
        problem = f"expected a JSON object, got {type(data).__name__}"
        raise BallotFileError(str(path), "", "", problem)
    return data


def _suite_root(path: Path) -> Path:
    for folder in (path.parent, *path.parent.parents):
        if (folder / SUITE_DEFAULTS_FILE).is_file():
            return folder
    return path.parent


def _amount(value: object, *, path: str, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        problem = f"expected a number of votes, got {value!r}"
        raise BallotFileError(path, "", key, problem)
    if isinstance(value, float) and not math.isfinite(value):
        problem = f"not a finite number of votes: {value!r}"
        raise BallotFileError(path, "", key, problem)
    return Decimal(repr(value)).quantize(_QUANTUM)


def _int(value: object, *, path: str, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        problem = f"expected an integer, got {value!r}"
        raise BallotFileError(path, "", key, problem)
    return value


def read_sb1288_spec(path: Path, *, root: Path | None = None) -> Sb1288Spec:
    """Read one spec file, merging its includes, into a profile, options and expectations.

    Args:
        path: the spec file.
        root: the folder include paths are relative to; by default the nearest folder at
            or above ``path`` that holds ``all-tests-spec.json``.

    Returns:
        The spec.

    Raises:
        BallotFileError: an unreadable file, or a key whose value is malformed (the error
            names the file and the key).
    """
    where = str(path)
    primary = _load(path, what="spec")
    base = root if root is not None else _suite_root(path)
    merged: dict[str, object] = dict(_DEFAULTS)
    defaults_file = base / SUITE_DEFAULTS_FILE
    if defaults_file.is_file():
        merged.update(_load(defaults_file, what="suite defaults"))
    includes = primary.get("include", [])
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise BallotFileError(where, "", "include", f"expected a list of paths: {includes!r}")
    for include in includes:
        try:
            merged.update(_load(base / include, what="included file"))
        except BallotFileError as err:
            raise BallotFileError(where, "", "include", str(err)) from err
    merged.update(primary)

    description = merged["description"]
    if not isinstance(description, str):
        raise BallotFileError(where, "", "description", f"expected text: {description!r}")
    seats = _int(merged["nbr_seats_to_fill"], path=where, key="nbr_seats_to_fill")
    candidates = decode_list(merged["candidates"], path=where, key="candidates")
    for name in candidates:
        if name in (_SKIPPED_CODE, _OVERVOTE_CODE) or name.startswith(":"):
            problem = f"invalid candidate name {name!r} (empty, '#' or starting with ':')"
            raise BallotFileError(where, "", "candidates", problem)
    if len(set(candidates)) != len(candidates):
        raise BallotFileError(where, "", "candidates", "candidate names are not unique")
    levels_value = merged["max_ranking_levels"]
    levels = (
        None if levels_value is None else _int(levels_value, path=where, key="max_ranking_levels")
    )
    tie_breaker = decode_list(merged["tie_breaker"], path=where, key="tie_breaker")
    for name in tie_breaker:
        if name not in candidates:
            problem = f"{name!r} is not a candidate"
            raise BallotFileError(where, "", "tie_breaker", problem)
    profile = _read_ballots(merged, candidates, levels, where)
    options = _read_options(merged["options"], where)
    options["tie_breaker"] = tie_breaker
    options["max_ranking_levels"] = levels
    return Sb1288Spec(
        path=path,
        description=description,
        seats=seats,
        profile=profile,
        options=options,
        expected=_read_expected(merged, where),
    )


def _read_ballots(
    merged: Mapping[str, object], candidates: tuple[str, ...], levels: int | None, where: str
) -> Profile:
    index = {name: i for i, name in enumerate(candidates)}
    groups: list[tuple[str, object]] = []
    for key in ("ballots", "ballots_more"):
        value = merged.get(key, [])
        if value == "":
            value = []
        if not isinstance(value, list):
            raise BallotFileError(where, "", key, f"expected a list of ballot groups: {value!r}")
        groups.extend((f"{key}[{i}]", group) for i, group in enumerate(value))
    ballots: list[tuple[list[Mark], int]] = []
    for key, group in groups:
        if not isinstance(group, list) or len(group) != 2:
            raise BallotFileError(where, "", key, f"expected [count, rankings]: {group!r}")
        multiple = _int(group[0], path=where, key=key)
        if multiple < 1:
            raise BallotFileError(where, "", key, f"a ballot count must be at least 1: {multiple}")
        rankings = decode_list(group[1], path=where, key=key)
        if levels is not None and len(rankings) > levels:
            problem = f"{len(rankings)} rankings, but max_ranking_levels is {levels}"
            raise BallotFileError(where, "", key, problem)
        marks: list[Mark] = []
        for code in rankings:
            if code == _SKIPPED_CODE:
                marks.append(None)
            elif code == _OVERVOTE_CODE:
                marks.append(frozenset())
            elif code in index:
                marks.append(index[code])
            else:
                raise BallotFileError(where, "", key, f"{code!r} is not a candidate")
        ballots.append((marks, multiple))
    return Profile.from_ballots(candidates, ballots)


def _read_options(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise BallotFileError(where, "", "options", f"expected an object: {value!r}")
    options: dict[str, object] = {}
    for name, option in value.items():
        key = f"options.{name}"
        if name == "stop_at_majority":
            if not isinstance(option, bool):
                raise BallotFileError(where, "", key, f"expected true or false: {option!r}")
            options[name] = option
        elif name == "alternative_defeats":
            if isinstance(option, str) and option.upper() in ("Y", "N"):
                options[name] = option.upper()
            else:
                per_round = decode_list(option, path=where, key=key)
                if any(item.upper() not in ("Y", "N") for item in per_round):
                    problem = f"expected 'Y' or 'N' for each round: {option!r}"
                    raise BallotFileError(where, "", key, problem)
                options[name] = tuple(item.upper() for item in per_round)
        else:
            raise BallotFileError(where, "", key, "unknown option")
    return options


def _read_expected(merged: Mapping[str, object], where: str) -> Sb1288Expected:
    elected = frozenset(decode_list(merged["elected"], path=where, key="elected"))
    codes_value = merged["status_codes"]
    if not isinstance(codes_value, list):
        raise BallotFileError(where, "", "status_codes", f"expected a list: {codes_value!r}")
    status_codes: list[tuple[str, str, int, Decimal]] = []
    for i, code in enumerate(codes_value):
        key = f"status_codes[{i}]"
        if not (
            isinstance(code, list)
            and len(code) == 4
            and isinstance(code[0], str)
            and code[1] in ("elected", "defeated")
        ):
            problem = f"expected [candidate, 'elected'|'defeated', round, votes]: {code!r}"
            raise BallotFileError(where, "", key, problem)
        status_codes.append(
            (
                code[0],
                code[1],
                _int(code[2], path=where, key=key),
                _amount(code[3], path=where, key=key),
            )
        )
    tally_value = merged["tally"]
    if not isinstance(tally_value, dict):
        raise BallotFileError(where, "", "tally", f"expected an object: {tally_value!r}")
    tally: dict[str, tuple[Decimal, ...]] = {}
    for label, amounts in tally_value.items():
        key = f"tally.{label}"
        if not isinstance(amounts, list):
            raise BallotFileError(where, "", key, f"expected a list of amounts: {amounts!r}")
        tally[label] = tuple(_amount(a, path=where, key=key) for a in amounts)
    exception_value = merged.get("exception")
    exception: tuple[str, str] | None = None
    if exception_value is not None:
        if not (
            isinstance(exception_value, list)
            and len(exception_value) == 2
            and all(isinstance(part, str) for part in exception_value)
        ):
            problem = f"expected [exception type, message]: {exception_value!r}"
            raise BallotFileError(where, "", "exception", problem)
        exception = (exception_value[0], exception_value[1])
    return Sb1288Expected(
        elected=elected, status_codes=tuple(status_codes), tally=tally, exception=exception
    )
