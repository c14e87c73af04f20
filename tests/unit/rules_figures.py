"""Published figures of the rules scenarios (S3, S6, S11), with sources and derivations.

SOURCE: /work/shared/scenarios/README.md, sections 1.4 (2016 timeline), 1.5 (2020 deputy
leadership) and 2.3 (TULRCA), and scenarios S3, S6 and S11. Every *published* figure is
reproduced exactly; what was not published is an assumption, stated where it is made.
"""

from __future__ import annotations

# --- S6: Labour deputy leadership 2020, AV in three rounds (README 1.5) ---------------
# Published rounds (en.m.wiki.x.io/wiki/2020_Labour_Party_deputy_leadership_election):
S6_ROUNDS = (
    {"Angela Rayner": 192_168, "Richard Burgon": 80_053, "Rosena Allin-Khan": 77_351,
     "Ian Murray": 61_179, "Dawn Butler": 50_255},
    {"Angela Rayner": 209_968, "Richard Burgon": 88_664, "Rosena Allin-Khan": 88_049,
     "Ian Murray": 64_560},
    {"Angela Rayner": 228_944, "Richard Burgon": 92_643, "Rosena Allin-Khan": 113_858},
)  # fmt: skip
S6_CONTINUING = (461_006, 451_241, 435_445)
# Derived (README 1.5): 9,765 ballots exhausted when Butler's were transferred (R1 -> R2)
# and 15,796 when Murray's were (R2 -> R3): 461,006 - 9,765 = 451,241 and
# 451,241 - 15,796 = 435,445 continuing, as published.
S6_EXHAUSTED_IN_TRANSFER = (9_765, 15_796)
# Derivation of a ballot set consistent with every published round:
# R1 -> R2, Butler's 50,255 move: Rayner +17,800 (209,968 - 192,168), Burgon +8,611,
#   Allin-Khan +10,698, Murray +3,381, exhausted 9,765 (sum 50,255).
# R2 -> R3, Murray's 64,560 move: Rayner +18,976, Burgon +3,979, Allin-Khan +25,809,
#   exhausted 15,796 (sum 64,560).
# Assumption (any split with these sums works): the 3,381 Butler -> Murray ballots stop
#   at Murray (so 3,381 of the 15,796 exhausted in R3 came from Butler); Murray's own
#   61,179 first preferences go on to Rayner 18,976, Burgon 3,979, Allin-Khan 25,809,
#   and 12,415 (= 15,796 - 3,381) stop there.
S6_BALLOTS = (
    (("rayner",), 192_168),
    (("burgon",), 80_053),
    (("allin-khan",), 77_351),
    (("murray", "rayner"), 18_976),
    (("murray", "burgon"), 3_979),
    (("murray", "allin-khan"), 25_809),
    (("murray",), 12_415),
    (("butler", "rayner"), 17_800),
    (("butler", "burgon"), 8_611),
    (("butler", "allin-khan"), 10_698),
    (("butler", "murray"), 3_381),
    (("butler",), 9_765),
)
S6_CANDIDATES = (
    ("rayner", "Angela Rayner"),
    ("burgon", "Richard Burgon"),
    ("allin-khan", "Rosena Allin-Khan"),
    ("murray", "Ian Murray"),
    ("butler", "Dawn Butler"),
)

# --- S11: PCS 2018 industrial action ballot (README 2.3 and S11) -----------------------
# "Entitled ~ 142,438 (derived from 41.6%); Yes 50,726; No 8,528."
S11_ENTITLED = 142_438
S11_YES = 50_726
S11_NO = 8_528
# Assumptions: no spoilt papers were reported, so none; the ballot opened on
# 2018-06-26 and closed on 2018-07-23 (any dates after 2017-03-01 and before
# 2026-02-18 give the same rule version, "TUA-2016"); not an important public service.
S11_OPENED = "2018-06-26"
S11_CLOSES = "2018-07-23"
# RCN 2023 variant (aggregated, important public services): entitled ~ 280,000;
# returned ~ 122,000; Yes ~ 100,000. Assumption: the other 22,000 voted No.
S11_RCN = {"entitled": 280_000, "yes": 100_000, "no": 22_000, "spoilt": 0}

# --- S3: 2016 freeze date and registered-supporter window (README 1.4 and S3) ---------
S3_FREEZE = "2016-01-12"
S3_WINDOW = ("2016-07-18T17:00:00+01:00", "2016-07-20T17:00:00+01:00")
S3_FEE_PENCE = 2_500
# Evangelou v McNicol, High Court 8 Aug 2016: members who joined after 12 Jan could
# vote (the judge took 12 July 2016, the NEC's decision day, as the limit); reversed by
# the Court of Appeal on 12 Aug 2016.
S3_HIGH_COURT_FREEZE = "2016-07-12"
