"""Charts of a count as server-side SVG (no JavaScript, no chart library).

- :func:`round_chart`: one horizontal bar per candidate with the votes of a round, the
  exhausted ballots, and the quota (or threshold) as a marked line; elected and excluded
  candidates are labelled in words as well as by colour (WCAG 1.4.1).
- :func:`transfers_chart`: for each transfer of a round, a stacked bar showing where the
  transferred votes went, exhausted included.
- :func:`progress_chart`: each continuing candidate's votes across the rounds.
- :func:`share_chart`: a motion's Yes/No/abstained.

Amounts arrive as the decimal strings of the results JSON; lengths are computed from
them exactly (Fractions) and rounded to whole pixels only at the end. Every chart has a
``<title>`` and ``role="img"`` with an ``aria-label``; the same figures are always in a
table next to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from html import escape
from typing import Any

from markupsafe import Markup

__all__ = ["PALETTE", "progress_chart", "round_chart", "share_chart", "transfers_chart"]

PALETTE = (
    "#1d70b8",
    "#d4351c",
    "#00703c",
    "#6f3c97",
    "#b58840",
    "#28a197",
    "#912b88",
    "#505a5f",
    "#f47738",
    "#5694ca",
)
"""Distinct colours, each with at least 3:1 contrast on white."""

TEXT = "#0b0c0c"
MUTED = "#505a5f"


def _amount(text: Any) -> Fraction:
    if text is None:
        return Fraction(0)
    return Fraction(Decimal(str(text)))


def _px(value: Fraction, scale: Fraction) -> int:
    return int(round(value * scale))


def _fmt(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator:,}"
    shown = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"))
    return f"{shown:,}"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    t = escape(title)
    # every text and attribute value above was escaped with html.escape
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{t}" class="chart" '
        f'preserveAspectRatio="xMinYMin meet"><title>{t}</title>' + "".join(body) + "</svg>"
    )


def colour_map(names: Sequence[str]) -> dict[str, str]:
    """A colour per candidate, stable across the charts of a result."""
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}


def round_chart(
    round_: Mapping[str, Any],
    *,
    candidates: Sequence[str],
    quota: str | None,
    title: str,
    status: Mapping[str, str] | None = None,
) -> Markup:
    """Bars of one round's tallies, exhausted ballots and the quota line."""
    tallies = {k: _amount(v) for k, v in round_.get("tallies", {}).items()}
    names = [c for c in candidates if c in tallies]
    exhausted = _amount(round_.get("exhausted"))
    q = _amount(quota) if quota is not None else None
    threshold = round_.get("threshold")
    t = _amount(threshold) if threshold is not None else None
    line = q if q is not None else t
    top = max([*tallies.values(), exhausted, line or Fraction(0), Fraction(1)])
    label_w, bar_w, value_w, row_h = 220, 420, 170, 30
    width = label_w + bar_w + value_w
    rows = [*names, "Exhausted"]
    height = row_h * len(rows) + 40
    scale = Fraction(bar_w) / top
    colours = colour_map(candidates)
    body: list[str] = []
    status = status or {}
    for i, name in enumerate(rows):
        y = 10 + i * row_h
        value = exhausted if name == "Exhausted" else tallies[name]
        colour = "#b1b4b6" if name == "Exhausted" else colours[name]
        w = max(_px(value, scale), 1 if value else 0)
        note = status.get(name, "")
        label = escape(name if len(name) <= 28 else name[:27] + "…")
        body.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" font-size="14" '
            f'fill="{TEXT}">{label}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="{row_h - 10}" fill="{colour}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 19}" font-size="13" fill="{TEXT}">'
            f"{escape(_fmt(value))}{(' · ' + escape(note)) if note else ''}</text>"
        )
    if line is not None and line > 0:
        x = label_w + _px(line, scale)
        what = "quota" if q is not None else "threshold"
        body.append(
            f'<line x1="{x}" y1="6" x2="{x}" y2="{height - 26}" stroke="{TEXT}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{x}" y="{height - 10}" text-anchor="middle" font-size="12" '
            f'fill="{TEXT}">{what} {escape(_fmt(line))}</text>'
        )
    return _svg(width, height, title, body)


