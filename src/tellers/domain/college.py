"""Weighted sections (an electoral college): each section's result as shares, combined.

Labour's electoral college until 2014 gave its three sections -- MPs and MEPs,
individual members, affiliated members -- one third each (2010: Ed Miliband 50.65%,
David Miliband 49.35% in the fourth round); the Australian Labor Party's 2013 rules gave
the caucus and the members 50% each (Shorten 55-31 in caucus, 63.95%; 12,196-18,230
among members, 40.08%; combined 52.02% to Albanese's 47.98%). A section's votes are
reduced to **shares of that section's valid (continuing) votes**, weighted, and summed:
a candidate's combined share is ``sum(weight_s * votes_s / valid_s)``, computed in exact
fractions and printed with its arithmetic.

Two modes (:class:`CollegeMode`):

- ``COMBINED_ELIMINATION`` (Labour 2010): preferential; each round every section counts
  each ballot for its highest continuing preference, the shares are combined, a
  candidate with **more than half** of the combined total wins, otherwise the candidate
  with the lowest combined share is eliminated (a tie: the lowest in the latest earlier
  round where they differ, else reported as unresolved) and the count goes on.
- ``FIRST_PREFERENCES``: one round of first preferences, combined; the highest combined
  share wins (ALP 2013, two candidates).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any

from tellers.counting.amounts import format_amount

__all__ = [
    "CollegeMode",
    "CollegeResult",
    "CollegeRound",
    "CollegeRule",
    "CollegeSection",
    "SectionShares",
    "count_college",
]


class CollegeMode(Enum):
    """How the sections' votes are combined (see module docstring)."""

    COMBINED_ELIMINATION = "combined elimination"
    FIRST_PREFERENCES = "first preferences"


@dataclass(frozen=True, slots=True, kw_only=True)
class CollegeSection:
    """One section and its weight."""

    name: str
    weight: Fraction


@dataclass(frozen=True, slots=True, kw_only=True)
class CollegeRule:
    """The sections, their weights (summing to 1) and the mode."""

    sections: tuple[CollegeSection, ...]
    mode: CollegeMode = CollegeMode.COMBINED_ELIMINATION

    def problems(self) -> list[str]:
        """What is wrong with the rule (empty when usable)."""
        out: list[str] = []
        total = sum((s.weight for s in self.sections), Fraction(0))
        if total != 1:
            out.append(f"section weights sum to {total}, not 1")
        if any(s.weight < 0 for s in self.sections):
            out.append("a negative weight")
        names = [s.name for s in self.sections]
        if len(set(names)) != len(names):
            out.append("section names repeated")
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class SectionShares:
    """One section in one round: votes, valid votes, exact shares and weighted shares."""

    section: str
    weight: Fraction
    votes: Mapping[str, int]
    valid: int
    shares: Mapping[str, Fraction]
    weighted: Mapping[str, Fraction]


