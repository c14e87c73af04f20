"""Contest specs: a plain mapping (from TOML or JSON) turned into a draft contest.

Keys (``?`` marks optional ones)::

    kind            "motion" | "election" | "leadership"
    title           text
    question?       the motion's wording
    rule_version?   the contest rules in force on the day it opened
    method?         counting method (registry name), elections and leadership
    seats?          default 1
    seed?           published seed for lots (integer)
    reissue_cutoff? instant after which credentials are not reissued
    motion?         {basis: "valid votes"|"votes cast"|"eligible", share?: "1/2",
                     at_least?: bool, turnout_threshold?: share, support_threshold?: share,
                     binding?: bool (default true)}
    candidates?     [{id, name, person?}] or [name, ...] (elections)
    nominations?    {bodies: [body id], threshold: share, snapshot_at: instant,
                     snapshot_label?, incumbent?: person id, incumbent_on_ballot?: bool,
                     ruling?: text, allow_self_nomination?: bool, closes_at?: instant,
                     gate?: a staged AND/OR gate tree (:func:`tellers.domain.gates.gate_from_spec`)}
    re_open_nominations?  bool: "re-open nominations" stands on the ballot (default false)
    exhaustive?     {remain?: int (2), first_round_floor?: int, floors?: [int, ...]}: one
                     ballot of an exhaustive
                     ballot of a body (the first; later ones are made by the service)
    college?        {mode?: "combined elimination"|"first preferences", sections: [{name,
                     weight: share}]}: weighted sections, named as the electorate's
    electorate      {version: text, sections: [{name, kind: "member"|"seat"|
                     "affiliated supporter"|"registered supporter", joined_on_or_before?: date,
                     current_on?: date, standings?: ["good", ...], bodies?: [id],
                     affiliates?: [id], fee_window?: {opens: instant, closes: instant},
                     min_fee_pence?: int, channels?: ["online", "post"]}]}

A **share** is written exactly: ``"1/5"``, ``"20%"``, ``"0.2"`` or an integer; a float is
refused (0.2 has no exact binary form). An **instant** is an ISO 8601 string with a
time-zone offset (or an aware datetime); a **date** is ``YYYY-MM-DD`` (or a date).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from tellers.domain.ballot import Channel
from tellers.domain.college import CollegeMode, CollegeRule, CollegeSection
from tellers.domain.contest import Candidate, Contest, ContestKind, MajorityBasis, MotionRule
from tellers.domain.electorate import ElectorateRule, FeeWindow, Section
from tellers.domain.errors import InvalidSpec
from tellers.domain.exhaustive import ExhaustiveRule
from tellers.domain.gates import gate_from_spec
from tellers.domain.ids import (
    AffiliateId,
    BodyId,
    CandidateId,
    ContestId,
    OrganisationId,
    PersonId,
    SectionName,
)
from tellers.domain.membership import MembershipKind, Standing
from tellers.domain.nomination import NominationRule

__all__ = ["contest_from_spec", "parse_share"]


def _fail(key: str, problem: str) -> InvalidSpec:
    return InvalidSpec(f"contest spec, {key}: {problem}")


def parse_share(value: object, key: str = "share") -> Fraction:
    """An exact share from ``"1/5"``, ``"20%"``, ``"0.2"``, an int or a Fraction.

    Raises:
        InvalidSpec: a float or unreadable text.
    """
    if isinstance(value, bool | float):
        raise _fail(key, f'write shares exactly as text ("1/5", "20%"), not {value!r}')
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.endswith("%"):
                return Fraction(Decimal(text[:-1].strip())) / 100
            if "/" in text:
                return Fraction(text)
            return Fraction(Decimal(text))
        except (ValueError, ZeroDivisionError, InvalidOperation) as err:
            raise _fail(key, f"not a share: {value!r}") from err
    raise _fail(key, f"not a share: {value!r}")


def _instant(value: object, key: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as err:
            raise _fail(key, f"not an ISO 8601 instant: {value!r}") from err
    if not isinstance(value, datetime):
        raise _fail(key, f"not an instant: {value!r}")
    if value.utcoffset() is None:
        raise _fail(key, f"an instant needs a time-zone offset: {value.isoformat()}")
    return value


def _date(value: object, key: str) -> date:
    if isinstance(value, datetime):
        raise _fail(key, f"a date, not an instant: {value!r}")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as err:
            raise _fail(key, f"not a date: {value!r}") from err
    raise _fail(key, f"not a date: {value!r}")


def _enum(cls: Any, value: object, key: str) -> Any:
    try:
        return cls(value)
    except ValueError as err:
        known = ", ".join(repr(m.value) for m in cls)
        raise _fail(key, f"{value!r} is not one of {known}") from err


def _mapping(value: object, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(key, f"expected a table, got {type(value).__name__}")
    return value


def _list(value: object, key: str) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise _fail(key, f"expected a list, got {type(value).__name__}")
    return value


def _int(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(key, f"expected an integer, got {value!r}")
    return value


def _section(raw: object, key: str) -> Section:
    m = _mapping(raw, key)
    if "name" not in m or "kind" not in m:
        raise _fail(key, "a section needs a name and a kind")
    window = None
    if "fee_window" in m:
        w = _mapping(m["fee_window"], f"{key}.fee_window")
        window = FeeWindow(
            opens=_instant(w.get("opens"), f"{key}.fee_window.opens"),
            closes=_instant(w.get("closes"), f"{key}.fee_window.closes"),
        )
    return Section(
        name=SectionName(str(m["name"])),
        kind=_enum(MembershipKind, m["kind"], f"{key}.kind"),
        joined_on_or_before=(
            _date(m["joined_on_or_before"], f"{key}.joined_on_or_before")
            if "joined_on_or_before" in m
            else None
        ),
        current_on=_date(m["current_on"], f"{key}.current_on") if "current_on" in m else None,
        standings=frozenset(
            _enum(Standing, s, f"{key}.standings") for s in _list(m.get("standings", ["good"]), key)
        ),
        body_ids=frozenset(BodyId(str(b)) for b in _list(m.get("bodies", []), f"{key}.bodies")),
        affiliate_ids=frozenset(
            AffiliateId(str(a)) for a in _list(m.get("affiliates", []), f"{key}.affiliates")
        ),
        fee_window=window,
        min_fee_pence=_int(m["min_fee_pence"], f"{key}.min_fee_pence")
        if "min_fee_pence" in m
        else None,
        channels=frozenset(
            _enum(Channel, c, f"{key}.channels") for c in _list(m.get("channels", ["online"]), key)
        ),
    )


def contest_from_spec(
    spec: Mapping[str, Any], *, contest_id: ContestId, organisation_id: OrganisationId
) -> Contest:
    """A draft :class:`Contest` from a spec (keys in the module docstring).

    Raises:
        InvalidSpec: naming the first key at fault. Problems that only matter when a
            phase opens are left to :meth:`Contest.problems_before_opening`.
    """
    kind = _enum(ContestKind, spec.get("kind"), "kind")
    if not spec.get("title"):
        problem = "a contest needs a title"
        raise _fail(key="title", problem=problem)
    e = _mapping(spec.get("electorate"), "electorate")
    electorate = ElectorateRule(
        version=str(e.get("version", "")),
        sections=tuple(
            _section(s, f"electorate.sections[{i}]")
            for i, s in enumerate(_list(e.get("sections", []), "electorate.sections"))
        ),
    )
    motion = None
    if "motion" in spec:
        m = _mapping(spec["motion"], "motion")
        motion = MotionRule(
            basis=_enum(MajorityBasis, m.get("basis", "valid votes"), "motion.basis"),
            share=parse_share(m.get("share", "1/2"), "motion.share"),
            at_least=bool(m.get("at_least", False)),
            turnout_threshold=(
                parse_share(m["turnout_threshold"], "motion.turnout_threshold")
                if m.get("turnout_threshold") is not None
                else None
            ),
            support_threshold=(
                parse_share(m["support_threshold"], "motion.support_threshold")
                if m.get("support_threshold") is not None
                else None
            ),
            binding=bool(m.get("binding", True)),
        )
    elif kind is ContestKind.MOTION:
        motion = MotionRule()
    candidates: list[Candidate] = []
    for i, raw in enumerate(_list(spec.get("candidates", []), "candidates")):
        if isinstance(raw, str):
            candidates.append(Candidate(id=CandidateId(raw), name=raw))
        else:
            c = _mapping(raw, f"candidates[{i}]")
            if "name" not in c:
                where = f"candidates[{i}]"
                raise _fail(where, "a candidate needs a name")
            cid = str(c.get("id", c.get("person", c["name"])))
            person = c.get("person")
            candidates.append(
                Candidate(
                    id=CandidateId(cid),
                    name=str(c["name"]),
                    person_id=PersonId(str(person)) if person is not None else None,
                )
            )
    ids = [c.id for c in candidates]
    if len(set(ids)) != len(ids):
        problem = f"candidate ids repeated: {ids!r}"
        raise _fail(key="candidates", problem=problem)
    nomination = None
    if "nominations" in spec:
        n = _mapping(spec["nominations"], "nominations")
        incumbent = n.get("incumbent")
        nomination = NominationRule(
            bodies=tuple(BodyId(str(b)) for b in _list(n.get("bodies", []), "nominations.bodies")),
            threshold=parse_share(
                n.get("threshold")
                if "threshold" in n or "gate" not in n
                else _gate_share(n["gate"]),
                "nominations.threshold",
            ),
            snapshot_at=_instant(n.get("snapshot_at"), "nominations.snapshot_at"),
            snapshot_label=str(n.get("snapshot_label", "")),
            incumbent=PersonId(str(incumbent)) if incumbent is not None else None,
            incumbent_on_ballot=bool(n.get("incumbent_on_ballot", False)),
            ruling=str(n.get("ruling", "")),
            allow_self_nomination=bool(n.get("allow_self_nomination", True)),
            closes_at=_instant(n["closes_at"], "nominations.closes_at")
            if "closes_at" in n
            else None,
            gate=gate_from_spec(
                n["gate"],
                key="nominations.gate",
                parse_share=parse_share,
                parse_instant=_instant,
                fail=_fail,
            )
            if "gate" in n
            else None,
        )
    elif kind is ContestKind.LEADERSHIP:
        problem = "a leadership contest needs a nomination rule"
        raise _fail(key="nominations", problem=problem)
    seed = spec.get("seed")
    return Contest(
        id=contest_id,
        organisation_id=organisation_id,
        kind=kind,
        title=str(spec["title"]),
        electorate=electorate,
        question=str(spec.get("question", "")),
        motion=motion,
        method=str(spec.get("method", "motion" if kind is ContestKind.MOTION else "")),
        seats=_int(spec.get("seats", 1), "seats"),
        candidates=tuple(candidates),
        nomination=nomination,
        seed=_int(seed, "seed") if seed is not None else None,
        reissue_cutoff=(
            _instant(spec["reissue_cutoff"], "reissue_cutoff") if "reissue_cutoff" in spec else None
        ),
        rule_version=str(spec.get("rule_version", "")),
        re_open_nominations=bool(spec.get("re_open_nominations", False)),
        exhaustive=_exhaustive(spec["exhaustive"]) if "exhaustive" in spec else None,
        exhaustive_round=1 if "exhaustive" in spec else 0,
        college=_college(spec["college"]) if "college" in spec else None,
    )


def _gate_share(raw: object) -> Fraction:
    """The share of a gate's first seat-counting threshold (the register's headline rule).

    A gate of absolute minimums only has no share: its headline share is then 1/1000, a
    placeholder that counts for nothing (the gate's own outcomes decide).
    """
    if isinstance(raw, Mapping):
        if "threshold" in raw and raw.get("bodies"):
            share = parse_share(raw["threshold"], "nominations.gate.threshold")
            if share > 0:
                return share
        for key in ("all", "any"):
            for child in raw.get(key, ()) or ():
                found = _gate_share(child)
                if found != _NO_SHARE:
                    return found
    return _NO_SHARE


_NO_SHARE = Fraction(1, 1000)


def _exhaustive(raw: object) -> ExhaustiveRule:
    m = _mapping(raw, "exhaustive")
    floor = m.get("first_round_floor")
    rule = ExhaustiveRule(
        remain=_int(m.get("remain", 2), "exhaustive.remain"),
        first_round_floor=_int(floor, "exhaustive.first_round_floor")
        if floor is not None
        else None,
    )
    problems = rule.problems()
    if problems:
        where = "exhaustive"
        raise _fail(where, "; ".join(problems))
    return rule


def _college(raw: object) -> CollegeRule:
    m = _mapping(raw, "college")
    sections = tuple(
        CollegeSection(
            name=str(_mapping(s, f"college.sections[{i}]").get("name", "")),
            weight=parse_share(
                _mapping(s, f"college.sections[{i}]").get("weight"), f"college.sections[{i}].weight"
            ),
        )
        for i, s in enumerate(_list(m.get("sections", []), "college.sections"))
    )
    rule = CollegeRule(
        sections=sections,
        mode=_enum(CollegeMode, m.get("mode", "combined elimination"), "college.mode"),
    )
    problems = rule.problems()
    if problems:
        where = "college"
        raise _fail(where, "; ".join(problems))
    return rule
