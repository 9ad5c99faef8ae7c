"""Password hashing with argon2id (argon2-cffi's defaults: RFC 9106's second recommended setting).

A stored hash carries its own parameters, so raising them later only needs `needs_rehash`."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chengxin.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 128  # long enough for pass phrases, short enough to bound the hashing work

_hasher = PasswordHasher()
# Checked against when the username is unknown, so both cases take the same time. Written out
# rather than hashed at import (which cost every command a fraction of a second); it carries the
# hasher's parameters, which a test keeps in step.
DUMMY = (
    "$argon2id$v=19$m=65536,t=3,p=4$JOJas/CrwNh9aV7niDAt2g$"
    "NnIZ1N9BvJSDQbORcSSpRSWFAs33l5CDUYXrlqyhYiU"
)


def check_policy(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"must be {MIN_LENGTH} to {MAX_LENGTH} characters", field="password", rule="length"
        )
    if password.strip() != password or len(set(password)) < 4:
        raise InvalidInput(
            "must not start or end with spaces and needs at least 4 different characters",
            field="password",
            rule="strength",
        )


def hash_password(password: str) -> str:
    check_policy(password)
    return _hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or DUMMY, password[:MAX_LENGTH]) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
