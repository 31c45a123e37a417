"""Witnesses as real processes for the tests: `coop witness keygen` and `coop witness serve`, each
a `python -m web.cli` child with its own key and state file, on a free loopback port."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    env["COOP_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # a witness needs no database
    env["PYTHONPATH"] = str(REPO)
    return env


def coop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args], capture_output=True, text=True, env=_env(), cwd=REPO, timeout=60
    )


@dataclass
class WitnessProcess:
    """One witness: its files, its vkey, and the running process (restartable on the same files)."""

    directory: Path
    name: str
    log_vkeys: list[str]
    vkey: str = ""
    url: str = ""
    process: subprocess.Popen[str] | None = field(default=None, repr=False)

    @property
    def state_file(self) -> Path:
        return self.directory / "state.db"

    def keygen(self) -> WitnessProcess:
        self.directory.mkdir(parents=True, exist_ok=True)
        result = coop("witness", "keygen", "--name", self.name, "--out", str(self.directory / "witness.key"))
        assert result.returncode == 0, result.stderr
        self.vkey = result.stdout.strip()
        return self

    def start(self) -> WitnessProcess:
        args = ["witness", "serve", "--key", str(self.directory / "witness.key"), "--state", str(self.state_file)]
        for vkey in self.log_vkeys:
            args += ["--log", vkey]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", *args, "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            cwd=REPO,
        )
        line = self._first_line(timeout=30)
        assert " listening on " in line, line
        self.url = line.split(" listening on ")[1].split(" ")[0]
        return self

    def _first_line(self, timeout: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if selector.select(timeout=0.1):
                selector.close()
                return self.process.stdout.readline()
            if self.process.poll() is not None:
                break
        selector.close()
        stderr = self.process.stderr.read() if self.process.poll() is not None and self.process.stderr else ""
        raise AssertionError(f"witness {self.name} did not start: {stderr}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses power."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close_pipes()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        if self.process is not None:
            for pipe in (self.process.stdout, self.process.stderr):
                if pipe is not None:
                    pipe.close()
