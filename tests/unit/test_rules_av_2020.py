"""S6: the 2020 Labour deputy leadership count, reproduced round by round.

The ballot set (``rules_figures.S6_BALLOTS``, with its derivation) reproduces every
published round (README 1.5): R1 Rayner 192,168, Burgon 80,053, Allin-Khan 77,351,
Murray 61,179, Butler 50,255; R2 209,968 / 88,664 / 88,049 / 64,560 with 9,765
exhausted; R3 228,944 / 92,643 / 113,858 with 15,796 exhausted; Rayner elected with
228,944 of 435,445 **continuing** ballots (52.6%). The fast test counts the ballot set
with the contest's counting rule; the slow one casts all 461,006 ballots through the
services and declares.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tellers.counting.methods import CountParams, count
from tellers.counting.profile import ProfileBuilder
from tellers.counting.rounds import CountResult
from tellers.domain.membership import MembershipKind
from tellers.domain.statute import percent_text
from tellers.services import contests, credentials, organisations, people, results
from tellers.services.people import MembershipRow, PersonRow
from tests.unit import rules_figures as fig
from tests.unit.lifecycle_support import RO, Returns, World, at, cast_returns, new_world

NAMES = dict(fig.S6_CANDIDATES)


def check_published_rounds(result: CountResult) -> None:
    rounds = result.rounds
    assert len(rounds) == 3
    for r, published in zip(rounds, fig.S6_ROUNDS, strict=True):
        assert {k: int(v) for k, v in r.tallies.items() if k in published} == published
        assert sum(int(v) for v in r.tallies.values()) == sum(published.values())
    assert [sum(fig.S6_ROUNDS[i].values()) for i in range(3)] == list(fig.S6_CONTINUING)
    assert rounds[0].eliminated == ("Dawn Butler",)
    assert rounds[1].eliminated == ("Ian Murray",)
    assert rounds[2].elected == ("Angela Rayner",)
    assert result.winners == ("Angela Rayner",)
    # Exhausted ballots, per transfer and cumulative (the engine reports the total).
    assert int(rounds[0].exhausted) == 0
    assert int(rounds[1].exhausted) == fig.S6_EXHAUSTED_IN_TRANSFER[0]
    assert int(rounds[2].exhausted) - int(rounds[1].exhausted) == fig.S6_EXHAUSTED_IN_TRANSFER[1]
    (butler,) = rounds[0].transfers
    assert int(butler.exhausted) == 9_765
    assert {k: int(v) for k, v in butler.to.items() if int(v)} == {
        "Angela Rayner": 17_800,
        "Richard Burgon": 8_611,
        "Rosena Allin-Khan": 10_698,
        "Ian Murray": 3_381,
    }
    (murray,) = rounds[1].transfers
    assert int(murray.exhausted) == 15_796
    assert {k: int(v) for k, v in murray.to.items() if int(v)} == {
        "Angela Rayner": 18_976,
        "Richard Burgon": 3_979,
        "Rosena Allin-Khan": 25_809,
    }
    # Allin-Khan overtakes Burgon after Murray's transfers.
    assert rounds[1].tallies["Richard Burgon"] > rounds[1].tallies["Rosena Allin-Khan"]
    assert rounds[2].tallies["Rosena Allin-Khan"] > rounds[2].tallies["Richard Burgon"]
    # The majority is of continuing ballots, not of all first preferences.
    rayner = int(rounds[2].tallies["Angela Rayner"])
    assert percent_text(rayner, fig.S6_CONTINUING[2]) == "52.6"
    assert 2 * rayner > fig.S6_CONTINUING[2]
    assert percent_text(rayner, fig.S6_CONTINUING[0]) == "49.7"  # not a majority of R1


def test_s6_the_ballot_set_reproduces_every_published_round() -> None:
    keys = [k for k, _ in fig.S6_CANDIDATES]
    builder = ProfileBuilder([NAMES[k] for k in keys])
    for ranking, n in fig.S6_BALLOTS:
        builder.add([keys.index(k) for k in ranking], n)
    result = count(builder.build(), "irv", CountParams(seats=1, seed=20200404))
    check_published_rounds(result)
    assert sum(n for _, n in fig.S6_BALLOTS) == 461_006


def test_s6_published_percentages_are_of_each_rounds_continuing_ballots() -> None:
    shares = [
        {name: percent_text(v, sum(r.values())) for name, v in r.items()} for r in fig.S6_ROUNDS
    ]
    assert shares[0]["Angela Rayner"] == "41.7"
    assert shares[1]["Richard Burgon"] == "19.6"  # order-order printed 19.2: a transcription slip
    assert shares[1]["Rosena Allin-Khan"] == "19.5"
    assert shares[2] == {
        "Angela Rayner": "52.6",
        "Richard Burgon": "21.3",
        "Rosena Allin-Khan": "26.1",
    }


def kw(world: World) -> dict[str, Any]:
    return {"uow": world.uow, "clock": world.clock, "officer": RO}


@pytest.mark.slow
def test_s6_deputy_2020_replayed_through_the_services() -> None:
    world = new_world("2020-02-01T09:00:00+00:00")
    organisations.create_organisation(**kw(world), organisation_id="labour", name="Labour")
    voters = sum(n for _, n in fig.S6_BALLOTS)
    rows = (
        PersonRow(
            id=f"m{i:07d}",
            name=f"Member {i}",
            memberships=(
                MembershipRow(kind=MembershipKind.MEMBER, start=at("2019-12-01T00:00:00").date()),
            ),
        )
        for i in range(voters)
    )
    people.import_people(**kw(world), organisation_id="labour", rows=rows)
    spec = {
        "kind": "election",
        "title": "Labour deputy leadership 2020",
        "method": "irv",
        "seed": 20200404,
        "candidates": [{"id": k, "name": n} for k, n in fig.S6_CANDIDATES],
        "electorate": {
            "version": "NEC procedural guidelines 2020 (one section assumed)",
            "sections": [
                {"name": "members", "kind": "member", "joined_on_or_before": "2020-01-20"}
            ],
        },
    }
    contests.create_contest(**kw(world), organisation_id="labour", contest_id="deputy", spec=spec)
    world.clock.set(at("2020-02-21T09:00:00+00:00"))
    contests.open_voting(**kw(world), contest_id="deputy")
    issued = credentials.issue_credentials(**kw(world), contest_id="deputy")
    cast_returns(world, "deputy", issued, {"members": Returns(online=list(fig.S6_BALLOTS))})
    world.clock.set(at("2020-04-02T12:00:00+01:00"))
    contests.close_voting(**kw(world), contest_id="deputy")
    result = results.count(**kw(world), contest_id="deputy")
    assert result.count is not None
    check_published_rounds(result.count)
    declaration = results.declare(**kw(world), contest_id="deputy")
    data = json.loads(declaration.json)
    r3 = data["count"]["rounds"][2]
    assert r3["tallies"]["Angela Rayner"] == "228944"
    assert data["winners"] == ["Angela Rayner"]
    assert "Round 3: Angela Rayner 228944" in declaration.text
    assert (
        "    Dawn Butler eliminated: Angela Rayner +17800, Richard Burgon +8611, "
        "Rosena Allin-Khan +10698, Ian Murray +3381; exhausted 9765"
    ) in declaration.text
    assert "Elected: Angela Rayner." in declaration.text
