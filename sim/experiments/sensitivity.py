"""Sensitivity analysis of a sweep with SALib: which assumptions decide the outcomes?

Sobol first- and total-order indices with confidence intervals for ``sobol`` designs (Saltelli
2002; Jansen 1999), first-order Sobol indices estimated from the given sample for ``lhs`` designs
(RBD-FAST: Tarantola et al. 2006, Plischke 2010, bias-corrected as Tissot & Prieur 2012), Morris
mu* and sigma for ``morris`` designs (Morris 1991; Campolongo et al. 2007). The model output for each
design point is its mean over replicates; replicates share seeds across points (common random
numbers), which keeps seed noise from inflating the indices.

Which to use: Saltelli's estimators need samples x (axes + 2) runs and, for an output that is 0 or 1
per run and a path that a small change sends elsewhere, know S1 only to about +/- 0.1 with a hundred
axes and 128 samples; the given-data S1 of an ``lhs`` design of as many runs is known to about
+/- 0.005 (every run informs every axis), but gives no total order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments.designs import Design

SOBOL_RESAMPLES = 200
RBD_HARMONICS = 10
RBD_RESAMPLES = 50
"""Bootstrap resamples for the intervals of RBD-FAST (each costs a full pass over the sample)."""
INDICES = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "lhs": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "sigma", "mu"),
}
"""The indices each method reports, as the columns of ``sensitivity.parquet`` (an ``lhs`` design has
no total order: its ``ST`` and ``ST_conf`` are empty, NaN)."""

HEADLINE = ("reached_full_ceasefire", "share_no_truce")
"""The outputs a study of the baseline asks about first: "a full ceasefire ever in force" (the share of
runs in which the full ceasefire entered into force at least once) and "no truce at the horizon" (the
share of runs in which no truce holds on the last day)."""

GROUPS = {
    "position": "the article's positions and what is on the table",
    "battlefield": "the battlefield, forces, aid, beliefs and the costs of war",
    "bargaining": "demands, levers, mediation and acceptance",
    "compliance": "trust, compliance, detection and perception",
    "timing": "process timing: rounds, deadlines, truce terms, patience",
    "humanitarian": "prisoner exchanges",
}
"""Kinds of assumption, to read a ranking by (see :func:`axis_group`)."""

_BATTLEFIELD_DYNAMICS = {"cost_of_war"}
_BARGAINING_DYNAMICS = {"acceptance_noise", "commitment_risk", "max_pressure", "mediator_flexibility"}
_BARGAINING_DYNAMICS |= {"pressure_decay", "pressure_weight"}


def axis_group(path: str) -> str:
    """The kind of assumption a parameter path is, one of :data:`GROUPS` (``other`` if none)."""
    parts = path.removesuffix(".value").split(".")
    head, last = parts[0], parts[-1]
    if ".positions." in f".{path}." or last == "status_quo" or "third_party" in parts:
        return "position"
    if head == "phases" or last == "patience_days":
        return "timing"
    if head in ("battlefield", "domains") or "forces" in parts or "aid" in parts:
        return "battlefield"
    if head == "actors" and last in ("capability", "resolve"):
        return "battlefield"
    if head == "humanitarian":
        return "humanitarian"
    if head == "monitoring" or "trust" in parts or last in ("compliance", "violation_tolerance"):
        return "compliance"
    if "concession" in parts or "levers" in parts:
        return "bargaining"
    if head == "dynamics":
        if last in _BATTLEFIELD_DYNAMICS:
            return "battlefield"
        return "bargaining" if last in _BARGAINING_DYNAMICS else "compliance"
    return "other"


def outcome_label(outcome: str) -> str:
    """What an analysed output measures, in words: ``reached_full_ceasefire`` -> "full ceasefire ever
    in force"; ``share_no_truce`` -> "no truce at the horizon"."""
    kind, _, name = outcome.partition("_")
    words = name.replace("_", " ")
    if kind == "share":
        return "no truce at the horizon" if name == "no_truce" else f"{words} holds at the horizon"
    if kind == "reached":
        return f"{words} ever in force"
    if outcome.endswith("_days_in_force"):
        return f"days the {outcome.removesuffix('_days_in_force').replace('_', ' ')} was in force"
    return outcome.replace("_", " ")


def outcome_matrix(
    runs: pd.DataFrame, n_points: int, outcomes: Sequence[str], phases: Sequence[str]
) -> pd.DataFrame:
    """Per design point (in design order), the mean of each analysed outcome over its replicates."""
    frame = pd.DataFrame({"point": runs["point"]})
    for o in outcomes:
        frame[f"share_{o}"] = (runs["outcome"] == o).astype(float)
    for p in phases:
        frame[f"reached_{p}"] = runs[f"{p}_entered_day"].notna().astype(float)
        frame[f"{p}_days_in_force"] = runs[f"{p}_days_in_force"].astype(float)
    frame["violations_undetected"] = runs["violations_undetected"].astype(float)
    means = frame.groupby("point").mean().reindex(range(n_points))
    if means.isna().any().any():
        missing = means.index[means.isna().any(axis=1)].tolist()
        raise ValueError(f"design points without runs: {missing[:10]} (resume the sweep first)")
    return means


