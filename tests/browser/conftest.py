"""Fixtures for the browser tests: the real service, started as an operator starts it, driven by
headless Chromium through Playwright.

Each server runs `coop init`, `coop steward create` and `coop serve` in subprocesses on a fresh data
directory and a free port, on SQLite and on PostgreSQL (a fresh schema, dropped afterwards). A test
that needs time to pass on the server starts it with a clock it moves (`movable_clock=True`,
tests/browser/clocked_serve.py) rather than sleeping. The browser is Debian's Chromium
(/usr/bin/chromium, or COOP_TEST_CHROMIUM); Playwright never downloads one. Without Chromium,
Playwright or PostgreSQL these tests skip locally and FAIL in CI (CI=true).

Every page a test opens is watched: a Content-Security-Policy violation or an uncaught script
error on any of them fails the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import new_database_url

try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        expect,
        sync_playwright,
    )
    from playwright.sync_api import (
        Error as PlaywrightError,
    )
except ImportError as error:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]
    _PLAYWRIGHT_PROBLEM: str | None = f"the playwright package is not installed ({error}); pip install -e '.[test]'"
else:
    _PLAYWRIGHT_PROBLEM = None
    expect.set_options(timeout=10_000)  # explicit waits, generous for a busy 2-core machine

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("COOP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

STEWARD_NAME = "Sam Steward"
STEWARD_EMAIL = "steward@x.test"
STEWARD_PASSWORD = "steward-password-1"
LOG_ORIGIN = "coop-ledger.local/log"  # the default, as an operator who sets nothing gets


def unavailable(reason: str, module_level: bool = False) -> None:
    """Skip locally; in CI a missing prerequisite is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"browser tests need this in CI: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


def require_playwright() -> None:
    """For test modules, before they import Playwright."""
    if _PLAYWRIGHT_PROBLEM is not None:
        unavailable(_PLAYWRIGHT_PROBLEM, module_level=True)


# -- the service -----------------------------------------------------------------------------------


def _coop_command() -> list[str]:
    script = Path(sys.executable).with_name("coop")
    if script.exists():
        return [str(script)]
    found = shutil.which("coop")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from web.cli import main; sys.exit(main())"]


