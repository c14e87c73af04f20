"""Rich rendering of a count, round by round, for people reading a terminal.

Each round is a table. Rich's ``Table`` lays out and renders every cell through its
general machinery (measuring, wrapping, padding, justifying), which costs about a tenth
of a millisecond a cell: for thirty candidates that was more than the whole count of a
million ballots. :class:`RoundTable` therefore renders a round's table itself, as the
exact segments (text and style) Rich's ``Table`` would give, whenever the table is
simple: it fits the width, and no cell holds markup, an emoji code, a control character
or surrounding blanks; otherwise it hands over to the ``Table``. Runs of unstyled
segments are then joined (:func:`merge_plain`), which prints the same and saves the
console most of its work per segment. ``tests/property/test_round_table.py`` checks that
the two agree segment for segment (once the ``Table``'s runs are joined the same way)
and print the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment

from tellers.counting.amounts import Amount, format_amount
from tellers.counting.rounds import CountResult

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["RoundTable", "merge_plain", "render_result"]

_HEADERS = ("Candidate", "Votes", "Share", "Change")
_RIGHT = (False, True, True, True)
"""Which columns are right-justified."""
_MARKUP = frozenset("[]:\\")
"""Characters that Rich's markup or emoji codes could read as more than text."""

Row = tuple[str, tuple[str, str] | None, str, str, str]
"""Candidate, its mark (text and Rich style, e.g. ``("(elected)", "green")``) or None,
votes, share and change."""


def _is_plain(text: str) -> bool:
    return text.isprintable() and text == text.strip() and _MARKUP.isdisjoint(text)


@dataclass(frozen=True, slots=True)
class RoundTable:
    """A round's table: candidates, votes, shares and changes, with a title and caption.

    Renders as :meth:`table` does (the reference), faster; see the module docstring.
    """

    title: str
    caption: str
    rows: Sequence[Row]

    def table(self) -> Table:
        """The same table as a ``rich.table.Table``."""
        from rich.table import Table  # only for tables that are not simple

        table = Table(title=self.title, caption=self.caption, title_justify="left")
        for header, right in zip(_HEADERS, _RIGHT, strict=True):
            table.add_column(header, justify="right" if right else "left")
        for name, mark, votes, share, change in self.rows:
            if mark is not None:
                name = f"{name} [{mark[1]}]{mark[0]}[/{mark[1]}]"
            table.add_row(name, votes, share, change)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        segments = self._segments(console, options)
        if segments is None:
            segments = console.render(self.table(), options)
        yield from merge_plain(segments)

    def _segments(self, console: Console, options: ConsoleOptions) -> Iterable[Segment] | None:
        """What ``Table`` renders (for a simple table), or None if it is not simple."""
        texts = [self.title, self.caption]
        cells: list[tuple[str, str, str, str]] = []
        for name, mark, votes, share, change in self.rows:
            texts += (name, votes, share, change)
            if mark is not None:
                texts += mark
            cells.append((f"{name} {mark[0]}" if mark else name, votes, share, change))
        if not all(_is_plain(text) for text in texts):
            return None
        widths = [
            max([cell_len(header)] + [cell_len(row[i]) for row in cells]) + 2
            for i, header in enumerate(_HEADERS)
        ]
        table_width = sum(widths) + len(widths) + 1
        if table_width > options.max_width or max(map(cell_len, texts[:2])) > table_width:
            return None
        frame = box.HEAVY_HEAD.substitute(options, safe=console.safe_box)
        get_style = console.get_style
        plain = get_style("")
        border = get_style("none") + plain
        header_style = get_style("table.header") + plain
        pad = Segment(" ", get_style("none"))
        line = Segment.line()
        out: list[Segment] = []
        add = out.append
        if self.title:
            add(
                Segment(_justify(self.title, table_width, "left"), plain + get_style("table.title"))
            )
            add(line)
        add(Segment(frame.get_top(widths), border))
        add(line)
        n = len(cells)
        for index, row in enumerate([_HEADERS, *cells]):
            if index == 0:
                left, right, divider = frame.head_left, frame.head_right, frame.head_vertical
            elif index == n:
                left, right, divider = frame.foot_left, frame.foot_right, frame.foot_vertical
            else:
                left, right, divider = frame.mid_left, frame.mid_right, frame.mid_vertical
            add(Segment(left, border))
            for column, (text, width, is_right) in enumerate(zip(row, widths, _RIGHT, strict=True)):
                if column:
                    add(Segment(divider, border))
                content = _justify(text, width - 2, "right" if is_right else "left")
                if index == 0:
                    out += (
                        Segment(" ", header_style),
                        Segment(content, header_style),
                        Segment(" ", header_style),
                    )
                    continue
                add(pad)
                mark = self.rows[index - 1][1] if column == 0 else None
                if mark is None:
                    add(Segment(content))
                else:
                    out += _marked(content, len(self.rows[index - 1][0]) + 1, mark, console)
                add(pad)
            add(Segment(right, border))
            add(line)
            if index == 0:
                add(Segment(frame.get_row(widths, "head", edge=True), border))
                add(line)
        add(Segment(frame.get_bottom(widths), border))
        add(line)
        if self.caption:
            caption = _justify(self.caption, table_width, "center")
            add(Segment(caption, plain + get_style("table.caption")))
            add(line)
        return out


