"""A class session: tables of students playing the model's actors, round by round, in one process.

Every table plays the same run (the class code's scenario and seed, run 0): the same war, the same
chance events, so tables differ only by what their students decide, and each table's game can be set
against the agents' ensemble of that seed. A table is a :class:`~sim.model.ceasefire.CeasefireModel`
whose seated actors are :class:`Seat` players (the model's decision port).

**Rounds.** The facilitator advances the class a round of ``round_days`` simulated days at a time.
Daily choices come from each seat's standing orders (:mod:`sim.classroom.orders`); a package to
answer (accept, reject, counter) or, for the mediator, to table, stops the table until its seat
answers. The model asks synchronously, so a table that needs an answer is not suspended in a thread:
the seat raises, the half-played day is dropped, and once the answer is in, the table is rebuilt and
replayed from day 0 with every answer given so far. Replay is exact (the agents draw their random
numbers whoever answers) and cheap (a run is milliseconds), and it makes a table's game nothing but
its scenario, seed and list of answers: :meth:`ClassSession.save` writes those as a scenario file
and a ``moves.txt`` that ``ceasefire-sim play --moves`` replays to the same game.

**Seats.** Seats nobody has joined when the first round starts are played by agents whose
strategies are hidden (drawn from the seed, as in ``play``). Codes (:mod:`sim.classroom.codes`) are
secrets; a seat's view holds only its own actor's observation, decisions, news and scores.

Every public method takes the session's lock and raises :class:`SessionError` (one line for a page)
on bad input; ``version`` moves on every change so pages know when to redraw.
"""

from __future__ import annotations

import datetime as dt
import shlex
import threading
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import yaml

from sim.classroom.codes import matches, new_code
from sim.classroom.orders import Orders
from sim.classroom.seat import Asked, Seat
from sim.classroom.table import Table
from sim.classroom.views import (
    ConsoleView,
    Ensemble,
    Login,
    ProjectorView,
    ScoredDeal,
    SeatView,
)
from sim.data import EXERCISES, SCENARIOS
from sim.model.ceasefire import CeasefireModel
from sim.model.decisions import parse_answer
from sim.model.results import NO_TRUCE
from sim.model.strategies import STRATEGIES
from sim.play.news import FACILITATOR, PUBLIC, News, visible
from sim.scenario.class_code import find_scenario, parse_seed
from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.schema import Incident, Role, Scenario
from sim.teaching.epilogue import epilogue, epilogue_lines
from sim.teaching.exercise import LoadedExercise, find_exercise, load_exercise
from sim.teaching.points import lever_cost, score_deal
from sim.validation.patterns import HORIZON as RECORD_DAYS

MAX_TABLES = 12
INJECT_ASSUMPTION = "an inject the facilitator fired in class"


class SessionError(Exception):
    """Bad input to a session (a code, an answer, an order): its one-line message is for the page."""


