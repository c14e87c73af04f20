"""Fuzz-run totals: how many generated inputs each target was given.

Printed at the end of the run (``fuzz: inputs=N targets=T``) and, when the environment
names a file in ``FUZZ_TOTALS``, written there as JSON (for docs/reliability.md).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .support import COUNTS, PROFILE


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the inputs generated per target and the total."""
    if not COUNTS:
        return
    write = terminalreporter.write_line
    write(f"fuzz profile {PROFILE}: inputs per target")
    for target, n in sorted(COUNTS.items()):
        write(f"  {n:>8}  {target}")
    total = sum(COUNTS.values())
    write(f"fuzz: inputs={total} targets={len(COUNTS)}")
    if out := os.environ.get("FUZZ_TOTALS"):
        Path(out).write_text(
            json.dumps({"profile": PROFILE, "total": total, "targets": dict(COUNTS)}, indent=1)
        )
