"""Published figures of the scenario ballots, with their sources and our assumptions.

SOURCE: /work/shared/scenarios/README.md (read it for the citations), sections 1.2
(PLP confidence motion, 28 June 2016), 1.3 (Labour leadership 2015) and 1.4 (Labour
leadership 2016). Where the published figures stop, the ballot sets below make the
assumptions listed with each scenario; every *published* figure is reproduced exactly.
"""

from __future__ import annotations

# --- S1: PLP confidence motion, 28 June 2016 (README 1.2) ---------------------------
# "172 for, 40 against, 4 spoilt; 216 votes out of 229 Labour MPs; 13 did not vote."
S1_ELIGIBLE = 229
S1_YES = 172
S1_NO = 40
S1_SPOILT = 4
# Assumption: a paper ballot in the room, entered by tellers as numbered papers.

# --- S2: 2016 challenge nomination gate (README S2 and 1.4) -------------------------
# "20% of combined PLP+EPLP, rounded up. Denominator 251, so 51 are needed."
# "Eagle withdraws with 72 MP/MEP nominations against Smith's 90."
S2_DENOMINATOR = 251
S2_THRESHOLD = "20%"
S2_SMITH = 90
S2_EAGLE = 72
S2_RULING = "NEC 18-14, 12 Jul 2016: the incumbent is on the ballot automatically"
# Assumption: the 251 are 231 PLP seats and 20 EPLP seats.
S2_PLP = 231
S2_EPLP = 20

# --- S4: Labour leadership 2015 (README 1.3) ----------------------------------------
# First preferences by section (ukpolitical.info); Corbyn elected in round 1.
S4_FIRST_PREFERENCES = {
    "members": {"burnham": 55_698, "cooper": 54_470, "corbyn": 121_751, "kendall": 13_601},
    "registered supporters": {
        "burnham": 6_160,
        "cooper": 8_415,
        "corbyn": 88_449,
        "kendall": 2_574,
    },
    "affiliated supporters": {
        "burnham": 18_604,
        "cooper": 9_043,
        "corbyn": 41_217,
        "kendall": 2_682,
    },
}
S4_VALID = 422_664
S4_RETURNED = 422_871
S4_ELIGIBLE = 553_954
# Electorate 553,954: 54% members, 26% union (affiliated), 20% registered.
# Assumption: sections sized by those shares, rounded to the nearest voter.
S4_SECTION_ELIGIBLE = {
    "members": 299_135,
    "affiliated supporters": 144_028,
    "registered supporters": 110_791,
}
# Assumption: the 207 invalid returns were members' postal papers; 20,000 members'
# valid votes came by post (the channel split of 2015 was not published).
S4_INVALID = 207
S4_MEMBERS_POSTAL_VALID = 20_000

# --- S5: Labour leadership 2016 (README 1.4) ----------------------------------------
S5_VOTES = {
    "members": {"corbyn": 168_216, "smith": 116_960},
    "registered supporters": {"corbyn": 84_918, "smith": 36_599},
    "affiliated supporters": {"corbyn": 60_075, "smith": 39_670},
}
S5_VALID = 506_438
S5_SPOILT = 1_042
S5_DISTRIBUTED = 654_006
# Assumption: per-section electorates from the party's 22 Aug 2016 estimate (343,500
# members, 129,000 registered supporters, 168,000 affiliated supporters), with the
# affiliated section taking the remaining 13,506 of the ballots distributed.
S5_SECTION_ELIGIBLE = {
    "members": 343_500,
    "affiliated supporters": 181_506,
    "registered supporters": 129_000,
}
# Members could vote by post or online, supporters online only (README 1.4).
# Assumption: the 1,042 spoilt were members' postal papers, and 30,000 members'
# valid votes (Corbyn 18,000, Smith 12,000) came by post.
S5_MEMBERS_POSTAL = {"corbyn": 18_000, "smith": 12_000}
