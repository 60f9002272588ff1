"""Jobs: the pipelines that write an output folder, as library functions a notebook, a benchmark, the
tests and the command line call the same way.

* :func:`run_to_folder`: simulate an ensemble and write a run folder (tables, summary, report);
  :func:`write_run_folder` is its writer, shared with the benchmark (and play and validate);
* :func:`perform_sweep`: plan, run (or resume) a parameter sweep into a folder;
* :func:`analyze_folder`: Sobol or Morris indices of a finished sweep's folder;
* :func:`report_folder` / :func:`write_folder_report`: (re)build a folder's report.html.

Every job holds its folder's lock for as long as it writes (:mod:`sim.experiments.folder`), reports
progress through callbacks, and ends on bad input with :class:`JobError` (one line per problem,
``code`` 2) before anything is written where it can. Printing is the caller's: jobs return what they
did. This layer sits above ``sim.reports`` and below ``sim.play``, ``sim.teaching`` and ``sim.cli``.
"""

from sim.jobs.common import JobError
from sim.jobs.report import ReportOutcome, report_folder, write_folder_report
from sim.jobs.run import RunOutcome, run_tables, run_to_folder, write_run_folder
from sim.jobs.sweep import (
    AnalysisOutcome,
    SweepOptions,
    SweepOutcome,
    SweepPlan,
    analyze_folder,
    perform_sweep,
)

__all__ = [
    "AnalysisOutcome",
    "JobError",
    "ReportOutcome",
    "RunOutcome",
    "SweepOptions",
    "SweepOutcome",
    "SweepPlan",
    "analyze_folder",
    "perform_sweep",
    "report_folder",
    "run_tables",
    "run_to_folder",
    "write_folder_report",
    "write_run_folder",
]
