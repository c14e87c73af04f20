"""Scottish STV: The Scottish Local Government Elections Order 2007 (SSI 2007/42).

Source text: Schedule 1, rules 45 to 52 ("Counting of votes") of The Scottish Local
Government Elections Order 2007, SSI 2007/42, as in force for the May 2007 council
elections:

- **45** First stage: each valid paper counts one vote for its first preference.
- **46** Quota: the number of valid papers divided by one more than the number of
  councillors to be elected, decimals ignored, plus one.
- **47** A candidate whose votes equal or exceed the quota is elected.
- **48** A surplus is transferred from *all* the elected candidate's papers, each at the
  transfer value (surplus x value of the paper when received) / total votes of the
  candidate, "calculated to five decimal places (any remainder being ignored)".
- **49** The largest surplus goes first; equal surpluses: the candidate with more votes at
  the most recent preceding stage at which they differed, else by lot.
- **50, 51** With no surplus to transfer, the candidate with the fewest votes is excluded
  and their papers move at their current value; equal lowest: the candidate with fewer
  votes at the most recent stage at which they differed, else by lot.
- **52** When the continuing candidates are no more than the vacancies, they are elected
  and no further transfer is made.

The count follows Droop's ``scotland`` rule (jklundell/droop, ``droop/rules/scotland.py``)
step for step, including the order in which candidates reaching the quota together are
declared (highest vote first) and the tie rule (stages scanned backwards from the latest,
keeping the lowest (exclusion) or highest (surplus) at each, then lot). Droop's reference
counts of the 21 Glasgow 2007 wards reproduce the official result (Lab 45, SNP 22, LD 5,
Green 5, Con 1, Solidarity 1).

Options (``CountParams.options``):

- ``withdrawn``: names of candidates withdrawn before the poll (struck from every paper).
- ``tie_order``: a tie-break order published in advance, used in place of the lot.

Lots otherwise come from ``CountParams.seed``. A blank rank ends a paper; an overvote (two
candidates given the same preference) ends it at that preference; a paper with no valid
first preference is not counted.
"""

from __future__ import annotations

from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult
from tellers.counting.stv import Fixed, WigmStyle, count_wigm
from tellers.errors import InvalidCountOptions

__all__ = ["count"]

_KNOWN = frozenset({"withdrawn", "tie_order"})


def count(profile: Profile, params: CountParams) -> CountResult:
    """Count ``profile`` by Scottish STV (SSI 2007/42 rules 45-52).

    Raises:
        InvalidCountOptions: an unknown option, or fewer than one seat.
        CountError: a tie needs a lot and neither a seed nor a tie order was given.
    """
    unknown = sorted(set(params.options) - _KNOWN)
    if unknown:
        msg = f"stv-scottish takes no options {unknown}; known: {sorted(_KNOWN)}"
        raise InvalidCountOptions(msg)
    return count_wigm(
        profile,
        seats=params.seats,
        options=params.options,
        seed=params.seed,
        arith=Fixed(5),
        style=WigmStyle(method="stv-scottish", scottish=True, quota="droop"),
    )
