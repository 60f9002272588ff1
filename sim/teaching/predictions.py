"""Recorded predictions ("place your bets") and where the debrief places them in the model's ensemble.

A predictions file is plain text, one bet per line, so a class can type it on any machine::

    # WHO | QUESTION | ANSWER
    Table 1 | ceasefire_phased | 40        # a share: percent of runs (0-100, '%' optional)
    Table 1 | first_outcome | partial truce
    Table 1 | result | baseline@43         # the table's own run (a class code) ...
    Table 2 | result | no truce            # ... or the outcome its role play reached

A line starting with ``#`` is a comment, and so is a ``#`` in the answer and what follows (a name
may hold one: ``Table #3``). The file may be saved with a byte-order mark or Windows line ends. Each
malformed line is reported with its line number; nothing is placed until every line reads.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from sim.model.results import NO_TRUCE
from sim.scenario.class_code import ClassCode, parse_seed
from sim.scenario.loader import Problem, ScenarioError
from sim.scenario.reading import read_text
from sim.teaching.exercise import LoadedExercise
from sim.teaching.quantities import Quantity, share_below
from sim.teaching.templates import fmt_number, fmt_quantity, fmt_share, parse_ref

RESULT = "result"
"""The question id of a table's own result."""
_CODE = re.compile(r"^[a-z][a-z0-9_]*@\d+$")


@dataclass(frozen=True)
class Entry:
    line: int
    who: str
    question: str
    answer: str
    value: float | str | ClassCode
    """A share in [0, 1], a day or number, an outcome id, or a class code (a table's run)."""


def template(loaded: LoadedExercise) -> str:
    """A predictions file to fill in: the questions as comments, one example line per question."""
    ex = loaded.exercise
    lines = [
        f"# Predictions for the exercise {ex.name!r}: one per line, WHO | QUESTION | ANSWER",
        "# Lines starting with # are ignored. Shares are percent of runs (0-100); outcomes by name.",
        "#",
    ]
    for p in ex.predictions:
        lines.append(f"# {p.id}: {p.question} ({answer_hint(loaded, p.answer)})")
    lines.append(
        f"# {RESULT}: the table's own run (a class code such as {ex.class_code}) or the outcome it reached"
    )
    lines.append("#")
    for p in ex.predictions:
        lines.append(f"# Table 1 | {p.id} | ")
    code = ex.code
    lines.append(f"# Table 1 | {RESULT} | {code.scenario}@{code.seed + 1}")
    return "\n".join(lines) + "\n"


def answer_kind(loaded: LoadedExercise, answer: str) -> str:
    """``share``, ``day``, ``number`` or ``label``: what a prediction's answer is."""
    m = parse_ref(answer).measure
    if m.kind in ("outcome", "reached"):
        return "label" if m.kind == "outcome" and m.arg is None else "share"
    return "day" if m.kind == "entry" else "number"


def answer_hint(loaded: LoadedExercise, answer: str) -> str:
    kind = answer_kind(loaded, answer)
    if kind == "label":
        sc = loaded.scenario_of(parse_ref(answer).arm)
        names = ", ".join(o.replace("_", " ") for o in [NO_TRUCE, *sc.outcomes])
        return f"one of: {names}"
    return {
        "share": "percent of runs, 0 to 100",
        "day": "a day of the run (0 is the start date), or never",
        "number": "a number",
    }[kind]


def read_predictions(path: Path, loaded: LoadedExercise) -> list[Entry]:
    """Every bet in the file; a :class:`ScenarioError` lists each malformed line by number."""
    name = str(path)
    text = read_text(path)  # a regular UTF-8 file, bounded, no control characters; Notepad's BOM is fine
    entries, problems = parse_predictions(text, name, loaded)
    if problems:
        raise ScenarioError(problems)
    if not entries:
        raise ScenarioError(
            [Problem(name, None, "", "no predictions in the file (every line is empty or #)")]
        )
    return entries


