"""Fast counting kernels: vectorised numpy engines for the common cases of some rules.

A kernel computes exactly what its rule's reference module computes, for the profiles
and options it declares itself applicable to (``is_applicable``); the rule module calls
it in its default ``"auto"`` engine mode and keeps its own reference engine for
everything else (and when asked for ``engine="reference"``). Kernels are tested against
the reference round by round (``tests/property/test_irv_kernel_equivalence.py``).

- :mod:`tellers.counting.kernels.irv_numpy`: instant-runoff voting over distinct rows.
"""

from __future__ import annotations

__all__: list[str] = []
