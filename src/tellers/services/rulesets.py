"""Rule sets versioned by date, statutory ballots and their notices; one transaction each.

An organisation's rule sets (the 1922 Committee's rules, a union's rule book) are
**adopted** and **amended** by officers' actions, and those actions are the record: the
services append ``adopt_rule_set``, ``amend_rule_set`` and ``commence_rule_version``
entries to the hash-chained audit log, and :func:`rule_set` rebuilds a rule set by
reading them back in order. So every amendment is on the audit log by construction, and
no storage adapter needs a new table. Statutory rule sets (:data:`STATUTORY`, e.g.
:data:`tellers.domain.statute.INDUSTRIAL_ACTION`) exist without adoption; an
organisation may still record a commencement date the law leaves to be set.

Statutory industrial action ballots are motions whose thresholds come from the rule
version in force on the day the ballot **opened** (:func:`create_statutory_ballot`);
after the count, :func:`industrial_action_notice` gives the s.231 notice (under that
version, or another one to compare) and :func:`scrutineer_report` the scrutineer's
report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from tellers.domain.contest import ContestKind
from tellers.domain.errors import InvalidSpec, NotFound
from tellers.domain.ids import ContestId, OfficerId, OrganisationId
from tellers.domain.ruleset import RuleSet, RuleVersion
from tellers.domain.spec import contest_from_spec
from tellers.domain.statute import (
    INDUSTRIAL_ACTION,
    INDUSTRIAL_ACTION_NAME,
    IndustrialActionRules,
    ResultNotice,
    ScrutineerReport,
    StatutoryBallot,
    decide_question,
    latest_reelection_date,
    standard_statements,
)
from tellers.services.audit import audit_head, record
from tellers.services.ports import Clock, UnitOfWork

__all__ = [
    "STATUTORY",
    "adopt_rule_set",
    "amend_rule_set",
    "commence_rule_version",
    "create_contest_under_rules",
    "create_statutory_ballot",
    "industrial_action_notice",
    "reelection_due",
    "rule_set",
    "rule_version_in_force",
    "scrutineer_report",
]

STATUTORY: Mapping[str, RuleSet] = {INDUSTRIAL_ACTION_NAME: INDUSTRIAL_ACTION}
"""Rule sets made by law, available to every organisation without adoption."""


def _entries(uow: UnitOfWork, organisation_id: str, name: str) -> Iterator[Mapping[str, Any]]:
    for entry in uow.audit.iter():
        if entry.action not in ("adopt_rule_set", "amend_rule_set", "commence_rule_version"):
            continue
        p = entry.parameters
        if p.get("organisation") != organisation_id or p.get("rule_set_name") != name:
            continue
        yield {"action": entry.action, **p}


def _replay(uow: UnitOfWork, organisation_id: str, name: str) -> RuleSet | None:
    current = STATUTORY.get(name)
    for e in _entries(uow, organisation_id, name):
        if e["action"] == "adopt_rule_set":
            current = RuleSet.from_dict(e["rule_set"])
        elif current is None:
            continue
        elif e["action"] == "amend_rule_set":
            current = current.amended(
                RuleSet.from_dict({"name": name, "versions": [e["version"]]}).versions[0]
            )
        else:
            current = current.commenced(e["version"], date.fromisoformat(e["effective_from"]))
    return current


def _load(uow: UnitOfWork, organisation_id: str, name: str) -> RuleSet:
    found = _replay(uow, organisation_id, name)
    if found is None:
        msg = f"{organisation_id} has no rule set called {name!r}"
        raise NotFound(msg)
    return found


def _as_version(value: RuleVersion | Mapping[str, Any], name: str) -> RuleVersion:
    if isinstance(value, RuleVersion):
        version = value
    else:
        version = RuleSet.from_dict({"name": name, "versions": [dict(value)]}).versions[0]
    _check_json(version.as_dict())
    return version


def _check_json(value: Mapping[str, Any]) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as err:
        msg = f"rule settings must be plain JSON values: {err}"
        raise InvalidSpec(msg) from err
    if "float" in _types(value):
        msg = 'rule settings must not hold floats: write shares as text ("15%", "3/20")'
        raise InvalidSpec(msg)


def _types(value: Any) -> set[str]:
    if isinstance(value, Mapping):
        return set().union(*(_types(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(_types(v) for v in value)) if value else set()
    return {type(value).__name__}


def adopt_rule_set(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    rules: RuleSet | Mapping[str, Any],
    ruling: str,
) -> RuleSet:
    """Adopt a rule set (replacing any earlier one of the same name), on the audit log.

    Raises:
        NotFound: no such organisation.
        InvalidSpec: settings that are not plain JSON (floats included).
    """
    adopted = rules if isinstance(rules, RuleSet) else RuleSet.from_dict(rules)
    data = adopted.as_dict()
    _check_json(data)
    with uow:
        uow.organisations.get(OrganisationId(organisation_id))
        record(
            uow,
            clock=clock,
            officer=officer,
            action="adopt_rule_set",
            parameters={
                "organisation": organisation_id,
                "rule_set_name": adopted.name,
                "rule_set": data,
                "ruling": ruling,
            },
        )
        uow.commit()
    return adopted


def amend_rule_set(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    name: str,
    version: RuleVersion | Mapping[str, Any],
    ruling: str,
) -> RuleSet:
    """Add a version to a rule set (or replace one of the same name), on the audit log.

    Raises:
        NotFound: the organisation has no such rule set.
    """
    new = _as_version(version, name)
    with uow:
        current = _load(uow, organisation_id, name)
        amended = current.amended(new)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="amend_rule_set",
            parameters={
                "organisation": organisation_id,
                "rule_set_name": name,
                "version": new.as_dict(),
                "ruling": ruling,
            },
        )
        uow.commit()
    return amended


def commence_rule_version(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    name: str,
    version: str,
    effective_from: date,
    ruling: str,
) -> RuleSet:
    """Set the commencement of a version whose date was not yet set (regulations made).

    Raises:
        NotFound: no such rule set.
        KeyError: no such version.
    """
    with uow:
        current = _load(uow, organisation_id, name)
        amended = current.commenced(version, effective_from)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="commence_rule_version",
            parameters={
                "organisation": organisation_id,
                "rule_set_name": name,
                "version": version,
                "effective_from": effective_from.isoformat(),
                "ruling": ruling,
            },
        )
        uow.commit()
    return amended


def rule_set(*, uow: UnitOfWork, organisation_id: str, name: str) -> RuleSet:
    """The organisation's rule set as adopted and amended so far (read-only).

    Raises:
        NotFound: neither adopted nor statutory.
    """
    with uow:
        return _load(uow, organisation_id, name)


def rule_version_in_force(
    *, uow: UnitOfWork, organisation_id: str, name: str, on: date
) -> RuleVersion:
    """The version of the rule set in force on ``on``.

    Raises:
        NotFound: no such rule set.
        NoRuleInForce: no version had commenced by then.
    """
    with uow:
        return _load(uow, organisation_id, name).in_force_on(on)


def create_statutory_ballot(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    contest_id: str,
    spec: Mapping[str, Any],
    opened_on: date,
    important_public_services: bool = False,
    question: str = "strike",
    union: str = "",
    scrutineer: str = "",
    rule_set_name: str = INDUSTRIAL_ACTION_NAME,
) -> tuple[str, IndustrialActionRules]:
    """Create an industrial action ballot (a motion) under the rules in force when it opens.

    The motion is decided by a majority of valid votes; the turnout threshold, and the
    support threshold in important public services, come from the rule version in
    force on ``opened_on``. The contest records that version (``rule_version`` and
    ``statute``).

    Returns:
        The contest id and the rules applied.

    Raises:
        NotFound: no such organisation or rule set.
        NoRuleInForce: no version in force on ``opened_on``.
        InvalidSpec: a spec that is not a motion.
    """
    with uow:
        uow.organisations.get(OrganisationId(organisation_id))
        rules_set = _load(uow, organisation_id, rule_set_name)
        version = rules_set.in_force_on(opened_on)
        rules = IndustrialActionRules.from_version(rules_set.name, version)
        motion: dict[str, Any] = {"basis": "valid votes", "share": "1/2", "binding": True}
        if rules.turnout_threshold is not None:
            motion["turnout_threshold"] = rules.turnout_threshold
        if important_public_services and rules.support_threshold_ips is not None:
            motion["support_threshold"] = rules.support_threshold_ips
        full = {
            **dict(spec),
            "kind": "motion",
            "motion": motion,
            "rule_version": f"{rules_set.name}: {version.version}",
        }
        contest = contest_from_spec(
            full, contest_id=ContestId(contest_id), organisation_id=OrganisationId(organisation_id)
        )
        if contest.kind is not ContestKind.MOTION:
            msg = "contest spec, kind: a statutory ballot is a motion"
            raise InvalidSpec(msg)
        contest = replace(
            contest,
            statute=StatutoryBallot(
                rule_set=rules_set.name,
                version=version.version,
                opened_on=opened_on,
                important_public_services=important_public_services,
                question=question,
                union=union,
                scrutineer=scrutineer,
            ),
        )
        uow.contests.add(contest)
        record(
            uow,
            clock=clock,
            officer=officer,
            action="create_contest",
            parameters={
                "contest": contest.id,
                "organisation": contest.organisation_id,
                "kind": contest.kind.value,
                "title": contest.title,
                "rule_version": contest.rule_version,
                "electorate_version": contest.electorate.version,
                "sections": [s.name for s in contest.electorate.sections],
                "method": contest.method,
                "statute": {
                    "rule_set": rules_set.name,
                    "version": version.version,
                    "effective_from": None
                    if version.effective_from is None
                    else version.effective_from.isoformat(),
                    "opened_on": opened_on.isoformat(),
                    "important_public_services": important_public_services,
                    "question": question,
                    "turnout_threshold": None
                    if rules.turnout_threshold is None
                    else str(rules.turnout_threshold),
                    "support_threshold": None
                    if not important_public_services or rules.support_threshold_ips is None
                    else str(rules.support_threshold_ips),
                    "mandate": rules.mandate_text(),
                },
            },
        )
        uow.commit()
    return contest.id, rules


def _merged(base: Mapping[str, Any], rules: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``rules`` laid over it, tables merged key by key (the rules win)."""
    out = dict(base)
    for key, value in rules.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def create_contest_under_rules(
    *,
    uow: UnitOfWork,
    clock: Clock,
    officer: OfficerId,
    organisation_id: str,
    contest_id: str,
    spec: Mapping[str, Any],
    rule_set_name: str,
    opened_on: date,
) -> tuple[str, RuleVersion]:
    """Create a contest under the version of a rule set in force on ``opened_on``.

    The version's ``settings["contest"]`` is a partial contest spec (for example
    ``{"nominations": {"threshold": "20%"}}``): it is laid over ``spec`` (the rule book
    wins where both speak) and the contest records ``"<rule set>: <version>"`` as its
    ``rule_version``. The audit entry names the version, its commencement and the
    settings applied.

    Raises:
        NotFound: no such organisation or rule set.
        NoRuleInForce: no version in force on ``opened_on``.
        InvalidSpec: the merged spec cannot be used.
    """
    from tellers.services.contests import _add_contest

    with uow:
        rules_set = _load(uow, organisation_id, rule_set_name)
        version = rules_set.in_force_on(opened_on)
        applied = version.settings.get("contest", {})
        if not isinstance(applied, Mapping):
            msg = f"rule {version.version}: settings.contest must be a table of contest spec keys"
            raise InvalidSpec(msg)
        full = _merged(spec, applied)
        full["rule_version"] = f"{rules_set.name}: {version.version}"
        contest = contest_from_spec(
            full, contest_id=ContestId(contest_id), organisation_id=OrganisationId(organisation_id)
        )
        _add_contest(
            uow,
            clock,
            officer,
            contest,
            {
                "rules": {
                    "rule_set": rules_set.name,
                    "version": version.version,
                    "effective_from": None
                    if version.effective_from is None
                    else version.effective_from.isoformat(),
                    "opened_on": opened_on.isoformat(),
                    "applied": dict(applied),
                }
            },
        )
        uow.commit()
    return contest_id, version