ROOT = Path(__file__).resolve().parents[2]  # where `python -m tests.browser.clocked_serve` finds `tests`


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class CoopServer:
    """A running `coop serve`: its base URL, and its environment for more `coop` commands."""

    url: str
    env: dict[str, str]
    log_file: Path
    process: subprocess.Popen[bytes] | None = None
    steward_email: str = STEWARD_EMAIL
    steward_password: str = STEWARD_PASSWORD
    clock_file: Path | None = None  # set when the server runs on a clock the test moves

    def move_clock_past(self, moment: datetime) -> None:
        """The server's clock jumps to a second after `moment` (never back), as if the test had waited."""
        assert self.clock_file is not None, "this server runs on the real clock: start it with movable_clock=True"
        needed = (moment - datetime.now(UTC)).total_seconds() + 1.0
        if needed > float(self.clock_file.read_text()):
            written = self.clock_file.with_suffix(".new")
            written.write_text(f"{needed:.3f}")
            written.replace(self.clock_file)  # at once: the server never reads a half-written offset

    def coop(self, *args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*_coop_command(), *args],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise AssertionError(f"coop {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def output(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""


def _wait_until_healthy(server: CoopServer, deadline_seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + deadline_seconds
    assert server.process is not None
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextmanager
def running_coop(db_kind: str, data_dir: Path, movable_clock: bool = False, **settings: str) -> Iterator[CoopServer]:
    """`coop init`, a steward, and `coop serve` on a free port; stopped (and its schema dropped) after.
    With `movable_clock`, the service runs on a clock the test moves (`CoopServer.move_clock_past`)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url, drop = new_database_url(db_kind, data_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COOP_")}
    # Every browser signs up from 127.0.0.1: lift the per-address sign-up allowance for the suite's many people.
    env.update(
        {
            "COOP_DATA_DIR": str(data_dir),
            "COOP_DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            "COOP_SIGN_UPS_PER_DAY": "1000",
            **settings,
        }
    )
    server = CoopServer(url="", env=env, log_file=data_dir / "serve.log")
    serve_command = _coop_command()
    if movable_clock:
        server.clock_file = data_dir / "clock-offset-seconds"
        server.clock_file.write_text("0")
        env["COOP_TEST_CLOCK_FILE"] = str(server.clock_file)
        serve_command = [sys.executable, "-m", "tests.browser.clocked_serve"]
    try:
        server.coop("init")
        server.coop(
            "steward",
            "create",
            "--name",
            STEWARD_NAME,
            "--email",
            STEWARD_EMAIL,
            "--password-env",
            "STEWARD_PW",
            STEWARD_PW=STEWARD_PASSWORD,
        )
        for _attempt in range(3):  # a free port can be taken between probing and binding: try another
            port = _free_port()
            server.url = f"http://127.0.0.1:{port}"
            with server.log_file.open("ab") as log:
                server.process = subprocess.Popen(
                    [*serve_command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    cwd=ROOT,
                )
            if _wait_until_healthy(server):
                break
            _stop(server.process)
        else:
            raise AssertionError(f"`coop serve` never answered /healthz; its output:\n{server.output()[-4000:]}")
        yield server
    finally:
        if server.process is not None:
            _stop(server.process)
        drop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def browser_db(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def coop_server(browser_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CoopServer]:
    """One service per database kind, shared by the tests (each test uses its own accounts)."""
    with running_coop(browser_db, tmp_path_factory.mktemp(f"coop-{browser_db}")) as server:
        yield server


@pytest.fixture
def start_coop_server(browser_db: str, tmp_path: Path) -> Iterator[Callable[..., CoopServer]]:
    """start_coop_server(COOP_SESSION_IDLE="3", …) → a service of this test's own, with those settings
    (movable_clock=True: on a clock the test moves)."""
    with ExitStack() as servers:
        started = iter(range(1_000))

        def start(movable_clock: bool = False, **settings: str) -> CoopServer:
            return servers.enter_context(
                running_coop(browser_db, tmp_path / f"coop-{next(started)}", movable_clock, **settings)
            )

        yield start


# -- the browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def browser_prerequisites() -> None:
    """Checked before any server starts, so a machine without a browser skips (or fails) at once."""
    if _PLAYWRIGHT_PROBLEM is not None:
        unavailable(_PLAYWRIGHT_PROBLEM)
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set COOP_TEST_CHROMIUM)")


@pytest.fixture(scope="package")
def chromium(browser_prerequisites: None) -> Iterator[Browser]:
    """One Chromium for the browser tests, closed when they are done: Playwright's sync API keeps an
    event loop running in the main thread while it is open, and tests after these that run their
    own (asyncio.run) would otherwise fail."""
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except PlaywrightError as error:
            unavailable(f"Chromium at {CHROMIUM} does not start under Playwright: {error}")
        yield browser
        browser.close()


@dataclass
class PageProblems:
    """What the browser console said while a test ran, by page URL."""

    csp_violations: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type not in ("error", "warning"):
                return
            line = f"{page.url}: [{message.type}] {message.text}"
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
                self.csp_violations.append(line)
            elif message.type == "error":
                self.other_errors.append(line)

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.script_errors.append(f"{page.url}: {error}"))


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def new_page(chromium: Browser, page_problems: PageProblems) -> Iterator[Callable[..., Page]]:
    """new_page(server, **context options) → a page in a fresh browser context (own cookies)."""
    contexts: list[BrowserContext] = []

    def make(server: CoopServer, **options: Any) -> Page:
        context = chromium.new_context(base_url=server.url, **options)
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page_problems.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    if page_problems.other_errors:  # e.g. "Failed to load resource … 401" for an expected refusal
        print("browser console errors (not failures):", *page_problems.other_errors, sep="\n  ")
    problems = page_problems.csp_violations + page_problems.script_errors
    if problems:
        pytest.fail("the browser reported CSP violations or script errors:\n" + "\n".join(problems), pytrace=False)
