"""Confidence triggers: letters to a chair, the vote they call, and immunity after it.

1. :func:`open_trigger` creates the confidence-vote contest (a motion of the body, in
   draft) with its :class:`~tellers.domain.trigger.TriggerState`: the body's size is
   snapshotted and the threshold fixed (15% of 359, rounded up: 54). It refuses with
   :class:`~tellers.domain.errors.TriggerImmune` while the leader is immune after
   surviving a vote -- the immunity length is read from the organisation's rule set
   version in force **today** (:mod:`tellers.services.rulesets`), so an amendment of the
   rules (on the audit log) is the only way to hold a second vote inside the window.
2. :func:`submit_letter` seals each letter as ``HMAC(key, writer)`` with a key kept
   apart (in the credential-key store, under ``<contest>/letters``), so the stored
   contest does not name the writers; a second letter from one MP counts once. When the
   letters reach the threshold the vote is called (``trigger_reached`` on the audit log,
   with the count only) and :func:`~tellers.services.contests.open_voting` may proceed.
3. :func:`letter_writers` unseals the letters for the **chair only**
   (:class:`~tellers.domain.errors.NotTheChair` for anyone else); the disclosure is
   logged, without the names.
4. After the vote is declared, :func:`record_confidence_result` records whether the
   leader survived and the immunity that follows; the next :func:`open_trigger` for the
   same body reads it back from the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

from tellers.crypto.credentials import new_election_key
from tellers.domain.contest import Contest
from tellers.domain.errors import (
    InvalidSpec,
    NotANominator,
    NotFound,
    NotTheChair,
    TriggerError,
    TriggerImmune,
)
from tellers.domain.gates import Rounding
from tellers.domain.ids import BodyId, ContestId, OfficerId, OrganisationId, PersonId
from tellers.domain.lifecycle import Phase, require_phase
from tellers.domain.membership import MembershipKind
from tellers.domain.spec import contest_from_spec, parse_share
from tellers.domain.trigger import TriggerRule, TriggerState, immune_until
from tellers.services.audit import record
from tellers.services.ports import Clock, UnitOfWork
from tellers.services.rulesets import _replay

__all__ = [
    "ConfidenceOutcome",
    "TriggerStatus",
    "letter_writers",
    "open_trigger",
    "record_confidence_result",
    "submit_letter",
    "trigger_rule_from_spec",
    "trigger_status",
    "withdraw_letter",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerStatus:
    """What may be said publicly about a trigger: counts, never names."""

    contest_id: ContestId
    denominator: int
    required: int
    received: int
    reached: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfidenceOutcome:
    """The result of a confidence vote and the immunity that follows."""

    contest_id: ContestId
    body: BodyId
    held_on: date
    confidence: int
    no_confidence: int
    body_size: int
    needed_to_remove: int
    """A majority of the whole body: ``size // 2 + 1`` (180 of 359)."""
    survived: bool
    immunity_months: int
    new_trigger_from: date | None
    """The first day a new trigger may be opened (None when the leader lost)."""


def _letters_key_id(contest_id: ContestId) -> ContestId:
    return ContestId(f"{contest_id}/letters")


def _seal(key: bytes, writer: str) -> str:
    return hmac.new(key, b"letter\x00" + writer.encode("utf-8"), hashlib.sha256).hexdigest()


def trigger_rule_from_spec(raw: Mapping[str, Any]) -> TriggerRule:
    """A :class:`TriggerRule` from ``{body, share, chair, immunity_months?, rule_set?,
    rounding?}``.

    Raises:
        InvalidSpec: a missing key or an unreadable share.
    """
    try:
        return TriggerRule(
            body=BodyId(str(raw["body"])),
            share=parse_share(raw["share"], "trigger.share"),
            chair=OfficerId(str(raw["chair"])),
            rounding=Rounding(raw.get("rounding", "up")),
            immunity_months=int(raw.get("immunity_months", 12)),
            rule_set=str(raw.get("rule_set", "")),
        )
    except (KeyError, ValueError) as err:
        msg = f"contest spec, trigger: {err}"
        raise InvalidSpec(msg) from err


def _immunity_months(
    uow: UnitOfWork, organisation_id: str, rule: TriggerRule, on: date
) -> tuple[int, str]:
    if rule.rule_set:
        found = _replay(uow, organisation_id, rule.rule_set)
        if found is not None:
            version = found.in_force_on(on)
            months = version.integer("immunity_months", rule.immunity_months)
            return (months if months is not None else rule.immunity_months), version.version
    return rule.immunity_months, ""