def _count_data(uow: UnitOfWork, contest_id: ContestId) -> Mapping[str, Any]:
    counts = uow.results.counts(contest_id)
    if not counts:
        msg = f"{contest_id} has not been counted"
        raise NotFound(msg)
    data: Mapping[str, Any] = json.loads(counts[0][1])
    return data


def _closed_on(uow: UnitOfWork, contest_id: ContestId) -> date:
    found: date | None = None
    for entry in uow.audit.iter():
        if entry.action == "close_voting" and entry.parameters.get("contest") == contest_id:
            found = date.fromisoformat(entry.time[:10])
    if found is None:
        msg = f"{contest_id}: no close of voting on the audit log"
        raise NotFound(msg)
    return found


def industrial_action_notice(
    *,
    uow: UnitOfWork,
    contest_ids: Sequence[str],
    version: str | None = None,
    ballot_date: date | None = None,
) -> ResultNotice:
    """The s.231 notice of a counted industrial action ballot (one contest per question).

    Args:
        contest_ids: the ballot's questions (strike; action short of a strike), counted.
        version: judge under this version of the contests' rule set instead of the one
            in force when the ballot opened (to compare rule versions on the same data).
        ballot_date: the date of the ballot (its last voting day); by default the day
            voting closed, from the audit log.

    Raises:
        NotFound: a contest that is not a counted statutory ballot.
    """
    outcomes = []
    with uow:
        first = None
        for cid_text in contest_ids:
            cid = ContestId(cid_text)
            contest = uow.contests.get(cid)
            statute = contest.statute
            if statute is None:
                msg = f"{cid} is not a statutory ballot"
                raise NotFound(msg)
            first = first or (contest, statute)
            rules_set = _load(uow, contest.organisation_id, statute.rule_set)
            chosen = rules_set.version(version) if version else rules_set.version(statute.version)
            rules = IndustrialActionRules.from_version(rules_set.name, chosen)
            data = _count_data(uow, cid)
            day = ballot_date or _closed_on(uow, cid)
            outcomes.append(
                decide_question(
                    rules,
                    question=statute.question or contest.title,
                    entitled=int(data["eligible"]),
                    yes=int(data["tallies"]["yes"]["votes"]),
                    no=int(data["tallies"]["no"]["votes"]),
                    spoilt=int(data["spoilt"]) + int(data["abstained"]),
                    important_public_services=statute.important_public_services,
                    ballot_date=day,
                )
            )
        assert first is not None
        contest, statute = first
        return ResultNotice(
            union=statute.union,
            title=contest.title,
            rule_set=statute.rule_set,
            version=outcomes[0].rules.version,
            opened_on=statute.opened_on,
            ballot_date=outcomes[0].ballot_date,
            questions=tuple(outcomes),
        )


