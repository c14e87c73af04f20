"""STV by the weighted inclusive Gregory method (WIGM).

Every paper of an elected candidate moves with the surplus, at a weight reduced to
(weight x surplus) / (candidate's total); the largest surplus moves first; with no surplus
left the candidate with the fewest votes is excluded and their papers move at their
current weight. This is the method of Scottish STV (:mod:`.stv_scottish`), written for
general use.

Source texts:

- Droop's generic ``wigm`` rule (jklundell/droop, ``droop/rules/wigm.py``): quota
  N/(seats+1), in exact arithmetic reached only when exceeded, in fixed arithmetic rounded
  up by one unit of the last place and reached when equalled; new weight computed as
  (weight x surplus), truncated, then / total, truncated; ties by a tie order published in
  advance. Options ``integer_quota`` and ``defeat_batch=zero``.
- The Proportional Representation Foundation's "Reference WIGM" rule (``variant="prf"``;
  text quoted in Droop's ``droop/rules/wigm_prf.py``): four decimal places, each product or
  quotient truncated (D.4); quota N/(seats+1) + 0.0001 (A.1), reached when equalled (B.1);
  ``variant="prf-batch"`` also defeats sure losers together (B.2).

Options (``CountParams.options``):

- ``variant``: ``"droop"`` (default), ``"prf"`` or ``"prf-batch"``.
- ``arithmetic``: ``"guarded"`` (default, 18+9 places as in Droop), ``"fixed"`` (default 9
  places) or ``"rational"``; ``precision``, ``guard``. Fixed by the PRF variants.
- ``quota``: ``"droop-fractional"`` (default), ``"droop"`` (integer: floor(N/(s+1)) + 1,
  the same as ``integer_quota=True``) or ``"hare"`` (N/s).
- ``defeat_batch``: ``"none"`` (default) or ``"zero"``.
- ``withdrawn``, ``tie_order``: as for every STV rule (see :mod:`tellers.counting.stv`).
"""

from __future__ import annotations

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult
from tellers.counting.stv import Arithmetic, Fixed, WigmStyle, arithmetic_from_options, count_wigm
from tellers.errors import InvalidCountOptions

__all__ = ["count"]

_KNOWN = frozenset(
    {
        "variant",
        "arithmetic",
        "precision",
        "guard",
        "display",
        "quota",
        "integer_quota",
        "defeat_batch",
        "withdrawn",
        "tie_order",
    }
)


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` by WIGM STV (see the module docstring for the options).

    Raises:
        InvalidCountOptions: an unknown option or value.
        CountError: a tie needs a lot and neither a seed nor a tie order was given.
    """
    options = params.options
    unknown = sorted(set(options) - _KNOWN)
    if unknown:
        msg = f"stv-wigm does not take options {unknown}; known: {sorted(_KNOWN)}"
        raise InvalidCountOptions(msg)
    variant = str(options.get("variant", "droop"))
    arith: Arithmetic
    if variant in ("prf", "prf-batch"):
        arith = Fixed(4)
        style = WigmStyle(
            method="stv-wigm",
            quota="droop-fractional",
            defeat_batch="safe" if variant == "prf-batch" else "none",
        )
    elif variant == "droop":
        arith = arithmetic_from_options(options, default="guarded", default_precision=9)
        quota = str(options.get("quota", "droop-fractional"))
        if options.get("integer_quota") in (True, "true", "True"):
            quota = "droop"
        if quota not in ("droop", "droop-fractional", "hare"):
            msg = f"quota must be droop, droop-fractional or hare, got {quota!r}"
            raise InvalidCountOptions(msg)
        batch = str(options.get("defeat_batch", "none"))
        if batch not in ("none", "zero"):
            msg = f"defeat_batch must be none or zero, got {batch!r}"
            raise InvalidCountOptions(msg)
        style = WigmStyle(method="stv-wigm", quota=quota, defeat_batch=batch)
    else:
        msg = f"variant must be droop, prf or prf-batch, got {variant!r}"
        raise InvalidCountOptions(msg)
    return count_wigm(
        profile,
        seats=params.seats,
        options=options,
        seed=params.seed,
        arith=arith,
        style=style,
    )
