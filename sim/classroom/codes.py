"""Seat, facilitator and projector codes: unguessable, easy to read out and type.

Codes are secrets, not simulation: they come from :mod:`secrets` (the operating system's generator),
never from the scenario's seed, so knowing the class code (which is public) says nothing about them.
Twelve characters from a 31-letter alphabet without look-alikes (0/O, 1/I/L) give about 59 bits: a
guesser on the classroom's network trying a thousand codes a second would need millions of years.
"""

from __future__ import annotations

import hmac
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12
GROUP = 4


def new_code() -> str:
    """A fresh code, in groups of four for reading out: ``K7QM-2XPA-9HTR``."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(chars[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(text: str) -> str:
    """What a person typed, as a code: case, spaces and dashes ignored (bounded: pasted text)."""
    return "".join(c for c in str(text)[:200].upper() if c.isascii() and c.isalnum())


def matches(typed: str, code: str) -> bool:
    """Whether ``typed`` is ``code``, compared in constant time (no timing hint to a guesser)."""
    return hmac.compare_digest(normalise(typed).encode(), normalise(code).encode())
