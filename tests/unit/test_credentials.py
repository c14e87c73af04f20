"""Credentials, tracking codes and the canonical JSON encoding."""

from __future__ import annotations

import json
import math
import re

import pytest

from tellers.crypto.credentials import (
    CREDENTIAL_BITS,
    credential_hash,
    credential_hasher,
    credential_hashes,
    credential_matches,
    hashes_match,
    new_credential,
    new_credentials,
    new_election_key,
    new_tracking_code,
    normalise_code,
)
from tellers.crypto.hashing import canonical_json, format_instant
from tellers.crypto.random import CROCKFORD_ALPHABET, random_code, random_codes, random_hexes

CODE = re.compile(rf"^[{CROCKFORD_ALPHABET}]{{4}}(-[{CROCKFORD_ALPHABET}]{{4}})*$")


def test_credentials_carry_at_least_128_bits_in_typable_groups() -> None:
    code = new_credential()
    chars = code.replace("-", "")
    assert CODE.match(code)
    assert len(chars) * math.log2(len(CROCKFORD_ALPHABET)) >= 128
    assert CREDENTIAL_BITS >= 128


def test_credentials_do_not_repeat() -> None:
    codes = {new_credential() for _ in range(2000)}
    assert len(codes) == 2000


def test_random_codes_use_every_symbol_of_the_alphabet() -> None:
    seen = set("".join(random_code(200, group=0) for _ in range(50)))
    assert seen == set(CROCKFORD_ALPHABET)


def test_codes_drawn_in_bulk_have_the_single_codes_shape_and_do_not_repeat() -> None:
    codes = new_credentials(5000)
    assert len(set(codes)) == 5000
    assert all(CODE.match(c) for c in codes)
    assert {len(c) for c in codes} == {len(new_credential())}
    # odd lengths and no grouping keep random_code's layout too
    for bits, group in ((10, 4), (80, 4), (140, 0), (33, 3)):
        single = random_code(bits, group=group)
        bulk = random_codes(3, bits, group=group)
        assert [len(b) for b in bulk] == [len(single)] * 3
        assert [[i for i, ch in enumerate(b) if ch == "-"] for b in bulk] == [
            [i for i, ch in enumerate(single) if ch == "-"]
        ] * 3
    assert random_codes(0, 140) == []


def test_bulk_codes_are_uniform_over_the_alphabet() -> None:
    # 28 symbols x 4000 codes: each of the 32 symbols is expected 3500 times; a symbol
    # drawn from a biased mapping would be off by far more than 6 standard deviations
    counts = {ch: 0 for ch in CROCKFORD_ALPHABET}
    for code in random_codes(4000, 140, group=0):
        for ch in code:
            counts[ch] += 1
    expected = 4000 * 28 / 32
    sd = math.sqrt(expected * (1 - 1 / 32))
    assert all(abs(n - expected) < 6 * sd for n in counts.values()), counts


def test_bulk_hashes_equal_single_hashes() -> None:
    key = new_election_key()
    codes = [*new_credentials(50), "o0il-1234 abcd"]
    assert credential_hashes(key, codes) == [credential_hash(key, c) for c in codes]
    hasher = credential_hasher(key)
    assert [hasher(c) for c in codes] == [credential_hash(key, c) for c in codes]
    with pytest.raises(ValueError, match="16 bytes"):
        credential_hasher(b"short")
    with pytest.raises(ValueError, match="16 bytes"):
        credential_hashes(b"short", codes)


def test_bulk_identifiers_are_hex_of_the_requested_width() -> None:
    ids = random_hexes(1000, 128)
    assert len(set(ids)) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    with pytest.raises(ValueError, match="multiple of 8"):
        random_hexes(3, 12)


def test_tracking_codes_are_four_groups_of_four() -> None:
    code = new_tracking_code()
    assert CODE.match(code)
    assert len(code.split("-")) == 4


def test_the_stored_hash_is_keyed_and_never_the_code() -> None:
    key, other = new_election_key(), new_election_key()
    code = new_credential()
    stored = credential_hash(key, code)
    assert normalise_code(code) not in stored
    assert stored != credential_hash(other, code)
    assert len(stored) == 64


def test_a_code_typed_loosely_still_matches() -> None:
    key = new_election_key()
    code = new_credential()
    stored = credential_hash(key, code)
    typed = " " + code.lower().replace("-", " ") + " "
    assert credential_matches(key, typed, stored)


def test_a_different_code_does_not_match() -> None:
    key = new_election_key()
    stored = credential_hash(key, new_credential())
    assert not credential_matches(key, new_credential(), stored)
    assert not hashes_match(credential_hash(key, new_credential()), stored)
    assert hashes_match(stored, stored)


def test_look_alike_letters_are_read_as_digits() -> None:
    assert normalise_code("o1-IL") == "0111"


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        credential_hash(b"short", "ABCD")


def test_canonical_json_sorts_keys_by_utf16_code_units_as_rfc8785() -> None:
    # RFC 8785, section 3.2.3: the sorted order of these property names.
    names = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    encoded = canonical_json(dict.fromkeys(names, 0)).decode("utf-8")
    order = [k for k in json.loads(encoded)]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_canonical_json_has_no_whitespace_and_escapes_controls() -> None:
    assert canonical_json({"b": [1, None, True], "a": 'x\n\u0001"\\'}) == (
        b'{"a":"x\\n\\u0001\\"\\\\","b":[1,null,true]}'
    )


def test_canonical_json_refuses_floats_and_huge_integers() -> None:
    with pytest.raises(TypeError, match="float"):
        canonical_json({"x": 0.2})
    with pytest.raises(ValueError, match="canonical range"):
        canonical_json(2**53)


def test_instants_are_written_in_utc_with_microseconds() -> None:
    from datetime import datetime, timedelta, timezone

    bst = timezone(timedelta(hours=1))
    assert format_instant(datetime(2016, 9, 21, 12, 0, tzinfo=bst)) == "2016-09-21T11:00:00.000000Z"
    with pytest.raises(ValueError, match="time zone"):
        format_instant(datetime(2016, 9, 21, 12, 0))  # noqa: DTZ001 - the naive case under test