def scrutineer_report(
    *,
    uow: UnitOfWork,
    contest_id: str,
    scrutineer: str,
    section: str = "s.231B",
    satisfied: Mapping[str, bool] | None = None,
    remarks: Mapping[str, str] | None = None,
    union: str = "",
) -> ScrutineerReport:
    """The independent scrutineer's report on a counted ballot or election.

    Papers distributed are every credential (paper or code) issued, reissues included;
    returned are the ballots in the box (spoilt included); valid votes per answer or
    candidate come from the stored first count; the three standard statements are made
    as satisfied unless ``satisfied`` says otherwise. The audit head at the time of the
    report is quoted.

    Raises:
        NotFound: the contest has not been counted.
    """
    cid = ContestId(contest_id)
    with uow:
        contest = uow.contests.get(cid)
        data = _count_data(uow, cid)
        issued = sum(uow.credentials.count(cid).values())
        names = dict(data["options"])
        valid = {names.get(k, k): int(v["votes"]) for k, v in data["tallies"].items()}
        notes: list[str] = []
        if int(data["abstained"]):
            notes.append(f"{int(data['abstained']):,} papers returned unmarked (abstentions)")
        return ScrutineerReport(
            union=union or (contest.statute.union if contest.statute else ""),
            title=contest.title,
            scrutineer=scrutineer,
            section=section,
            distributed=issued,
            returned=int(data["returned"]),
            valid=valid,
            spoilt=int(data["spoilt"]),
            statements=standard_statements(satisfied, remarks),
            audit_head=audit_head(uow),
            notes=tuple(notes),
        )


def reelection_due(*, uow: UnitOfWork, contest_id: str, years: int = 5) -> date:
    """The last day by which the post filled by a declared election must be re-elected.

    TULRCA s.46: at most five years; counted from the day of the declaration.

    Raises:
        NotFound: the contest has not been declared.
    """
    cid = ContestId(contest_id)
    with uow:
        declared: date | None = None
        for entry in uow.audit.iter():
            if entry.action == "declare" and entry.parameters.get("contest") == cid:
                declared = date.fromisoformat(entry.time[:10])
        if declared is None:
            msg = f"{cid} has not been declared"
            raise NotFound(msg)
        return latest_reelection_date(declared, years=years)
