"""The results JSON: tellers' published, versioned form of a count.

The layout is documented in ``docs/results-schema.md`` (schema version
:data:`SCHEMA_VERSION`). Every vote amount is a string holding an exact decimal (or
``"p/q"`` when a rule's exact arithmetic gives a fraction that has no finite decimal
form), so that no reader ever meets a float. Keys are written in a fixed order and the
file is UTF-8 with a final newline, so that two counts of the same ballots give
byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from tellers.counting.amounts import Amount, format_amount
from tellers.counting.rounds import CountResult, Round, TieBreak, Transfer

__all__ = ["SCHEMA_VERSION", "dump_result", "result_to_json", "write_result"]

SCHEMA_VERSION = "1"


def _amounts(values: Mapping[str, Amount]) -> dict[str, str]:
    return {name: format_amount(value) for name, value in values.items()}


def _transfer(transfer: Transfer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "from": transfer.source,
        "reason": transfer.reason,
        "to": _amounts(transfer.to),
        "exhausted": format_amount(transfer.exhausted),
    }
    if transfer.loss:
        out["loss"] = format_amount(transfer.loss)
    return out


def _round(rnd: Round) -> dict[str, Any]:
    out: dict[str, Any] = {
        "round": rnd.number,
        "tallies": _amounts(rnd.tallies),
        "exhausted": format_amount(rnd.exhausted),
    }
    if rnd.inactive:
        out["inactive"] = _amounts(rnd.inactive)
    if rnd.threshold is not None:
        out["threshold"] = format_amount(rnd.threshold)
    out["elected"] = list(rnd.elected)
    out["eliminated"] = list(rnd.eliminated)
    out["transfers"] = [_transfer(t) for t in rnd.transfers]
    if rnd.loss:
        out["loss"] = format_amount(rnd.loss)
    if rnd.note:
        out["note"] = rnd.note
    return out


def _tie_break(tie: TieBreak) -> dict[str, Any]:
    return {
        "round": tie.round,
        "purpose": tie.purpose,
        "tied": list(tie.tied),
        "chosen": tie.chosen,
        "how": tie.how,
    }


def _plain(value: object) -> Any:
    """Render rule-specific details: amounts as strings, containers recursively."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Fraction | Decimal):
        return format_amount(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = sorted(value, key=str) if isinstance(value, frozenset | set) else value
        return [_plain(v) for v in items]
    msg = f"cannot write {type(value).__name__} in a results file: {value!r}"
    raise TypeError(msg)


def result_to_json(result: CountResult) -> dict[str, Any]:
    """The results JSON object for ``result`` (see docs/results-schema.md)."""
    out: dict[str, Any] = {
        "schema": f"tellers-results/{SCHEMA_VERSION}",
        "method": result.method,
        "seats": result.seats,
        "candidates": list(result.candidates),
        "valid": format_amount(result.valid),
        "winners": list(result.winners),
    }
    if result.quota is not None:
        out["quota"] = format_amount(result.quota)
    out["rounds"] = [_round(r) for r in result.rounds]
    out["tie_breaks"] = [_tie_break(t) for t in result.tie_breaks]
    out["seed"] = result.seed
    if result.details:
        out["details"] = _plain(result.details)
    return out


def dump_result(result: CountResult) -> str:
    """The results JSON as text (two-space indent, final newline)."""
    return json.dumps(result_to_json(result), indent=2, ensure_ascii=False) + "\n"


def write_result(result: CountResult, path: str | Path) -> None:
    """Write the results JSON to ``path``."""
    Path(path).write_text(dump_result(result), encoding="utf-8")
