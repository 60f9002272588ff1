"""Text from files and the command line, made safe to print: data, never markup or control codes.

A scenario title, an actor's name or a sweep's name may hold rich markup (``[link=...]``, ``[/]``),
terminal escape sequences (``ESC [2J``, OSC-8 hyperlinks) or other control characters; printed as
they are, they would crash rich, plant a hidden link or clear the screen. Everything a user or a
stranger can hand us goes through :func:`literal` (for plain printing) or :func:`markup_safe` (inside
rich markup) before it reaches a terminal.
"""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_SHOWN = 2000
"""Characters of one value shown at most; the rest is elided (a 1 MB title is not a screenful)."""


def neutral(text: object, limit: int = MAX_SHOWN) -> str:
    """``text`` with control characters shown as ``\\xNN`` (escapes, bidi overrides) and capped."""
    s = str(text)
    if len(s) > limit:
        s = s[:limit] + f"... ({len(s) - limit} more characters)"
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", s)


def literal(text: object, limit: int = MAX_SHOWN) -> str:
    """``text`` for a rich console that interprets markup: control codes neutralised, markup escaped."""
    return escape(neutral(text, limit))
