"""Formula injection: no CSV tellers writes starts a cell with a spreadsheet formula.

A candidate's name comes from whoever nominated them; an officer who opens an exported
ballot CSV in a spreadsheet must see ``=HYPERLINK(...)`` as text, not run it. Checked
here for every CSV writer in the product: the ballot CSV writer by property (any names,
any ballots), and every other module that writes CSV by requiring it to use
:mod:`tellers.formats.csv_safe` (a new CSV export without it fails this test).
"""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import tellers
from tellers.counting.profile import Mark, Profile, ProfileBuilder
from tellers.formats.csv_ballots import read_csv_ballots, write_csv_ballots
from tellers.formats.csv_fast import read_csv_fast
from tellers.formats.csv_safe import FORMULA_STARTS, neutralise, restore

from .support import counted, fuzz_settings

_DANGEROUS = st.sampled_from(["+", "-", "@", "'+", "''-", "'@", "'", ""])
_names = st.builds(
    lambda head, tail: (head + tail).strip(),
    _DANGEROUS,
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="=\x00\r"), max_size=8),
).filter(bool)


@st.composite
def _profiles(draw: st.DrawFn) -> Profile:
    names = draw(st.lists(_names, min_size=1, max_size=4, unique=True))
    builder = ProfileBuilder(names)
    mark = st.one_of(
        st.none(),
        st.integers(0, len(names) - 1),
        st.frozensets(st.integers(0, len(names) - 1), max_size=len(names)),
    )
    for _ in range(draw(st.integers(1, 5))):
        marks: list[Mark] = draw(st.lists(mark, max_size=4))
        builder.add(marks, draw(st.integers(1, 3)))
    return builder.build()


@fuzz_settings(weight=1)
@given(profile=_profiles(), counts=st.booleans())
@counted("ballot CSV writer: formula cells")
def test_ballot_csv_cells_never_start_a_formula_and_read_back_the_same(
    profile: Profile, counts: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.csv"
        write_csv_ballots(profile, path, counts=counts)
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell or cell[0] not in FORMULA_STARTS, (cell, row)
        for reader in (read_csv_ballots, read_csv_fast):
            back = reader(path, counts=counts, candidates=profile.candidates)
            assert tuple(back.ballots()) == tuple(profile.ballots())


@given(st.text())
def test_restore_undoes_neutralise_for_any_text(text: str) -> None:
    assert restore(neutralise(text)) == text
    assert not neutralise(text) or neutralise(text)[0] not in FORMULA_STARTS


def test_a_hand_written_file_without_apostrophes_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("Alice,=,Bob\n'Neil,O'Brien\n")
    profile = read_csv_ballots(path)
    assert profile.candidates == ("Alice", "Bob", "'Neil", "O'Brien")


_WRITES_CSV = re.compile(r"csv\.(writer|DictWriter)\(|text/csv|\.csv\b.*write", re.IGNORECASE)


def test_every_module_that_writes_csv_neutralises_formula_cells() -> None:
    root = Path(tellers.__file__).parent
    writers = []
    for module in sorted(root.rglob("*.py")):
        text = module.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(", text) or "text/csv" in text:
            writers.append(module)
            assert "csv_safe" in text or module.name == "csv_safe.py", (
                f"{module.relative_to(root)} writes CSV without tellers.formats.csv_safe"
            )
    assert any(m.name == "csv_ballots.py" for m in writers)
