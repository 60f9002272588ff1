"""Decision events as sentences a reader understands, for hover text.

"day 12 (30 Mar 2025): Russia perceives a strike by Ukraine on the energy system (a false alarm:
no such strike happened)". One function per question, pure: an event row and the labels in, text out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.plots.style import Labels, esc

ANSWERS = {"accept": "accepts", "reject": "rejects", "renew": "renews", "let_expire": "lets expire"}


def _num(row: Mapping, key: str) -> float:
    value = row.get(key)
    return math.nan if value is None else float(value)


def _domain(labels: Labels, domain: str) -> str:
    """``energy: strikes on the energy system``: the domain's id with its description."""
    text = labels.domains.get(domain, "")
    return f"{esc(domain)}: {text[:1].lower() + text[1:]}" if text else esc(domain)


def explain(row: Mapping, labels: Labels) -> str:
    """One decision event (a row of ``events.parquet``) as a sentence, with the numbers behind it."""
    day = int(row["day"])
    when = f"day {day} ({labels.date(day):%d %b %Y})"
    event, detail = str(row["event"]), str(row.get("detail") or "")
    actor = labels.actor(str(row.get("actor") or ""))
    phase = labels.phase(str(row.get("phase") or "")) if row.get("phase") else ""
    p, u, r = _num(row, "p"), _num(row, "utility"), _num(row, "reservation")
    if event == "perceive":
        accused, domain, kind = [*detail.split(" "), "", "", ""][:3]
        how = {
            "detected": "detected by monitoring: a true violation",
            "disputed": "a disputed incident: each side blames the other, neither struck",
        }.get(kind, "a false alarm: no such strike happened")
        by = labels.actor(accused)
        return f"{when}: {actor} perceives a strike by {by} ({_domain(labels, domain)}), {how}"
    if event == "misattribute":
        striker, domain = [*detail.split(" "), "", ""][:2]
        return (
            f"{when}: {actor} detects a strike by {labels.actor(striker)} ({_domain(labels, domain)}) "
            "but blames no one: a true violation misattributed"
        )
    if event == "strike":
        domain, _, target = detail.partition(" vs ")
        return (
            f"{when}: {actor} strikes {labels.actor(target)} ({_domain(labels, domain)}), "
            f"breaching the {phase} (chance of striking {p:.0%})"
        )
    if event == "incident" and detail.endswith(": settled"):
        return f"{when}: a scheduled incident by {actor} does not happen: the peace framework was signed"
    if event == "incident":
        domain, _, target = detail.partition(" vs ")
        breach = f", breaching the {phase}" if phase else " (no truce covered it)"
        hit = f"{labels.actor(target)} ({_domain(labels, domain)})"
        return f"{when}: {actor} strikes {hit} in a scheduled incident{breach}"
    if event in ANSWERS:
        verb = ANSWERS[event]
        sign = ">=" if u >= r else "<"
        why = f"; {esc(detail)}" if detail else ""
        return (
            f"{when}: {actor} {verb} the {phase} package: its value {u:.2f} {sign} "
            f"reservation {r:.2f} (chance of accepting {p:.0%}){why}"
        )
    if event == "withdraw":
        return f"{when}: {actor} withdraws from the {phase}: {_names(detail, labels)}"
    if event in ("leverage", "hold_leverage"):
        kind, lever, _, target = [*detail.split(" "), "", "", "", ""][:4]
        done = "applies" if event == "leverage" else "holds back"
        return (
            f"{when}: {actor} {done} a {esc(kind)} ({esc(lever)}) on {labels.actor(target)} "
            f"over the {phase}; pressure now {_num(row, 'pressure'):.2f}"
        )
    if event == "exchange":
        terms = detail.replace("scheduled exchange: ", "")
        counts, _, other = terms.partition(" with ")
        scheduled = " (scheduled)" if detail.startswith("scheduled") else ""
        return f"{when}: {actor} and {labels.actor(other)} exchange prisoners, {esc(counts)}{scheduled}"
    if event == "hand_over_wounded":
        return f"{when}: {actor} hands over {esc(detail)}"
    phrases = {
        "open": "talks on the {phase} open",
        "enter_force": "the {phase} enters into force",
        "renewed": "the {phase} is renewed",
        "expired": "the {phase} expires",
        "reopen": "talks on the {phase} reopen",
        "abandon": "talks on the {phase} are abandoned",
    }
    if event in phrases:
        return f"{when}: " + phrases[event].format(phase=phase)
    return f"{when}: {actor} {esc(event)} {phase} {esc(detail)}".rstrip()


def _names(text: str, labels: Labels) -> str:
    """A detail text, escaped, with actor ids replaced by their (escaped) names."""
    words = [labels.actors[w] if w in labels.actors else esc(w) for w in text.split(" ")]
    return " ".join(words)