def parse_predictions(text: str, name: str, loaded: LoadedExercise) -> tuple[list[Entry], list[Problem]]:
    """Pure: the entries and a problem per malformed line (file, line number, what is wrong)."""
    questions = {p.id: p for p in loaded.exercise.predictions}
    entries, problems = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("|", 2)]
        if len(fields) == 3:
            fields[2] = fields[2].split("#", 1)[0].strip()  # a comment after the answer (may hold |)
        if len(fields) != 3 or not all(fields):
            problems.append(
                Problem(
                    name, number, "", f"expected WHO | QUESTION | ANSWER (three fields), got {raw.strip()!r}"
                )
            )
            continue
        who, question, answer = fields
        try:
            if question == RESULT:
                value = _result(answer, loaded)
            elif question in questions:
                value = _answer(
                    answer,
                    answer_kind(loaded, questions[question].answer),
                    loaded,
                    questions[question].answer,
                )
            else:
                known = ", ".join([*questions, RESULT])
                raise ValueError(f"unknown question {question!r} (questions: {known})")
        except ValueError as exc:
            problems.append(Problem(name, number, question, str(exc)))
            continue
        entries.append(Entry(number, who, question, answer, value))
    return entries, problems


def _outcome(text: str, outcomes: list[str]) -> str:
    key = "_".join(text.lower().split())
    if key not in outcomes:
        raise ValueError(
            f"{text!r} is not an outcome (outcomes: {', '.join(o.replace('_', ' ') for o in outcomes)})"
        )
    return key


def _answer(text: str, kind: str, loaded: LoadedExercise, answer: str) -> float | str:
    sc = loaded.scenario_of(parse_ref(answer).arm)
    if kind == "label":
        return _outcome(text, [NO_TRUCE, *sc.outcomes])
    if kind == "day" and text.lower() == "never":
        return math.inf
    number = text.removesuffix("%").strip()
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a number ({answer_hint(loaded, answer)})") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if kind == "share":
        if not 0 <= value <= 100:
            raise ValueError(f"{text!r}: a share is a percent of runs, 0 to 100")
        return value / 100
    if kind == "day" and value < 0:
        raise ValueError(f"{text!r}: a day is 0 or more (0 is the start date)")
    return value


def _result(text: str, loaded: LoadedExercise) -> str | ClassCode:
    if _CODE.match(text.strip()):
        code = parse_seed(text)
        arm = result_arm(loaded, code)
        if arm is None:
            raise ValueError(
                f"{text}: no arm of this exercise runs scenario {code.scenario!r} without overrides "
                "(its ensemble is what the run is placed in)"
            )
        return code
    return _outcome(text, [NO_TRUCE, *loaded.class_scenario.outcomes])


def result_arm(loaded: LoadedExercise, code: ClassCode) -> str | None:
    """The arm a table's run is placed in: the first that runs the code's scenario unchanged."""
    for name, arm in loaded.exercise.arms.items():
        if arm.scenario == code.scenario and not arm.set:
            return name
    return None


# -- placing ---------------------------------------------------------------------------------------
def place(value: float | str, q: Quantity, outcome_names: dict[str, str]) -> str:
    """Where a guess falls against the model's answer ``q`` (pure)."""
    if q.kind == "label":
        share = sum(1 for s in q.samples if s == value) / len(q.samples)
        name = outcome_names.get(str(value), str(value))
        top = fmt_quantity(q, None, outcome_names)
        verdict = "the most common outcome" if value == q.value else f"not the most common ({top} is)"
        return f"{fmt_share(share)} of runs end in {name}: {verdict}"
    if q.kind == "day":
        return _place_day(float(value), q)
    if q.value is None:
        return f"no run of the {q.runs} had a value to compare with"
    if q.kind == "share":
        where = "inside" if q.low <= value <= q.high else "above" if value > q.high else "below"
        interval = f"{fmt_share(q.low)}–{fmt_share(q.high)}"
        return f"{where} the model's 95% interval ({interval}); off by {100 * (value - q.value):+.1f} points"
    below, equal = share_below(float(value), [s for s in q.samples if math.isfinite(s)])
    at = f", {fmt_share(equal)} exactly at it" if equal else ""
    return (
        f"{fmt_share(below)} of the runs with a value lie below {fmt_number(float(value))}{at}; "
        f"the model's answer is {fmt_number(float(q.value))}"
    )


def _place_day(value: float, q: Quantity) -> str:
    """A day bet among all runs: those where the phase entered before it, on it, later, or never."""
    never = sum(1 for s in q.samples if math.isinf(s))
    never_text = f"it never entered in {never} of {q.runs} runs ({fmt_share(never / q.runs)})"
    if math.isinf(value):
        return f"{never_text}: the bet 'never' is what {fmt_share(never / q.runs)} of runs did"
    below, equal = share_below(value, list(q.samples))
    median = f"; the median over the runs where it entered is day {q.value:g}" if q.value is not None else ""
    at = f", {fmt_share(equal)} on that day" if equal else ""
    return f"it entered before day {value:g} in {fmt_share(below)} of runs{at}; {never_text}{median}"
