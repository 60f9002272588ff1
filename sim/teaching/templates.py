"""Findings as templates: sentences whose numbers the simulator fills in when a handout is built.

An exercise writes ``"A full ceasefire held at some point in {phased.reached.full_ceasefire|ci} of
runs, {phased.reached.full_ceasefire vs comprehensive.reached.full_ceasefire} under the other
order ({comprehensive.reached.full_ceasefire})"``; every ``{...}`` is computed from the runs, so the
finding stays true when the model or a scenario changes. Placeholders:

- ``{ARM.MEASURE}``: the measure's value (``{class.outcome}``, ``{phased.entry.energy_truce}``);
  ``|ci`` adds its 95% interval, ``|count`` the runs it counts.
- ``{ARM.MEASURE - ARM.MEASURE}``: the difference with its 95% interval.
- ``{ARM.MEASURE vs ARM.MEASURE}``: "higher than", "lower than" or "not clearly different from",
  by whether the difference's 95% interval excludes zero; ``{... vs ... | more | fewer | about as
  many}`` gives the three words.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sim.teaching.quantities import Measure, Quantity, difference, direction, parse_measure

PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
"""A placeholder ``{...}``, or a literal brace written ``{{`` or ``}}``."""
_REF = re.compile(r"^(?P<arm>[a-z][a-z0-9_]*)\.(?P<measure>[a-z_]+(?:\.[a-z0-9_]+)?)$")
FORMATS = ("ci", "count")
DEFAULT_WORDS = ("higher than", "lower than", "not clearly different from")


@dataclass(frozen=True)
class Ref:
    arm: str
    measure: Measure

    def __str__(self) -> str:
        return f"{self.arm}.{self.measure}"


@dataclass(frozen=True)
class Placeholder:
    """One ``{...}``: a value (``op`` None), a difference (``-``) or a comparison (``vs``)."""

    left: Ref
    op: str | None = None
    right: Ref | None = None
    fmt: str | None = None
    words: tuple[str, str, str] = DEFAULT_WORDS


Part = tuple[str, bool]
"""A piece of rendered text and whether the simulator computed it."""


def parse_ref(text: str) -> Ref:
    match = _REF.match(text.strip())
    if not match:
        raise ValueError(f"{text.strip()!r} is not ARM.MEASURE (e.g. phased.reached.full_ceasefire)")
    return Ref(match["arm"], parse_measure(match["measure"]))


def parse_placeholder(body: str) -> Placeholder:
    """The inside of one ``{...}``; a ValueError says what a placeholder may hold."""
    head, *options = [p.strip() for p in body.split("|")]
    if " vs " in f" {head} ":
        left, _, right = head.partition(" vs ")
        if options and len(options) != 3:
            raise ValueError(
                f"{{{body}}}: a comparison takes three words after '|': higher | lower | same "
                f"(got {len(options)})"
            )
        words = tuple(options) if options else DEFAULT_WORDS
        return Placeholder(parse_ref(left), "vs", parse_ref(right), words=words)  # type: ignore[arg-type]
    if " - " in head:
        left, _, right = head.partition(" - ")
        if options:
            raise ValueError(f"{{{body}}}: a difference takes no '|' option (it always has its interval)")
        return Placeholder(parse_ref(left), "-", parse_ref(right))
    if len(options) > 1 or (options and options[0] not in FORMATS):
        raise ValueError(f"{{{body}}}: the option after '|' is one of {', '.join(FORMATS)}")
    return Placeholder(parse_ref(head), fmt=options[0] if options else None)


def placeholders(template: str) -> list[Placeholder]:
    """Every placeholder of a template, parsed; a ValueError names the first bad one."""
    bare = template.replace("{{", "").replace("}}", "")
    if bare.count("{") != bare.count("}"):
        raise ValueError("unbalanced braces: a placeholder is {ARM.MEASURE ...}; a literal brace is {{ or }}")
    return [parse_placeholder(m[1]) for m in PLACEHOLDER.finditer(template) if m[1] is not None]


def render(
    template: str, quantity: Callable[[Ref], Quantity], outcome_names: Mapping[str, str]
) -> list[Part]:
    """The template with every placeholder computed; ``quantity`` measures a reference."""
    parts: list[Part] = []
    at = 0
    for match in PLACEHOLDER.finditer(template):
        parts.append((template[at : match.start()], False))
        if match[1] is None:  # {{ or }}: a literal brace
            parts.append((match[0][0], False))
            at = match.end()
            continue
        ph = parse_placeholder(match[1])
        left = quantity(ph.left)
        if ph.op is None:
            parts.append((fmt_quantity(left, ph.fmt, outcome_names), True))
        elif ph.op == "-":
            parts.append((fmt_difference(left, quantity(ph.right)), True))
        else:
            d = direction(left, quantity(ph.right))
            word = "not comparable with" if d is None else ph.words[{1: 0, -1: 1, 0: 2}[d]]
            parts.append((word, True))
        at = match.end()
    parts.append((template[at:], False))
    return [p for p in parts if p[0]]


def text_of(parts: list[Part]) -> str:
    return "".join(t for t, _ in parts)


# -- formatting ---------------------------------------------------------------------------------
def fmt_share(x: float) -> str:
    pct = round(100 * x, 1)
    return f"{pct:g}%"


def fmt_number(x: float) -> str:
    """A number at a sensible precision; whole numbers (a single run's count) without decimals."""
    if float(x).is_integer():
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.1f}"
    return f"{x:.2f}"


