"""`coop serve` with a clock the test moves: `python -m tests.browser.clocked_serve serve --host … --port …`.

Browser tests that need time to pass on the server (a vote's close, a session's idle limit) start
the service with this instead of the `coop` script, and move its clock forward instead of sleeping
(`CoopServer.move_clock_past`). It runs the real command line (`web.cli.main`) with one change: the
runtime it builds reads the time as the real time plus an offset in seconds, read from the file
named by COOP_TEST_CLOCK_FILE at every call. Production code has no such seam: only this test
launcher puts one in.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path

from coop.kernel.db import utcnow
from coop.kernel.settings import Settings
from web.runtime import Runtime


class OffsetClock:
    """The real time, plus the offset (seconds) the test last wrote to the file."""

    def __init__(self, path: Path):
        self.path = path

    def __call__(self) -> datetime:
        return utcnow() + timedelta(seconds=float(self.path.read_text()))


def main() -> int:
    import web.app
    from web.cli import main as coop_main

    assert callable(getattr(web.app, "build_runtime", None)), (
        "web.app no longer assembles the service with build_runtime"
    )
    clock = OffsetClock(Path(os.environ["COOP_TEST_CLOCK_FILE"]))
    build_runtime = web.app.build_runtime  # what create_app calls to assemble the service

    def build_runtime_on_the_test_clock(settings: Settings) -> Runtime:
        return dataclasses.replace(build_runtime(settings), clock=clock)

    web.app.build_runtime = build_runtime_on_the_test_clock
    return coop_main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
