"""Portal page latency over HTTP against the real `coop serve`, signed in as a browser is.

A user signs in through the login form (CSRF token from the form's cookie, then the session
cookie), so every request pays what a browser's does: session lookup, principal, guards, template.
Pages are requested round-robin, so drift in the machine's load lands on every page alike, and
the same rounds include a constant-cost route (`/log/checkpoint`) as the run's own baseline.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import httpx

TARGET_MS = 50.0


@dataclass
class PageSpec:
    label: str
    path: str
    user: str | None  # key into the signed-in clients; None: anonymous


@dataclass
class PageResult:
    label: str
    path: str
    samples: list[float] = field(default_factory=list)  # seconds
    bytes: int = 0

    def pct(self, p: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000


def sign_in(base_url: str, email: str, password: str) -> httpx.Client:
    """A client holding a live session, signed in through the portal's own login form."""
    client = httpx.Client(base_url=base_url, timeout=60)
    client.get("/login").raise_for_status()
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "next": "/me",
            "_csrf_token": client.cookies.get("csrftoken") or "",
        },
    )
    if response.status_code != 303:
        raise RuntimeError(f"sign-in as {email} answered {response.status_code}: {response.text[:300]}")
    return client


def measure_pages(
    base_url: str, clients: dict[str, httpx.Client], pages: list[PageSpec], rounds: int, warmup: int = 3
) -> list[PageResult]:
    anonymous = httpx.Client(base_url=base_url, timeout=60)
    results = [PageResult(p.label, p.path) for p in pages]
    try:
        for round_number in range(warmup + rounds):
            for spec, result in zip(pages, results, strict=True):
                client = clients[spec.user] if spec.user else anonymous
                start = time.perf_counter()
                response = client.get(spec.path)
                elapsed = time.perf_counter() - start
                if response.status_code != 200:
                    raise RuntimeError(
                        f"GET {spec.path} as {spec.user} answered {response.status_code}: {response.text[:300]}"
                    )
                if round_number >= warmup:
                    result.samples.append(elapsed)
                    result.bytes = len(response.content)
    finally:
        anonymous.close()
    return results


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) / {five:.2f} (5 min) on {os.cpu_count()} cores"


def report(title: str, results: list[PageResult], baseline_label: str, load_before: str, load_after: str) -> list[str]:
    base = next(r for r in results if r.label == baseline_label)
    lines = [
        f"{title}  [{load_before} before, {load_after} after]",
        f"  {'page':<46} {'p50 ms':>8} {'p99 ms':>8} {'p99/50ms':>9} {'p99/base':>9} {'KiB':>6}",
    ]
    for r in results:
        lines.append(
            f"  {r.label:<46} {r.pct(50):8.1f} {r.pct(99):8.1f} {r.pct(99) / TARGET_MS:8.2f}× "
            f"{r.pct(99) / max(base.pct(99), 1e-9):8.1f}× {r.bytes / 1024:6.1f}"
        )
    lines.append(
        f"  ({len(base.samples)} requests per page, round-robin; base = {baseline_label}; "
        f"target p99 < {TARGET_MS:.0f} ms)"
    )
    return lines


def as_json(results: list[PageResult]) -> dict[str, dict[str, float]]:
    return {
        r.label: {
            "path": r.path,
            "p50_ms": r.pct(50),
            "p99_ms": r.pct(99),
            "max_ms": max(r.samples) * 1000,
            "n": len(r.samples),
            "bytes": r.bytes,
        }
        for r in results
    }  # type: ignore[dict-item]
