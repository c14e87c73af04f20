"""The phases of a contest and the transitions an officer may make between them.

::

    draft --> nominations open --> nominations closed --> voting open --> voting closed
      |                                  |                    ^              |
      +----------------------------------|--------------------+              v
      (motions and elections without     +--> declared (elected unopposed)  counted
       a nomination phase)                                                   |
                                                       declared <------------+

A recount re-runs the count on the same ballots from ``counted`` or ``declared`` and
does not change the phase. Every transition is an officer's action, recorded in the
audit log by the service that makes it. Before a phase opens the contest lists **every**
problem at once (:class:`Problem`); the transition raises
:class:`~tellers.domain.errors.NotReadyToOpen` with that list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from tellers.domain.errors import NominationsNotOpen, PollNotOpen, WrongPhase

__all__ = ["TRANSITIONS", "Phase", "Problem", "check_transition", "require_phase"]


class Phase(Enum):
    """Where a contest is in its lifecycle."""

    DRAFT = "draft"
    NOMINATIONS_OPEN = "nominations open"
    NOMINATIONS_CLOSED = "nominations closed"
    VOTING_OPEN = "voting open"
    VOTING_CLOSED = "voting closed"
    COUNTED = "counted"
    DECLARED = "declared"


TRANSITIONS: Mapping[Phase, frozenset[Phase]] = {
    Phase.DRAFT: frozenset({Phase.NOMINATIONS_OPEN, Phase.VOTING_OPEN}),
    Phase.NOMINATIONS_OPEN: frozenset({Phase.NOMINATIONS_CLOSED}),
    Phase.NOMINATIONS_CLOSED: frozenset({Phase.VOTING_OPEN, Phase.DECLARED}),
    Phase.VOTING_OPEN: frozenset({Phase.VOTING_CLOSED}),
    Phase.VOTING_CLOSED: frozenset({Phase.COUNTED}),
    Phase.COUNTED: frozenset({Phase.DECLARED}),
    Phase.DECLARED: frozenset(),
}
"""Allowed moves; the contest adds the conditions (e.g. declared unopposed only)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One reason a phase cannot open yet."""

    code: str
    """A stable key, e.g. ``"no-sections"``, ``"too-few-candidates"``."""
    message: str


def check_transition(current: Phase, target: Phase, *, action: str) -> None:
    """Raise unless ``current -> target`` is an allowed move.

    Raises:
        WrongPhase: the move is not in :data:`TRANSITIONS`.
    """
    if target not in TRANSITIONS[current]:
        allowed = [p for p, targets in TRANSITIONS.items() if target in targets]
        raise WrongPhase(action, current, allowed)


def require_phase(current: Phase, *allowed: Phase, action: str) -> None:
    """Raise unless the contest is in one of ``allowed``.

    Raises:
        PollNotOpen: casting or entering papers outside ``voting open``.
        NominationsNotOpen: nominating outside ``nominations open``.
        WrongPhase: any other action in the wrong phase.
    """
    if current in allowed:
        return
    if allowed == (Phase.VOTING_OPEN,):
        raise PollNotOpen(action, current, allowed)
    if allowed == (Phase.NOMINATIONS_OPEN,):
        raise NominationsNotOpen(action, current, allowed)
    raise WrongPhase(action, current, allowed)
