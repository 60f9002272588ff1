"""Sensitivity analysis of a sweep with SALib: which assumptions decide the outcomes?

Sobol first- and total-order indices with confidence intervals for ``sobol`` designs (Saltelli
2002; Jansen 1999), Morris mu* and sigma for ``morris`` designs (Morris 1991; Campolongo et al.
2007). The model output for each design point is its mean over replicates; replicates share seeds
across points (common random numbers), which keeps seed noise from inflating the indices.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments.designs import Design

SOBOL_RESAMPLES = 200
INDICES = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"), "morris": ("mu_star", "mu_star_conf", "sigma", "mu")}
"""The indices each method reports, as the columns of ``sensitivity.parquet``."""


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
        raise ValueError(f"a {design.kind} design has no sensitivity analysis (use sobol or morris)")
    rows = []
    for outcome in means.columns:
        y = means[outcome].to_numpy(dtype=float)
        if np.ptp(y) == 0.0:
            for name in design.axes:
                rows.append({"outcome": outcome, "axis": name, "constant_output": True})
            continue
        res = _salib_indices(design, y, seed)
        for i, name in enumerate(design.axes):
            rows.append({"outcome": outcome, "axis": name, **{k: res[k][i] for k in INDICES[design.kind]}})
    out = pd.DataFrame(rows)
    if "constant_output" in out:
        out["constant_output"] = out["constant_output"].fillna(False).astype(bool)
    return out


def _salib_indices(design: Design, y: np.ndarray, seed: int) -> dict:
    """SALib's result for one output of a sobol or morris design."""
    if design.kind == "sobol":
        from SALib.analyze import sobol

        return sobol.analyze(
            design.problem, y, calc_second_order=False, num_resamples=SOBOL_RESAMPLES, seed=seed + 1
        )
    if design.kind == "morris":
        from SALib.analyze import morris

        return morris.analyze(design.problem, design.matrix, y, num_levels=design.levels, seed=seed + 1)
    raise ValueError(f"no sensitivity analysis for a {design.kind} design")


def ranking(indices: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Axes ranked for one outcome: by total order (Sobol) or mu* (Morris), most influential first."""
    sub = indices[indices["outcome"] == outcome]
    key = "ST" if "ST" in sub else "mu_star"
    if key not in sub or sub[key].isna().all():
        return sub
    return sub.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)
