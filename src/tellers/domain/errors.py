"""Errors of the ballot lifecycle, each named after the rule that was broken.

::

    TellersError
     +-- LifecycleError              a rule of the lifecycle was broken
     |    +-- WrongPhase               the action is not allowed in the contest's phase
     |    |    +-- PollNotOpen           casting or entering papers outside voting
     |    |    +-- NominationsNotOpen    nominating or withdrawing outside nominations
     |    +-- NotReadyToOpen           pre-flight problems (all of them) before a phase
     |    +-- NotFound                 no such organisation, person, contest, ...
     |    +-- AlreadyExists            an id used twice
     |    +-- StaleWrite               a concurrent change won; retry the action
     |    +-- VotingError
     |    |    +-- UnknownCredential     no credential with this code
     |    |    +-- CredentialVoided      the code was replaced by a reissue
     |    |    +-- AlreadyVoted          this voter has already returned a ballot
     |    |    +-- NotInElectorate       the person is not on the frozen roll
     |    |    +-- InvalidBallot         marks that the contest cannot accept
     |    |    +-- WrongChannel          the section may not vote by this channel
     |    |    +-- ReissueClosed         after the reissue cut-off
     |    +-- TriggerError
     |    |    +-- TriggerImmune         a new trigger inside the immunity window
     |    |    +-- NotTheChair           only the chair may see who wrote
     |    +-- NominationError
     |         +-- NotANominator         no seat in a nominating body
     |         +-- SelfNominationNotAllowed
     |         +-- AlreadyNominated      one nomination per nominator
     |         +-- NotACandidate         withdrawing someone who is not standing
     |         +-- NoCandidates          nominations closed with nobody qualified
     +-- InputError
          +-- ConfigError
               +-- InvalidSpec          a contest spec that cannot be used
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tellers.errors import ConfigError, TellersError

if TYPE_CHECKING:
    from tellers.domain.lifecycle import Phase, Problem

__all__ = [
    "AlreadyExists",
    "AlreadyNominated",
    "AlreadyVoted",
    "CredentialVoided",
    "InvalidBallot",
    "InvalidSpec",
    "LifecycleError",
    "NoCandidates",
    "NominationError",
    "NominationsNotOpen",
    "NotACandidate",
    "NotANominator",
    "NotFound",
    "NotInElectorate",
    "NotReadyToOpen",
    "PollNotOpen",
    "ReissueClosed",
    "SelfNominationNotAllowed",
    "StaleWrite",
    "TriggerError",
    "TriggerImmune",
    "NotTheChair",
    "UnknownCredential",
    "VotingError",
    "WrongChannel",
    "WrongPhase",
]


class LifecycleError(TellersError):
    """A rule of the ballot lifecycle was broken."""


class WrongPhase(LifecycleError):
    """The action is not allowed while the contest is in its current phase."""

    def __init__(self, action: str, phase: Phase, allowed: Sequence[Phase]) -> None:
        self.action = action
        self.phase = phase
        self.allowed = tuple(allowed)
        names = " or ".join(p.value for p in self.allowed)
        super().__init__(f"cannot {action}: the contest is {phase.value}, not {names}")


class PollNotOpen(WrongPhase):
    """Casting a ballot or entering papers while voting is not open."""


class NominationsNotOpen(WrongPhase):
    """Nominating or withdrawing while nominations are not open."""


class NotReadyToOpen(LifecycleError):
    """Pre-flight checks found problems; every one of them is in :attr:`problems`."""

    def __init__(self, phase: Phase, problems: Sequence[Problem]) -> None:
        self.phase = phase
        self.problems = tuple(problems)
        listed = "; ".join(p.message for p in self.problems)
        super().__init__(f"cannot open {phase.value}: {len(self.problems)} problem(s): {listed}")


class NotFound(LifecycleError):
    """No entity with this id."""


class AlreadyExists(LifecycleError):
    """An id that is already taken."""


class StaleWrite(LifecycleError):
    """Another transaction changed the same aggregate first; the action can be retried."""


class VotingError(LifecycleError):
    """A ballot or credential that cannot be accepted."""


class UnknownCredential(VotingError):
    """No credential of this contest has this code."""


class CredentialVoided(VotingError):
    """The credential was voided (replaced by a reissue)."""


class AlreadyVoted(VotingError):
    """The voter has already returned a ballot on some channel; only the first counts."""


class NotInElectorate(VotingError):
    """The person is not an eligible entry of the contest's frozen roll."""


class InvalidBallot(VotingError):
    """Marks the contest cannot accept (unknown option, repeated, empty...)."""


class WrongChannel(VotingError):
    """The voter's section may not vote by this channel (e.g. online-only supporters)."""


class ReissueClosed(VotingError):
    """A reissue requested after the contest's reissue cut-off."""


class NominationError(LifecycleError):
    """A nomination or withdrawal that the rules do not allow."""


class NotANominator(NominationError):
    """The nominator holds no seat in a nominating body on the day of nominating."""


class SelfNominationNotAllowed(NominationError):
    """The contest does not allow candidates to nominate themselves."""


class AlreadyNominated(NominationError):
    """The nominator already nominates a candidate who is still standing."""


class NotACandidate(NominationError):
    """The person is not a standing candidate of the contest."""


class NoCandidates(NominationError):
    """Nominations closed with no qualified candidate: the contest cannot proceed."""


class InvalidSpec(ConfigError):
    """A contest spec that cannot be turned into a contest; names the key at fault."""


class TriggerError(LifecycleError):
    """A confidence trigger action the rules do not allow."""


class TriggerImmune(TriggerError):
    """A new trigger while the leader is immune after surviving a vote."""


class NotTheChair(TriggerError):
    """Someone other than the chair asked who wrote the letters."""
