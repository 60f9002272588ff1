"""The baseline's golden trace: 60 days of run 0, every decision with its numbers.

An intended change to the model is reviewed as a diff of this file. Regenerate it with:

    python run_sim.py trace --days 60 > tests/golden/baseline_seed20250318_run0_60days.txt

Regenerated 2026-12-01 for Model II (issue 13): a battlefield (strengths, aid, the front), beliefs
learned from the fighting, the mediators' single negotiating text, and lifecycle decisions (the
energy truce agreed on day 1, renewal on the value delivered, withdrawal with its reasons, disputed
and misattributed incidents). Every line changed: the old trace was Model I's noisy vote on a fixed
package. The baseline may still be tuned after this date; regenerate then with the command above and
review the diff.

Regenerated again 2026-12-01 (issue 13's review): a violation is a strike the truce failed to
restrain, so its chance is the wartime intensity times the chance of not complying; truces now cut
strikes instead of matching or exceeding the wartime rate. Fewer strike lines, and the trust,
grievance and ripeness that follow from them. An answer's logged pressure is now the pressure in its
gain (that phase's), no longer the sum over phases.
"""

from __future__ import annotations

import difflib

from conftest import ROOT

from sim.experiments.ensemble import run_one
from sim.reports.trace import trace

GOLDEN = ROOT / "tests" / "golden" / "baseline_seed20250318_run0_60days.txt"


def test_baseline_trace_matches_the_golden_file(baseline):
    now = trace(run_one(baseline, baseline.seed, 0, 60))
    expected = GOLDEN.read_text()
    if now != expected:
        diff = "".join(
            difflib.unified_diff(expected.splitlines(True), now.splitlines(True), "golden", "now", n=1)
        )
        raise AssertionError(f"the baseline's trace changed (regenerate if intended):\n{diff[:4000]}")