def transfers_chart(round_: Mapping[str, Any], *, candidates: Sequence[str], title: str) -> Markup:
    """One stacked bar per transfer: where the transferred votes went."""
    transfers = round_.get("transfers", [])
    colours = colour_map(candidates)
    label_w, bar_w, row_h = 220, 560, 64
    width = label_w + bar_w + 20
    height = max(row_h * len(transfers) + 20, 40)
    body: list[str] = []
    for i, t in enumerate(transfers):
        parts = [(k, _amount(v)) for k, v in t.get("to", {}).items()]
        parts.append(("Exhausted", _amount(t.get("exhausted"))))
        total = sum((v for _, v in parts), Fraction(0)) or Fraction(1)
        scale = Fraction(bar_w) / total
        y = 10 + i * row_h
        src = escape(str(t.get("source", "")))
        reason = escape(str(t.get("reason", "")))
        body.append(
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="14" '
            f'fill="{TEXT}">from {src}</text>'
            f'<text x="{label_w - 8}" y="{y + 36}" text-anchor="end" font-size="12" '
            f'fill="{MUTED}">{reason}</text>'
        )
        x = label_w
        for name, value in parts:
            if value <= 0:
                continue
            w = max(_px(value, scale), 1)
            colour = "#b1b4b6" if name == "Exhausted" else colours.get(name, "#505a5f")
            body.append(
                f'<rect x="{x}" y="{y + 4}" width="{w}" height="28" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="1"><title>{escape(name)}: '
                f"{escape(_fmt(value))}</title></rect>"
            )
            if w > 60:
                body.append(
                    f'<text x="{x + 4}" y="{y + 48}" font-size="11" fill="{TEXT}">'
                    f"{escape(name[:12])} {escape(_fmt(value))}</text>"
                )
            x += w
    return _svg(width, height, title, body)


def progress_chart(
    rounds: Sequence[Mapping[str, Any]], *, candidates: Sequence[str], title: str
) -> Markup:
    """Each candidate's votes round by round (lines with points)."""
    colours = colour_map(candidates)
    left, right, top_pad, bottom = 60, 200, 20, 40
    plot_w, plot_h = 520, 240
    width, height = left + plot_w + right, top_pad + plot_h + bottom
    peak = max([_amount(v) for r in rounds for v in r.get("tallies", {}).values()] + [Fraction(1)])
    n = max(len(rounds), 1)
    step = Fraction(plot_w, max(n - 1, 1))
    body: list[str] = [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" '
        f'y2="{top_pad + plot_h}" stroke="{MUTED}"/>',
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}" stroke="{MUTED}"/>',
        f'<text x="{left - 6}" y="{top_pad + 5}" text-anchor="end" font-size="11" '
        f'fill="{TEXT}">{escape(_fmt(peak))}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" font-size="11" '
        f'fill="{TEXT}">0</text>',
    ]
    for i in range(n):
        x = left + _px(step * i, Fraction(1))
        body.append(
            f'<text x="{x}" y="{top_pad + plot_h + 18}" text-anchor="middle" font-size="11" '
            f'fill="{TEXT}">Round {i + 1}</text>'
        )
    for j, name in enumerate(candidates):
        points = []
        for i, r in enumerate(rounds):
            tallies = r.get("tallies", {})
            if name not in tallies:
                continue
            x = left + _px(step * i, Fraction(1))
            y = top_pad + plot_h - _px(_amount(tallies[name]), Fraction(plot_h) / peak)
            points.append((x, y))
        if not points:
            continue
        c = colours[name]
        path = " ".join(f"{x},{y}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="3"/>')
        body += [f'<circle cx="{x}" cy="{y}" r="4" fill="{c}"/>' for x, y in points]
        ly = top_pad + 14 + j * 18
        body.append(
            f'<rect x="{left + plot_w + 14}" y="{ly - 10}" width="12" height="12" fill="{c}"/>'
            f'<text x="{left + plot_w + 32}" y="{ly}" font-size="12" fill="{TEXT}">'
            f"{escape(name[:22])}</text>"
        )
    return _svg(width, height, title, body)


def share_chart(parts: Sequence[tuple[str, int]], *, title: str) -> Markup:
    """One stacked bar of whole-number parts (a motion's Yes / No / abstained)."""
    total = sum(v for _, v in parts) or 1
    bar_w, width, height = 760, 780, 80
    colours = {"Yes": "#00703c", "No": "#d4351c"}
    body: list[str] = []
    x = 10
    for name, value in parts:
        if value <= 0:
            continue
        w = max(_px(Fraction(value * bar_w, total), Fraction(1)), 1)
        c = colours.get(name, "#b1b4b6")
        body.append(
            f'<rect x="{x}" y="10" width="{w}" height="34" fill="{c}"><title>{escape(name)}: '
            f"{value:,}</title></rect>"
            f'<text x="{x + 4}" y="64" font-size="13" fill="{TEXT}">{escape(name)} {value:,}</text>'
        )
        x += w
    return _svg(width, height, title, body)
