"""The dashboard's server process: Solara serving ``app.py``, bound never to outlive its parent.

``python -m sim.dashboard.serve PARENT_PID [solara run options]`` is what the ``app`` command starts.
``app`` stops it on SIGTERM, SIGINT (Ctrl-C) and SIGHUP; this side covers ``app`` dying without a
word (SIGKILL, a crash): on Linux the kernel kills this process with its parent (PR_SET_PDEATHSIG),
and everywhere a watchdog thread ends it once its parent is gone. Either way the port is freed.

Nothing here imports the dashboard: Solara loads ``app.py`` itself, in this process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().with_name("app.py")
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
WATCH_EVERY = 0.5
"""Seconds between the watchdog's looks at the parent."""


def die_with(parent: int) -> None:
    """End this process when ``parent`` ends (and at once if it already has)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a failure here leaves the watchdog
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # gone before we could ask to follow it
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_EVERY)
        os._exit(0)  # at once: Solara's threads would keep the process (and its port) alive

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def main(argv: list[str]) -> None:
    """Follow the parent named first, then run ``solara run app.py`` with the remaining options."""
    parent, options = int(argv[0]), argv[1:]
    die_with(parent)
    from solara.__main__ import cli  # after die_with: importing Solara takes seconds

    cli(["run", str(APP), *options], prog_name="solara")


if __name__ == "__main__":
    main(sys.argv[1:])