def merge_plain(segments: Iterable[Segment]) -> Iterator[Segment]:
    """Runs of unstyled text (short of line ends) as one segment each.

    The console prints them exactly as it prints the run, with a fraction of its work per
    segment (most of a table's cells, borders and padding are unstyled).
    """
    run: list[str] = []
    for segment in segments:
        text, style, control = segment
        if not control and not style and text != "\n":
            run.append(text)
            continue
        if run:
            yield Segment("".join(run))
            run = []
        yield segment
    if run:
        yield Segment("".join(run))


def _justify(text: str, width: int, how: str) -> str:
    room = width - cell_len(text)
    if how == "left":
        return text + " " * room
    if how == "right":
        return " " * room + text
    return " " * (room // 2) + text + " " * (room - room // 2)


def _marked(content: str, at: int, mark: tuple[str, str], console: Console) -> Iterator[Segment]:
    """The segments of a left-justified cell whose mark starts at character ``at``.

    As Rich renders the text of ``name [style]mark[/style]``: the name and space, the
    mark in its style, then the padding, each on the (null) style of the text.
    """
    plain = console.get_style("")
    end = at + len(mark[0])
    yield Segment(content[:at], plain)
    yield Segment(content[at:end], plain + console.get_style(mark[1]))
    if content[end:]:
        yield Segment(content[end:], plain)


def _exact(value: Amount) -> int | Fraction:
    """The amount as an exact number: whole votes stay ``int`` (quick), the rest Fractions."""
    return value if type(value) is int else Fraction(value)


def _share(part: Amount, whole: Amount) -> str:
    if not whole:
        return ""
    # one decimal place, rounded half up, shown as exactly that: reports state their rounding
    if type(part) is int and type(whole) is int and whole > 0:
        tenths = (2000 * part + whole) // (2 * whole)  # floor(part / whole * 1000 + 1/2)
    else:
        share = Fraction(part) / Fraction(whole) * 100
        tenths = (share * 10 + Fraction(1, 2)).__floor__()
    return f"{tenths // 10}.{tenths % 10}%"


def _change(now: Amount, before: Amount) -> str:
    """A tally's signed change since the round before ("" for none)."""
    if type(now) is int and type(before) is int:
        whole = now - before
        return ("+" if whole > 0 else "-") + format_amount(abs(whole)) if whole else ""
    delta = Fraction(now) - Fraction(before)
    if not delta:
        return ""
    size = abs(delta)
    return ("+" if delta > 0 else "-") + format_amount(
        size.numerator if size.denominator == 1 else size
    )


def render_result(result: CountResult, console: Console, *, title: str = "") -> None:
    """Print every round: tallies with shares of the continuing vote, then the decisions."""
    heading = title or f"{result.method} count"
    # Rich's highlighting (numbers in colour...) only adds styles, and a console without a
    # colour system (output to a file or a pipe) that records nothing shows no styles:
    # there it would be work for nothing (the regular expressions over every line).
    highlight = None if console.color_system is not None or console.record else False
    console.print(
        f"[bold]{heading}[/bold]: {len(result.candidates)} candidates, "
        f"{result.seats} seat{'s' if result.seats != 1 else ''}, "
        f"{format_amount(result.valid)} valid ballots"
        + (f", quota {format_amount(result.quota)}" if result.quota is not None else ""),
        highlight=highlight,
    )
    previous: dict[str, Amount] = {}
    for rnd in result.rounds:
        continuing = sum((_exact(v) for v in rnd.tallies.values()), 0)
        caption = [f"exhausted {format_amount(rnd.exhausted)}"]
        if rnd.threshold is not None:
            caption.insert(0, f"threshold {format_amount(rnd.threshold)}")
        ordered = sorted(rnd.tallies.items(), key=lambda kv: (-_exact(kv[1]), kv[0]))
        rows: list[Row] = []
        for name, votes in ordered:
            mark: tuple[str, str] | None = None
            if name in rnd.elected:
                mark = ("(elected)", "green")
            elif name in rnd.eliminated:
                mark = ("(eliminated)", "red")
            change = _change(votes, previous[name]) if name in previous else ""
            rows.append((name, mark, format_amount(votes), _share(votes, continuing), change))
        console.print(RoundTable(f"Round {rnd.number}", ", ".join(caption), rows))
        for transfer in rnd.transfers:
            moved = ", ".join(f"{k} +{format_amount(v)}" for k, v in transfer.to.items() if v)
            console.print(
                f"  {transfer.reason} {transfer.source}: {moved or 'nothing to transfer'}; "
                f"exhausted {format_amount(transfer.exhausted)}",
                highlight=highlight,
            )
        previous = dict(rnd.tallies)
    for tie in result.tie_breaks:
        console.print(
            f"Tie in round {tie.round} ({tie.purpose}) between {', '.join(tie.tied)}: "
            f"{tie.chosen} by {tie.how}",
            highlight=highlight,
        )
    if result.seed is not None:
        console.print(f"Tie-break seed: {result.seed}", highlight=highlight)
    winners = ", ".join(result.winners) or "none"
    console.print(f"[bold]Elected: {winners}[/bold]", highlight=highlight)
