"""Rich rendering of a count, round by round, for people reading a terminal."""

from __future__ import annotations

from fractions import Fraction

from rich.console import Console
from rich.table import Table

from tellers.counting.amounts import Amount, format_amount
from tellers.counting.rounds import CountResult

__all__ = ["render_result"]


def _share(part: Amount, whole: Amount) -> str:
    if not whole:
        return ""
    share = Fraction(part) / Fraction(whole) * 100
    # one decimal place, rounded half up, shown as exactly that: reports state their rounding
    tenths = (share * 10 + Fraction(1, 2)).__floor__()
    return f"{tenths // 10}.{tenths % 10}%"


def render_result(result: CountResult, console: Console, *, title: str = "") -> None:
    """Print every round: tallies with shares of the continuing vote, then the decisions."""
    heading = title or f"{result.method} count"
    console.print(
        f"[bold]{heading}[/bold]: {len(result.candidates)} candidates, "
        f"{result.seats} seat{'s' if result.seats != 1 else ''}, "
        f"{format_amount(result.valid)} valid ballots"
        + (f", quota {format_amount(result.quota)}" if result.quota is not None else "")
    )
    previous: dict[str, Amount] = {}
    for rnd in result.rounds:
        continuing = sum((Fraction(v) for v in rnd.tallies.values()), Fraction(0))
        caption = [f"exhausted {format_amount(rnd.exhausted)}"]
        if rnd.threshold is not None:
            caption.insert(0, f"threshold {format_amount(rnd.threshold)}")
        table = Table(title=f"Round {rnd.number}", caption=", ".join(caption), title_justify="left")
        table.add_column("Candidate")
        table.add_column("Votes", justify="right")
        table.add_column("Share", justify="right")
        table.add_column("Change", justify="right")
        ordered = sorted(rnd.tallies.items(), key=lambda kv: (-Fraction(kv[1]), kv[0]))
        for name, votes in ordered:
            mark = ""
            if name in rnd.elected:
                mark = " [green](elected)[/green]"
            elif name in rnd.eliminated:
                mark = " [red](eliminated)[/red]"
            change = ""
            if name in previous:
                delta = Fraction(votes) - Fraction(previous[name])
                if delta:
                    sign = "+" if delta > 0 else "-"
                    change = sign + format_amount(
                        abs(delta) if delta.denominator != 1 else abs(delta.numerator)
                    )
            table.add_row(name + mark, format_amount(votes), _share(votes, continuing), change)
        console.print(table)
        for transfer in rnd.transfers:
            moved = ", ".join(f"{k} +{format_amount(v)}" for k, v in transfer.to.items() if v)
            console.print(
                f"  {transfer.reason} {transfer.source}: {moved or 'nothing to transfer'}; "
                f"exhausted {format_amount(transfer.exhausted)}"
            )
        previous = dict(rnd.tallies)
    for tie in result.tie_breaks:
        console.print(
            f"Tie in round {tie.round} ({tie.purpose}) between {', '.join(tie.tied)}: "
            f"{tie.chosen} by {tie.how}"
        )
    if result.seed is not None:
        console.print(f"Tie-break seed: {result.seed}")
    winners = ", ".join(result.winners) or "none"
    console.print(f"[bold]Elected: {winners}[/bold]")
