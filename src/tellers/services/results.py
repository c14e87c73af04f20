"""Counting, recounting and declaring; one transaction each.

The count is :func:`tellers.domain.result.tabulate` over the ballot box and the frozen
roll: a pure function, so the recount (and any observer's count of the bulletin board)
gives the same result. Each count is stored as canonical JSON; a recount is compared
with the first count. The declaration states the audit log's head hash at the moment of
declaring (covering everything up to the count), and the ``declare`` entry that follows
records the SHA-256 of the declaration's JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tellers.crypto.hashing import sha256_hex
from tellers.domain.contest import Contest
from tellers.domain.errors import LifecycleError
from tellers.domain.ids import ContestId, OfficerId
from tellers.domain.lifecycle import Phase, check_transition, require_phase
from tellers.domain.nomination import nomination_register
from tellers.domain.result import (
    GateReport,
    Result,
    declaration_json,
    declaration_text,
    result_json,
    tabulate_groups,
    unopposed_result,
)
from tellers.services.audit import audit_head, record
from tellers.services.ports import Clock, UnitOfWork

__all__ = ["CountMismatch", "Declaration", "Recount", "count", "declare", "recount"]


class CountMismatch(LifecycleError):
    """A recomputed count differs from the stored one: the ballot box changed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Recount:
    """A recount's result and whether it agrees with the first count."""

    result: Result
    number: int
    matches_first: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Declaration:
    """The declaration, as text and as JSON (with the audit head hash)."""

    result: Result
    text: str
    json: str
    audit_head: str


def _gate(uow: UnitOfWork, contest: Contest) -> GateReport | None:
    if contest.gate is None or contest.nomination is None:
        return None
    register = nomination_register(
        gate=contest.gate,
        rule=contest.nomination,
        candidates=[(c.id, c.name, c.withdrawn) for c in contest.candidates],
        nominations=uow.contests.nominations(contest.id),
    )
    gates = {}
    if contest.nomination.gate is not None:
        from tellers.services.contests import _gated_register, _outcomes

        register = _gated_register(uow, contest)
        gates = _outcomes(uow, contest)
    return GateReport(
        threshold=contest.gate.threshold,
        denominator=contest.gate.denominator,
        required=contest.gate.required,
        snapshot_at=contest.gate.snapshot_at,
        snapshot_label=contest.gate.snapshot_label,
        register=register,
        gates=gates,
    )


def _tabulate(uow: UnitOfWork, contest: Contest, *, recount: int) -> Result:
    return tabulate_groups(
        contest,
        uow.ballots.groups(contest.id),
        uow.roll.eligible_by_section(contest.id),
        gate=_gate(uow, contest),
        recount=recount,
    )


def count(*, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str) -> Result:
    """Count the ballots of a contest whose voting has closed.

    Raises:
        WrongPhase: voting has not closed, or the contest was already counted.
        CountMismatch: the box holds a different number of ballots from the voters
            marked on the roll (an integrity failure; nothing is written).
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        check_transition(contest.phase, Phase.COUNTED, action="count")
        result = _tabulate(uow, contest, recount=0)
        voted = uow.roll.voted_count(contest.id)
        if voted != result.returned:
            msg = f"{result.returned} ballots in the box but {voted} voters marked on the roll"
            raise CountMismatch(msg)
        text = result_json(result)
        uow.results.add_count(contest.id, 0, text)
        uow.contests.save(contest.mark_counted())
        record(
            uow,
            clock=clock,
            officer=officer,
            action="count",
            parameters={
                "contest": contest.id,
                "method": contest.method,
                "eligible": result.eligible,
                "returned": result.returned,
                "valid": result.valid,
                "spoilt": result.spoilt,
                "result_sha256": sha256_hex(text.encode("utf-8")),
            },
        )
        uow.commit()
    return result


def recount(*, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str) -> Recount:
    """Count the same ballots again and compare with the first count.

    Raises:
        WrongPhase: the contest has not been counted.
    """
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        require_phase(contest.phase, Phase.COUNTED, Phase.DECLARED, action="recount")
        stored = uow.results.counts(contest.id)
        number = len(stored)
        result = _tabulate(uow, contest, recount=number)
        text = result_json(result)
        matches = bool(stored) and stored[0][1] == text
        uow.results.add_count(contest.id, number, text)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="recount",
            parameters={
                "contest": contest.id,
                "recount": number,
                "matches_first": matches,
                "result_sha256": sha256_hex(text.encode("utf-8")),
            },
        )
        uow.commit()
    return Recount(result=result, number=number, matches_first=matches)


def declare(*, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str) -> Declaration:
    """Declare the result (counted, or elected unopposed when nominations closed).

    Raises:
        WrongPhase: not counted, and not an unopposed contest after nominations.
        CountMismatch: the ballots no longer give the stored count.
    """
    now = clock.now()
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        declared = contest.declare()
        if contest.phase is Phase.NOMINATIONS_CLOSED:
            result = unopposed_result(contest, _gate(uow, contest))
        else:
            result = _tabulate(uow, contest, recount=0)
            stored = uow.results.counts(contest.id)
            if not stored or stored[0][1] != result_json(result):
                msg = f"the ballots of {contest.id} no longer give the stored count"
                raise CountMismatch(msg)
        head = audit_head(uow)
        data = declaration_json(result, audit_head=head, declared_at=now)
        json_text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        text = declaration_text(result, audit_head=head, declared_at=now)
        uow.results.set_declaration(contest.id, text, json_text)
        uow.contests.save(declared)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="declare",
            parameters={
                "contest": contest.id,
                "audit_head_declared": head,
                "declaration_sha256": sha256_hex(json_text.encode("utf-8")),
                "winners": [result.options.get(w, w) for w in result.winners],
                "unopposed": result.unopposed,
            },
        )
        uow.commit()
    return Declaration(result=result, text=text, json=json_text, audit_head=head)