def runs_word(n: int | None) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def fmt_day(q: Quantity, day: float) -> str:
    """``day 7 (25 March 2025)``; a half day (a median of two) names both dates."""
    text = f"day {day:g}"
    if q.start_date is not None:
        first = q.start_date + dt.timedelta(days=math.floor(day))
        if float(day).is_integer():
            text += f" ({first:%-d %B %Y})"
        else:
            text += f" (between {first:%-d %B} and {first + dt.timedelta(days=1):%-d %B %Y})"
    return text


def fmt_quantity(q: Quantity, fmt: str | None, outcome_names: Mapping[str, str]) -> str:
    """A quantity in words: ``11.5% (95% CI 7.8–16.7%)``, ``day 7 (25 March 2025)``, ``partial truce``."""
    if q.kind == "label":
        name = outcome_names.get(str(q.value), str(q.value).replace("_", " "))
        return f"{name} ({q.count} of {runs_word(q.runs)})" if fmt in ("count", "ci") else name
    if q.value is None:
        if q.kind == "day":
            return "never" if q.runs == 1 else f"never (in none of the {q.runs} runs)"
        return "no value" if q.runs == 1 else f"no value (none of the {q.runs} runs had one)"
    no_interval = " (too few runs for an interval)"
    if q.kind == "share":
        text = fmt_share(q.value)
        if fmt == "ci":
            text += f" (95% CI {fmt_share(q.low)}–{fmt_share(q.high)})"
        elif fmt == "count":
            text += f" ({q.count} of {runs_word(q.runs)})"
        return text
    if q.kind == "day":
        text = fmt_day(q, q.value)
        if fmt == "ci" and q.low is None:
            text += no_interval
        elif fmt == "ci":
            days = f"day {q.low:g}" if q.low == q.high else f"days {q.low:g}–{q.high:g}"
            text += f" (95% CI {days}, over the {runs_word(q.count)} where it did)"
        elif fmt == "count":
            text += f" (in {q.count} of {runs_word(q.runs)})"
        return text
    text = fmt_number(q.value)
    if fmt == "ci" and q.low is None:
        text += no_interval
    elif fmt == "ci":
        text += f" (95% CI {fmt_number(q.low)}–{fmt_number(q.high)})"
    elif fmt == "count":
        text += f" (over {runs_word(q.count)})"
    return text


def fmt_difference(a: Quantity, b: Quantity) -> str:
    diff = difference(a, b)
    if diff is None:
        return "not comparable (a side has no value, or too few runs for an interval)"
    d, lo, hi = diff
    if a.kind == "share":
        return f"{100 * d:+.1f} percentage points (95% CI {100 * lo:+.1f} to {100 * hi:+.1f})"
    unit = " days" if a.kind == "day" else ""
    small = max(abs(float(a.value)), abs(float(b.value))) < 1
    f = "{:+.3f}" if small else "{:+.1f}"
    return f"{f.format(d)}{unit} (95% CI {f.format(lo)} to {f.format(hi)})"
