"""Ed25519 election keys: signing bulletin boards and sealing the private key at rest.

Each organisation has one **election key** (Ed25519, RFC 8032) with which tellers signs
every bulletin board it publishes; the public key is printed on the public pages and in
each declaration, so anyone can check that a board came from the organisation and was
not altered. Signatures are made with libsodium through PyNaCl.

The private key is the 32-byte Ed25519 **seed**. It is stored only **sealed**: encrypted
and authenticated with XSalsa20-Poly1305 (libsodium ``secretbox``) under a 32-byte
sealing key taken from the settings, with a fresh random 24-byte nonce, and tagged with
the public key so a store cannot swap one organisation's key for another's. Without a
sealing key the seed is stored in the clear, marked as such, so that a deployment that
has not configured one can still work (and can be told so).

Sealed form (ASCII text, so that any column type holds it)::

    "ed25519-sealed-v1:" + hex(public key) + ":" + hex(nonce + secretbox ciphertext)
    "ed25519-plain-v1:"  + hex(public key) + ":" + hex(seed)

All randomness comes from :mod:`tellers.crypto.random`.
"""

from __future__ import annotations

from dataclasses import dataclass

import nacl.exceptions
import nacl.secret
import nacl.signing

from tellers.crypto.random import random_bytes
from tellers.errors import TellersError

__all__ = [
    "PUBLIC_KEY_BYTES",
    "SEALING_KEY_BYTES",
    "SIGNATURE_BYTES",
    "ElectionKey",
    "KeySealError",
    "is_sealed",
    "new_election_key",
    "public_key_fingerprint",
    "seal_election_key",
    "sign",
    "stored_public_key",
    "unseal_election_key",
    "verify_signature",
]

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
SEALING_KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE
_NONCE_BYTES = nacl.secret.SecretBox.NONCE_SIZE
_SEALED = "ed25519-sealed-v1"
_PLAIN = "ed25519-plain-v1"


class KeySealError(TellersError):
    """A stored election key that cannot be opened (wrong sealing key, damaged text)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ElectionKey:
    """An Ed25519 key pair: the 32-byte seed (private) and the 32-byte public key."""

    seed: bytes
    public_key: bytes

    def __repr__(self) -> str:
        # Never show the seed (STYLE: never log keys).
        return f"ElectionKey(public_key={self.public_key.hex()!r})"

    @property
    def public_key_hex(self) -> str:
        """The public key as 64 lower-case hex digits (as published)."""
        return self.public_key.hex()


def new_election_key() -> ElectionKey:
    """A fresh key pair from the operating system's CSPRNG."""
    seed = random_bytes(32)
    return _from_seed(seed)


def _from_seed(seed: bytes) -> ElectionKey:
    signing = nacl.signing.SigningKey(seed)
    return ElectionKey(seed=seed, public_key=bytes(signing.verify_key))


def sign(key: ElectionKey, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message`` (RFC 8032, pure Ed25519)."""
    return bytes(nacl.signing.SigningKey(key.seed).sign(message).signature)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key``."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


def public_key_fingerprint(public_key: bytes) -> str:
    """The public key in groups of four hex digits, for reading aloud and printing."""
    text = public_key.hex()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def seal_election_key(key: ElectionKey, sealing_key: bytes | None) -> str:
    """The stored form of ``key`` (see the module docstring).

    Args:
        key: the key pair.
        sealing_key: 32 bytes from the settings, or None to store the seed unsealed.

    Raises:
        KeySealError: a sealing key of the wrong length.
    """
    if sealing_key is None:
        return f"{_PLAIN}:{key.public_key.hex()}:{key.seed.hex()}"
    box = _box(sealing_key)
    nonce = random_bytes(_NONCE_BYTES)
    sealed = box.encrypt(key.seed, nonce)
    return f"{_SEALED}:{key.public_key.hex()}:{bytes(sealed).hex()}"


def is_sealed(stored: str) -> bool:
    """Whether a stored key is sealed (rather than kept in the clear)."""
    return stored.startswith(_SEALED + ":")


def stored_public_key(stored: str) -> bytes:
    """The public key recorded in a stored key (no sealing key needed).

    Raises:
        KeySealError: the text is not a stored election key.
    """
    parts = stored.split(":")
    if len(parts) != 3 or parts[0] not in (_SEALED, _PLAIN):
        msg = "the stored election key is not in a known form"
        raise KeySealError(msg)
    try:
        public = bytes.fromhex(parts[1])
    except ValueError as err:
        msg = "the stored election key is damaged (not hex)"
        raise KeySealError(msg) from err
    if len(public) != PUBLIC_KEY_BYTES:
        msg = "the stored election key has a public key of the wrong length"
        raise KeySealError(msg)
    return public


def unseal_election_key(stored: str, sealing_key: bytes | None) -> ElectionKey:
    """Open the stored form made by :func:`seal_election_key`.

    Raises:
        KeySealError: unknown form, damaged text, a sealed key with no or the wrong
            sealing key, or a seed that does not give the recorded public key.
    """
    parts = stored.split(":")
    if len(parts) != 3 or parts[0] not in (_SEALED, _PLAIN):
        msg = "the stored election key is not in a known form"
        raise KeySealError(msg)
    kind, public_hex, body_hex = parts
    try:
        public = bytes.fromhex(public_hex)
        body = bytes.fromhex(body_hex)
    except ValueError as err:
        msg = "the stored election key is damaged (not hex)"
        raise KeySealError(msg) from err
    if kind == _SEALED:
        if sealing_key is None:
            msg = "the election key is sealed and no sealing key is configured"
            raise KeySealError(msg)
        try:
            seed = _box(sealing_key).decrypt(body)
        except nacl.exceptions.CryptoError as err:
            msg = "the election key does not open with the configured sealing key"
            raise KeySealError(msg) from err
    else:
        seed = body
    if len(seed) != 32:
        msg = f"the stored election key has a seed of {len(seed)} bytes, not 32"
        raise KeySealError(msg)
    key = _from_seed(seed)
    if key.public_key != public:
        msg = "the stored election key does not match its recorded public key"
        raise KeySealError(msg)
    return key


def _box(sealing_key: bytes) -> nacl.secret.SecretBox:
    if len(sealing_key) != SEALING_KEY_BYTES:
        msg = f"a sealing key must be {SEALING_KEY_BYTES} bytes, got {len(sealing_key)}"
        raise KeySealError(msg)
    return nacl.secret.SecretBox(sealing_key)
