"""The news feed: what happened in a game and why, from the model's decision log (a class's
tables, and ``play`` after each day).

Each item has an audience: ``public`` (every seat at the table, the projector), one actor (its own
seat: its reasons, its perceptions, its strikes) or the ``facilitator`` (every reason, with the
numbers). So a seat learns that Russia rejected the package, Russia's seat learns why (its gain
against its reservation), and only the facilitator and the debrief learn which accusations were
false alarms. Perceptions are summed per round: "you perceived 2 violations by Russia in energy,
1 of them not a real strike". Pure functions over the log's rows.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sim.model.decisions import POINTS

PUBLIC = "public"
FACILITATOR = "facilitator"


@dataclass(frozen=True)
class News:
    day: int
    text: str
    audience: str = PUBLIC
    """``public``, ``facilitator`` or an actor id."""


def _pts(x: float) -> str:
    """A gain in the role cards' points (:data:`sim.model.decisions.POINTS` per unit of gain)."""
    return "n/a" if x is None or math.isnan(x) else f"{POINTS * x:+.0f} points"


def _reason(event: str, gain: float, reservation: float, detail: str, person: bool = False) -> str:
    """Why an agent answered as it did, in the model's numbers: its gain against its reservation,
    and when the two disagree with the answer, the acceptance noise that decided (or its condition).
    A person's answer is theirs: the numbers are shown, not explained."""
    said = f"its gain {gain:+.3f} against its reservation {reservation:+.3f}"
    if person:
        return f"{said} (a person's answer)" + (f" ({detail})." if detail else ".")
    if detail:
        return f"{said} ({detail})."
    if math.isnan(gain) or math.isnan(reservation):
        return said + "."
    above = gain >= reservation
    if (event == "accept") == above:
        return f"{said}: {'met' if above else 'short of it'}."
    return f"{said}, {'yet it refused' if above else 'yet it accepted'} (the acceptance noise decided)."


def answer_key(day: int, actor: str, phase: str, event: str) -> str:
    """The decision key (``sim.model.decisions.Decision.key``) an accept/reject or renewal answered."""
    subject = "renewal" if event in ("renew", "let_expire") else "round"
    return f"{day} | {actor} | answer {phase}:{subject}"


