"""Are two engines' runs equal in distribution? Column-by-column two-sample tests on ``runs.csv`` rows.

The batch engine draws its random numbers differently from the mesa engine, so the two are compared
as samples, not row for row: each column of the runs table gets a two-sample test of "both engines
draw this column from the same distribution", and the whole family of tests is held to one
family-wise error rate by Holm's step-down correction. A column a correct engine gets right fails
with probability at most ``alpha`` across the whole table, whatever the dependence between columns.

Tests, by kind of column:

* categorical (strings, booleans: ``outcome``, ``furthest_phase``, ``*_final_status``): Pearson's
  chi-square test of homogeneity on the 2 x K contingency table (Pearson 1900; ``scipy.stats.
  chi2_contingency``), after pooling categories too rare for its asymptotics (expected count < 5)
  into one; when two categories are left, Fisher's exact test on the 2 x 2 table (Fisher 1922) instead,
  which needs no large counts;
* numeric: the two-sample Kolmogorov-Smirnov test (Smirnov 1939; largest distance between the two
  empirical distribution functions, ``scipy.stats.ks_2samp``), and Welch's t-test of equal means
  (Welch 1947; ``scipy.stats.ttest_ind(equal_var=False)``), valid at these sizes by the central limit
  theorem and more powerful than KS against a shift of the mean, the figure users read. KS is
  conservative with ties (counts): it fails less often than ``alpha``, never more. Not used:
  scipy's two-sample Cramer-von Mises, whose p-value is wrong with ties and unequal sizes (the same
  discrete distribution, 800 against 4,000 runs: KS p = 0.98, Cramer-von Mises p = 1e-9), and
  Anderson-Darling's k-sample test, whose p-value scipy floors at 0.001, so that after a Holm
  correction over about a hundred tests it could never fail;
* nullable numeric (``*_entered_day``: missing when the phase never entered force; ``package_*``):
  the share missing by Fisher's exact test on the 2 x 2 table (present/missing x engine), plus the
  two tests above on the values present;
* a column constant and equal on both sides passes without a test; a column only one side has fails.

Holm (1979): sort the m p-values, multiply the i-th smallest by (m - i + 1), carry the running
maximum, cap at 1; a test fails when its adjusted p-value is at most ``alpha``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

IDENTIFIERS = ("run", "seed", "point", "replicate")
"""Columns that name a run rather than measure it: never compared (``axis:*`` columns neither)."""
ALPHA = 0.01
MIN_VALUES = 5
"""Fewer present values than this on either side: no distribution test (the share test still runs)."""
MIN_EXPECTED = 5.0
"""Pearson's rule of thumb: a chi-square cell should expect at least this many counts."""
COLUMNS = ("column", "test", "statistic", "p", "p_adjusted", "n_a", "n_b", "verdict")
PASS, FAIL, SKIP = "pass", "FAIL", "skipped"


@dataclass(frozen=True)
class Equality:
    """The tidy table of tests (``COLUMNS``) and the family-wise verdict at ``alpha``."""

    table: pd.DataFrame
    alpha: float

    @property
    def passed(self) -> bool:
        return not (self.table["verdict"] == FAIL).any()

    @property
    def failures(self) -> pd.DataFrame:
        return self.table[self.table["verdict"] == FAIL]

    @property
    def tests(self) -> int:
        """Tests in the family (those with a p-value)."""
        return int(self.table["p"].notna().sum())

    def summary(self) -> str:
        """One line: how many tests, the smallest adjusted p-value and where, the verdict."""
        if self.table.empty:
            return "no columns compared"
        tested = self.table[self.table["p_adjusted"].notna()]
        verdict = "equal in distribution" if self.passed else f"{len(self.failures)} test(s) FAIL"
        if tested.empty:
            return f"0 tests (all columns constant or skipped): {verdict}"
        worst = tested.loc[tested["p_adjusted"].idxmin()]
        return (
            f"{self.tests} tests, smallest Holm-adjusted p {worst['p_adjusted']:.3g} "
            f"({worst['column']}, {worst['test']}) at family-wise alpha {self.alpha:g}: {verdict}"
        )


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm's (1979) step-down adjusted p-values, in the input's order (NaN stays NaN, not counted).

    Adjusted p_(i) = max over j <= i of min(1, (m - j + 1) p_(j)) for the sorted p-values: reject
    every hypothesis whose adjusted p is at most alpha, and the family-wise error rate is at most alpha
    under any dependence between the tests.
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = len(idx)
    if m == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out


def compare_runs(
    a: pd.DataFrame,
    b: pd.DataFrame,
    alpha: float = ALPHA,
    ignore: Iterable[str] = IDENTIFIERS,
) -> Equality:
    """Every measured column of runs tables ``a`` and ``b`` tested for equal distribution, Holm at ``alpha``.

    ``ignore``: identifier columns, not compared (``axis:*`` columns never are).
    """
    skip = set(ignore)
    columns = [
        c for c in dict.fromkeys([*a.columns, *b.columns]) if c not in skip and not c.startswith("axis:")
    ]
    records: list[dict] = []
    for col in columns:
        if col not in a.columns or col not in b.columns:
            records.append(_row(col, "present in both", math.nan, math.nan, len(a), len(b), FAIL))
            continue
        records.extend(compare_column(col, a[col], b[col]))
    table = pd.DataFrame(records, columns=list(COLUMNS))
    table["p_adjusted"] = holm(table["p"].to_numpy(dtype=float))
    tested = table["p_adjusted"].notna()
    table.loc[tested, "verdict"] = np.where(table.loc[tested, "p_adjusted"] <= alpha, FAIL, PASS)
    return Equality(table, alpha)


