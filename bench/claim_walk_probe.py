"""How a member's claim grows with their own answers (bench/README.md, Submit & next, second round).

    python -m bench.claim_walk_probe [--items 1000] [--steps 640]

One member with their own key answers `--steps` items of one task (nobody else's answers) through
the one-request Submit & next; the POST's median is printed per window of 40 steps. Each claim walks
past every item this member answered since the task's work mark (those items are not done for good),
so the figure grows with the step number. A fresh PostgreSQL database, as the Submit & next bench.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench import submit_next_bench as bench
from bench.databases import DEFAULT_PG_URL
from bench.submit_next_workers import OwnKeyWorker, SqlCounter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=640)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    cli = parser.parse_args()
    args = argparse.Namespace(
        items=max(cli.items, cli.steps + 10),
        answers=0,
        k=5,
        answerers=5,
        iterations=0,
        warmup=0,
        custodial=0,
        small_items=10,
        profile=0,
    )
    with tempfile.TemporaryDirectory() as tmp, bench.fresh_pg_database(cli.pg_url) as url:
        runtime = bench.build_runtime(url, Path(tmp))
        try:
            seeded = bench.seed(runtime, args)
            own = OwnKeyWorker(runtime, seeded["own"], seeded["terms"], SqlCounter(runtime.engine))
            task_id = seeded["big"].task.id
            times = [own.step(task_id)["submit_next"] for _ in range(cli.steps)]
            for start in range(0, cli.steps - 39, 100):
                window = times[start : start + 40]
                print(f"steps {start}-{start + 40}: POST median {statistics.median(window) * 1e3:.1f} ms")
            for client in (own.api, own.portal):
                client.__exit__(None, None, None)
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
