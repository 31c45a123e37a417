"""Figures, their ratios against the run's baseline, and how they are printed and saved.

A figure on its own says little on a shared 2-core VM; its ratio against raw Ed25519 verification
measured in the same run says how close the log comes to the one cost it cannot avoid. So every
figure carries that ratio (and, where it applies, a second one against a competitor).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

QUIET = 0.3  # cores the rest of the machine may use while a figure still counts as undisturbed


class Disturbable(Protocol):
    @property
    def others_cores(self) -> float: ...


M = TypeVar("M", bound=Disturbable)


@dataclass
class Baseline:
    """Raw single-core Ed25519 verifications per second: the yardstick of every ratio.

    The machine is shared and its load swings, so the baseline is re-measured before each part of
    the run (`bench.baseline.refresh`) and every ratio uses the value measured just before it.
    """

    verify_per_s: float
    remeasure: Callable[[], tuple[float, list[float]]] | None = None
    first_per_s: float = field(init=False)

    def __post_init__(self) -> None:
        self.first_per_s = self.verify_per_s

    @property
    def verify_seconds(self) -> float:
        return 1.0 / self.verify_per_s

    def rate_ratio(self, per_s: float) -> float:
        return per_s / self.verify_per_s

    def latency_ratio(self, seconds: float) -> float:
        """How many raw verifications fit in `seconds`."""
        return seconds / self.verify_seconds


@dataclass
class Figure:
    section: str
    label: str
    value: float
    unit: str
    ratios: dict[str, float] = field(default_factory=dict)  # e.g. {"raw verify": 0.62}
    target: str | None = None
    met: bool | None = None
    others_cores: float | None = None  # CPU the rest of the machine used meanwhile (see Watch)
    extra: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        shown = _format_value(self.value, self.unit)
        ratio = "; ".join(f"{r:.3g} × {name}" for name, r in self.ratios.items())
        others = f"   (others busy: {self.others_cores:.2f} cores)" if self.others_cores is not None else ""
        verdict = ""
        if self.target is not None:
            verdict = f"   [target {self.target}: {'MET' if self.met else 'MISSED'}]"
        return f"  {self.label:<62} {shown:>18}   {ratio}{verdict}{others}"


def _format_value(value: float, unit: str) -> str:
    if unit == "s" and value < 1:
        return f"{value * 1e3:,.3f} ms"
    if unit in ("/s", "appends/s", "entries/s", "verifies/s"):
        return f"{value:,.0f} {unit}"
    if unit == "MiB":
        return f"{value:,.1f} MiB"
    return f"{value:,.2f} {unit}"


class Report:
    """Collects figures, prints each as it is measured, and writes them all as JSON at the end."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.figures: list[Figure] = []
        self.notes: list[str] = []
        self.machine = machine_info()
        self.started = time.time()
        self.baseline: Baseline | None = None
        self.quiet_wait = 0.0  # seconds `settle` may wait for the rest of the machine to calm down
        self.attempts = 1  # measurements `least_disturbed` may repeat when the machine was busy

    def section(self, title: str) -> None:
        print(f"\n== {title} ==  (load average {_loadavg()})", flush=True)

    def add(self, figure: Figure) -> Figure:
        if self.baseline is not None:
            figure.extra.setdefault("baseline_verify_per_s", self.baseline.verify_per_s)
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure

    def least_disturbed(self, what: str, measure: Callable[[], M]) -> M:
        """Repeat a read-only measurement (up to `attempts`) while others kept the machine busy.

        The attempt kept is the one during which the rest of the machine used the least CPU; it is
        chosen by that independent signal, never by the measured value.
        """
        best: M | None = None
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                self.settle(what)
            result = measure()
            if best is None or result.others_cores < best.others_cores:
                best = result
            if result.others_cores < QUIET:
                break
            again = "; measuring again" if attempt < self.attempts else ""
            self.note(f"{what}: attempt {attempt} disturbed (others busy {result.others_cores:.2f} cores){again}")
        assert best is not None
        return best

    def settle(self, before: str, threshold: float = QUIET, window: float = 2.0) -> None:
        """Wait (at most `quiet_wait` s) until the rest of the machine uses < `threshold` cores.

        On a shared VM this trades run time for figures of the log rather than of its neighbours;
        the figures still record how busy the others were while they were measured.
        """
        if self.quiet_wait <= 0:
            return
        deadline = time.monotonic() + self.quiet_wait
        while True:
            with Watch() as watch:
                time.sleep(window)
            if watch.others_cores < threshold or time.monotonic() >= deadline:
                print(f"  (others busy {watch.others_cores:.2f} cores before {before})", flush=True)
                return

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def save(self, out_dir: Path) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(self.started))
        data = {
            "started": stamp,
            "seconds": round(time.time() - self.started, 1),
            "config": self.config,
            "machine": self.machine,
            "load_average_end": _loadavg(),
            "figures": [asdict(f) for f in self.figures],
            "notes": self.notes,
        }
        path = out_dir / f"results-{stamp}{'-quick' if self.config.get('quick') else ''}.json"
        text = json.dumps(data, indent=2, default=str)
        path.write_text(text)
        (out_dir / "latest.json").write_text(text)
        return path

    def summary(self) -> None:
        targets = [f for f in self.figures if f.target is not None]
        if not targets:
            return
        print("\n== Targets ==")
        for f in targets:
            others = f"; others busy {f.others_cores:.2f} cores" if f.others_cores is not None else ""
            print(
                f"  {'MET   ' if f.met else 'MISSED'} {f.section} · {f.label}: "
                f"{_format_value(f.value, f.unit)} (target {f.target}{others})"
            )


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 50)


