"""Results and declarations: what a count found, and how it is declared.

:func:`tabulate` is a pure function of the contest, the ballots in the box and the
number eligible in each section, so a scrutineer or an observer can recount from the
bulletin board and get the same :class:`Result`. It counts:

- **returned** = valid + abstentions + spoilt; **turnout = returned / eligible**, spoilt
  papers included (TULRCA s.297A; Labour 2015/2016/2020; Conventions and traps 1);
- shares of candidates (or of yes/no) **of valid votes**;
- for elections, the rounds of the count engine
  (:func:`tellers.counting.methods.count`, by the contest's method) and the first
  preferences of each section;
- for motions, the majority on the rule's basis, the margin (yes - no) and each
  threshold check, computed exactly in fractions.

Percentages are printed by :func:`percent`: the exact fraction is rounded **once**, half
up, to the places asked (Conventions and traps 4: no double rounding).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from tellers.counting.amounts import format_amount
from tellers.counting.methods import CountParams, count
from tellers.counting.profile import ProfileBuilder
from tellers.counting.rounds import CountResult
from tellers.crypto.hashing import canonical_json, format_instant
from tellers.domain.amendment import ElectorateChange
from tellers.domain.ballot import Ballot
from tellers.domain.college import count_college
from tellers.domain.contest import RON, Contest, MajorityBasis, MotionRule
from tellers.domain.gates import GateOutcome
from tellers.domain.ids import CandidateId, ContestId
from tellers.domain.nomination import RegisterRow
from tellers.errors import CountError

__all__ = [
    "GateReport",
    "MotionOutcome",
    "Result",
    "SectionReport",
    "ThresholdCheck",
    "declaration_json",
    "declaration_text",
    "decide_motion",
    "percent",
    "result_json",
    "tabulate",
    "unopposed_result",
]


def percent(part: int | Fraction, whole: int | Fraction, places: int = 1) -> str:
    """``part / whole`` as a percentage, rounded once, half up, to ``places`` places.

    >>> percent(216, 229)
    '94.3'
    """
    if whole == 0:
        return "-"
    scaled = Fraction(part) * 100 * 10**places / Fraction(whole)
    units = (scaled + Fraction(1, 2)).__floor__()
    sign = "-" if units < 0 else ""
    units = abs(units)
    if places == 0:
        return f"{sign}{units}"
    whole_part, frac_part = divmod(units, 10**places)
    return f"{sign}{whole_part}.{frac_part:0{places}d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ThresholdCheck:
    """One exact test: ``numerator / denominator`` against ``required``."""

    name: str
    numerator: int
    denominator: int
    required: Fraction
    at_least: bool
    met: bool

    @property
    def share(self) -> Fraction:
        """The exact share tested."""
        return Fraction(self.numerator, self.denominator) if self.denominator else Fraction(0)


def _check(name: str, num: int, den: int, required: Fraction, *, at_least: bool) -> ThresholdCheck:
    share = Fraction(num, den) if den else Fraction(0)
    met = share >= required if at_least else share > required
    if den == 0:
        met = False
    return ThresholdCheck(
        name=name, numerator=num, denominator=den, required=required, at_least=at_least, met=met
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MotionOutcome:
    """How a motion was decided."""

    yes: int
    no: int
    abstained: int
    carried: bool
    margin: int
    """yes - no."""
    binding: bool
    basis: MajorityBasis
    checks: tuple[ThresholdCheck, ...]
    """The majority test first, then turnout and support thresholds where set."""


def decide_motion(
    rule: MotionRule, *, yes: int, no: int, abstained: int, spoilt: int, eligible: int
) -> MotionOutcome:
    """Decide a motion exactly by ``rule`` (see :class:`~tellers.domain.contest.MotionRule`)."""
    returned = yes + no + abstained + spoilt
    denominator = {
        MajorityBasis.VALID_VOTES: yes + no,
        MajorityBasis.VOTES_CAST: returned,
        MajorityBasis.ELIGIBLE: eligible,
    }[rule.basis]
    checks = [
        _check(
            f"majority of {rule.basis.value}", yes, denominator, rule.share, at_least=rule.at_least
        )
    ]
    if rule.turnout_threshold is not None:
        checks.append(_check("turnout", returned, eligible, rule.turnout_threshold, at_least=True))
    if rule.support_threshold is not None:
        checks.append(
            _check(
                "support of those eligible", yes, eligible, rule.support_threshold, at_least=True
            )
        )
    return MotionOutcome(
        yes=yes,
        no=no,
        abstained=abstained,
        carried=all(c.met for c in checks),
        margin=yes - no,
        binding=rule.binding,
        basis=rule.basis,
        checks=tuple(checks),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionReport:
    """Turnout and votes in one section of the electorate."""

    section: str
    eligible: int
    returned: int
    valid: int
    abstained: int
    spoilt: int
    tallies: Mapping[str, int]
    """Votes (first preferences, or yes/no) by option key."""
    by_channel: Mapping[str, int]
    """Ballots returned by channel (``online``, ``post``)."""

    @property
    def turnout(self) -> Fraction:
        """Returned (spoilt included) over eligible."""
        return Fraction(self.returned, self.eligible) if self.eligible else Fraction(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class GateReport:
    """The nomination gate as declared: denominator, snapshot and register."""

    threshold: Fraction
    denominator: int
    required: int
    snapshot_at: datetime
    snapshot_label: str
    register: tuple[RegisterRow, ...]
    gates: Mapping[str, GateOutcome] = field(default_factory=dict)
    """Each candidate's outcome at every node of a staged gate tree, by candidate id."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """Everything a declaration states (see module docstring)."""

    contest_id: ContestId
    title: str
    kind: str
    rule_version: str
    electorate_version: str
    options: Mapping[str, str]
    """Option key -> name as printed, in ballot order."""
    eligible: int
    returned: int
    valid: int
    abstained: int
    spoilt: int
    spoilt_by_reason: Mapping[str, int]
    by_channel: Mapping[str, int]
    sections: tuple[SectionReport, ...]
    tallies: Mapping[str, int]
    """Valid votes (first preferences, or yes/no) by option key."""
    winners: tuple[CandidateId, ...] = ()
    count: CountResult | None = None
    motion: MotionOutcome | None = None
    gate: GateReport | None = None
    unopposed: bool = False
    recount: int = 0
    """0 for the first count, 1 for the first recount..."""
    details: Mapping[str, Any] = field(default_factory=dict)
    electorate_changes: tuple[ElectorateChange, ...] = ()
    """Changes of the electorate rule during the contest (court rulings), in order."""

    @property
    def turnout(self) -> Fraction:
        """Returned (spoilt included) over eligible."""
        return Fraction(self.returned, self.eligible) if self.eligible else Fraction(0)

    @property
    def reopens_nominations(self) -> bool:
        """Whether "re-open nominations" won: nobody is elected."""
        return RON in self.winners


