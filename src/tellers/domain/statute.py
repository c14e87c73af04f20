"""UK trade-union law as versioned rule sets: industrial action ballots and executives.

Sources (README 2.3): the Trade Union and Labour Relations (Consolidation) Act 1992
(TULRCA) as amended by the Trade Union Act 2016 (TUA 2016) and the Employment Rights
Act 2025 (ERA 2025).

- **Industrial action ballots** (:data:`INDUSTRIAL_ACTION`), versioned by the day the
  ballot **opened** (the first day a voting paper is sent; TUA 2016 s.6(2)):

  ==========================  ============  =========  =============  ==============
  version                     in force for  turnout    support (IPS)  mandate
  ==========================  ============  =========  =============  ==============
  ``pre-TUA-2016``            to 28.2.2017  none       none           4 weeks (8)
  ``TUA-2016``                1.3.2017      50%        40% of entitled 6 months (9)
  ``ERA-2025``                18.2.2026     50%        repealed       12 months
  ``ERA-2025-turnout-repeal`` not yet set   repealed   repealed       12 months
  ==========================  ============  =========  =============  ==============

  Turnout is papers returned, **spoilt included** (s.297A, inserted 2017), over those
  entitled to vote; a majority of those voting must vote Yes (s.226(2)(a)(ii)); in
  important public services 40% of those entitled must vote Yes (s.226(2B)). Each
  question (strike; action short of a strike) is decided separately (s.229(2)). The
  mandate runs for "the period of six months beginning with the date of the ballot"
  (s.234 as amended by TUA 2016 s.9; 9 months if agreed with the employer), the date of
  the ballot being its last voting day (s.246); ERA 2025 makes it 12 months.
- **The result notice** (s.231 as substituted by TUA 2016 s.6): (a) entitled, (b) votes
  cast, (c) Yes and (d) No per question, (e) spoiled or invalid papers, (f) whether
  turnout reached 50%, (g) where s.226(2B) applies, whether Yes reached 40% of entitled
  (:class:`ResultNotice`).
- **The scrutineer's report** (s.231B for industrial action, s.52 for executive
  elections; the political-fund counterpart s.100E): papers distributed and returned,
  valid votes per answer or candidate, spoilt papers, and whether the scrutineer is
  satisfied that there was no contravention, that the arrangements for handling the
  papers were secure, and that they could work free of interference
  (:class:`ScrutineerReport`).
- **Executive elections** (s.46): every member of the executive, the president and the
  general secretary must be re-elected at least every five years
  (:func:`latest_reelection_date`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from tellers.counting.amounts import format_amount
from tellers.domain.ruleset import RuleSet, RuleVersion
from tellers.domain.trigger import add_months

__all__ = [
    "INDUSTRIAL_ACTION",
    "INDUSTRIAL_ACTION_NAME",
    "STANDARD_STATEMENTS",
    "IndustrialActionRules",
    "QuestionOutcome",
    "ResultNotice",
    "ScrutineerReport",
    "ScrutineerStatement",
    "StatutoryBallot",
    "StatutoryCheck",
    "decide_question",
    "latest_reelection_date",
    "percent_text",
    "question_outcomes",
    "standard_statements",
]

INDUSTRIAL_ACTION_NAME = "TULRCA industrial action ballots"

INDUSTRIAL_ACTION = RuleSet(
    name=INDUSTRIAL_ACTION_NAME,
    versions=(
        RuleVersion(
            version="pre-TUA-2016",
            effective_from=date(1993, 8, 30),
            settings={
                "turnout_threshold": None,
                "support_threshold_ips": None,
                "mandate_weeks": 4,
                "mandate_weeks_by_agreement": 8,
            },
            source="TULRCA 1992 ss.226, 234 (as amended by TURERA 1993 and ERelA 2004)",
        ),
        RuleVersion(
            version="TUA-2016",
            effective_from=date(2017, 3, 1),
            settings={
                "turnout_threshold": "1/2",
                "support_threshold_ips": "2/5",
                "mandate_months": 6,
                "mandate_months_by_agreement": 9,
                "notice_days": 14,
                "notice_days_by_agreement": 7,
            },
            source="Trade Union Act 2016 ss.2, 3, 8, 9; ballots opened on or after 1 Mar 2017",
        ),
        RuleVersion(
            version="ERA-2025",
            effective_from=date(2026, 2, 18),
            settings={
                "turnout_threshold": "1/2",
                "support_threshold_ips": None,
                "mandate_months": 12,
                "notice_days": 10,
            },
            source="Employment Rights Act 2025: 40% support threshold repealed from 18 Feb 2026",
        ),
        RuleVersion(
            version="ERA-2025-turnout-repeal",
            effective_from=None,
            settings={
                "turnout_threshold": None,
                "support_threshold_ips": None,
                "mandate_months": 12,
                "notice_days": 10,
            },
            source=(
                "Employment Rights Act 2025: 50% turnout threshold repealed from a date to be "
                "set by regulations (tied to e-balloting and workplace balloting)"
            ),
        ),
    ),
)
"""The statutory rule set of industrial action ballots (see the module docstring)."""


def percent_text(part: int, whole: int, places: int = 1) -> str:
    """``part / whole`` as a percentage rounded once, half up (``"-"`` for 0 / 0)."""
    if whole == 0:
        return "-"
    scaled = Fraction(part * 100 * 10**places, whole)
    units = int((scaled + Fraction(1, 2)).__floor__())
    whole_part, frac_part = divmod(units, 10**places)
    return f"{whole_part}.{frac_part:0{places}d}" if places else str(whole_part)


@dataclass(frozen=True, slots=True, kw_only=True)
class IndustrialActionRules:
    """The settings of one version of :data:`INDUSTRIAL_ACTION`, typed."""

    rule_set: str
    version: str
    effective_from: date | None
    turnout_threshold: Fraction | None
    support_threshold_ips: Fraction | None
    mandate_months: int | None = None
    mandate_months_by_agreement: int | None = None
    mandate_weeks: int | None = None
    mandate_weeks_by_agreement: int | None = None
    source: str = ""

    @classmethod
    def from_version(cls, rule_set: str, v: RuleVersion) -> IndustrialActionRules:
        """The typed settings of ``v``."""
        return cls(
            rule_set=rule_set,
            version=v.version,
            effective_from=v.effective_from,
            turnout_threshold=v.share("turnout_threshold"),
            support_threshold_ips=v.share("support_threshold_ips"),
            mandate_months=v.integer("mandate_months"),
            mandate_months_by_agreement=v.integer("mandate_months_by_agreement"),
            mandate_weeks=v.integer("mandate_weeks"),
            mandate_weeks_by_agreement=v.integer("mandate_weeks_by_agreement"),
            source=v.source,
        )

    def mandate_last_day(self, ballot_date: date, *, by_agreement: bool = False) -> date:
        """The last day of the mandate: the period *beginning with* the date of the ballot."""
        months = self.mandate_months_by_agreement if by_agreement else self.mandate_months
        if months is None and by_agreement:
            months = self.mandate_months
        if months is not None:
            return add_months(ballot_date, months) - timedelta(days=1)
        weeks = self.mandate_weeks_by_agreement if by_agreement else self.mandate_weeks
        return ballot_date + timedelta(weeks=weeks or 0) - timedelta(days=1)

    def mandate_text(self) -> str:
        """The mandate's length as the rule states it."""
        if self.mandate_months is not None:
            extra = (
                f" ({self.mandate_months_by_agreement} by agreement with the employer)"
                if self.mandate_months_by_agreement
                else ""
            )
            return f"{self.mandate_months} months{extra}"
        extra = (
            f" ({self.mandate_weeks_by_agreement} by agreement with the employer)"
            if self.mandate_weeks_by_agreement
            else ""
        )
        return f"{self.mandate_weeks} weeks{extra}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatutoryBallot:
    """What a contest must remember to be judged by statute (kept on the contest)."""

    rule_set: str
    version: str
    """The version in force on ``opened_on``."""
    opened_on: date
    """The first day a voting paper was sent (TUA 2016 s.6(2))."""
    important_public_services: bool = False
    """Whether s.226(2B) (40% of those entitled voting Yes) applies."""
    question: str = ""
    """``"strike"`` or ``"action short of a strike"`` (one contest per question)."""
    union: str = ""
    scrutineer: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StatutoryCheck:
    """One exact statutory test."""

    name: str
    numerator: int
    denominator: int
    required: Fraction
    at_least: bool
    met: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values (exact share as text)."""
        share = Fraction(self.numerator, self.denominator) if self.denominator else Fraction(0)
        return {
            "name": self.name,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "share": format_amount(share),
            "percent": percent_text(self.numerator, self.denominator),
            "required": format_amount(self.required),
            "comparison": "at least" if self.at_least else "more than",
            "met": self.met,
        }


def _check(name: str, num: int, den: int, required: Fraction, *, at_least: bool) -> StatutoryCheck:
    if den == 0:
        met = False
    else:
        share = Fraction(num, den)
        met = share >= required if at_least else share > required
    return StatutoryCheck(
        name=name, numerator=num, denominator=den, required=required, at_least=at_least, met=met
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionOutcome:
    """One question of an industrial action ballot decided under one rule version."""

    question: str
    entitled: int
    cast: int
    """Papers returned, spoilt included (s.297A)."""
    yes: int
    no: int
    spoilt: int
    important_public_services: bool
    rules: IndustrialActionRules
    checks: tuple[StatutoryCheck, ...]
    mandate: bool
    ballot_date: date
    mandate_last_day: date | None = None
    mandate_last_day_by_agreement: date | None = None

    def check(self, name: str) -> StatutoryCheck | None:
        """The check called ``name`` (``majority``, ``turnout``, ``support``), if made."""
        for c in self.checks:
            if c.name == name:
                return c
        return None


def decide_question(
    rules: IndustrialActionRules,
    *,
    question: str,
    entitled: int,
    yes: int,
    no: int,
    spoilt: int,
    important_public_services: bool,
    ballot_date: date,
) -> QuestionOutcome:
    """Decide one question exactly under ``rules`` (see the module docstring)."""
    cast = yes + no + spoilt
    checks = [_check("majority", yes, yes + no, Fraction(1, 2), at_least=False)]
    if rules.turnout_threshold is not None:
        checks.append(_check("turnout", cast, entitled, rules.turnout_threshold, at_least=True))
    if important_public_services and rules.support_threshold_ips is not None:
        checks.append(_check("support", yes, entitled, rules.support_threshold_ips, at_least=True))
    mandate = all(c.met for c in checks)
    return QuestionOutcome(
        question=question,
        entitled=entitled,
        cast=cast,
        yes=yes,
        no=no,
        spoilt=spoilt,
        important_public_services=important_public_services,
        rules=rules,
        checks=tuple(checks),
        mandate=mandate,
        ballot_date=ballot_date,
        mandate_last_day=rules.mandate_last_day(ballot_date) if mandate else None,
        mandate_last_day_by_agreement=(
            rules.mandate_last_day(ballot_date, by_agreement=True)
            if mandate and (rules.mandate_months_by_agreement or rules.mandate_weeks_by_agreement)
            else None
        ),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ResultNotice:
    """The s.231 notice to everyone entitled to vote (and, s.231A, to the employer)."""

    union: str
    title: str
    rule_set: str
    version: str
    opened_on: date
    ballot_date: date
    questions: tuple[QuestionOutcome, ...]

    @property
    def entitled(self) -> int:
        """(a) the number of individuals entitled to vote."""
        return self.questions[0].entitled if self.questions else 0

    @property
    def cast(self) -> int:
        """(b) the number of votes cast (papers returned, spoilt included)."""
        return max((q.cast for q in self.questions), default=0)

    @property
    def spoilt(self) -> int:
        """(e) the number of spoiled or otherwise invalid papers."""
        return max((q.spoilt for q in self.questions), default=0)

    def as_dict(self) -> dict[str, Any]:
        """The notice as JSON-ready values, under s.231's letters."""
        return {
            "notice": "TULRCA 1992 s.231 (as substituted by the Trade Union Act 2016 s.6)",
            "union": self.union,
            "title": self.title,
            "rule_set": self.rule_set,
            "rule_version": self.version,
            "opened_on": self.opened_on.isoformat(),
            "ballot_date": self.ballot_date.isoformat(),
            "a_entitled": self.entitled,
            "b_cast": self.cast,
            "e_spoilt": self.spoilt,
            "turnout": {
                "numerator": self.cast,
                "denominator": self.entitled,
                "percent": percent_text(self.cast, self.entitled),
                "rule": "papers returned, spoilt included (s.297A), over those entitled",
            },
            "questions": [_question_dict(q) for q in self.questions],
        }


