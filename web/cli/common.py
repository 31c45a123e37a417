"""What the commands share: the running service's parts, built from Settings and closed after."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeAlias

from coop.kernel.settings import Settings

if TYPE_CHECKING:  # for the annotation only: building a runtime loads the database stack, which `coop --help` must not
    from web.runtime import Runtime

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # what `add_*` adds its subcommands to


@contextmanager
def opened(settings: Settings) -> Iterator[Runtime]:
    """The service's parts for one command; the database connections close when it is done."""
    from web.runtime import build_runtime  # start-up speed: see web.cli

    runtime = build_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()