def _engine_majority(rule: MotionRule) -> str | None:
    """The counting engine's ``majority`` option for ``rule``, or None if it has none."""
    half = Fraction(1, 2)
    if rule.basis is MajorityBasis.VALID_VOTES and rule.share == half and not rule.at_least:
        return "cast"
    if rule.basis is MajorityBasis.ELIGIBLE and rule.share == half and not rule.at_least:
        return "eligible"
    if rule.basis is MajorityBasis.VALID_VOTES and rule.at_least:
        return f"{rule.share.numerator}/{rule.share.denominator}"
    return None


def _count_motion(
    rule: MotionRule, *, tallies: Mapping[str, int], abstained: int, spoilt: int, eligible: int
) -> CountResult | None:
    """The engine's ``motion`` count (rounds and stated arithmetic), where it has the rule.

    The contest's own decision (:func:`decide_motion`) must agree with it; a majority of
    all votes cast (abstentions and spoilt included) is decided in the domain only.
    """
    majority = _engine_majority(rule)
    if majority is None:
        return None
    builder = ProfileBuilder(["Yes", "No", "Abstain"])
    builder.add([0], tallies["yes"])
    builder.add([1], tallies["no"])
    builder.add([2], abstained)
    options: dict[str, object] = {"eligible": eligible, "spoilt": spoilt, "majority": majority}
    if rule.turnout_threshold is not None:
        options["turnout_threshold"] = rule.turnout_threshold
    if rule.support_threshold is not None:
        options["support_threshold"] = rule.support_threshold
    return count(builder.build(), "motion", CountParams(options=options))


def _option_names(contest: Contest) -> dict[str, str]:
    if contest.is_motion:
        return {"yes": "Yes", "no": "No"}
    return {cid: contest.candidate_name(cid) for cid in contest.ballot}