def day_news(
    events: Iterable[tuple],
    names: Mapping[str, str],
    titles: Mapping[str, str],
    by_person: Collection[str] = (),
    period: int = 1,
) -> list[News]:
    """News items from log rows (day, actor, phase, event, p, utility, reservation, trust, ripeness,
    pressure, grievance, score, detail).

    ``by_person``: the decision keys a person answered (their answers are not explained by the
    model's numbers). Perceptions are summed per victim, accused, domain and ``period`` of days (a
    class's round); the victim learns how many it perceived, never how many were real: only the
    facilitator, and everyone after the reveal, learns that.
    """
    out: list[News] = []
    seen: dict[tuple[str, str, str, int], list[int]] = {}  # (victim, accused, domain, period) -> counts
    period = max(1, int(period))
    for day, actor, phase, event, _p, utility, reservation, _t, _r, pressure, _g, _s, detail in events:
        who = names.get(actor, actor)
        title = titles.get(phase, phase)
        if event == "perceive":
            accused, domain, how = ([*detail.split(), "", "", ""])[:3]
            entry = seen.setdefault((actor, accused, domain, (day - 1) // period), [0, 0, day])
            entry[0] += 1
            entry[1] += how != "detected"
            entry[2] = day
            out.append(
                News(
                    day,
                    f"{who} perceived a violation by {names.get(accused, accused)} in {domain} "
                    f"({'a real strike' if how == 'detected' else how + ': no real strike'})",
                    FACILITATOR,
                )
            )
        elif event == "misattribute":
            out.append(News(day, f"{who} was struck ({detail}) but could not tell by whom", FACILITATOR))
        elif event == "enter_force":
            out.append(News(day, f"The {title} entered into force."))
        elif event in ("accept", "reject"):
            verb = "accepted" if event == "accept" else "rejected"
            parts = dict(part.split(": ", 1) for part in detail.split("; ") if ": " in part)
            countered = f" and countered: {parts['countered']}" if "countered" in parts else ""
            out.append(News(day, f"{who} {verb} the package for the {title}{countered}."))
            why = f"it was worth {_pts(utility)} to you; your reservation today: {_pts(reservation)}"
            if "linkage unmet" in parts:
                why += f"; your condition on {parts['linkage unmet']} was not met"
            out.append(News(day, f"You {verb} the package for the {title}: {why}.", actor))
            out.append(
                News(
                    day,
                    f"{who} {verb} the package for the {title}: "
                    + _reason(
                        event, utility, reservation, detail, answer_key(day, actor, phase, event) in by_person
                    ),
                    FACILITATOR,
                )
            )
        elif event == "agreed":
            out.append(
                News(
                    day,
                    f"You agreed to the {title} before talks: it was worth {_pts(utility)} to you.",
                    actor,
                )
            )
        elif event == "counter":
            out.append(News(day, f"{who} countered on the {title}: {detail}; the mediator meets it halfway."))
        elif event in ("renew", "let_expire"):
            verb = "renews" if event == "renew" else "lets expire"
            out.append(News(day, f"{who} {verb} the {title}."))
            out.append(
                News(
                    day,
                    f"You {'renewed' if event == 'renew' else 'let expire'} the {title}: "
                    f"{detail}; it was worth {_pts(utility)} to you against your floor of "
                    f"{_pts(reservation)}.",
                    actor,
                )
            )
        elif event in ("renewed", "expired"):
            out.append(News(day, f"The {title} {'was renewed' if event == 'renewed' else 'expired'}."))
        elif event == "withdraw":
            out.append(News(day, f"{who} withdrew from the {title}: it collapsed."))
            out.append(News(day, f"You withdrew from the {title}: {detail}.", actor))
        elif event == "strike":
            domain, _, enemy = detail.partition(" vs ")
            out.append(
                News(
                    day,
                    f"You struck {names.get(enemy, enemy)} in {domain}: a violation of the "
                    f"{title} (it may be detected).",
                    actor,
                )
            )
            out.append(
                News(
                    day,
                    f"{who} struck {names.get(enemy, enemy)} in {domain} (a true violation of the {title}).",
                    FACILITATOR,
                )
            )
        elif event == "incident":
            out.append(News(day, f"{who} strikes ({detail}): the inject.", FACILITATOR))
        elif event in ("leverage", "hold_leverage"):
            kind, lever, _, target = ([*detail.split(), "", "", "", ""])[:4]
            tname = names.get(target, target)
            if event == "leverage":
                out.append(News(day, f"{who} brought {kind} to bear on {tname} over the {title}."))
                out.append(
                    News(
                        day,
                        f"You applied {lever} ({kind}) on {tname}: the pressure on it is now {pressure:.2f}.",
                        actor,
                    )
                )
                out.append(
                    News(
                        day,
                        f"{who} pressed you ({kind}) over the {title}: the package is worth "
                        f"more to you while the pressure lasts ({pressure:.2f} in all).",
                        target,
                    )
                )
            else:
                out.append(News(day, f"You held {lever} back on {tname}.", actor))
        elif event == "consent":
            out.append(News(day, f"{detail.capitalize()}."))
        elif event == "exchange" and detail:
            why, _, rest = detail.rpartition(": ")
            size, _, other = rest.partition(" with ")
            because = f" ({why})" if why else ""
            out.append(News(day, f"Prisoner exchange: {who} and {names.get(other, other)}, {size}{because}."))
        elif event == "hand_over_wounded":
            out.append(News(day, f"{who} handed over {detail}."))
        elif event in ("open", "reopen"):
            out.append(News(day, f"Talks on the {title} {'opened' if event == 'open' else 'reopened'}."))
        elif event == "abandon":
            out.append(News(day, f"Talks on the {title} were abandoned."))
    for (victim, accused, domain, _), (n, not_real, day) in seen.items():
        by = names.get(accused, accused)
        text = f"You perceived {n} violation{'s' * (n != 1)} by {by} in {domain}"
        out.append(
            News(
                day,
                text + ": some may be false alarms or disputed incidents (the debrief says which).",
                victim,
            )
        )
        if not_real:
            out.append(
                News(
                    day,
                    f"{names.get(victim, victim)} perceived {n} by {by} in {domain}, {not_real} of them "
                    "no real strike.",
                    FACILITATOR,
                )
            )
    out.sort(key=lambda n: n.day)
    return out


def visible(items: Iterable[News], audience: str | None, revealed: bool = False) -> list[News]:
    """The items a seat (``audience`` = its actor), the projector (None) or the facilitator sees;
    once revealed, everyone sees the facilitator's lines too."""
    if audience == FACILITATOR:
        return [n for n in items if n.audience in (PUBLIC, FACILITATOR)]
    keep = {PUBLIC} | ({FACILITATOR} if revealed else set()) | ({audience} if audience else set())
    return [n for n in items if n.audience in keep]
