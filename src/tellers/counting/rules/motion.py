"""Motions: Yes / No (abstention allowed), a majority rule and optional thresholds.

Sources for the rules offered:

- simple majority of votes cast ("more Yes than No"): the ordinary rule of deliberative
  assemblies (Robert's Rules of Order, 12th ed., 44:1: a majority is "more
  than half of the votes cast", blanks and abstentions excluded); the Conservative
  1922 Committee confidence ballots (12 Dec 2018: 200-117; 6 Jun 2022: 211-148) and
  the Parliamentary Labour Party motion of 28 June 2016 (172-40, 4 spoilt, 229 MPs);
- a majority of those **eligible** (an absolute majority: Yes > half of the electorate);
- a **supermajority** of votes cast, e.g. two thirds (Robert's Rules, 44:3);
- the Trade Union and Labour Relations (Consolidation) Act 1992 (TULRCA) thresholds for
  industrial-action ballots opened on or after 1 March 2017 (Trade Union Act 2016):
  s. 226(2)(a)(iia), at least 50% of those entitled to vote must vote (a turnout
  threshold), and s. 226(2B), in important public services, at least 40% of those
  entitled must vote Yes (a support threshold); s. 297A: those voting **include**
  those returning spoilt or invalid papers.

The ballots: the profile's candidates are ``"Yes"`` and ``"No"`` and optionally
``"Abstain"``; each ballot carries **one** mark, at rank 1. A ballot with no mark, with
several marks at rank 1 (an overvote) or with marks at later ranks is **spoilt**; it is
added to ``options["spoilt"]`` (papers rejected before they reached the profile).

Definitions (all integers; no float anywhere):

- ``valid votes`` (the base of shares and of the ``"cast"`` and fraction majorities) =
  Yes + No. Abstentions and spoilt papers are not valid votes;
- ``voted`` (turnout) = Yes + No + Abstain + spoilt (TULRCA s. 297A; Labour and
  Conservative practice);
- a required number "at least ``f`` of ``N``" is ``ceil(f * N)`` (``rounding = "up"``,
  the default, which is exactly "at least ``f`` of ``N``" for whole numbers of votes), or
  ``floor(f * N)`` with ``rounding = "down"`` where a rule says so;
- ``majority = "cast"``: carried iff Yes > No, i.e. Yes >= floor(valid / 2) + 1;
- ``majority = "eligible"``: carried iff Yes > eligible / 2, i.e. Yes >= floor(eligible/2)+1;
- ``majority = "p/q"`` (e.g. ``"2/3"``): carried iff Yes >= ceil(p/q * valid). Note that
  ``"1/2"`` means "at least half", so an equality carries; use ``"cast"`` for "more
  than half";
- ``turnout_threshold = "p/q"``: voted >= ceil(p/q * eligible);
- ``support_threshold = "p/q"``: Yes >= ceil(p/q * eligible).

The motion is carried when every test is met. ``details`` holds each test (its rule,
base, required number, actual number, whether met) so a declaration can print the
arithmetic, and the shares as exact fractions (unreduced, ``"172/212"``), as decimals to
six places and as percentages to one place (half up, stated in
``details["rounding_of_shares"]``): ``yes_of_valid``, ``no_of_valid``, ``yes_of_voted``
(Yes over papers returned, spoilt included), ``turnout`` and ``yes_of_eligible``.

Options:
    eligible: int, the number entitled to vote (needed for ``"eligible"`` majorities,
        turnout and support thresholds, and turnout figures).
    spoilt: int, papers rejected outside the profile (default 0).
    majority: ``"cast"`` (default), ``"eligible"`` or a fraction ``"p/q"``.
    turnout_threshold: a fraction of ``eligible`` (e.g. ``"1/2"``), or absent.
    support_threshold: a fraction of ``eligible`` (e.g. ``"2/5"``), or absent.
    rounding: ``"up"`` (default) or ``"down"`` for required numbers from fractions.

Fractions are given as strings ``"2/3"``, ``"0.4"`` or ``"40%"``, or as
:class:`~fractions.Fraction`; a float is refused, since ``0.4`` is not exactly 2/5.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from tellers.counting.amounts import Amount
from tellers.counting.methods import CountParams
from tellers.counting.profile import Profile
from tellers.counting.rounds import CountResult, Round
from tellers.counting.rules.plurality import check_options
from tellers.errors import CountError, InvalidCountOptions

__all__ = ["count", "parse_fraction"]

YES = "Yes"
NO = "No"
ABSTAIN = "Abstain"
_OPTIONS = (
    "eligible",
    "spoilt",
    "majority",
    "turnout_threshold",
    "support_threshold",
    "rounding",
)


def parse_fraction(name: str, value: object) -> Fraction:
    """Read a threshold fraction: ``"2/3"``, ``"0.4"``, ``"40%"`` or a Fraction, in (0, 1].

    Raises:
        InvalidCountOptions: not a fraction, a float, or outside (0, 1].
    """
    if isinstance(value, (bool, float)):
        msg = f"motion: option {name} must be exact, e.g. '2/5', not {value!r}"
        raise InvalidCountOptions(msg)
    try:
        if isinstance(value, Fraction | int):
            result = Fraction(value)
        elif isinstance(value, str):
            text = value.strip()
            result = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
        else:
            msg = f"motion: option {name} must be a fraction like '2/5', got {value!r}"
            raise InvalidCountOptions(msg)
    except (ValueError, ZeroDivisionError) as err:
        msg = f"motion: option {name} must be a fraction like '2/5', got {value!r}"
        raise InvalidCountOptions(msg) from err
    if not 0 < result <= 1:
        msg = f"motion: option {name} must be above 0 and at most 1, got {value!r}"
        raise InvalidCountOptions(msg)
    return result


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"motion: option {name} must be a non-negative whole number, got {value!r}"
        raise InvalidCountOptions(msg)
    return value


def _share(numerator: int, denominator: int) -> dict[str, object]:
    """An exact share (unreduced), as a decimal to 6 places and a percent to 1 (half up)."""
    if denominator == 0:
        return {"fraction": f"{numerator}/0", "decimal": None, "percent": None}
    exact = Decimal(numerator) / Decimal(denominator)
    return {
        "fraction": f"{numerator}/{denominator}",
        "decimal": str(exact.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)),
        "percent": str((exact * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
    }


def _required(fraction: Fraction, base: int, rounding: str) -> int:
    exact = fraction * base
    if rounding == "down":
        return math.floor(exact)
    return math.ceil(exact)


def _test(
    *, name: str, rule: str, base_name: str, base: int, required: int, actual: int
) -> dict[str, object]:
    return {
        "test": name,
        "rule": rule,
        "base": base_name,
        "base_number": base,
        "required": required,
        "actual": actual,
        "met": actual >= required,
    }


def count(profile: Profile, params: CountParams) -> CountResult:
    """Decide a motion; see the module docstring.

    Raises:
        InvalidCountOptions: unknown or malformed options, a missing ``eligible`` where a
            test needs it, or ``seats`` other than 1.
        CountError: the profile's candidates are not Yes / No (/ Abstain).
    """
    check_options("motion", params, _OPTIONS)
    if params.seats != 1:
        msg = f"motion: a motion has one outcome; got seats={params.seats}"
        raise InvalidCountOptions(msg)
    names = set(profile.candidates)
    if not {YES, NO} <= names or not names <= {YES, NO, ABSTAIN}:
        msg = (
            f"motion: the choices must be {YES!r} and {NO!r} (and optionally "
            f"{ABSTAIN!r}); got {list(profile.candidates)}"
        )
        raise CountError(msg)
    options = params.options
    eligible = None if "eligible" not in options else _whole("eligible", options["eligible"])
    spoilt_outside = _whole("spoilt", options.get("spoilt", 0))
    rounding = options.get("rounding", "up")
    if rounding not in ("up", "down"):
        msg = f"motion: option rounding must be 'up' or 'down', got {rounding!r}"
        raise InvalidCountOptions(msg)
    majority = options.get("majority", "cast")

    tally = {name: 0 for name in profile.candidates}
    spoilt_inside = 0
    for marks, n in profile.ballots():
        if len(marks) == 1 and isinstance(marks[0], int):
            tally[profile.candidates[marks[0]]] += n
        else:
            spoilt_inside += n
    yes, no, abstain = tally[YES], tally[NO], tally.get(ABSTAIN, 0)
    spoilt = spoilt_outside + spoilt_inside
    valid = yes + no
    voted = valid + abstain + spoilt

    def need_eligible(what: str) -> int:
        if eligible is None:
            msg = f"motion: {what} needs option eligible (the number entitled to vote)"
            raise InvalidCountOptions(msg)
        return eligible

    tests: list[dict[str, object]] = []
    if majority == "cast":
        tests.append(
            _test(
                name="majority",
                rule="more Yes than No (more than half of valid votes)",
                base_name="valid votes (Yes + No)",
                base=valid,
                required=valid // 2 + 1,
                actual=yes,
            )
        )
    elif majority == "eligible":
        base = need_eligible("majority 'eligible'")
        tests.append(
            _test(
                name="majority",
                rule="Yes from more than half of those eligible",
                base_name="eligible",
                base=base,
                required=base // 2 + 1,
                actual=yes,
            )
        )
    else:
        fraction = parse_fraction("majority", majority)
        tests.append(
            _test(
                name="majority",
                rule=f"Yes from at least {fraction} of valid votes (rounded {rounding})",
                base_name="valid votes (Yes + No)",
                base=valid,
                required=_required(fraction, valid, str(rounding)),
                actual=yes,
            )
        )
    if "turnout_threshold" in options:
        fraction = parse_fraction("turnout_threshold", options["turnout_threshold"])
        base = need_eligible("turnout_threshold")
        tests.append(
            _test(
                name="turnout",
                rule=f"at least {fraction} of those eligible voting, spoilt included "
                f"(rounded {rounding})",
                base_name="eligible",
                base=base,
                required=_required(fraction, base, str(rounding)),
                actual=voted,
            )
        )
    if "support_threshold" in options:
        fraction = parse_fraction("support_threshold", options["support_threshold"])
        base = need_eligible("support_threshold")
        tests.append(
            _test(
                name="support",
                rule=f"Yes from at least {fraction} of those eligible (rounded {rounding})",
                base_name="eligible",
                base=base,
                required=_required(fraction, base, str(rounding)),
                actual=yes,
            )
        )
    carried = all(bool(t["met"]) for t in tests)
    winner = YES if carried else NO

    shares: dict[str, object] = {
        "yes_of_valid": _share(yes, valid),
        "no_of_valid": _share(no, valid),
        "yes_of_voted": _share(yes, voted),
    }
    if eligible is not None:
        shares["turnout"] = _share(voted, eligible)
        shares["yes_of_eligible"] = _share(yes, eligible)
    tallies: dict[str, Amount] = {name: tally[name] for name in profile.candidates}
    details: dict[str, object] = {
        "carried": carried,
        "yes": yes,
        "no": no,
        "abstain": abstain,
        "spoilt": spoilt,
        "spoilt_in_ballots": spoilt_inside,
        "valid_votes": valid,
        "voted": voted,
        "eligible": eligible,
        "did_not_vote": None if eligible is None else eligible - voted,
        "margin": yes - no,
        "majority_rule": str(majority),
        "rounding": rounding,
        "tests": tuple(tests),
        "shares": shares,
        "rounding_of_shares": "decimal to 6 places and percent to 1 place, half up",
    }
    failed = [str(t["test"]) for t in tests if not t["met"]]
    note = "carried" if carried else f"not carried: {', '.join(failed)} not met"
    return CountResult(
        method="motion",
        seats=1,
        candidates=profile.candidates,
        winners=(winner,),
        rounds=(
            Round(
                number=1,
                tallies=tallies,
                exhausted=spoilt,
                inactive={"spoilt": spoilt},
                elected=(winner,),
                note=note,
            ),
        ),
        valid=valid + abstain,
        seed=params.seed,
        details=details,
    )