def tabulate(
    contest: Contest,
    ballots: Iterable[Ballot],
    eligible_by_section: Mapping[str, int],
    *,
    gate: GateReport | None = None,
    recount: int = 0,
) -> Result:
    """Count the ballots of ``contest`` (a pure function; see the module docstring).

    Args:
        contest: the contest, with its ballot fixed.
        ballots: every ballot in the box (any order).
        eligible_by_section: eligible entries of the frozen roll, by section.
        gate: the nomination gate to state, for a leadership contest.
        recount: which count this is.
    """
    return tabulate_groups(
        contest,
        ((b, 1) for b in ballots),
        eligible_by_section,
        gate=gate,
        recount=recount,
    )


def tabulate_groups(
    contest: Contest,
    groups: Iterable[tuple[Ballot, int]],
    eligible_by_section: Mapping[str, int],
    *,
    gate: GateReport | None = None,
    recount: int = 0,
) -> Result:
    """:func:`tabulate` of a box given as distinct ballots with how many of each.

    Only a ballot's section, channel, marks and rejection are read, so identical
    papers can be counted once with their number (the store groups them); the result
    is the same as counting every paper (tests/unit/test_domain_result.py).
    """
    options = _option_names(contest)
    rankings: Counter[tuple[str, ...]] = Counter()
    per_section: dict[str, dict[str, Counter[str]]] = {}
    spoilt_by_reason: Counter[str] = Counter()
    college_rankings: dict[str, dict[tuple[str, ...], int]] = {}
    details: dict[str, Any] = {}
    for b, n in groups:
        acc = per_section.get(b.section)
        if acc is None:
            acc = per_section[b.section] = {
                "tallies": Counter(),
                "channel": Counter(),
                "kind": Counter(),
            }
        acc["channel"][b.channel.value] += n
        if b.rejection is not None:
            acc["kind"]["spoilt"] += n
            spoilt_by_reason[b.rejection.value] += n
        elif not b.ranking:
            acc["kind"]["abstained"] += n
        else:
            acc["kind"]["valid"] += n
            acc["tallies"][b.ranking[0]] += n
            rankings[b.ranking] += n
            if contest.college is not None:
                per = college_rankings.setdefault(b.section, {})
                per[b.ranking] = per.get(b.ranking, 0) + n

    sections: list[SectionReport] = []
    names: list[str] = [sec.name for sec in contest.electorate.sections]
    names += sorted(n for n in per_section if n not in names)
    for name in names:
        data = per_section.get(name)
        kinds: Counter[str] = data["kind"] if data else Counter()
        returned = kinds["valid"] + kinds["abstained"] + kinds["spoilt"]
        sections.append(
            SectionReport(
                section=name,
                eligible=eligible_by_section.get(name, 0),
                returned=returned,
                valid=kinds["valid"],
                abstained=kinds["abstained"],
                spoilt=kinds["spoilt"],
                tallies={k: (data["tallies"][k] if data else 0) for k in options},
                by_channel=dict(sorted(data["channel"].items())) if data else {},
            )
        )
    valid = sum(s.valid for s in sections)
    abstained = sum(s.abstained for s in sections)
    spoilt = sum(s.spoilt for s in sections)
    eligible = sum(eligible_by_section.values())
    tallies = {k: sum(s.tallies[k] for s in sections) for k in options}
    by_channel: Counter[str] = Counter()
    for report in sections:
        by_channel.update(report.by_channel)

    motion = None
    winners: tuple[CandidateId, ...] = ()
    result_count: CountResult | None = None
    if contest.is_motion:
        assert contest.motion is not None
        motion = decide_motion(
            contest.motion,
            yes=tallies["yes"],
            no=tallies["no"],
            abstained=abstained,
            spoilt=spoilt,
            eligible=eligible,
        )
        result_count = _count_motion(
            contest.motion, tallies=tallies, abstained=abstained, spoilt=spoilt, eligible=eligible
        )
        if result_count is not None and result_count.details.get("carried") != motion.carried:
            msg = (
                f"the motion rule and the contest's rule disagree on {contest.id}: "
                f"{result_count.details.get('carried')} v {motion.carried}"
            )
            raise CountError(msg)
    elif contest.college is not None:
        college = count_college(
            contest.college,
            {
                s.name: sorted(college_rankings.get(s.name, {}).items())
                for s in contest.college.sections
            },
            list(options),
        )
        details["college"] = college.as_dict()
        winners = (CandidateId(college.winner),) if college.winner is not None else ()
    else:
        builder = ProfileBuilder([options[k] for k in options])
        index = {k: i for i, k in enumerate(options)}
        for ranking, n in sorted(rankings.items()):
            builder.add([index[k] for k in ranking], n)
        profile = builder.build()
        result_count = count(
            profile, contest.method, CountParams(seats=contest.seats, seed=contest.seed)
        )
        by_name = {name: key for key, name in options.items()}
        winners = tuple(CandidateId(by_name[w]) for w in result_count.winners)
    return Result(
        contest_id=contest.id,
        title=contest.title,
        kind=contest.kind.value,
        rule_version=contest.rule_version,
        electorate_version=contest.electorate.version,
        options=options,
        eligible=eligible,
        returned=valid + abstained + spoilt,
        valid=valid,
        abstained=abstained,
        spoilt=spoilt,
        spoilt_by_reason=dict(sorted(spoilt_by_reason.items())),
        by_channel=dict(sorted(by_channel.items())),
        sections=tuple(sections),
        tallies=tallies,
        winners=winners,
        count=result_count,
        motion=motion,
        gate=gate,
        recount=recount,
        electorate_changes=contest.electorate_changes,
        details=details,
    )