def _loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def machine_info() -> dict[str, Any]:
    import nacl

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "pynacl": nacl.__version__,
        "sqlite": sqlite3.sqlite_version,
        "load_average_start": _loadavg(),
        **_code_version(),
    }


def _code_version() -> dict[str, Any]:
    """The commit measured, and any uncommitted change to the code under test (others edit it too)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "provenance", "coop", "web", "migrations"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown"}
    return {"commit": commit, "uncommitted": [line.strip() for line in dirty if line.strip()]}


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc), to see who was saturated."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def own_cpu_seconds() -> float:
    """CPU seconds of this process (all threads) and of its children already waited for."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs have spent not idle since boot (/proc/stat; iowait counts as idle)."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Watch:
    """How much CPU the rest of the machine took while a figure was measured.

    The VM is shared: other people's tests compete for its 2 cores. Every figure records
    `others_cores` = (all busy CPU − this process and its children − `pids` − the PostgreSQL backends
    serving the bench) ÷ wall time, so a figure taken while the machine was busy says so instead of
    passing as the log's own speed. (A backend started during the measurement counts from its start.)
    """

    def __init__(self, pids: Sequence[int] = (), database: Callable[[], list[int]] | None = None):
        self.pids = list(pids)
        self.database = database  # PIDs of the database server processes working for the bench
        self.others_cores = 0.0
        self.seconds = 0.0
        self.own_cpu = 0.0
        self.database_cpu = 0.0

    def _database_cpu(self) -> dict[int, float]:
        found = {}
        for pid in self.database() if self.database else []:
            with contextlib.suppress(OSError):  # the backend ended meanwhile
                found[pid] = process_cpu_seconds(pid)
        return found

    def __enter__(self) -> Watch:
        self._database_start = self._database_cpu()
        self._start = (
            time.perf_counter(),
            machine_busy_seconds(),
            own_cpu_seconds(),
            [process_cpu_seconds(p) for p in self.pids],
        )
        return self

    def __exit__(self, *_: object) -> None:
        wall, busy, own, others_start = self._start
        self.seconds = time.perf_counter() - wall
        mine = own_cpu_seconds() - own
        self.own_cpu = mine + sum(process_cpu_seconds(p) - c for p, c in zip(self.pids, others_start, strict=True))
        busy = machine_busy_seconds() - busy
        end = self._database_cpu()
        self.database_cpu = sum(cpu - self._database_start.get(pid, 0.0) for pid, cpu in end.items())
        others = busy - self.own_cpu - self.database_cpu
        self.others_cores = max(0.0, others / self.seconds) if self.seconds > 0 else 0.0


def target_fields(applies: bool, text: str, met: bool) -> dict[str, Any]:
    """Figure keyword arguments for a target; none when the target does not apply to this figure."""
    return {"target": text, "met": met} if applies else {}