def _last_survived(uow: UnitOfWork, organisation_id: str, body: str) -> date | None:
    last: date | None = None
    for entry in uow.audit.iter():
        if entry.action != "confidence_vote_result":
            continue
        p = entry.parameters
        if p.get("organisation") == organisation_id and p.get("body") == body and p.get("survived"):
            last = date.fromisoformat(p["held_on"])
    return last


def open_trigger(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    contest_id: str,
    spec: Mapping[str, Any],
    trigger: TriggerRule | Mapping[str, Any],
) -> Contest:
    """Create a confidence-vote contest that waits for letters (see module docstring).

    Args:
        spec: the motion's contest spec (its electorate is normally the body's seats).
        trigger: the trigger rule, or its spec.

    Raises:
        TriggerImmune: the leader survived a vote less than the immunity window ago
            (under the rule version in force today).
        InvalidSpec: the spec is not a motion, or the rule has problems.
        NotFound: no such organisation or body.
    """
    rule = trigger if isinstance(trigger, TriggerRule) else trigger_rule_from_spec(trigger)
    problems = rule.problems()
    if problems:
        msg = f"trigger rule: {'; '.join(problems)}"
        raise InvalidSpec(msg)
    now = clock.now()
    contest = contest_from_spec(
        {**dict(spec), "kind": "motion"},
        contest_id=ContestId(contest_id),
        organisation_id=OrganisationId(organisation_id),
    )
    with uow:
        uow.organisations.get(contest.organisation_id)
        uow.organisations.get_body(rule.body)
        today = now.date()
        months, version = _immunity_months(uow, organisation_id, rule, today)
        last = _last_survived(uow, organisation_id, rule.body)
        if last is not None:
            allowed_from = immune_until(last, months)
            if today < allowed_from:
                msg = (
                    f"the leader survived a confidence vote of {rule.body} on "
                    f"{last.isoformat()}: no new trigger before {allowed_from.isoformat()} "
                    f"({months} months under {rule.rule_set or 'the trigger rule'}"
                    f"{' ' + version if version else ''}) unless the rules are amended"
                )
                raise TriggerImmune(msg)
        denominator = len(uow.people.seat_holders([rule.body], today))
        state = TriggerState(rule=rule, denominator=denominator, snapshot_at=now)
        contest = replace(contest, trigger=state)
        uow.contests.add(contest)
        uow.credentials.set_key(_letters_key_id(contest.id), new_election_key())
        record(
            uow,
            clock=clock,
            officer=officer,
            action="open_trigger",
            parameters={
                "contest": contest.id,
                "organisation": organisation_id,
                "title": contest.title,
                "question": contest.question,
                "body": rule.body,
                "share": f"{rule.share.numerator}/{rule.share.denominator}",
                "rounding": rule.rounding.value,
                "denominator": denominator,
                "required": state.required,
                "chair": rule.chair,
                "immunity_months": months,
                "rule_set": rule.rule_set,
                "rule_version": version,
                "last_survived_vote": None if last is None else last.isoformat(),
            },
        )
        uow.commit()
    return contest


def _trigger_of(contest: Contest) -> TriggerState:
    if contest.trigger is None:
        msg = f"{contest.id} is not called by a trigger"
        raise TriggerError(msg)
    return contest.trigger


def submit_letter(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str, writer: str
) -> TriggerStatus:
    """Receive a letter from ``writer`` (a seat holder of the body), sealed.

    Raises:
        WrongPhase: the vote has already opened.
        NotANominator: the writer holds no seat in the body today.
        NotFound: no such contest or person.
    """
    now = clock.now()
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        require_phase(contest.phase, Phase.DRAFT, action="receive a letter")
        state = _trigger_of(contest)
        pid = PersonId(writer)
        uow.people.get(pid)
        seated = any(
            m.kind is MembershipKind.SEAT
            and m.body_id == state.rule.body
            and m.is_current_on(now.date())
            for m in uow.people.memberships_of(pid)
        )
        if not seated:
            msg = f"{writer} holds no seat in {state.rule.body} on {now.date()}"
            raise NotANominator(msg)
        key = uow.credentials.key(_letters_key_id(cid))
        after = state.with_letter(_seal(key, pid), now)
        if after != state:
            uow.contests.save(replace(contest, trigger=after, version=contest.version + 1))
        if after.is_reached and not state.is_reached:
            record(
                uow,
                clock=clock,
                officer=officer,
                action="trigger_reached",
                parameters={
                    "contest": cid,
                    "letters": after.received,
                    "required": after.required,
                    "denominator": after.denominator,
                },
            )
        uow.commit()
    return _status(cid, after)


