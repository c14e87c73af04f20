"""A round's table renders exactly as Rich's ``Table`` renders it, segment for segment.

:class:`tellers.cli.render.RoundTable` lays out simple tables itself (see
:mod:`tellers.cli.render`); whatever it yields must be what its reference
``RoundTable.table()`` yields on the same console: the same text in the same segments
with the same styles (once runs of unstyled segments are joined, as ``RoundTable`` joins
them), so every terminal, colour system and encoding shows the same.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from tellers.cli.render import RoundTable, merge_plain

PLAIN_NAMES = ("Ada", "Bo Li", "Carmen Ruiz-Ibáñez", "李小龙", "X", "Émile", "O'Neill (Jr.)")
ODD_NAMES = ("[bold]Eve[/bold]", "Dan :smile:", " Sp", "Tab\tX", "a  b ", "back\\slash", "")
MARKS = (None, ("(elected)", "green"), ("(eliminated)", "red"))


PLAIN_CAPTIONS = ("threshold 5, exhausted 0", "exhausted 12", "")
ODD_CAPTIONS = ("a caption " * 12, "x :y: [z]", "a caption that is longer than the table")


@st.composite
def round_tables(draw: st.DrawFn, names: tuple[str, ...], captions: tuple[str, ...]) -> RoundTable:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(names),
                st.sampled_from(MARKS),
                st.integers(0, 10**12).map(str),
                st.sampled_from(["", "0.0%", "12.5%", "100.0%"]),
                st.sampled_from(["", "+12", "-3", "+1/3"]),
            ),
            max_size=8,
        )
    )
    title = f"Round {draw(st.integers(1, 40))}"
    caption = draw(st.sampled_from(captions))
    return RoundTable(title, caption, rows)


@st.composite
def consoles(draw: st.DrawFn) -> Console:
    kind = draw(st.sampled_from(["plain", "truecolor", "standard", "256", "windows", "legacy"]))
    options: dict[str, object] = {"file": io.StringIO(), "width": draw(st.integers(8, 160))}
    if kind in ("truecolor", "standard", "256", "windows"):
        options |= {"force_terminal": True, "color_system": kind}
    if kind == "legacy":
        options |= {"legacy_windows": True, "safe_box": draw(st.booleans())}
    return Console(**options)  # type: ignore[arg-type]


def _same_segments(console: Console, table: RoundTable, *, ascii_only: bool) -> None:
    options = console.options
    if ascii_only:
        options = options.copy()
        options.encoding = "ascii"
    fast = list(console.render(table, options))
    assert fast == list(merge_plain(console.render(table.table(), options)))
    # and what reaches the terminal is the same, escape sequences included
    shown = []
    for renderable in (table, table.table()):
        console.file = io.StringIO()
        console.print(renderable)
        shown.append(console.file.getvalue())
    assert shown[0] == shown[1]


@settings(max_examples=300, deadline=None)
@given(
    table=round_tables(PLAIN_NAMES + ODD_NAMES, PLAIN_CAPTIONS + ODD_CAPTIONS),
    console=consoles(),
    ascii_only=st.booleans(),
)
def test_round_table_renders_as_rich_table(
    table: RoundTable, console: Console, ascii_only: bool
) -> None:
    _same_segments(console, table, ascii_only=ascii_only)


@settings(max_examples=150, deadline=None)
@given(
    table=round_tables(PLAIN_NAMES, PLAIN_CAPTIONS), console=consoles(), ascii_only=st.booleans()
)
def test_simple_tables_are_rendered_without_rich_table_and_agree(
    table: RoundTable, console: Console, ascii_only: bool
) -> None:
    wide = Console(file=io.StringIO(), width=200)
    assert table._segments(wide, wide.options) is not None  # the fast path is taken
    _same_segments(console, table, ascii_only=ascii_only)
