"""The result of a count: rounds, transfers, tie-breaks and winners.

Every rule returns a :class:`CountResult`. A round records the tallies *at the end of
the round's counting step* (before the round's eliminations or surplus transfers take
effect), what was decided in it (elected, eliminated), the threshold in force, and the
transfers that the decisions caused, which the next round's tallies reflect. This is the
convention of RCTab's detailed reports and of the declarations of UK returning officers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tellers.counting.amounts import Amount

__all__ = ["CountResult", "Round", "TieBreak", "Transfer"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer:
    """Votes moved from one candidate: an elimination or a surplus."""

    source: str
    reason: str
    """``"eliminated"`` or ``"surplus"``."""
    to: Mapping[str, Amount]
    exhausted: Amount = 0
    loss: Amount = 0
    """Vote value lost to rounding in this transfer (RCTab's "residual surplus")."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    """One round (stage) of a count."""

    number: int
    tallies: Mapping[str, Amount]
    """Votes of each continuing (or elected) candidate in this round."""
    exhausted: Amount = 0
    """Ballots (or vote value) no longer counting for any candidate, cumulative."""
    inactive: Mapping[str, Amount] = field(default_factory=dict)
    """Breakdown of ``exhausted`` by cause, where the rule distinguishes causes."""
    elected: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    threshold: Amount | None = None
    transfers: tuple[Transfer, ...] = ()
    loss: Amount = 0
    """Cumulative vote value lost to rounding (fractional transfer rules)."""
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TieBreak:
    """A tie the rule had to break, and how."""

    round: int
    purpose: str
    """What was decided: ``"elimination"``, ``"election"``, ``"surplus order"``..."""
    tied: tuple[str, ...]
    chosen: str
    how: str
    """``"previous rounds"``, ``"candidate order"``, ``"lot"``..."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CountResult:
    """Everything a declaration or a recount needs to know about a count."""

    method: str
    seats: int
    candidates: tuple[str, ...]
    winners: tuple[str, ...]
    """In order of election."""
    rounds: tuple[Round, ...]
    valid: Amount
    """Valid ballots counted (after any exclusions the rule makes)."""
    quota: Amount | None = None
    tie_breaks: tuple[TieBreak, ...] = ()
    seed: int | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    """Rule-specific facts: the pairwise matrix, a motion's thresholds..."""