def unopposed_result(contest: Contest, gate: GateReport | None) -> Result:
    """The result of a contest whose nominations closed with one qualified candidate."""
    assert contest.unopposed is not None
    winner = contest.unopposed
    return Result(
        contest_id=contest.id,
        title=contest.title,
        kind=contest.kind.value,
        rule_version=contest.rule_version,
        electorate_version=contest.electorate.version,
        options={winner: contest.candidate_name(winner)},
        eligible=0,
        returned=0,
        valid=0,
        abstained=0,
        spoilt=0,
        spoilt_by_reason={},
        by_channel={},
        sections=(),
        tallies={},
        winners=(winner,),
        gate=gate,
        unopposed=True,
    )


# -- declaration ---------------------------------------------------------------------


def _share(num: int, den: int) -> dict[str, Any]:
    return {
        "numerator": num,
        "denominator": den,
        "percent": percent(num, den),
    }


def _fraction(value: Fraction) -> str:
    return format_amount(value)


def _count_json(c: CountResult) -> dict[str, Any]:
    return {
        "method": c.method,
        "seats": c.seats,
        "candidates": list(c.candidates),
        "winners": list(c.winners),
        "valid": format_amount(c.valid),
        "quota": None if c.quota is None else format_amount(c.quota),
        "seed": c.seed,
        "rounds": [
            {
                "number": r.number,
                "tallies": {k: format_amount(v) for k, v in r.tallies.items()},
                "exhausted": format_amount(r.exhausted),
                "elected": list(r.elected),
                "eliminated": list(r.eliminated),
                "threshold": None if r.threshold is None else format_amount(r.threshold),
                "transfers": [
                    {
                        "source": t.source,
                        "reason": t.reason,
                        "to": {k: format_amount(v) for k, v in t.to.items()},
                        "exhausted": format_amount(t.exhausted),
                    }
                    for t in r.transfers
                ],
            }
            for r in c.rounds
        ],
        "tie_breaks": [
            {
                "round": t.round,
                "purpose": t.purpose,
                "tied": list(t.tied),
                "chosen": t.chosen,
                "how": t.how,
            }
            for t in c.tie_breaks
        ],
    }


