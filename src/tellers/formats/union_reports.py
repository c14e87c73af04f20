"""The statutory notices of union ballots as text and JSON.

- :func:`notice_text` / :func:`notice_json`: the result notice of an industrial action
  ballot under TULRCA 1992 s.231 (as substituted by the Trade Union Act 2016 s.6),
  items (a)-(g) in the order of the section, with the rule version applied and the
  exact arithmetic of each threshold.
- :func:`scrutineer_text` / :func:`scrutineer_json`: the independent scrutineer's report
  (s.231B for industrial action; s.52 for executive elections).

Percentages are rounded once, half up, from the exact fraction; each threshold is
printed as ``numerator / denominator`` so the reader can check it (Conventions and
traps 4 and 5). :mod:`tellers.formats.pdf` lays the same content out as PDF.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from tellers.counting.amounts import format_amount
from tellers.domain.statute import QuestionOutcome, ResultNotice, ScrutineerReport, percent_text

__all__ = [
    "notice_json",
    "notice_lines",
    "notice_text",
    "scrutineer_json",
    "scrutineer_lines",
    "scrutineer_text",
]


def _met(flag: bool | None) -> str:
    if flag is None:
        return "not applicable"
    return "MET" if flag else "NOT MET"


def _pct(share: Fraction) -> str:
    return format_amount(share * 100)


def _question_lines(q: QuestionOutcome) -> list[str]:
    turnout = q.check("turnout")
    support = q.check("support")
    lines = [
        f"Question: {q.question}",
        f"  (c) Voting Yes: {q.yes:,}",
        f"  (d) Voting No: {q.no:,}",
        f"      Yes as a share of valid votes: {q.yes:,} / {q.yes + q.no:,} = "
        f"{percent_text(q.yes, q.yes + q.no)}%",
    ]
    if turnout is None:
        lines.append("  (f) Turnout threshold: none under this rule version")
    else:
        lines.append(
            f"  (f) Turnout of at least {_pct(turnout.required)}%: "
            f"{turnout.numerator:,} / {turnout.denominator:,} = "
            f"{percent_text(turnout.numerator, turnout.denominator)}%: "
            f"turnout threshold {_met(turnout.met)}"
        )
    if support is not None:
        lines.append(
            f"  (g) Yes from at least {_pct(support.required)}% "
            f"of those entitled (important public services, s.226(2B)): "
            f"{support.numerator:,} / {support.denominator:,} = "
            f"{percent_text(support.numerator, support.denominator)}%: "
            f"support threshold {_met(support.met)}"
        )
    elif q.important_public_services:
        lines.append("  (g) Support threshold: repealed under this rule version")
    if q.mandate:
        until = q.mandate_last_day.isoformat() if q.mandate_last_day else "-"
        extra = (
            f" ({q.mandate_last_day_by_agreement.isoformat()} if extended by agreement)"
            if q.mandate_last_day_by_agreement
            else ""
        )
        lines.append(f"  Result: MANDATE GRANTED for {q.rules.mandate_text()}, to {until}{extra}.")
    else:
        failed = ", ".join(c.name for c in q.checks if not c.met)
        lines.append(f"  Result: NO MANDATE (not met: {failed}).")
    return lines


def notice_lines(notice: ResultNotice) -> list[str]:
    """The s.231 notice as lines of text."""
    lines = [
        f"Notice of the result of a ballot: {notice.title}",
        *([notice.union] if notice.union else []),
        "Trade Union and Labour Relations (Consolidation) Act 1992, section 231",
        f"Rules applied: {notice.rule_set}, version {notice.version} "
        f"(ballot opened {notice.opened_on.isoformat()}; date of the ballot "
        f"{notice.ballot_date.isoformat()})",
        "",
        f"(a) Individuals entitled to vote: {notice.entitled:,}",
        f"(b) Votes cast: {notice.cast:,} (turnout {percent_text(notice.cast, notice.entitled)}%, "
        "spoilt papers included, s.297A)",
        f"(e) Spoiled or otherwise invalid voting papers: {notice.spoilt:,}",
        "",
    ]
    for q in notice.questions:
        lines.extend(_question_lines(q))
        lines.append("")
    return lines


def notice_text(notice: ResultNotice) -> str:
    """The s.231 notice as plain text."""
    return "\n".join(notice_lines(notice)).rstrip("\n") + "\n"


def notice_json(notice: ResultNotice) -> str:
    """The s.231 notice as JSON text (sorted keys; exact shares as text; no floats)."""
    return json.dumps(notice.as_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def scrutineer_lines(report: ScrutineerReport) -> list[str]:
    """The scrutineer's report as lines of text."""
    lines = [
        f"Independent scrutineer's report: {report.title}",
        f"Made under TULRCA 1992 {report.section} by {report.scrutineer}"
        + (f" for {report.union}" if report.union else ""),
        "",
        f"Voting papers distributed: {report.distributed:,}",
        f"Voting papers returned: {report.returned:,}",
        "Valid votes:",
    ]
    lines.extend(f"  {name}: {votes:,}" for name, votes in report.valid.items())
    lines.append(f"Spoilt or otherwise invalid papers: {report.spoilt:,}")
    lines.append("")
    for s in report.statements:
        verdict = (
            "The scrutineer is satisfied" if s.satisfied else "The scrutineer is NOT satisfied"
        )
        lines.append(f"{s.subject.capitalize()}: {verdict}. {s.statement}")
        if s.remarks:
            lines.append(f"  Remarks: {s.remarks}")
    lines.extend(report.notes)
    if report.audit_head:
        lines.append("")
        lines.append(f"Audit log head at the time of the report: {report.audit_head}")
    return lines


def scrutineer_text(report: ScrutineerReport) -> str:
    """The scrutineer's report as plain text."""
    return "\n".join(scrutineer_lines(report)) + "\n"


def scrutineer_json(report: ScrutineerReport) -> str:
    """The scrutineer's report as JSON text."""
    data: dict[str, Any] = report.as_dict()
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