class ClassSession:
    """A class: its exercise, class code, tables and rounds. See the module's docstring."""

    def __init__(
        self,
        loaded: LoadedExercise,
        scenario: Scenario,
        scenario_file: Path,
        seed: int,
        tables: int = 3,
        round_days: int = 7,
        seated: Sequence[str] | None = None,
        ensemble_runs: int = 200,
    ) -> None:
        if not 1 <= tables <= MAX_TABLES:
            raise SessionError(f"--tables: between 1 and {MAX_TABLES} (got {tables})")
        if round_days < 1:
            raise SessionError(f"--round-days: at least 1 (got {round_days})")
        self.lock = threading.RLock()
        self.version = 0
        self.loaded = loaded
        self.scenario = scenario
        self.scenario_file = scenario_file
        self.seed = seed
        self.class_code = f"{scenario.name}@{seed}"
        self.round_days = round_days
        self.ensemble_runs = ensemble_runs
        roles = [a for a, x in scenario.actors.items() if x.role in (Role.BELLIGERENT, Role.MEDIATOR)]
        seated = list(roles if seated is None else seated)
        bad = [a for a in seated if a not in scenario.actors]
        if bad:
            raise SessionError(f"--seat {bad[0]}: no such actor (actors: {', '.join(scenario.actors)})")
        self.seated = seated
        self.facilitator_code = new_code()
        self.projector_code = new_code()
        self.tables = [
            Table(n, self, {a: Seat(a, scenario.actors[a].name, new_code()) for a in seated})
            for n in range(1, tables + 1)
        ]
        self.round = 0
        self.target_day = 0
        self.paused = False
        self.revealed = False
        self.ended = False
        self.fired: dict[int, int] = {}
        self._ensemble: Ensemble | None = None
        self._scores: dict[tuple, dict[str, float]] = {}

    # -- reading --------------------------------------------------------------------------------
    @property
    def horizon(self) -> int:
        return self.scenario.horizon_days

    def date(self, day: int) -> str:
        return f"{self.scenario.start_date + dt.timedelta(days=day):%d %B %Y}"

    def login(self, code: str) -> Login:
        """What a code opens; the same message for every code that opens nothing (no hint)."""
        with self.lock:
            found: Login | None = None
            if matches(code, self.facilitator_code):
                found = Login("facilitator")
            if matches(code, self.projector_code):
                found = Login("projector")
            for t in self.tables:
                for a, seat in t.seats.items():
                    if matches(code, seat.code):
                        found = Login("seat", t.number, a)
                        if not seat.joined:
                            seat.joined = True
                            self._changed()
            if found is None and any(matches(code, x.code) for t in self.tables for x in t.dropped.values()):
                raise SessionError(
                    "This seat is played by its agent: the class started before anyone joined it. "
                    "Ask the facilitator for another seat."
                )
            if found is None:
                raise SessionError("This code is not valid for this session.")
            return found

    def table(self, number: int) -> Table:
        if not 1 <= number <= len(self.tables):
            raise SessionError(f"no table {number} in this session")
        return self.tables[number - 1]

    def _seat(self, number: int, actor: str) -> tuple[Table, Seat]:
        t = self.table(number)
        seat = t.seats.get(actor)
        if seat is None:
            raise SessionError(f"{actor} has no seat at {t.name} (played by its agent)")
        return t, seat

    def seat_view(self, number: int, actor: str) -> SeatView:
        with self.lock:
            t = self.table(number)
            if actor not in self.scenario.actors:
                raise SessionError(f"no actor {actor!r} in this session")
            seat = t.seats.get(actor)
            m = t.model
            if t.waiting is not None and t.waiting.actor == actor:
                observation = ()
                pending: tuple[Asked, ...] = (t.waiting,)
            else:
                pending = ()
                observation = tuple(_observation(m, actor)) if m is not None else ()
            status = t.status()
            if pending:
                status = "your decision"
            spec = self.scenario.actors[actor]
            levers = {
                lever_id: f"{lever.kind} on {self.scenario.actors[lever.target].name}"
                for lever_id, lever in spec.levers.items()
            }
            return SeatView(
                table=t.number,
                table_name=t.name,
                actor=actor,
                name=spec.name,
                day=t.waiting.day if pending else t.day,
                date=self.date(t.waiting.day if pending else t.day),
                round=self.round,
                horizon=self.horizon,
                status=status,
                observation=observation,
                pending=pending,
                orders=seat.orders if seat is not None else Orders(),
                domains=tuple(self.scenario.domains) if spec.role is Role.BELLIGERENT else (),
                levers=levers,
                agent_played=seat is None or seat.agent,
                news=tuple(visible(t.news(), actor, self.revealed)),
                scored=tuple(self.scored(t, actor)),
                revealed=tuple([*self._revealed(t), *self.epilogue()]) if self.revealed else (),
                tally=tuple(self._tally(t, actor)),
            )

    def _points(self, phase: str, terms: tuple[tuple[str, float], ...]) -> dict[str, float]:
        """Every role's points for a deal, from the role cards' points sheets (day 0), computed once."""
        key = (phase, terms)
        if key not in self._scores:
            self._scores[key] = score_deal(self.scenario, phase, dict(terms))
        return self._scores[key]

    def scored(self, t: Table, actor: str | None = None) -> list[ScoredDeal]:
        """The table's agreements in points: ``actor``'s own only (a seat; the others' points are
        confidential, as in a PON role play) until the reveal; every role's for None."""
        out = []
        own = None if actor is None or self.revealed else self.scenario.actors[actor].name
        for day, phase, package in t.deals:
            terms = tuple(
                sorted((k, v) for k, v in package.items() if k in self.scenario.phases[phase].terms)
            )
            points = {self.scenario.actors[a].name: v for a, v in self._points(phase, terms).items()}
            if own is not None:
                points = {own: points[own]}
            out.append(ScoredDeal(day, self.scenario.phases[phase].title, package, points))
        return out

    def _tally(self, t: Table, actor: str) -> list[str]:
        """The seat's points: each agreement's points on its sheet for each term it was signed or
        renewed for, in proportion to the share of that term it held (a truce broken half-way earns
        half; an open-ended phase's term runs to the last day); a mediator pays for each lever it
        applied (``sim.teaching.points.lever_cost``). The sheet already values a term for its length."""
        earned, terms_held = 0.0, 0
        for (phase, start, terms), days in t.in_force.items():
            duration = self.scenario.phases[phase].duration_days
            length = duration.value if duration is not None else max(1, self.horizon - start)
            earned += self._points(phase, terms)[actor] * min(1.0, days / length)
            terms_held += 1
        lines = [
            f"Agreements: {earned:+.1f} points ({terms_held} term{'s' * (terms_held != 1)} in force so far; "
            "each earns its sheet points for the share of its term it held)"
        ]
        total = earned
        levers = self.scenario.actors[actor].levers
        if levers and t.model is not None:
            used = [e[12].split()[1] for e in t.model.recorder.events if e[3] == "leverage" and e[1] == actor]
            cost = sum(lever_cost(levers[x].strength.value) for x in used if x in levers)
            lines.append(f"Pressure applied {len(used)} times: {-cost:+.1f} points (pressure is not free)")
            total -= cost
        lines.append(f"Your points so far: {total:+.1f}")
        return lines

    def _revealed(self, t: Table) -> list[str]:
        lines = []
        for a, s in t.strategies.items():
            name = self.scenario.actors[a].name
            lines.append(f"{name} was played by an agent with the {STRATEGIES[s].name} strategy.")
        result = t.result()
        if result is not None:
            tot = result.totals
            lines.append(
                f"At {t.name}: {tot['violations_true']} true violations, "
                f"{tot['violations_detected']} of them detected; {tot['false_accusations']} false alarms; "
                f"{tot['disputed_incidents']} disputed "
                "incidents (blamed by both sides)."
            )
        return lines

    def epilogue(self) -> list[str]:
        """What actually happened in 2025, each phase beside the class's tables and the model's runs,
        all counted over the same days: those the record covers (day 0 to ``patterns.HORIZON``)."""
        titles = {p: x.title for p, x in self.scenario.phases.items()}
        ep = epilogue(titles)
        lines = epilogue_lines(ep)
        out, n = lines[:1], len(self.tables)
        for i, reality in enumerate(ep.phases):
            p = reality.phase
            entered = 0
            for t in self.tables:
                day = None if t.model is None else t.model.by_id[p].entered_day
                entered += day is not None and day <= RECORD_DAYS
            text = f"  By day {RECORD_DAYS}, in this class: in force at some point at {entered} of {n} tables"
            if self._ensemble is not None:
                text += f"; in the model: in {self._ensemble.reached[p]:.0%} of {self._ensemble.runs} runs"
            out += [lines[1 + i], text + "."]
        out += lines[1 + len(ep.phases) :]
        return out

    def console(self) -> ConsoleView:
        with self.lock:
            ex = self.loaded.exercise
            return ConsoleView(
                class_code=self.class_code,
                exercise=ex.name,
                round=self.round,
                day=min((t.day for t in self.tables), default=0),
                horizon=self.horizon,
                round_days=self.round_days,
                paused=self.paused,
                revealed=self.revealed,
                ended=self.ended,
                tables=tuple(t.state(FACILITATOR) for t in self.tables),
                injects=tuple((i, inj.day, inj.text, self.fired.get(i)) for i, inj in enumerate(ex.injects)),
                codes=tuple(
                    (t.number, a, seat.name, seat.code) for t in self.tables for a, seat in t.seats.items()
                ),
                epilogue=tuple(self.epilogue()) if self.revealed else (),
            )

    def projector(self) -> ProjectorView:
        with self.lock:
            tables = tuple(t.state(None) for t in self.tables)
            timelines = {t.number: t.timeline() for t in self.tables}
            ensemble = self._ensemble
            epilogue = tuple(self.epilogue()) if self.revealed else ()
        outcome_names = {NO_TRUCE: "no truce"}
        outcome_names.update({o: o.replace("_", " ") for o in self.scenario.outcomes})
        return ProjectorView(
            class_code=self.class_code,
            round=self.round,
            day=min((t.day for t in tables), default=0),
            tables=tables,
            timelines=timelines,
            ensemble=ensemble,
            outcome_names=outcome_names,
            phase_titles={p: x.title for p, x in self.scenario.phases.items()},
            epilogue=epilogue,
        )

    def ensemble(self) -> Ensemble:
        """The agents' runs of the class code (computed once; slow: call it from a thread).

        The scenario as written, runs 0 ... N-1 of the class seed: the ensemble the exercise's
        handout shows. A table's hidden agents differ from it only in the strategies of its empty
        seats, drawn when the first round starts.
        """
        with self.lock:
            if self._ensemble is not None:
                return self._ensemble
            played = self.scenario
        from sim.experiments.engines import run_block
        from sim.plots import ensemble as ens

        phases = list(self.scenario.phases)
        block = run_block("batch", played, range(self.ensemble_runs), self.seed, record=True)
        status = [f"{p}_status" for p in phases]
        assert block.days is not None
        frame = block.days[["run", "day", *status]].astype({c: str for c in status})
        made = Ensemble(
            runs=self.ensemble_runs,
            occupancy=ens.occupancy_frame(frame, phases),
            outcomes=ens.outcomes_frame(pd.DataFrame(block.rows), [NO_TRUCE, *self.scenario.outcomes]),
            last_day=int(frame["day"].max()),
            reached={
                p: sum(
                    r[f"{p}_entered_day"] is not None and r[f"{p}_entered_day"] <= RECORD_DAYS
                    for r in block.rows
                )
                / len(block.rows)
                for p in phases
            },
            by_day=_outcome_by_day(self.scenario, frame),
            outcome_ids=(NO_TRUCE, *self.scenario.outcomes),
        )
        with self.lock:
            self._ensemble = made
            self._changed()
        return made

    # -- the facilitator ------------------------------------------------------------------------
    def advance_round(self) -> None:
        """The next round: every table plays on ``round_days`` days, or until a seat must answer."""
        with self.lock:
            if self.ended:
                raise SessionError("the session has ended")
            if any(t.waiting is not None for t in self.tables):
                waiting = [t.name for t in self.tables if t.waiting is not None]
                raise SessionError(f"{', '.join(waiting)} still waiting for an answer: the round goes on")
            if self.round == 0:
                for t in self.tables:
                    t.start()
            if self.target_day >= self.horizon:
                raise SessionError("the last round has been played: End the session")
            self.round += 1
            self.target_day = min(self.horizon, self.round * self.round_days)
            self.paused = False
            self._play()
            self._changed()

    def _play(self) -> None:
        if self.paused:
            return
        for t in self.tables:
            if t.model is not None and t.waiting is None and (t.stale or t.model.day < self.target_day):
                t.run_to(self.target_day)

    def pause(self) -> None:
        with self.lock:
            self.paused = True
            self._changed()

    def resume(self) -> None:
        with self.lock:
            self.paused = False
            self._play()
            self._changed()

    def fire_inject(self, index: int) -> None:
        """Read out the exercise's inject ``index`` at every table; with a strike, struck tomorrow."""
        with self.lock:
            injects = self.loaded.exercise.injects
            if not 0 <= index < len(injects):
                raise SessionError(f"no inject {index} in {self.loaded.exercise.name}")
            if self.round == 0:
                raise SessionError("start the first round before firing an inject")
            inj = injects[index]
            self.fired[index] = max(t.day for t in self.tables)
            for t in self.tables:
                incident = None
                if inj.strike is not None:
                    incident = Incident(
                        day=t.day + 1,
                        attacker=inj.strike.attacker,
                        domain=inj.strike.domain,
                        target=inj.strike.target,
                        description=inj.text[:200],
                        assumption=INJECT_ASSUMPTION,
                    )
                t.fire(incident, News(t.day, f"News (inject): {inj.text}", PUBLIC))
            self._changed()

    def reveal(self) -> None:
        with self.lock:
            self.revealed = True
            self._changed()

    def end(self) -> None:
        """End the class: every seat goes to its agent, and each table plays on to the horizon, so
        its run can be set in the ensemble."""
        with self.lock:
            if self.round == 0:
                for t in self.tables:
                    t.start()
            for t in self.tables:
                for seat in t.seats.values():
                    seat.agent = True
                t.run_to(self.horizon)
            self.target_day = self.horizon
            self.ended = True
            self._changed()

    def hand_to_agent(self, number: int, actor: str) -> None:
        with self.lock:
            t, seat = self._seat(number, actor)
            seat.agent = True
            if t.waiting is not None and t.waiting.actor == actor:
                t.run_to(self.target_day if not self.paused else t.day)
            self._changed()

    # -- a seat ---------------------------------------------------------------------------------
    def answer(self, number: int, actor: str, key: str, text: str) -> None:
        """A seat's answer to the decision it is asked (``accept``, ``counter ISSUE=V ...``)."""
        with self.lock:
            t, seat = self._seat(number, actor)
            asked = t.waiting
            if asked is None or asked.actor != actor or asked.key != key:
                raise SessionError("that decision is no longer open (the page was out of date)")
            try:
                answer = parse_answer(str(text)[:500], asked.kind, asked.issues)
            except ValueError as exc:
                raise SessionError(str(exc)) from None
            seat.moves[key] = answer
            seat.by_person.add(key)
            if self.paused:
                t.waiting = None  # recorded: played when the class resumes
                t.stale = True
            else:
                t.run_to(self.target_day)
            self._changed()

    def set_orders(
        self,
        number: int,
        actor: str,
        compliance: dict[str, str] | None = None,
        levers: dict[str, str] | None = None,
        withdraw: str | None = None,
    ) -> None:
        with self.lock:
            _t, seat = self._seat(number, actor)
            bad = [d for d in compliance or {} if d not in self.scenario.domains]
            if bad:
                raise SessionError(f"no domain {bad[0]!r} in this scenario")
            bad = [x for x in levers or {} if x not in self.scenario.actors[actor].levers]
            if bad:
                raise SessionError(f"{seat.name} has no lever {bad[0]!r}")
            try:
                seat.orders = seat.orders.changed(compliance, levers, withdraw)
            except ValueError as exc:
                raise SessionError(str(exc)) from None
            self._changed()

    def _changed(self) -> None:
        self.version += 1

    # -- after class ----------------------------------------------------------------------------
    def save(self, folder: Path) -> list[tuple[int, Path, str]]:
        """Each table's game as a folder: ``scenario.yaml`` (the class scenario with the injects it
        was struck by), ``moves.txt`` (every answer), and the command that replays it."""
        from sim.jobs.play import setup_game, write_moves

        with self.lock:
            out = []
            for t in self.tables:
                target = Path(folder) / f"table-{t.number}"
                target.mkdir(parents=True, exist_ok=True)
                data = self.scenario.model_dump(mode="json")
                data["incidents"] = [
                    *data.get("incidents", []),
                    *(i.model_dump(mode="json") for i in t.incidents),
                ]
                path = target / "scenario.yaml"
                path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
                sc = load_scenario(path)
                days = t.day
                setup = setup_game(sc, path, t.played, self.seed, days, None, False)
                lines = [f"{k} | {a}" for seat in t.seats.values() for k, a in seat.moves.items()]
                write_moves(target, setup.header, lines)
                row = t.replayed_row(days)
                if row is not None:
                    pd.DataFrame([row]).to_csv(target / "runs.csv", index=False)
                if not t.played:
                    out.append((t.number, target, "agent-only: run 0 of the class code (ceasefire-sim run)"))
                    continue
                q = shlex.quote
                command = " ".join(
                    ["ceasefire-sim play", f"--scenario {q(str(path))}", f"--seed {self.seed}"]
                    + [f"--as {a}" for a in t.played]
                    + [f"--days {days}", f"--moves {q(str(target / 'moves.txt'))}"]
                    + [f"--out {q(str(target / 'replay'))}"]
                )
                out.append((t.number, target, command))
            return out