def compare_column(name: str, a: pd.Series, b: pd.Series) -> list[dict]:
    """The tests of one column (rows of the tidy table, unadjusted), chosen by the column's kind."""
    a_missing, b_missing = _missing(a), _missing(b)
    a_vals, b_vals = a[~a_missing], b[~b_missing]
    if _categorical(a_vals) or _categorical(b_vals):
        fill = "(missing)"
        return [
            categories(name, a.where(~a_missing, fill).astype(str), b.where(~b_missing, fill).astype(str))
        ]
    rows = []
    if a_missing.any() or b_missing.any():
        rows.append(share_missing(name, a_missing, b_missing))
    rows.extend(distributions(name, _numbers(a_vals), _numbers(b_vals)))
    return rows


def categories(name: str, a: pd.Series, b: pd.Series) -> dict:
    """Chi-square test of homogeneity of a categorical column (Fisher's exact test when 2 x 2).

    Categories whose pooled count would expect fewer than ``MIN_EXPECTED`` in the smaller sample are
    pooled into one; if that pool itself is too small it joins the rarest kept category.
    """
    from scipy.stats import chi2_contingency, fisher_exact

    counts = pd.DataFrame({"a": a.value_counts(), "b": b.value_counts()}).fillna(0).astype(int)
    n_a, n_b = len(a), len(b)
    if len(counts) <= 1:
        return _row(name, "constant", math.nan, math.nan, n_a, n_b, PASS)
    share = min(n_a, n_b) / (n_a + n_b)
    total = counts.sum(axis=1).sort_values(ascending=False)
    kept = [c for c in total.index if total[c] * share >= MIN_EXPECTED]
    rare = [c for c in total.index if c not in kept]
    table = [counts.loc[c].to_numpy() for c in kept]
    if rare:
        pool = counts.loc[rare].sum().to_numpy()
        if pool.sum() * share >= MIN_EXPECTED or not table:
            table.append(pool)
        else:
            table[-1] = table[-1] + pool
    grid = np.array(table).T  # 2 x K
    if grid.shape[1] == 1:
        return _row(name, "constant after pooling rare", math.nan, math.nan, n_a, n_b, PASS)
    if grid.shape[1] == 2:
        odds, p = fisher_exact(grid)
        return _row(name, "Fisher exact (categories)", float(odds), float(p), n_a, n_b)
    res = chi2_contingency(grid, correction=False)
    return _row(
        name, f"chi-square ({grid.shape[1]} categories)", float(res.statistic), float(res.pvalue), n_a, n_b
    )


def share_missing(name: str, a_missing: pd.Series, b_missing: pd.Series) -> dict:
    """Fisher's exact test of the share of missing values (e.g. a phase that never entered force)."""
    from scipy.stats import fisher_exact

    ma, mb = int(a_missing.sum()), int(b_missing.sum())
    n_a, n_b = len(a_missing), len(b_missing)
    if (ma == 0 and mb == 0) or (ma == n_a and mb == n_b):
        return _row(name, "share missing: constant", math.nan, math.nan, n_a, n_b, PASS)
    odds, p = fisher_exact([[ma, n_a - ma], [mb, n_b - mb]])
    return _row(name, "share missing (Fisher exact)", float(odds), float(p), n_a, n_b)


def distributions(name: str, a: np.ndarray, b: np.ndarray) -> list[dict]:
    """Kolmogorov-Smirnov and Welch's t two-sample tests of the values present."""
    from scipy.stats import ks_2samp, ttest_ind

    n_a, n_b = len(a), len(b)
    if n_a == 0 and n_b == 0:
        return []
    if min(n_a, n_b) < MIN_VALUES:
        return [
            _row(name, f"distribution: fewer than {MIN_VALUES} values", math.nan, math.nan, n_a, n_b, SKIP)
        ]
    if np.unique(np.concatenate([a, b])).size == 1:
        return [_row(name, "constant", math.nan, math.nan, n_a, n_b, PASS)]
    with warnings.catch_warnings():  # "exact calculation unsuccessful": it falls back to asymptotics
        warnings.simplefilter("ignore", RuntimeWarning)
        ks = ks_2samp(a, b)
        welch = ttest_ind(a, b, equal_var=False)
    p_welch = float(welch.pvalue) if np.isfinite(welch.pvalue) else 1.0  # both constant: no difference
    return [
        _row(name, "Kolmogorov-Smirnov", float(ks.statistic), float(ks.pvalue), n_a, n_b),
        _row(name, "Welch t (means)", float(welch.statistic), p_welch, n_a, n_b),
    ]


def _row(column: str, test: str, statistic: float, p: float, n_a: int, n_b: int, verdict: str = "") -> dict:
    return dict(zip(COLUMNS, (column, test, statistic, p, math.nan, n_a, n_b, verdict), strict=True))


def _missing(s: pd.Series) -> pd.Series:
    return s.isna()


def _categorical(values: pd.Series) -> bool:
    """Strings, booleans or categories (present values only); numbers stored as objects are numeric."""
    if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(values.dtype):
        return True
    if pd.api.types.is_numeric_dtype(values.dtype):
        return False
    return any(isinstance(v, str | bool | np.bool_) for v in values)


def _numbers(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values).to_numpy(dtype=float)