@dataclass(frozen=True, slots=True, kw_only=True)
class CollegeRound:
    """One round of a college count."""

    number: int
    sections: tuple[SectionShares, ...]
    combined: Mapping[str, Fraction]
    elected: str | None = None
    eliminated: str | None = None
    tie: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CollegeResult:
    """The rounds and the winner (None when a tie could not be resolved)."""

    rule: CollegeRule
    rounds: tuple[CollegeRound, ...]
    winner: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready values: every share as an exact fraction, a decimal and a percent."""

        def share(x: Fraction) -> dict[str, str]:
            return {
                "fraction": f"{x.numerator}/{x.denominator}",
                "decimal": format_amount(_round(x, 6)),
                "percent": format_amount(_round(x * 100, 2)),
            }

        return {
            "mode": self.rule.mode.value,
            "weights": {s.name: str(s.weight) for s in self.rule.sections},
            "winner": self.winner,
            "rounds": [
                {
                    "number": r.number,
                    "sections": [
                        {
                            "section": s.section,
                            "weight": str(s.weight),
                            "valid": s.valid,
                            "votes": dict(s.votes),
                            "shares": {c: share(v) for c, v in s.shares.items()},
                            "weighted": {c: share(v) for c, v in s.weighted.items()},
                        }
                        for s in r.sections
                    ],
                    "combined": {c: share(v) for c, v in r.combined.items()},
                    "elected": r.elected,
                    "eliminated": r.eliminated,
                    "tie": list(r.tie),
                }
                for r in self.rounds
            ],
        }


def _round(x: Fraction, places: int) -> Fraction:
    """Round half up to ``places`` decimal places, exactly."""
    scale = 10**places
    return Fraction((x * scale + Fraction(1, 2)).__floor__(), scale)


def _section_round(
    section: CollegeSection,
    ballots: Sequence[tuple[tuple[str, ...], int]],
    continuing: Sequence[str],
    *,
    first_only: bool,
) -> SectionShares:
    votes = dict.fromkeys(continuing, 0)
    alive = set(continuing)
    for ranking, n in ballots:
        marks = ranking[:1] if first_only else ranking
        for c in marks:
            if c in alive:
                votes[c] += n
                break
    valid = sum(votes.values())
    shares = {c: Fraction(v, valid) if valid else Fraction(0) for c, v in votes.items()}
    weighted = {c: section.weight * s for c, s in shares.items()}
    return SectionShares(
        section=section.name,
        weight=section.weight,
        votes=votes,
        valid=valid,
        shares=shares,
        weighted=weighted,
    )


def count_college(
    rule: CollegeRule,
    ballots: Mapping[str, Sequence[tuple[tuple[str, ...], int]]],
    candidates: Sequence[str],
) -> CollegeResult:
    """Count an electoral college exactly (see module docstring).

    Args:
        rule: sections, weights and mode.
        ballots: per section, ``(ranking, count)`` pairs (a ranking of candidate keys).
        candidates: every candidate, in ballot order.

    Raises:
        ValueError: the rule has problems, or a section has no ballots entry.
    """
    problems = rule.problems()
    missing = [s.name for s in rule.sections if s.name not in ballots]
    if missing:
        problems.append(f"no ballots for section(s) {', '.join(missing)}")
    if problems:
        msg = "; ".join(problems)
        raise ValueError(msg)
    continuing = list(candidates)
    rounds: list[CollegeRound] = []
    first_only = rule.mode is CollegeMode.FIRST_PREFERENCES
    while True:
        number = len(rounds) + 1
        sections = tuple(
            _section_round(s, ballots[s.name], continuing, first_only=first_only)
            for s in rule.sections
        )
        combined = {c: sum((s.weighted[c] for s in sections), Fraction(0)) for c in continuing}
        top = max(combined.values())
        leaders = [c for c in continuing if combined[c] == top]
        if first_only or top > Fraction(1, 2) or len(continuing) == 1:
            winner = leaders[0] if len(leaders) == 1 else None
            rounds.append(
                CollegeRound(
                    number=number,
                    sections=sections,
                    combined=combined,
                    elected=winner,
                    tie=tuple(leaders) if winner is None else (),
                )
            )
            return CollegeResult(rule=rule, rounds=tuple(rounds), winner=winner)
        low = min(combined.values())
        lowest = [c for c in continuing if combined[c] == low]
        for earlier in reversed(rounds):
            if len(lowest) == 1:
                break
            least = min(earlier.combined[c] for c in lowest)
            lowest = [c for c in lowest if earlier.combined[c] == least]
        if len(lowest) > 1:
            rounds.append(
                CollegeRound(number=number, sections=sections, combined=combined, tie=tuple(lowest))
            )
            return CollegeResult(rule=rule, rounds=tuple(rounds), winner=None)
        out = lowest[0]
        rounds.append(
            CollegeRound(number=number, sections=sections, combined=combined, eliminated=out)
        )
        continuing.remove(out)