def withdraw_letter(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str, writer: str
) -> TriggerStatus:
    """Withdraw a letter before the vote is called (a called vote stands).

    Raises:
        TriggerError: the vote has already been called, or there is no such letter.
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        require_phase(contest.phase, Phase.DRAFT, action="withdraw a letter")
        state = _trigger_of(contest)
        if state.is_reached:
            msg = "the vote has been called; letters can no longer be withdrawn"
            raise TriggerError(msg)
        key = uow.credentials.key(_letters_key_id(cid))
        sealed = _seal(key, writer)
        if sealed not in state.letters:
            msg = "no letter from this writer"
            raise TriggerError(msg)
        after = state.without_letter(sealed)
        uow.contests.save(replace(contest, trigger=after, version=contest.version + 1))
        uow.commit()
    return _status(cid, after)


def _status(cid: ContestId, state: TriggerState) -> TriggerStatus:
    return TriggerStatus(
        contest_id=cid,
        denominator=state.denominator,
        required=state.required,
        received=state.received,
        reached=state.is_reached,
    )


def trigger_status(*, uow: UnitOfWork, contest_id: str) -> TriggerStatus:
    """Letters received and needed (counts only; read-only)."""
    with uow:
        contest = uow.contests.get(ContestId(contest_id))
        return _status(contest.id, _trigger_of(contest))


def letter_writers(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str
) -> tuple[PersonId, ...]:
    """Who wrote, for the chair's eyes only; the disclosure is logged without names.

    Raises:
        NotTheChair: ``officer`` is not the trigger's chair.
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        state = _trigger_of(contest)
        if officer != state.rule.chair:
            msg = f"only the chair ({state.rule.chair}) may see who wrote; asked by {officer}"
            raise NotTheChair(msg)
        key = uow.credentials.key(_letters_key_id(cid))
        sealed = set(state.letters)
        candidates: set[PersonId] = set()
        for day in {state.snapshot_at.date(), clock.now().date()}:
            candidates |= uow.people.seat_holders([state.rule.body], day)
        writers = tuple(sorted(p for p in candidates if _seal(key, p) in sealed))
        record(
            uow,
            clock=clock,
            officer=officer,
            action="unseal_letters",
            parameters={"contest": cid, "letters": len(writers)},
        )
        uow.commit()
    return writers


def record_confidence_result(
    *, uow: UnitOfWork, clock: Clock, officer: OfficerId, contest_id: str
) -> ConfidenceOutcome:
    """Record a declared confidence vote's outcome and the immunity that follows.

    The motion is one of confidence: Yes is confidence. The leader survives when the
    motion is carried; the next trigger may be opened from the day the immunity (in
    months, under the rule version in force on the day of the vote) ends.

    Raises:
        NotFound: the vote has not been declared.
        TriggerError: the contest is not a triggered confidence vote.
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        state = _trigger_of(contest)
        declared = uow.results.declaration(cid)
        if declared is None:
            msg = f"{cid} has not been declared"
            raise NotFound(msg)
        data = json.loads(declared[1])
        held_on = date.fromisoformat(data["declared_at"][:10])
        motion = data["motion"]
        survived = bool(motion["carried"])
        months, _ = _immunity_months(uow, contest.organisation_id, state.rule, held_on)
        size = int(data["eligible"])
        outcome = ConfidenceOutcome(
            contest_id=cid,
            body=state.rule.body,
            held_on=held_on,
            confidence=int(motion["yes"]),
            no_confidence=int(motion["no"]),
            body_size=size,
            needed_to_remove=size // 2 + 1,
            survived=survived,
            immunity_months=months,
            new_trigger_from=immune_until(held_on, months) if survived else None,
        )
        record(
            uow,
            clock=clock,
            officer=officer,
            action="confidence_vote_result",
            parameters={
                "contest": cid,
                "organisation": contest.organisation_id,
                "body": state.rule.body,
                "held_on": held_on.isoformat(),
                "confidence": outcome.confidence,
                "no_confidence": outcome.no_confidence,
                "body_size": size,
                "confidence_share": str(Fraction(outcome.confidence, size)) if size else "0",
                "needed_to_remove": outcome.needed_to_remove,
                "survived": survived,
                "immunity_months": months,
                "new_trigger_from": None
                if outcome.new_trigger_from is None
                else outcome.new_trigger_from.isoformat(),
            },
        )
        uow.commit()
    return outcome
