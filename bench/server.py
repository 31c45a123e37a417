"""`coop init` and `coop serve` as subprocesses, exactly as an operator runs them.

The HTTP figures are meant to include everything a deployment pays for (uvicorn, Litestar, JSON
decoding, the thread pool), so the bench starts the real command rather than an in-process app.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.databases import ORIGIN

APPEND_TOKEN = "bench-append-token"


@dataclass(frozen=True)
class CoopSite:
    """One service installation: its data directory, database and settings as environment."""

    data_dir: Path
    database_url: str
    port: int

    @property
    def key_file(self) -> Path:
        return self.data_dir / "log-signing.key"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            COOP_DATA_DIR=str(self.data_dir),
            COOP_DATABASE_URL=self.database_url,
            COOP_LOG_ORIGIN=ORIGIN,
            COOP_APPEND_TOKEN=APPEND_TOKEN,
            COOP_HOST="127.0.0.1",
            COOP_PORT=str(self.port),
        )
        return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def coop_command() -> list[str]:
    """The installed `coop` script beside this interpreter, else the module."""
    script = Path(sys.executable).parent / "coop"
    return [str(script)] if script.exists() else [sys.executable, "-m", "web.cli"]


def new_site(data_dir: Path, database_url: str) -> CoopSite:
    data_dir.mkdir(parents=True, exist_ok=True)
    return CoopSite(data_dir, database_url, free_port())


def coop_init(site: CoopSite) -> None:
    result = subprocess.run([*coop_command(), "init"], env=site.env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"coop init failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


@contextmanager
def coop_serve(site: CoopSite, log_file: Path, *serve_args: str) -> Iterator[subprocess.Popen[bytes]]:
    """Run `coop serve [serve_args]` until the block ends; its stderr (uvicorn's log) goes to `log_file`.

    Access-log lines go to stdout, discarded: they are still formatted and written, as in production.
    """
    with open(log_file, "wb") as log:
        process = subprocess.Popen(
            [*coop_command(), "serve", *serve_args], env=site.env(), stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            _wait_ready(site, process, log_file)
            yield process
        finally:
            _stop(process)


def _wait_ready(site: CoopSite, process: subprocess.Popen[bytes], log_file: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"coop serve exited with {process.returncode}:\n{log_file.read_text()[-3000:]}")
        try:
            if httpx.get(f"{site.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"coop serve did not answer within {timeout}s:\n{log_file.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
