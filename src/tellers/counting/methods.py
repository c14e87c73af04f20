"""The registry of counting rules, by the names the CLI, contest specs and boards use.

Each rule lives in its own module under :mod:`tellers.counting.rules` and exposes
``count(profile: Profile, params: CountParams) -> CountResult``. The registry names the
module, so adding a rule touches one line here and nothing else.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult
from tellers.errors import UnknownMethod

__all__ = ["METHODS", "CountParams", "count", "method_names"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CountParams:
    """What a rule needs besides the ballots."""

    seats: int = 1
    seed: int | None = None
    """Published seed for drawing lots; a rule that needs a lot and has none raises."""
    options: Mapping[str, object] = field(default_factory=dict)
    """Rule-specific options (documented in each rule's module)."""


METHODS: Mapping[str, str] = {
    "plurality": "tellers.counting.rules.plurality",
    "block": "tellers.counting.rules.block",
    "approval": "tellers.counting.rules.approval",
    "borda": "tellers.counting.rules.borda",
    "irv": "tellers.counting.rules.irv",
    "stv-scottish": "tellers.counting.rules.stv_scottish",
    "stv-ers97": "tellers.counting.rules.stv_ers97",
    "stv-meek": "tellers.counting.rules.stv_meek",
    "stv-wigm": "tellers.counting.rules.stv_wigm",
    "schulze": "tellers.counting.rules.schulze",
    "ranked-pairs": "tellers.counting.rules.ranked_pairs",
    "copeland": "tellers.counting.rules.copeland",
    "minimax": "tellers.counting.rules.minimax",
    "motion": "tellers.counting.rules.motion",
    "exhaustive-ballot": "tellers.counting.rules.exhaustive_ballot",
    "stv-rctab": "tellers.counting.rules.stv_rctab",
    "bottoms-up": "tellers.counting.rules.bottoms_up",
    "sequential-irv": "tellers.counting.rules.sequential_irv",
    "irv-sb1288": "tellers.counting.rules.sb1288",
    "stv-sb1288": "tellers.counting.rules.sb1288",
}


def method_names() -> tuple[str, ...]:
    """The names of all registered rules."""
    return tuple(METHODS)


def count(profile: Profile, method: str, params: CountParams | None = None) -> CountResult:
    """Count ``profile`` by the rule called ``method``.

    Raises:
        UnknownMethod: no rule has that name.
    """
    module_name = METHODS.get(method)
    if module_name is None:
        msg = f"unknown counting method {method!r}; known: {', '.join(METHODS)}"
        raise UnknownMethod(msg)
    module = importlib.import_module(module_name)
    result: CountResult = module.count(profile, params or CountParams())
    return result