def declaration_json(result: Result, *, audit_head: str, declared_at: datetime) -> dict[str, Any]:
    """The declaration as JSON-ready values (ints, strings, lists, objects; no floats).

    Shares are given exactly (numerator and denominator) with a percentage rounded once.
    """
    out: dict[str, Any] = {
        "contest": result.contest_id,
        "title": result.title,
        "kind": result.kind,
        "rule_version": result.rule_version,
        "electorate_version": result.electorate_version,
        "declared_at": format_instant(declared_at),
        "audit_head": audit_head,
        "recount": result.recount,
        "unopposed": result.unopposed,
        "options": dict(result.options),
        "winners": [result.options.get(w, w) for w in result.winners],
        "eligible": result.eligible,
        "returned": result.returned,
        "valid": result.valid,
        "abstained": result.abstained,
        "spoilt": result.spoilt,
        "spoilt_by_reason": dict(result.spoilt_by_reason),
        "turnout": _share(result.returned, result.eligible),
        "turnout_rule": "returned ballots, spoilt included, over eligible",
        "by_channel": dict(result.by_channel),
        "tallies": {
            k: {"votes": v, "of_valid": _share(v, result.valid)} for k, v in result.tallies.items()
        },
        "sections": [
            {
                "section": s.section,
                "eligible": s.eligible,
                "returned": s.returned,
                "valid": s.valid,
                "abstained": s.abstained,
                "spoilt": s.spoilt,
                "turnout": _share(s.returned, s.eligible),
                "by_channel": dict(s.by_channel),
                "tallies": {
                    k: {"votes": v, "of_valid": _share(v, s.valid)} for k, v in s.tallies.items()
                },
            }
            for s in result.sections
        ],
    }
    if result.motion is not None:
        m = result.motion
        out["motion"] = {
            "carried": m.carried,
            "binding": m.binding,
            "status": "binding" if m.binding else "advisory (non-binding)",
            "yes": m.yes,
            "no": m.no,
            "abstained": m.abstained,
            "margin": m.margin,
            "yes_of_cast": _share(m.yes, result.returned),
            "checks": [
                {
                    "name": c.name,
                    "numerator": c.numerator,
                    "denominator": c.denominator,
                    "share": _fraction(c.share),
                    "percent": percent(c.numerator, c.denominator),
                    "required": _fraction(c.required),
                    "comparison": "at least" if c.at_least else "more than",
                    "met": c.met,
                }
                for c in m.checks
            ],
        }
    if result.count is not None:
        out["count"] = _count_json(result.count)
    if result.gate is not None:
        g = result.gate
        out["nominations"] = {
            "threshold": _fraction(g.threshold),
            "denominator": g.denominator,
            "required": g.required,
            "rounding": "up, in integers",
            "snapshot_at": format_instant(g.snapshot_at),
            "snapshot_label": g.snapshot_label,
            "register": [row.as_dict() for row in g.register],
        }
        if g.gates:
            out["nominations"]["gates"] = {cid: o.as_dict() for cid, o in g.gates.items()}
    if "college" in result.details:
        out["college"] = result.details["college"]
    if result.electorate_changes:
        out["electorate_changes"] = [_change_json(c) for c in result.electorate_changes]
    if result.reopens_nominations:
        out["reopens_nominations"] = True
    return out


def _change_json(c: ElectorateChange) -> dict[str, Any]:
    return {
        "sequence": c.sequence,
        "at": format_instant(c.at),
        "ruling": c.ruling,
        "previous_version": c.previous_version,
        "new_version": c.new_version,
        "policy": c.policy.value,
        "added": c.added,
        "removed": c.removed,
        "moved": c.moved,
        "kept": c.kept,
        "voided": c.voided,
        "eligible_by_section": dict(c.eligible_by_section),
    }