def _question_dict(q: QuestionOutcome) -> dict[str, Any]:
    turnout = q.check("turnout")
    support = q.check("support")
    return {
        "question": q.question,
        "c_yes": q.yes,
        "d_no": q.no,
        "yes_of_valid": {
            "numerator": q.yes,
            "denominator": q.yes + q.no,
            "percent": percent_text(q.yes, q.yes + q.no),
        },
        "f_turnout_threshold_met": None if turnout is None else turnout.met,
        "g_support_threshold_met": None if support is None else support.met,
        "important_public_services": q.important_public_services,
        "checks": [c.as_dict() for c in q.checks],
        "mandate": q.mandate,
        "mandate_length": q.rules.mandate_text(),
        "mandate_last_day": None if q.mandate_last_day is None else q.mandate_last_day.isoformat(),
        "mandate_last_day_by_agreement": None
        if q.mandate_last_day_by_agreement is None
        else q.mandate_last_day_by_agreement.isoformat(),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrutineerStatement:
    """One statement the scrutineer must make, and whether they are satisfied."""

    subject: str
    statement: str
    satisfied: bool
    remarks: str = ""


STANDARD_STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "conduct",
        "There are no reasonable grounds for believing that there was any contravention of "
        "a requirement imposed by or under any enactment in relation to the ballot.",
    ),
    (
        "storage and handling",
        "The arrangements made with respect to the production, storage, distribution, return "
        "or other handling of the voting papers, and for the counting of the votes, included "
        "all such security arrangements as were reasonably practicable for the purpose of "
        "minimising the risk that any unfairness or malpractice might occur.",
    ),
    (
        "freedom from interference",
        "The scrutineer has been able to carry out their functions without such interference "
        "as would make it reasonable for any person to call their independence in relation "
        "to the union into question.",
    ),
)
"""The three statements of s.231B(1) / s.52(2) (subject, wording)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrutineerReport:
    """The independent scrutineer's report on a ballot or election."""

    union: str
    title: str
    scrutineer: str
    section: str
    """The provision it is made under (``"s.231B"`` or ``"s.52"``)."""
    distributed: int
    returned: int
    valid: Mapping[str, int]
    """Valid votes per answer or candidate, in ballot order."""
    spoilt: int
    statements: tuple[ScrutineerStatement, ...]
    audit_head: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def satisfied(self) -> bool:
        """Whether the scrutineer is satisfied on every statement."""
        return all(s.satisfied for s in self.statements)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return {
            "report": f"Independent scrutineer's report (TULRCA 1992 {self.section})",
            "union": self.union,
            "title": self.title,
            "scrutineer": self.scrutineer,
            "papers_distributed": self.distributed,
            "papers_returned": self.returned,
            "valid_votes": dict(self.valid),
            "spoilt": self.spoilt,
            "statements": [
                {
                    "subject": s.subject,
                    "statement": s.statement,
                    "satisfied": s.satisfied,
                    "remarks": s.remarks,
                }
                for s in self.statements
            ],
            "satisfied": self.satisfied,
            "audit_head": self.audit_head,
            "notes": list(self.notes),
        }


