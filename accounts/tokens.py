"""One-time tokens (email verification, password reset, invitations): random, stored hashed.

A token is 32 random bytes (256 bits) sent to the user once; the database keeps only its
SHA-256, so a leaked database logs nobody in. SHA-256 without salt is enough here because
the input is uniformly random, not a password.
"""

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """Return ``(token, token_hash)``: send the first, store the second."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
