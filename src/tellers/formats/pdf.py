"""Statutory union notices as PDF, laid out with ReportLab's Platypus.

:func:`notice_story` and :func:`scrutineer_story` build the flowables (a title, the
figures as a table, the statements as paragraphs) from the same lines as the text
renderers of :mod:`tellers.formats.union_reports`, so the PDF says exactly what the text
says; :func:`render_pdf` lays a story out on A4 and returns the PDF bytes. The document
is built with ``invariant=1`` so the same input gives the same bytes (no creation date
or random id), which lets a scrutineer hash a published copy.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped,unused-ignore]
from reportlab.lib.units import mm  # type: ignore[import-untyped,unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped,unused-ignore]
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from tellers.domain.statute import ResultNotice, ScrutineerReport, percent_text
from tellers.formats.union_reports import notice_lines, scrutineer_lines

__all__ = ["notice_pdf", "notice_story", "render_pdf", "scrutineer_pdf", "scrutineer_story"]


def _table(rows: Sequence[Sequence[str]]) -> Table:
    table = Table([list(r) for r in rows], colWidths=[110 * mm, 60 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (0, 0), (-1, -1), "Helvetica"),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def notice_story(notice: ResultNotice) -> list[Flowable]:
    """The flowables of the s.231 notice: title, figures table, per-question findings."""
    styles = getSampleStyleSheet()
    lines = notice_lines(notice)
    story: list[Flowable] = [Paragraph(escape(lines[0]), styles["Title"])]
    head = lines.index("")
    for line in lines[1:head]:
        story.append(Paragraph(escape(line), styles["Normal"]))
    story.append(Spacer(1, 6 * mm))
    rows = [
        ["(a) Individuals entitled to vote", f"{notice.entitled:,}"],
        ["(b) Votes cast", f"{notice.cast:,}"],
        ["    turnout (spoilt papers included)", f"{percent_text(notice.cast, notice.entitled)}%"],
        ["(e) Spoiled or otherwise invalid papers", f"{notice.spoilt:,}"],
    ]
    for q in notice.questions:
        rows.append([f"(c) Yes: {q.question}", f"{q.yes:,}"])
        rows.append([f"(d) No: {q.question}", f"{q.no:,}"])
    story.append(_table(rows))
    story.append(Spacer(1, 6 * mm))
    for line in lines[head:]:
        if line and not line.startswith(("(a)", "(b)", "(e)")):
            story.append(Paragraph(escape(line), styles["Normal"]))
    return story


def scrutineer_story(report: ScrutineerReport) -> list[Flowable]:
    """The flowables of the scrutineer's report."""
    styles = getSampleStyleSheet()
    lines = scrutineer_lines(report)
    story: list[Flowable] = [
        Paragraph(escape(lines[0]), styles["Title"]),
        Paragraph(escape(lines[1]), styles["Normal"]),
        Spacer(1, 6 * mm),
    ]
    rows = [
        ["Voting papers distributed", f"{report.distributed:,}"],
        ["Voting papers returned", f"{report.returned:,}"],
    ]
    rows += [[f"Valid votes: {name}", f"{votes:,}"] for name, votes in report.valid.items()]
    rows.append(["Spoilt or otherwise invalid papers", f"{report.spoilt:,}"])
    story.append(_table(rows))
    story.append(Spacer(1, 6 * mm))
    start = lines.index("Valid votes:") + len(report.valid) + 2
    for line in lines[start:]:
        if line:
            story.append(Paragraph(escape(line), styles["Normal"]))
            story.append(Spacer(1, 2 * mm))
    return story


def render_pdf(story: Sequence[Flowable], *, title: str) -> bytes:
    """Lay ``story`` out on A4 and return the PDF bytes (deterministic)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="tellers",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        invariant=1,
    )
    doc.build(list(story))
    return buffer.getvalue()


def notice_pdf(notice: ResultNotice) -> bytes:
    """The s.231 notice as PDF bytes."""
    return render_pdf(notice_story(notice), title=f"Notice of result: {notice.title}")


def scrutineer_pdf(report: ScrutineerReport) -> bytes:
    """The scrutineer's report as PDF bytes."""
    return render_pdf(scrutineer_story(report), title=f"Scrutineer's report: {report.title}")
