"""Password policy and argon2id hashing.

Verification of an unknown user still hashes a password, so a login for a name that does not
exist takes as long as one with a wrong password and the two cannot be told apart.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from imagedrive.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 128  # hashing cost grows with length; nobody types more

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 parameters


def check_policy(password: str, username: str) -> None:
    normalised = unicodedata.normalize("NFKC", password)
    if not MIN_LENGTH <= len(normalised) <= MAX_LENGTH:
        raise InvalidInput(
            f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters", code="weak_password",
            details={"min_length": MIN_LENGTH, "max_length": MAX_LENGTH},
        )
    if username.lower() in normalised.lower():
        raise InvalidInput("a password must not contain the username", code="weak_password")
    if len(set(normalised)) < 4:
        raise InvalidInput("a password needs more than a few distinct characters", code="weak_password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_verification_time(password: str) -> None:
    """Do the work of a verification that cannot succeed (the user does not exist)."""
    verify(_dummy_hash(), password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not the password of anyone")