def analyze(design: Design, means: pd.DataFrame, seed: int) -> pd.DataFrame:
    """One row per (outcome, axis): the indices SALib computes for this design."""
    if design.problem is None or design.matrix is None:
        raise ValueError(f"a {design.kind} design has no sensitivity analysis (use sobol, lhs or morris)")
    rows = []
    varying = {o: means[o].to_numpy(dtype=float) for o in means.columns}
    varying = {o: y for o, y in varying.items() if np.ptp(y) > 0.0}
    given = random_balance(design.matrix, varying, seed + 1) if design.kind == "lhs" else {}
    for outcome in means.columns:
        if outcome not in varying:
            for name in design.axes:
                rows.append({"outcome": outcome, "axis": name, "constant_output": True})
            continue
        y = varying[outcome]
        res = given[outcome] if outcome in given else _salib_indices(design, y, seed)
        for i, name in enumerate(design.axes):
            values = {k: res[k][i] if k in res else np.nan for k in INDICES[design.kind]}
            rows.append({"outcome": outcome, "axis": name, **values})
    out = pd.DataFrame(rows)
    if "constant_output" in out:
        out["constant_output"] = out["constant_output"].fillna(False).astype(bool)
    return out


def _salib_indices(design: Design, y: np.ndarray, seed: int) -> dict:
    """SALib's result for one output of a sobol, lhs or morris design."""
    if design.kind == "sobol":
        from SALib.analyze import sobol

        return sobol.analyze(
            design.problem, y, calc_second_order=False, num_resamples=SOBOL_RESAMPLES, seed=seed + 1
        )
    if design.kind == "lhs":
        return random_balance(design.matrix, {"y": y}, seed + 1)["y"]
    if design.kind == "morris":
        from SALib.analyze import morris

        return morris.analyze(design.problem, design.matrix, y, num_levels=design.levels, seed=seed + 1)
    raise ValueError(f"no sensitivity analysis for a {design.kind} design")


def random_balance(
    matrix: np.ndarray,
    outputs: dict[str, np.ndarray],
    seed: int,
    harmonics: int = RBD_HARMONICS,
    resamples: int = RBD_RESAMPLES,
) -> dict[str, dict[str, np.ndarray]]:
    """First-order Sobol indices from a given sample (RBD-FAST), per output: ``{"S1", "S1_conf"}``.

    SALib's ``rbd_fast`` estimator (Tarantola et al. 2006; Plischke 2010's reordering; the bias
    correction of Tissot & Prieur 2012): order the outputs by each input, read the share of their
    spectrum in the first ``harmonics`` frequencies. The interval (``S1_conf``, the half-width of the
    95% interval) is SALib's too: the spread of the estimate over ``resamples`` bootstrap half-samples.
    Computed with arrays over all axes, each ordering (which depends only on the inputs) shared by
    every output: SALib's loop took minutes per output for 16,384 runs and 113 axes, this takes
    seconds for all of them. The point estimates equal SALib's (tested).
    """
    from scipy.stats import norm

    x = np.asarray(matrix, dtype=float)
    n = len(x)
    m = min(harmonics, max(1, (n - 1) // 2 - 1))  # more points than 2M are needed
    ys = {k: np.asarray(y, dtype=float) for k, y in outputs.items()}
    order = _balanced_order(x)
    first = {k: _first_order(y[order], m) for k, y in ys.items()}
    boots: dict[str, list[np.ndarray]] = {k: [] for k in ys}
    rng = np.random.default_rng(seed)
    for _ in range(resamples):
        rows = rng.choice(n, replace=True, size=n // 2)
        half = _balanced_order(x[rows])
        for k, y in ys.items():
            boots[k].append(_first_order(y[rows][half], m))
    z = norm.ppf(0.975)
    return {
        k: {
            "S1": first[k],
            "S1_conf": z * np.std(boots[k], axis=0, ddof=1)
            if resamples > 1
            else np.full_like(first[k], np.nan),
        }
        for k in ys
    }


def _first_order(permuted: np.ndarray, harmonics: int) -> np.ndarray:
    """Per column: the share of the spectrum in the first harmonics, bias-corrected (Tissot & Prieur)."""
    from scipy.signal import periodogram

    _, pxx = periodogram(permuted, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s1 = pxx[1 : harmonics + 1].sum(axis=0) / pxx[1:].sum(axis=0)
    lam = 2 * harmonics / len(permuted)
    return s1 - lam / (1 - lam) * (1 - s1)


def _balanced_order(x: np.ndarray) -> np.ndarray:
    """Per column, the rows in the order that makes the input rise then fall (Plischke 2010)."""
    order = np.argsort(x, axis=0, kind="quicksort")
    return np.concatenate([order[::2], order[1::2][::-1]], axis=0)


def ranking(indices: pd.DataFrame, outcome: str, by: str | None = None) -> pd.DataFrame:
    """Axes ranked for one outcome, most influential first: by ``by`` (an index column, e.g. ``S1``),
    else by total order (Sobol) or mu* (Morris)."""
    sub = indices[indices["outcome"] == outcome]
    key = by or next((k for k in ("ST", "S1", "mu_star") if k in sub and not sub[k].isna().all()), "ST")
    if key not in sub or sub[key].isna().all():
        return sub
    return sub.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)


def group_totals(indices: pd.DataFrame, outcome: str, key: str = "S1") -> pd.Series:
    """For one outcome, the sum of an index over the axes of each kind (:func:`axis_group`), largest first.

    First-order indices add up: their sum over a group is the share of the output's variance the
    group's assumptions explain one at a time (interactions not counted).
    """
    sub = indices[indices["outcome"] == outcome]
    if key not in sub or sub[key].isna().all():
        return pd.Series(dtype=float)
    groups = sub["axis"].map(axis_group)
    return sub.groupby(groups)[key].sum().sort_values(ascending=False)