def _outcome_by_day(sc: Scenario, frame: pd.DataFrame) -> pd.DataFrame:
    """Each run's outcome on each day, by ``sim.model.results.outcome``'s rule: the outcome of the
    furthest phase in force (outcome precedence, then file order), or no truce."""
    rank = sc.outcome_rank()
    order = sorted(enumerate(sc.phases.items()), key=lambda x: (rank[x[1][1].outcome], x[0]))
    outcome = pd.Series(NO_TRUCE, index=frame.index, dtype=object)
    for _, (p, spec) in order:  # furthest last: it overrides
        outcome[frame[f"{p}_status"].isin(("in_force", "renewed"))] = spec.outcome
    return pd.DataFrame({"run": frame["run"], "day": frame["day"], "outcome": outcome})


def _observation(m: CeasefireModel, actor: str) -> list[str]:
    from sim.model.observation import observe
    from sim.play.views import observation_lines

    return observation_lines(observe(m, actor))


def open_session(
    exercise: str = "leverage",
    class_code: str | None = None,
    tables: int = 3,
    round_days: int = 7,
    seated: Sequence[str] | None = None,
    ensemble_runs: int = 200,
) -> ClassSession:
    """A session from an exercise (its name or file) and a class code (default: the exercise's)."""
    try:
        path = find_exercise(exercise, EXERCISES)
        loaded = load_exercise(path, SCENARIOS)
    except ValueError as exc:
        raise SessionError(str(exc)) from None
    except ScenarioError as exc:
        raise SessionError(str(exc.problems[0]) if exc.problems else str(exc)) from None
    code = class_code or loaded.exercise.class_code
    try:
        parsed = parse_seed(code)
        if parsed.scenario is None or parsed.scenario == loaded.class_scenario.name:
            scenario, file = loaded.class_scenario, loaded.class_file
        else:
            file = find_scenario(parsed.scenario, SCENARIOS)
            scenario = load_scenario(file)
    except ValueError as exc:
        raise SessionError(str(exc).replace("--seed", "--class-code")) from None
    except ScenarioError as exc:
        raise SessionError(str(exc.problems[0]) if exc.problems else str(exc)) from None
    return ClassSession(loaded, scenario, file, parsed.seed, tables, round_days, seated, ensemble_runs)
