"""The run's record, kept apart from the day's logic: the decision log, the per-day columns, totals.

The model calls :meth:`RunRecorder.log` for every decision and :meth:`RunRecorder.record_day` at the
end of each day; recording off (a sweep's runs) keeps only the totals and the run's row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.results import COUNTED, RunResult, day_columns

if TYPE_CHECKING:
    from sim.model.ceasefire import CeasefireModel, Track

NAN = float("nan")


class RunRecorder:
    """Collects one run's events and day columns from its model."""

    def __init__(self, model: CeasefireModel, enabled: bool = True) -> None:
        self.m = model
        self.enabled = enabled
        self.events: list[tuple] = []
        self.totals = dict.fromkeys(("days", *COUNTED), 0)
        self.days: dict[str, list] = {name: [] for name in self._day_columns()}

    def log(
        self,
        actor: str,
        phase: str,
        event: str,
        *,
        p: float = NAN,
        utility: float = NAN,
        reservation: float = NAN,
        trust: float = NAN,
        ripeness: float = NAN,
        pressure: float = NAN,
        grievance: float = NAN,
        score: float = NAN,
        detail: str = "",
    ) -> None:
        """Record a decision with the numbers behind it, so a user can ask why an actor moved."""
        if not self.enabled:
            return
        self.events.append(
            (
                self.m.day,
                actor,
                phase,
                event,
                p,
                utility,
                reservation,
                trust,
                ripeness,
                pressure,
                grievance,
                score,
                detail,
            )
        )

    def _day_columns(self) -> list[str]:
        m = self.m
        enemies = {b: m.enemies[b] for b in m.belligerent_ids}
        return day_columns([t.id for t in m.tracks], list(m.domains), list(m.battlefield.fronts), enemies)

    def record_day(self) -> None:
        """The day's totals, and (when enabled) one value per day column."""
        m = self.m
        t = self.totals
        t["days"] += 1
        t["strikes"] += m.strikes
        t["violations_true"] += len(m.violations)
        t["violations_detected"] += m.detected
        t["false_accusations"] += m.false_accusations
        t["disputed_incidents"] += m.disputed
        t["misattributed"] += m.misattributed
        t["claims"] += m.claims_today
        t["front_days"] = m.front_days
        t["stalemate_days"] += m.stalemate
        if not self.enabled:
            return
        row = self.days
        row["day"].append(m.day)
        for track in m.tracks:
            row[f"{track.id}_status"].append(track.status.value)
        row["strikes"].append(m.strikes)
        row["violations_true"].append(len(m.violations))
        row["violations_detected"].append(m.detected)
        row["false_accusations"].append(m.false_accusations)
        row["violations_perceived"].append(m.detected + m.false_accusations)
        true_in = dict.fromkeys(m.domains, 0)
        for _a, _t, domain, _p in m.violations:
            true_in[domain] += 1
        for d in m.domains:
            row[f"violations_true_{d}"].append(true_in[d])
            row[f"violations_perceived_{d}"].append(m.perceived_in[d])
        row["disputed_incidents"].append(m.disputed)
        row["misattributed"].append(m.misattributed)
        row["claims"].append(m.claims_today)
        row["stalemate"].append(m.stalemate)
        bf = m.battlefield
        for (a, b), front in bf.fronts.items():
            row[f"territory_{a}_{b}"].append(front.held_by_a)
        row["exchanges"].append(m.exchanges_today)
        row["prisoners_exchanged"].append(m.prisoners_exchanged)
        row["wounded_handed_over"].append(m.wounded_handed_over)
        for b in m.belligerent_ids:
            agent = m.actors[b]
            for o in m.enemies[b]:
                row[f"trust_{b}_{o}"].append(agent.trust[o])
            row[f"cost_{b}"].append(agent.cost)
            row[f"ripeness_{b}"].append(agent.ripeness)
            row[f"pressure_{b}"].append(agent.pressure)
            row[f"demand_{b}"].append(agent.last_demand)
            row[f"prisoners_held_{b}"].append(m.held[b])
            for o in m.enemies[b]:
                row[f"belief_{b}_{o}"].append(bf.believed(b, o))
            row[f"strength_{b}"].append(bf.strength[b])
            row[f"aid_received_{b}"].append(bf.delivered_today[b])
            row[f"claims_{b}"].append(m.claims[b])

    def result(self) -> RunResult:
        """The run so far as plain data: totals, final state, day columns, events, phases."""
        m = self.m
        totals = dict(self.totals)
        totals["prisoners_exchanged"] = m.prisoners_exchanged
        totals["wounded_handed_over"] = m.wounded_handed_over
        final = {}
        for b in m.belligerent_ids:
            agent = m.actors[b]
            final.update({f"trust_{b}_{o}": agent.trust[o] for o in m.enemies[b]})
            final[f"cost_{b}"] = agent.cost
            final[f"strength_{b}"] = m.battlefield.strength[b]
            final.update({f"belief_{b}_{o}": m.battlefield.believed(b, o) for o in m.enemies[b]})
            final[f"position_{b}_{m.battlefield.stake_issue}"] = agent.position[m.battlefield.stake_issue]
        for (a, b), front in m.battlefield.fronts.items():
            final[f"territory_{a}_{b}"] = front.held_by_a
        return RunResult(
            totals=totals,
            final=final,
            scenario=m.spec.name,
            run=m.run_index,
            seed=m.seed_value,
            start_date=m.spec.start_date,
            days=self.days,
            events=self.events,
            phases={t.id: _track_summary(t) for t in m.tracks},
            outcome_labels={t.id: t.spec.outcome for t in m.tracks},
            issues=list(m.spec.issues),
        )


def _track_summary(t: Track) -> dict:
    return {
        "rank": t.rank,
        "status": t.status.value,
        "entered_day": t.entered_day,
        "days_in_force": t.days_in_force,
        "package": dict(t.package) if t.package else None,
        "transitions": [(d, a.value, b.value) for d, a, b in t.transitions],
    }