def standard_statements(
    satisfied: Mapping[str, bool] | None = None, remarks: Mapping[str, str] | None = None
) -> tuple[ScrutineerStatement, ...]:
    """The three standard statements, satisfied unless ``satisfied`` says otherwise."""
    satisfied = satisfied or {}
    remarks = remarks or {}
    return tuple(
        ScrutineerStatement(
            subject=subject,
            statement=text,
            satisfied=satisfied.get(subject, True),
            remarks=remarks.get(subject, ""),
        )
        for subject, text in STANDARD_STATEMENTS
    )


def latest_reelection_date(elected_on: date, *, years: int = 5) -> date:
    """The last day by which the holder of a union executive post must be re-elected.

    TULRCA s.46(1)(b): no person may continue to hold the position "for a period of more
    than five years without being re-elected". The period begins with the day of the
    election, so it ends the day before the fifth anniversary.

    >>> latest_reelection_date(date(2021, 8, 25))
    datetime.date(2026, 8, 24)
    """
    return add_months(elected_on, 12 * years) - timedelta(days=1)


def question_outcomes(
    rules: IndustrialActionRules, ballots: Sequence[Mapping[str, Any]]
) -> tuple[QuestionOutcome, ...]:
    """Decide several questions given as mappings of :func:`decide_question`'s arguments."""
    return tuple(decide_question(rules, **dict(b)) for b in ballots)
