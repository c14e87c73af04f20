"""S9: the Conservative confidence-letters trigger and the MPs' confidence vote.

Published figures (README 2.1 and S9): 359 Conservative MPs, a trigger of 15% rounded up
= 54 letters; the ballot of 6 June 2022 gave 211 confidence, 148 no confidence (58.8%;
180 were needed to remove). Variant: May, 12 Dec 2018: 317 MPs, 48 letters, 200 v 117
(159 needed to remove). The vote is a paper ballot in a committee room, entered by
tellers as numbered papers; every paper goes through ``enter_postal_batch``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from tellers.domain.errors import NotReadyToOpen, NotTheChair, TriggerError, TriggerImmune
from tellers.domain.ids import OfficerId
from tellers.domain.statute import percent_text
from tellers.services import (
    contests,
    credentials,
    organisations,
    people,
    results,
    rulesets,
    triggers,
)
from tests.unit.lifecycle_support import RO, Returns, World, at, cast_returns, new_world, seat_rows

CHAIR = OfficerId("chair-1922")
RULES_1922 = {
    "name": "1922 Committee rules",
    "versions": [
        {
            "version": "1922 rules (12-month immunity)",
            "effective_from": "2003-01-01",
            "settings": {"trigger_share": "15%", "immunity_months": 12},
            "source": "README 2.1: 15% of MPs; no new vote for 12 months if the leader wins",
        }
    ],
}


def kw(world: World, officer: OfficerId = RO) -> dict[str, Any]:
    return {"uow": world.uow, "clock": world.clock, "officer": officer}


def tory_world(mps: int, start: str) -> World:
    world = new_world(start)
    organisations.create_organisation(**kw(world), organisation_id="cons", name="Conservatives")
    organisations.add_body(
        **kw(world), organisation_id="cons", body_id="mps", name="Conservative MPs"
    )
    people.import_people(
        **kw(world),
        organisation_id="cons",
        rows=seat_rows("mp", mps, "mps", date(2017, 6, 8), names=["Boris Johnson"]),
    )
    rulesets.adopt_rule_set(
        **kw(world), organisation_id="cons", rules=RULES_1922, ruling="1922 Committee rules"
    )
    return world


def confidence_spec(title: str, day: str) -> dict[str, Any]:
    return {
        "title": title,
        "question": "That the Parliamentary Party has confidence in the leader.",
        "electorate": {
            "version": "1922 rules: every Conservative MP",
            "sections": [
                {
                    "name": "MPs",
                    "kind": "seat",
                    "bodies": ["mps"],
                    "current_on": day,
                    "channels": ["post"],
                }
            ],
        },
    }


TRIGGER = {
    "body": "mps",
    "share": "15%",
    "chair": str(CHAIR),
    "immunity_months": 12,
    "rule_set": "1922 Committee rules",
}


def hold_vote(world: World, cid: str, yes: int, no: int) -> dict[str, Any]:
    contests.open_voting(**kw(world), contest_id=cid)
    issued = credentials.issue_credentials(**kw(world), contest_id=cid)
    cast_returns(world, cid, issued, {"MPs": Returns(post=[(("yes",), yes), (("no",), no)])})
    contests.close_voting(**kw(world), contest_id=cid)
    results.count(**kw(world), contest_id=cid)
    declaration = results.declare(**kw(world), contest_id=cid)
    data: dict[str, Any] = json.loads(declaration.json)
    return data


def test_s9_54_letters_of_359_call_the_vote_and_johnson_survives_211_to_148() -> None:
    world = tory_world(359, "2022-05-30T09:00:00+01:00")
    contest = triggers.open_trigger(
        **kw(world, CHAIR),
        organisation_id="cons",
        contest_id="confidence-2022",
        spec=confidence_spec("Confidence in Boris Johnson, 6 June 2022", "2022-06-06"),
        trigger=TRIGGER,
    )
    assert contest.trigger is not None
    assert (contest.trigger.denominator, contest.trigger.required) == (359, 54)
    writers = [f"mp-{i:04d}" for i in range(2, 56)]  # 54 MPs other than the leader
    for w in writers[:53]:
        status = triggers.submit_letter(**kw(world, CHAIR), contest_id="confidence-2022", writer=w)
    # One MP writes twice: the letter counts once.
    status = triggers.submit_letter(
        **kw(world, CHAIR), contest_id="confidence-2022", writer=writers[0]
    )
    assert (status.received, status.required, status.reached) == (53, 54, False)
    with pytest.raises(NotReadyToOpen, match="53 of the 54 letters"):
        contests.open_voting(**kw(world), contest_id="confidence-2022")
    world.clock.set(at("2022-06-06T07:45:00+01:00"))
    status = triggers.submit_letter(
        **kw(world, CHAIR), contest_id="confidence-2022", writer=writers[53]
    )
    assert (status.received, status.reached) == (54, True)
    with pytest.raises(TriggerError):
        triggers.withdraw_letter(
            **kw(world, CHAIR), contest_id="confidence-2022", writer=writers[0]
        )

    # Only the chair may see who wrote; the stored contest and the audit log do not say.
    with pytest.raises(NotTheChair):
        triggers.letter_writers(**kw(world, RO), contest_id="confidence-2022")
    seen = triggers.letter_writers(**kw(world, CHAIR), contest_id="confidence-2022")
    assert list(seen) == sorted(writers)
    with world.uow as uow:
        stored = uow.contests.get(contest.id)
        log = [(e.action, json.dumps(dict(e.parameters))) for e in uow.audit.iter()]
    assert not any(w in repr(stored) for w in writers)
    assert not any(w in text for _, text in log for w in writers)
    reached = [json.loads(t) for a, t in log if a == "trigger_reached"]
    assert reached == [
        {"contest": "confidence-2022", "letters": 54, "required": 54, "denominator": 359}
    ]

    world.clock.set(at("2022-06-06T18:00:00+01:00"))
    data = hold_vote(world, "confidence-2022", 211, 148)
    assert data["motion"]["carried"] is True
    assert (data["motion"]["yes"], data["motion"]["no"]) == (211, 148)
    outcome = triggers.record_confidence_result(**kw(world, CHAIR), contest_id="confidence-2022")
    assert outcome.survived
    assert outcome.needed_to_remove == 180
    assert percent_text(outcome.confidence, outcome.body_size) == "58.8"
    assert data["turnout"] == {"numerator": 359, "denominator": 359, "percent": "100.0"}
    assert outcome.held_on == date(2022, 6, 6)
    assert outcome.new_trigger_from == date(2023, 6, 6)

    # A second trigger inside the 12 months is refused...
    world.clock.set(at("2022-07-05T09:00:00+01:00"))
    with pytest.raises(TriggerImmune, match="2023-06-06"):
        triggers.open_trigger(
            **kw(world, CHAIR),
            organisation_id="cons",
            contest_id="confidence-2022-b",
            spec=confidence_spec("Second confidence vote", "2022-07-12"),
            trigger=TRIGGER,
        )
    # ... unless the rules are amended, and the amendment is on the audit log.
    rulesets.amend_rule_set(
        **kw(world, CHAIR),
        organisation_id="cons",
        name="1922 Committee rules",
        version={
            "version": "1922 rules amended July 2022 (no immunity)",
            "effective_from": "2022-07-05",
            "settings": {"trigger_share": "15%", "immunity_months": 0},
            "source": "1922 Committee executive, simulated amendment",
        },
        ruling="1922 executive: a second vote may be held within 12 months",
    )
    second = triggers.open_trigger(
        **kw(world, CHAIR),
        organisation_id="cons",
        contest_id="confidence-2022-b",
        spec=confidence_spec("Second confidence vote", "2022-07-12"),
        trigger=TRIGGER,
    )
    assert second.trigger is not None
    assert second.trigger.required == 54
    with world.uow as uow:
        amendments = [e.parameters for e in uow.audit.iter() if e.action == "amend_rule_set"]
        opened = [e.parameters for e in uow.audit.iter() if e.action == "open_trigger"]
    assert amendments[0]["ruling"] == "1922 executive: a second vote may be held within 12 months"
    assert amendments[0]["version"]["settings"]["immunity_months"] == 0
    assert opened[-1]["rule_version"] == "1922 rules amended July 2022 (no immunity)"
    assert opened[-1]["last_survived_vote"] == "2022-06-06"


def test_s9_variant_may_2018_317_mps_48_letters_200_to_117() -> None:
    world = tory_world(317, "2018-12-10T09:00:00+00:00")
    triggers.open_trigger(
        **kw(world, CHAIR),
        organisation_id="cons",
        contest_id="confidence-2018",
        spec=confidence_spec("Confidence in Theresa May, 12 Dec 2018", "2018-12-12"),
        trigger=TRIGGER,
    )
    for i in range(2, 50):
        status = triggers.submit_letter(
            **kw(world, CHAIR), contest_id="confidence-2018", writer=f"mp-{i:04d}"
        )
    assert (status.required, status.received, status.reached) == (48, 48, True)
    world.clock.set(at("2018-12-12T18:00:00+00:00"))
    data = hold_vote(world, "confidence-2018", 200, 117)
    outcome = triggers.record_confidence_result(**kw(world, CHAIR), contest_id="confidence-2018")
    assert outcome.survived
    assert data["motion"]["margin"] == 83
    assert outcome.needed_to_remove == 159
    assert data["turnout"]["numerator"] == 317
    assert data["tallies"]["yes"]["of_valid"]["percent"] == "63.1"
    assert outcome.new_trigger_from == date(2019, 12, 12)


def test_a_letter_from_someone_without_a_seat_is_refused() -> None:
    from tellers.domain.errors import NotANominator
    from tellers.domain.membership import MembershipKind
    from tellers.services.people import MembershipRow, PersonRow

    world = tory_world(20, "2022-05-30T09:00:00+01:00")
    people.import_people(
        **kw(world),
        organisation_id="cons",
        rows=[
            PersonRow(
                id="activist",
                name="A Member",
                memberships=(MembershipRow(kind=MembershipKind.MEMBER, start=date(2010, 1, 1)),),
            )
        ],
    )
    triggers.open_trigger(
        **kw(world, CHAIR),
        organisation_id="cons",
        contest_id="c",
        spec=confidence_spec("c", "2022-06-06"),
        trigger=TRIGGER,
    )
    with pytest.raises(NotANominator):
        triggers.submit_letter(**kw(world, CHAIR), contest_id="c", writer="activist")
    status = triggers.submit_letter(**kw(world, CHAIR), contest_id="c", writer="mp-0002")
    assert status.required == 3  # ceil(15% of 20)
    status = triggers.withdraw_letter(**kw(world, CHAIR), contest_id="c", writer="mp-0002")
    assert status.received == 0


def test_a_leader_who_loses_gives_no_immunity_and_a_new_trigger_may_open_at_once() -> None:
    world = tory_world(20, "2022-05-30T09:00:00+01:00")
    triggers.open_trigger(
        **kw(world, CHAIR),
        organisation_id="cons",
        contest_id="lost",
        spec=confidence_spec("Confidence vote", "2022-06-06"),
        trigger=TRIGGER,
    )
    for i in range(2, 5):
        triggers.submit_letter(**kw(world, CHAIR), contest_id="lost", writer=f"mp-{i:04d}")
    world.clock.set(at("2022-06-06T18:00:00+01:00"))
    data = hold_vote(world, "lost", 8, 12)
    assert data["motion"]["carried"] is False
    outcome = triggers.record_confidence_result(**kw(world, CHAIR), contest_id="lost")
    assert (outcome.survived, outcome.new_trigger_from, outcome.needed_to_remove) == (
        False,
        None,
        11,
    )
    again = triggers.open_trigger(
        **kw(world, CHAIR),
        organisation_id="cons",
        contest_id="next",
        spec=confidence_spec("Next leader's confidence vote", "2022-06-20"),
        trigger=TRIGGER,
    )
    assert again.trigger is not None
