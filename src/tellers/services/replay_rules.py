"""Replaying a rules scenario (``examples/<name>/scenario.json``) through the services.

A scenario is a list of **steps**, each an officer's, nominator's or voter's action
named by ``do`` with its arguments, optionally ``at`` (the instant the clock shows),
``output`` (to keep the step's result in the output under that name) and
``expect_error`` (the name of the :class:`~tellers.errors.TellersError` the step must
raise: a refused letter, a late payment...). Every step calls the same service
function an officer would, inside its own transaction, so a replay on the SQL store and
one on the in-memory store must give the same output. Bulk steps generate people,
affiliates, nominations and returns from compact descriptions, so a scenario of half a
million voters stays a small file.

:func:`replay` returns a JSON-ready mapping: ``{"scenario", "title", "outputs": {name:
result}, "steps": [{"n", "do", "ok" | "error"}], "audit": {"entries", "head",
"verified"}}``. Step kinds are listed in :data:`STEPS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tellers.domain.amendment import CredentialPolicy
from tellers.domain.ballot import RejectionReason
from tellers.domain.electorate import FeeWindow
from tellers.domain.errors import InvalidSpec
from tellers.domain.ids import ContestId, OfficerId, OrganisationId
from tellers.domain.membership import MembershipKind, Standing
from tellers.domain.organisation import AffiliateKind
from tellers.domain.postal import PaperEntry
from tellers.domain.roll import IssuedCredential
from tellers.domain.spec import contest_from_spec
from tellers.errors import TellersError
from tellers.formats.union_reports import notice_json, notice_text, scrutineer_json
from tellers.services import (
    audit,
    contests,
    credentials,
    organisations,
    people,
    results,
    rulesets,
    triggers,
    voting,
)
from tellers.services.people import MembershipRow, PersonRow
from tellers.services.ports import Clock, UnitOfWork

__all__ = [
    "STEPS",
    "ReplayError",
    "is_rules_scenario",
    "load_scenario",
    "render",
    "replay",
    "replay_folder",
]

DEFAULT_OFFICER = OfficerId("returning-officer")


class ReplayError(InvalidSpec):
    """A scenario step that cannot be replayed, or that did not behave as expected."""


@dataclass
class _State:
    uow: UnitOfWork
    clock: Any
    issued: dict[str, list[IssuedCredential]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    organisation: str = ""


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.utcoffset() is None:
        msg = f"scenario instants need a time-zone offset: {text}"
        raise ReplayError(msg)
    return value


def _kw(state: _State, step: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "uow": state.uow,
        "clock": state.clock,
        "officer": OfficerId(str(step.get("officer", DEFAULT_OFFICER))),
    }


def _ids(spec: Any) -> list[str]:
    """A list of ids, or ``{prefix, from, to, width?}`` for ``prefix-0001..``."""
    if isinstance(spec, list):
        return [str(x) for x in spec]
    if isinstance(spec, Mapping):
        width = int(spec.get("width", 4))
        return [
            f"{spec['prefix']}-{i:0{width}d}" for i in range(int(spec["from"]), int(spec["to"]) + 1)
        ]
    msg = f"expected a list of ids or a range, got {spec!r}"
    raise ReplayError(msg)


def _membership(raw: Mapping[str, Any]) -> MembershipRow:
    paid = raw.get("fee_paid_at")
    return MembershipRow(
        kind=MembershipKind(raw["kind"]),
        start=date.fromisoformat(raw["start"]),
        end=date.fromisoformat(raw["end"]) if raw.get("end") else None,
        standing=Standing(raw.get("standing", "good")),
        body_id=raw.get("body"),
        affiliate_id=raw.get("affiliate"),
        fee_paid_at=_instant(paid) if paid else None,
        fee_pence=raw.get("fee_pence"),
    )


def _people_rows(step: Mapping[str, Any]) -> Iterator[PersonRow]:
    for raw in step.get("rows", ()):
        yield PersonRow(
            id=str(raw["id"]),
            name=str(raw.get("name", raw["id"])),
            memberships=tuple(_membership(m) for m in raw.get("memberships", ())),
        )
    gen = step.get("generate")
    if gen:
        names = list(gen.get("names", ()))
        width = int(gen.get("width", 4))
        membership = dict(gen["membership"])
        for i in range(int(gen["count"])):
            if i < len(names):
                name = names[i]
                pid = name.lower().replace(" ", "-")
            else:
                name = f"{gen['prefix']} {i + 1}"
                pid = f"{gen['prefix']}-{i + 1:0{width}d}"
            yield PersonRow(id=pid, name=name, memberships=(_membership(membership),))


def _cast(state: _State, step: Mapping[str, Any]) -> dict[str, int]:
    """Cast returns per section: postal papers (spoilt, then marked), then online.

    Voters take the returns in the order credentials were issued, skipping those who
    have voted (and, with ``only``, everyone not listed).
    """
    cid = str(step["contest"])
    issued = state.issued.get(cid, [])
    by_section: dict[str, list[IssuedCredential]] = {}
    for cred in issued:
        by_section.setdefault(cred.section, []).append(cred)
    papers: list[PaperEntry] = []
    online = 0
    used_people: set[str] = set(step.get("skip", ()))
    with state.uow as uow:
        voted = {e.person_id for e in uow.roll.iter(ContestId(cid)) if e.voted}
    used_people |= voted
    only = set(step.get("only", ()))
    for section, ret in step["returns"].items():
        voters = [
            c
            for c in by_section.get(section, [])
            if c.person_id not in used_people and (not only or c.person_id in only)
        ]
        with_paper = [c for c in voters if c.paper_number is not None]
        spoilt = [RejectionReason(r) for r, n in ret.get("spoilt_post", ()) for _ in range(n)]
        marked = [tuple(r) for r, n in ret.get("post", ()) for _ in range(n)]
        if len(spoilt) + len(marked) > len(with_paper):
            msg = f"{cid}/{section}: more postal returns than papers issued"
            raise ReplayError(msg)
        taken: set[str] = set()
        for cred, reason in zip(with_paper, spoilt, strict=False):
            papers.append(PaperEntry(paper_number=cred.paper_number or 0, rejection=reason))
            taken.add(cred.person_id)
        for cred, ranking in zip(with_paper[len(spoilt) :], marked, strict=False):
            papers.append(PaperEntry(paper_number=cred.paper_number or 0, ranking=ranking))
            taken.add(cred.person_id)
        rest = [c for c in voters if c.person_id not in taken]
        ballots = [tuple(r) for r, n in ret.get("online", ()) for _ in range(n)]
        if len(ballots) > len(rest):
            msg = f"{cid}/{section}: more online returns than voters left"
            raise ReplayError(msg)
        for cred, ranking in zip(rest, ballots, strict=False):
            voting.cast_ballot(uow=state.uow, contest_id=cid, credential=cred.code, ranking=ranking)
            online += 1
    size = int(step.get("batch_size", 10_000))
    for start in range(0, len(papers), size):
        voting.enter_postal_batch(
            **_kw(state, step), contest_id=cid, papers=papers[start : start + size]
        )
    return {"online": online, "post": len(papers)}


def _electorate(state: _State, raw: Mapping[str, Any]) -> Any:
    return contest_from_spec(
        {"kind": "motion", "title": "electorate", "electorate": raw},
        contest_id=ContestId("electorate"),
        organisation_id=OrganisationId(state.organisation or "organisation"),
    ).electorate


def _roll(state: _State, step: Mapping[str, Any]) -> dict[str, Any]:
    cid = ContestId(str(step["contest"]))
    wanted = set(step.get("people", ()))
    with state.uow as uow:
        entries = list(uow.roll.iter(cid))
        by_section = dict(uow.roll.eligible_by_section(cid))
    return {
        "eligible_by_section": by_section,
        "entries": {
            e.person_id: {
                "section": e.section,
                "rule_version": e.rule_version,
                "reason": e.reason,
                "voted": e.voted,
            }
            for e in entries
            if e.person_id in wanted
        },
    }


def _json(text: str) -> Any:
    return json.loads(text)


def _step_organisation(state: _State, s: Mapping[str, Any]) -> Any:
    state.organisation = str(s["id"])
    organisations.create_organisation(**_kw(state, s), organisation_id=s["id"], name=s["name"])
    return {"organisation": s["id"]}


def _step_body(state: _State, s: Mapping[str, Any]) -> Any:
    organisations.add_body(
        **_kw(state, s), organisation_id=state.organisation, body_id=s["id"], name=s["name"]
    )
    return {"body": s["id"]}


def _step_affiliates(state: _State, s: Mapping[str, Any]) -> Any:
    made = 0
    for raw in s.get("list", ()):
        organisations.add_affiliate(
            **_kw(state, s),
            organisation_id=state.organisation,
            affiliate_id=raw["id"],
            name=raw.get("name", raw["id"]),
            kind=AffiliateKind(raw["kind"]),
            affiliated_membership=int(raw.get("membership", 0)),
        )
        made += 1
    gen = s.get("generate")
    if gen:
        for pid in _ids(gen):
            organisations.add_affiliate(
                **_kw(state, s),
                organisation_id=state.organisation,
                affiliate_id=pid,
                name=pid,
                kind=AffiliateKind(gen["kind"]),
                affiliated_membership=int(gen.get("membership", 0)),
            )
            made += 1
    return {"affiliates": made}


def _step_people(state: _State, s: Mapping[str, Any]) -> Any:
    summary = people.import_people(
        **_kw(state, s), organisation_id=state.organisation, rows=_people_rows(s)
    )
    return {"people": summary.people, "memberships": summary.memberships}


def _step_register_supporter(state: _State, s: Mapping[str, Any]) -> Any:
    window = FeeWindow(opens=_instant(s["window"][0]), closes=_instant(s["window"][1]))
    decision = people.register_supporter(
        **_kw(state, s),
        organisation_id=state.organisation,
        application_id=s["application"],
        person_id=s["person"],
        name=s.get("name", s["person"]),
        paid_at=_instant(s["paid_at"]),
        fee_pence=int(s["fee_pence"]),
        window=window,
        min_fee_pence=int(s["min_fee_pence"]),
        rule_version=s.get("rule_version", ""),
    )
    return {
        "outcome": decision.outcome.value,
        "charged_pence": decision.charged_pence,
        "reason": decision.reason,
    }


def _step_adopt_rule_set(state: _State, s: Mapping[str, Any]) -> Any:
    adopted = rulesets.adopt_rule_set(
        **_kw(state, s), organisation_id=state.organisation, rules=s["rules"], ruling=s["ruling"]
    )
    return adopted.as_dict()


def _step_amend_rule_set(state: _State, s: Mapping[str, Any]) -> Any:
    amended = rulesets.amend_rule_set(
        **_kw(state, s),
        organisation_id=state.organisation,
        name=s["name"],
        version=s["version"],
        ruling=s["ruling"],
    )
    return amended.as_dict()


def _step_commence_rule_version(state: _State, s: Mapping[str, Any]) -> Any:
    done = rulesets.commence_rule_version(
        **_kw(state, s),
        organisation_id=state.organisation,
        name=s["name"],
        version=s["version"],
        effective_from=date.fromisoformat(s["effective_from"]),
        ruling=s["ruling"],
    )
    return done.as_dict()


def _step_create_contest(state: _State, s: Mapping[str, Any]) -> Any:
    contests.create_contest(
        **_kw(state, s), organisation_id=state.organisation, contest_id=s["id"], spec=s["spec"]
    )
    return {"contest": s["id"]}


def _step_create_statutory_ballot(state: _State, s: Mapping[str, Any]) -> Any:
    cid, rules = rulesets.create_statutory_ballot(
        **_kw(state, s),
        organisation_id=state.organisation,
        contest_id=s["id"],
        spec=s["spec"],
        opened_on=date.fromisoformat(s["opened_on"]),
        important_public_services=bool(s.get("important_public_services", False)),
        question=s.get("question", "strike"),
        union=s.get("union", ""),
        scrutineer=s.get("scrutineer", ""),
    )
    return {"contest": cid, "rule_version": rules.version}


def _step_open_trigger(state: _State, s: Mapping[str, Any]) -> Any:
    contest = triggers.open_trigger(
        **_kw(state, s),
        organisation_id=state.organisation,
        contest_id=s["id"],
        spec=s["spec"],
        trigger=s["trigger"],
    )
    assert contest.trigger is not None
    return {"denominator": contest.trigger.denominator, "required": contest.trigger.required}


def _step_letters(state: _State, s: Mapping[str, Any]) -> Any:
    status = None
    for writer in _ids(s["writers"]):
        status = triggers.submit_letter(**_kw(state, s), contest_id=s["contest"], writer=writer)
    if status is None:
        status = triggers.trigger_status(uow=state.uow, contest_id=s["contest"])
    return {
        "received": status.received,
        "required": status.required,
        "denominator": status.denominator,
        "reached": status.reached,
    }


def _step_letter_writers(state: _State, s: Mapping[str, Any]) -> Any:
    return list(triggers.letter_writers(**_kw(state, s), contest_id=s["contest"]))


def _step_record_confidence_result(state: _State, s: Mapping[str, Any]) -> Any:
    o = triggers.record_confidence_result(**_kw(state, s), contest_id=s["contest"])
    return {
        "survived": o.survived,
        "confidence": o.confidence,
        "no_confidence": o.no_confidence,
        "body_size": o.body_size,
        "needed_to_remove": o.needed_to_remove,
        "held_on": o.held_on.isoformat(),
        "immunity_months": o.immunity_months,
        "new_trigger_from": None if o.new_trigger_from is None else o.new_trigger_from.isoformat(),
    }


def _phase(action: Callable[..., Any]) -> Callable[[_State, Mapping[str, Any]], Any]:
    def run(state: _State, s: Mapping[str, Any]) -> Any:
        contest = action(**_kw(state, s), contest_id=s["contest"])
        return {"phase": contest.phase.value}

    return run


def _step_close_nominations(state: _State, s: Mapping[str, Any]) -> Any:
    closed = contests.close_nominations(**_kw(state, s), contest_id=s["contest"])
    return {"ballot": list(closed.ballot), "unopposed": closed.unopposed}


def _step_nominate(state: _State, s: Mapping[str, Any]) -> Any:
    n = 0
    for nominator in _ids(s["nominators"]):
        contests.nominate(
            **_kw(state, s), contest_id=s["contest"], nominator=nominator, candidate=s["candidate"]
        )
        n += 1
    return {"nominations": n}


def _step_nominate_by_affiliate(state: _State, s: Mapping[str, Any]) -> Any:
    n = 0
    for affiliate in _ids(s["affiliates"]):
        contests.nominate_by_affiliate(
            **_kw(state, s), contest_id=s["contest"], affiliate=affiliate, candidate=s["candidate"]
        )
        n += 1
    return {"nominations": n}


def _step_withdraw(state: _State, s: Mapping[str, Any]) -> Any:
    contests.withdraw(**_kw(state, s), contest_id=s["contest"], candidate=s["candidate"])
    return {"withdrawn": s["candidate"]}


def _step_gate_outcomes(state: _State, s: Mapping[str, Any]) -> Any:
    found = contests.gate_outcomes(uow=state.uow, contest_id=s["contest"])
    register = contests.nomination_register_of(uow=state.uow, contest_id=s["contest"])
    return {
        "gates": {c: o.as_dict() for c, o in found.items()},
        "register": [r.as_dict() for r in register],
    }


def _step_issue_credentials(state: _State, s: Mapping[str, Any]) -> Any:
    new = credentials.issue_credentials(**_kw(state, s), contest_id=s["contest"])
    state.issued.setdefault(s["contest"], []).extend(new)
    return {"issued": len(new), "with_paper": sum(1 for c in new if c.paper_number)}


def _step_cast(state: _State, s: Mapping[str, Any]) -> Any:
    return _cast(state, s)


def _step_count(state: _State, s: Mapping[str, Any]) -> Any:
    results.count(**_kw(state, s), contest_id=s["contest"])
    with state.uow as uow:
        return _json(uow.results.counts(ContestId(s["contest"]))[0][1])


def _step_declare(state: _State, s: Mapping[str, Any]) -> Any:
    declaration = results.declare(**_kw(state, s), contest_id=s["contest"])
    return {"json": _json(declaration.json), "text": declaration.text}


def _step_amend_electorate(state: _State, s: Mapping[str, Any]) -> Any:
    change = contests.amend_electorate(
        **_kw(state, s),
        contest_id=s["contest"],
        electorate=_electorate(state, s["electorate"]),
        ruling=s["ruling"],
        policy=CredentialPolicy(s.get("policy", "void")),
    )
    return {
        "added": change.added,
        "removed": change.removed,
        "moved": change.moved,
        "kept": change.kept,
        "voided": change.voided,
        "eligible_by_section": dict(change.eligible_by_section),
    }


def _step_roll(state: _State, s: Mapping[str, Any]) -> Any:
    return _roll(state, s)


def _step_notice(state: _State, s: Mapping[str, Any]) -> Any:
    notice = rulesets.industrial_action_notice(
        uow=state.uow, contest_ids=list(s["contests"]), version=s.get("version")
    )
    return {"json": _json(notice_json(notice)), "text": notice_text(notice)}


def _step_scrutineer(state: _State, s: Mapping[str, Any]) -> Any:
    report = rulesets.scrutineer_report(
        uow=state.uow, contest_id=s["contest"], scrutineer=s["scrutineer"]
    )
    return _json(scrutineer_json(report))


STEPS: Mapping[str, Callable[[_State, Mapping[str, Any]], Any]] = {
    "organisation": _step_organisation,
    "body": _step_body,
    "affiliates": _step_affiliates,
    "people": _step_people,
    "register_supporter": _step_register_supporter,
    "adopt_rule_set": _step_adopt_rule_set,
    "amend_rule_set": _step_amend_rule_set,
    "commence_rule_version": _step_commence_rule_version,
    "create_contest": _step_create_contest,
    "create_statutory_ballot": _step_create_statutory_ballot,
    "open_trigger": _step_open_trigger,
    "letters": _step_letters,
    "letter_writers": _step_letter_writers,
    "record_confidence_result": _step_record_confidence_result,
    "open_nominations": _phase(contests.open_nominations),
    "nominate": _step_nominate,
    "nominate_by_affiliate": _step_nominate_by_affiliate,
    "withdraw": _step_withdraw,
    "close_nominations": _step_close_nominations,
    "gate_outcomes": _step_gate_outcomes,
    "open_voting": _phase(contests.open_voting),
    "issue_credentials": _step_issue_credentials,
    "cast": _step_cast,
    "close_voting": _phase(contests.close_voting),
    "count": _step_count,
    "declare": _step_declare,
    "amend_electorate": _step_amend_electorate,
    "roll": _step_roll,
    "notice": _step_notice,
    "scrutineer_report": _step_scrutineer,
}
"""Every step kind a scenario may use, by its ``do`` name."""


def load_scenario(folder: Path) -> dict[str, Any]:
    """Read ``folder/scenario.json``.

    Raises:
        ReplayError: no such file, or not JSON.
    """
    path = folder / "scenario.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        msg = f"{path}: {err}"
        raise ReplayError(msg) from err
    return data


def replay(scenario: Mapping[str, Any], *, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """Replay every step of ``scenario`` through the services (see module docstring).

    ``clock`` must be settable (``set(instant)``) for steps with ``at``.

    Raises:
        ReplayError: an unknown step, a step that failed unexpectedly (with its number),
            or a step that should have raised and did not.
    """
    state = _State(uow=uow, clock=clock)
    log: list[dict[str, Any]] = []
    steps: Sequence[Mapping[str, Any]] = scenario.get("steps", ())
    for n, step in enumerate(steps, start=1):
        kind = str(step.get("do", ""))
        handler = STEPS.get(kind)
        if handler is None:
            msg = f"step {n}: unknown step {kind!r}; known: {', '.join(STEPS)}"
            raise ReplayError(msg)
        if "at" in step:
            state.clock.set(_instant(step["at"]))
        expected = step.get("expect_error")
        try:
            value = handler(state, step)
        except TellersError as err:
            if expected is None or type(err).__name__ != expected:
                msg = f"step {n} ({kind}) failed: {type(err).__name__}: {err}"
                raise ReplayError(msg) from err
            value = {"error": type(err).__name__, "message": str(err)}
            log.append({"n": n, "do": kind, "error": type(err).__name__})
        else:
            if expected is not None:
                msg = f"step {n} ({kind}) should have raised {expected}"
                raise ReplayError(msg)
            log.append({"n": n, "do": kind, "ok": True})
        if "output" in step:
            state.outputs[str(step["output"])] = value
    head = audit.verify_audit_log(uow=uow)
    with uow as u:
        entries = sum(1 for _ in u.audit.iter())
    return {
        "scenario": scenario.get("scenario", ""),
        "title": scenario.get("title", ""),
        "outputs": state.outputs,
        "steps": log,
        "audit": {"entries": entries, "head": head, "verified": True},
    }


def replay_folder(folder: Path, *, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """Replay ``folder/scenario.json`` (see :func:`replay`)."""
    return replay(load_scenario(folder), uow=uow, clock=clock)


def is_rules_scenario(folder: Path) -> bool:
    """Whether ``folder`` holds a step scenario (``scenario.json``) for :func:`replay`."""
    return (folder / "scenario.json").is_file()


def render(outcome: Mapping[str, Any], *, as_json: bool) -> str:
    """A replay's outcome for the terminal: the JSON, or each output's text in order.

    Outputs that carry a ``text`` (declarations, notices) are printed as that text; the
    others as compact JSON, one per line.
    """
    if as_json:
        return json.dumps(outcome, indent=2, ensure_ascii=False) + "\n"
    lines = [f"{outcome.get('scenario', '')}: {outcome.get('title', '')}", ""]
    for name, value in outcome.get("outputs", {}).items():
        if isinstance(value, Mapping) and isinstance(value.get("text"), str):
            lines.append(f"== {name}")
            lines.append(str(value["text"]).rstrip("\n"))
        else:
            lines.append(f"== {name}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}")
    audit_info = outcome.get("audit", {})
    lines.append("")
    lines.append(f"Audit log: {audit_info.get('entries')} entries, head {audit_info.get('head')}")
    return "\n".join(lines) + "\n"
