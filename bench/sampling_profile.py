"""A sampling profiler over every thread of the process: where a request's time goes when the app
runs in threads the caller does not own (Litestar's TestClient runs the app in a portal thread and
sync handlers in worker threads, which cProfile in the calling thread never sees).

Every `interval` seconds the stacks of all other threads are read (`sys._current_frames`); each
function on a stack gets one inclusive sample, the innermost one a self sample. Wall-clock samples:
a thread waiting on PostgreSQL counts as time in the driver's call, which is what a step waits for.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType

_ROOT = str(Path(__file__).resolve().parents[1]) + "/"


class SamplingProfile:
    def __init__(self, interval: float = 0.0005):
        self.interval = interval
        self.inclusive: Counter[str] = Counter()
        self.own: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._skip = {threading.get_ident()}

    def __enter__(self) -> SamplingProfile:
        self._skip.add(threading.get_ident())  # the caller: the client's side, waiting on the app
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = threading.get_ident()
        while not self._stop.is_set():
            for ident, frame in sys._current_frames().items():
                if ident != me and ident not in self._skip and _busy(frame):
                    self._sample(frame)
            time.sleep(self.interval)

    def _sample(self, frame: FrameType | None) -> None:
        self.samples += 1
        seen: set[str] = set()
        innermost = True
        while frame is not None:
            name = f"{_short(frame.f_code.co_filename)}:{frame.f_code.co_name}"
            if innermost:
                self.own[name] += 1
                innermost = False
            if name not in seen:
                self.inclusive[name] += 1
                seen.add(name)
            frame = frame.f_back

    def report(self, top: int = 40, only: tuple[str, ...] = ("coop/", "web/", "provenance/")) -> str:
        """The functions of `only` (the project) by inclusive share of the busy samples, then the
        innermost functions of any module by self share."""
        total = max(self.samples, 1)
        mine = [(n, c) for n, c in self.inclusive.most_common() if n.startswith(only)][:top]
        lines = [f"{self.samples} samples of busy app threads; inclusive share, project functions:"]
        lines += [f"  {c / total:6.1%}  {n}" for n, c in mine]
        lines.append("self share, any module:")
        lines += [f"  {c / total:6.1%}  {n}" for n, c in self.own.most_common(top // 2)]
        return "\n".join(lines)


def _busy(frame: FrameType) -> bool:
    """Not an idle worker or event loop waiting for work (those wait in threading/selectors)."""
    name = frame.f_code.co_name
    file = frame.f_code.co_filename
    return not (
        name in ("wait", "select", "_worker", "get")
        and ("threading" in file or "selectors" in file or "queue" in file or "thread.py" in file)
    )


def _short(path: str) -> str:
    if path.startswith(_ROOT):
        return path[len(_ROOT) :]
    return path.split("/site-packages/", 1)[-1]
