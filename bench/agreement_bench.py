"""Agreement benchmark (issue 14, part 5): Krippendorff's alpha for a task of 100,000 answers.

    python -m bench.agreement_bench [--items 33334] [--coders-per-item 3] [--repeat 7] [--quick]

Target: alpha for a task of 100,000 answers in under 1 s. The task: `--items` items, each answered by
`--coders-per-item` different contributors drawn from a pool of 300, on a 5-point ordinal scale
(each item has a true score; an answer is that score 60% of the time, one step off otherwise,
kept on the scale), as (item id, coder id, value) triples with string ids — the input
`coop.rules.agreement.alpha` takes.

Measured, each `--repeat` times (median and best, wall clock; CPU seconds of this process beside):
`alpha` at the ordinal, interval and nominal levels, and `agreement_with_consensus` (ordinal,
leave-one-out; no target). Baselines from the same run, on the same answers:
- a raw numpy pass: `np.bincount` of the answers already coded as integer arrays into the
  items × values count matrix (the least any alpha computation does: touch every answer once);
- the `krippendorff` package alone on that count matrix (its share of our figure);
- one Python loop over the triples that only unpacks them (the least a function taking Python
  triples can do).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import krippendorff
import numpy as np

from coop.rules.agreement import Answer, agreement_with_consensus, alpha

TARGET_S = 1.0
SCALE = 5


def make_task(items: int, coders_per_item: int, pool: int = 300, seed: int = 14) -> list[Answer]:
    rng = random.Random(seed)
    coders = [f"member-{i:04d}" for i in range(pool)]
    answers: list[Answer] = []
    for item in range(items):
        truth = rng.randint(1, SCALE)
        for coder in rng.sample(coders, coders_per_item):
            value = truth if rng.random() < 0.6 else truth + rng.choice((-1, 1))
            answers.append((f"item-{item:06d}", coder, min(SCALE, max(1, value))))
    return answers


def _timed(run: Callable[[], Any], repeat: int) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"median_s": statistics.median(walls), "best_s": min(walls), "cpu_median_s": statistics.median(cpus)}


def run(items: int, coders_per_item: int, repeat: int) -> dict[str, dict[str, float]]:
    answers = make_task(items, coders_per_item)
    item_of = np.repeat(
        np.arange(items, dtype=np.int64), coders_per_item
    )  # make_task writes each item's answers together
    value_of = np.array([value for _, _, value in answers], dtype=np.int64) - 1
    counts = np.bincount(item_of * SCALE + value_of, minlength=items * SCALE).reshape(items, SCALE)

    def unpack_only() -> None:
        for _item, _coder, _value in answers:
            pass

    figures = {
        "baseline: numpy bincount of the coded answers": _timed(
            lambda: np.bincount(item_of * SCALE + value_of, minlength=items * SCALE).reshape(items, SCALE), repeat
        ),
        "baseline: krippendorff.alpha on the count matrix": _timed(
            lambda: krippendorff.alpha(value_counts=counts, level_of_measurement="ordinal"), repeat
        ),
        "baseline: one Python loop unpacking the triples": _timed(unpack_only, repeat),
    }
    for level in ("ordinal", "interval", "nominal"):
        figures[f"alpha, {level}"] = _timed(lambda level=level: alpha(answers, level), repeat)
    figures["agreement with the consensus, ordinal"] = _timed(
        lambda: agreement_with_consensus(answers, "ordinal"), max(1, repeat // 2)
    )
    ours = alpha(answers, "ordinal")
    package = float(krippendorff.alpha(value_counts=counts, level_of_measurement="ordinal"))
    assert ours.value is not None and abs(ours.value - package) < 1e-9, (ours, package)
    print(f"{len(answers):,} answers on {items:,} items; ordinal alpha {ours.value:.4f} (= the package on the counts)")
    return figures


def report(figures: dict[str, dict[str, float]]) -> None:
    numpy_s = figures["baseline: numpy bincount of the coded answers"]["median_s"]
    package_s = figures["baseline: krippendorff.alpha on the count matrix"]["median_s"]
    loop_s = figures["baseline: one Python loop unpacking the triples"]["median_s"]
    print(f"{'figure':<50} {'median':>10} {'best':>10} {'cpu':>10} {'× numpy':>9} {'× package':>10} {'× loop':>8}")
    for name, figure in figures.items():
        print(
            f"{name:<50} {figure['median_s'] * 1000:>8.1f}ms {figure['best_s'] * 1000:>8.1f}ms "
            f"{figure['cpu_median_s'] * 1000:>8.1f}ms {figure['median_s'] / numpy_s:>9.0f} "
            f"{figure['median_s'] / package_s:>10.1f} {figure['median_s'] / loop_s:>8.1f}"
        )
    worst = max(figures[f"alpha, {level}"]["median_s"] for level in ("ordinal", "interval", "nominal"))
    verdict = "met" if worst < TARGET_S else "MISSED"
    print(f"target: alpha < {TARGET_S:.0f} s — slowest level {worst * 1000:.0f} ms: {verdict}")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=33_334)
    parser.add_argument("--coders-per-item", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="1,000 items, 3 repeats: checks the bench works")
    args = parser.parse_args()
    if args.quick:
        args.items, args.repeat = 1_000, 3
    report(run(args.items, args.coders_per_item, args.repeat))


if __name__ == "__main__":
    main()