def declaration_text(result: Result, *, audit_head: str, declared_at: datetime) -> str:
    """The declaration as plain text, in the order a returning officer reads it."""
    lines = [f"Declaration of the result: {result.title}", ""]
    if result.gate is not None and result.gate.gates:
        lines.append("Nominations (each gate, with its denominator and snapshot):")
        for row in result.gate.register:
            lines.append(f"  {row.name}: {row.nominations} nominations, {row.standing.value}")
            lines.extend(_gate_lines(result.gate.gates[row.candidate], "    "))
        lines.append("")
    elif result.gate is not None:
        g = result.gate
        lines.append(
            f"Nominations: {g.required} needed ({_fraction(g.threshold)} of {g.denominator}, "
            f"rounded up; size taken at {format_instant(g.snapshot_at)}"
            + (f", {g.snapshot_label}" if g.snapshot_label else "")
            + ")"
        )
        for row in g.register:
            lines.append(f"  {row.name}: {row.nominations} nominations, {row.standing.value}")
        lines.append("")
    if result.unopposed:
        winner = result.options[result.winners[0]]
        lines.append(f"{winner} is elected unopposed; no ballot was held.")
    else:
        lines.append(
            f"Eligible {result.eligible:,}; returned {result.returned:,} "
            f"(turnout {percent(result.returned, result.eligible)}%, spoilt papers included); "
            f"valid {result.valid:,}; abstentions {result.abstained:,}; spoilt {result.spoilt:,}."
        )
        for key, votes in result.tallies.items():
            lines.append(
                f"  {result.options[key]}: {votes:,} ({percent(votes, result.valid)}% of valid)"
            )
        if result.motion is not None:
            m = result.motion
            verdict = "CARRIED" if m.carried else "NOT CARRIED"
            status = "binding" if m.binding else "advisory (non-binding)"
            lines.append(f"The motion is {verdict} by {m.margin:,} ({status}).")
            for c in m.checks:
                comparison = "at least" if c.at_least else "more than"
                mark = "met" if c.met else "NOT met"
                lines.append(
                    f"  {c.name}: {c.numerator:,}/{c.denominator:,} = "
                    f"{percent(c.numerator, c.denominator)}%, needs {comparison} "
                    f"{percent(c.required.numerator, c.required.denominator)}%: {mark}"
                )
        college = result.details.get("college")
        if college is not None:
            for r in college["rounds"]:
                cells = ", ".join(
                    f"{result.options.get(k, k)} {v['percent']}% ({v['fraction']})"
                    for k, v in r["combined"].items()
                )
                lines.append(f"  Round {r['number']} (weighted sections): {cells}")
            if result.winners:
                lines.append(f"Elected: {result.options[result.winners[0]]}.")
        if result.count is not None and result.motion is None:
            for r in result.count.rounds:
                cells = ", ".join(f"{k} {format_amount(v)}" for k, v in r.tallies.items())
                lines.append(f"  Round {r.number}: {cells}; exhausted {format_amount(r.exhausted)}")
                for t in r.transfers:
                    order = [*r.tallies, *(k for k in t.to if k not in r.tallies)]
                    moves = ", ".join(
                        f"{k} +{format_amount(t.to[k])}" for k in order if t.to.get(k)
                    )
                    lines.append(
                        f"    {t.source} {t.reason}: {moves or 'nothing moved'}; "
                        f"exhausted {format_amount(t.exhausted)}"
                    )
            if result.reopens_nominations:
                lines.append("Re-open nominations wins: nobody is elected; nominations re-open.")
            else:
                elected = ", ".join(result.options[w] for w in result.winners)
                lines.append(f"Elected: {elected}.")
        if len(result.sections) > 1 or result.by_channel:
            lines.append("")
            lines.append("By section:")
            for s in result.sections:
                cells = ", ".join(
                    f"{result.options[k]} {v:,} ({percent(v, s.valid)}%)"
                    for k, v in s.tallies.items()
                )
                channels = ", ".join(f"{k} {v:,}" for k, v in s.by_channel.items())
                lines.append(
                    f"  {s.section}: eligible {s.eligible:,}, returned {s.returned:,} "
                    f"({percent(s.returned, s.eligible)}%); {cells}; "
                    f"by channel: {channels or 'none'}"
                )
    for change in result.electorate_changes:
        lines.append("")
        lines.append(
            f"Electorate rule changed ({change.ruling}): {change.previous_version} -> "
            f"{change.new_version}; added {change.added:,}, removed {change.removed:,}, "
            f"moved {change.moved:,}, kept {change.kept:,}, credentials voided "
            f"{change.voided:,} (policy: {change.policy.value})."
        )
    lines.append("")
    lines.append(f"Audit log head: {audit_head}")
    lines.append(f"Declared at {format_instant(declared_at)}.")
    return "\n".join(lines) + "\n"


def _gate_lines(outcome: GateOutcome, indent: str) -> list[str]:
    mark = "passed" if outcome.passed else ("not reached" if not outcome.reached else "FAILED")
    d = outcome.as_dict()
    if "required" in d and "count" in d:
        rule = (
            f"at least {outcome.minimum}"
            if outcome.share == 0
            else f"{format_amount(outcome.share * 100)}%"
        )
        detail = (
            f"{outcome.count} of {outcome.required} needed "
            f"({rule} of "
            f"{outcome.denominator}, rounded {outcome.rounding.value}; size taken at "
            f"{d['snapshot_at']}{', ' + outcome.snapshot_label if outcome.snapshot_label else ''})"
        )
    elif "affiliates" in d:
        detail = (
            f"{outcome.count} affiliates (needs {outcome.required}), {outcome.unions} unions "
            f"(needs {outcome.min_unions}), affiliated membership {outcome.membership:,} of "
            f"{outcome.membership_total:,} (needs {d['min_membership_share']})"
        )
    else:
        detail = outcome.op.value
    lines = [f"{indent}{outcome.name}: {mark}: {detail}"]
    for child in outcome.children:
        lines.extend(_gate_lines(child, indent + "  "))
    return lines


def result_json(result: Result) -> str:
    """The result as canonical JSON text, without declaration time or audit head.

    Two counts of the same ballots give the same text; a recount is compared with it.
    """
    body = declaration_json(result, audit_head="", declared_at=_EPOCH)
    del body["declared_at"], body["audit_head"], body["recount"]
    return canonical_json(body).decode("utf-8")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
