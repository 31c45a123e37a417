"""Governance benchmark (issue 5): tally speed, and the proposal page's latency while members vote.

    python -m bench.governance_bench [--ballots 10000] [--voters 60] [--requests 600] [--rate 10 ...]

1. Tallying: the pure tally (yes/no and ranked choice) over N logged ballots from N eligible
   members, with changed votes mixed in; reported against the 1 s target.
2. The proposal page during voting: `coop serve` on a fresh SQLite data directory; voter threads
   cast signed ballots (own keys, through the JSON API) while one client loads the proposal page
   again and again; p50/p99 against the 50 ms target, and the same page's latency with no voting
   going on as the baseline of this run. Two kinds of voting: paced at `--rate` ballots/s (default
   10/s — all 10,000 members of a large co-op voting within one hour is 2.8/s), then voters as fast
   as one server process takes them (saturation: the voters use up whatever the server has, so
   this is the worst case, not a rate a vote reaches).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nacl.signing

from bench.server import coop_init, coop_serve, new_site
from governance.ballots import Ballot
from governance.tally import SIMPLE_MAJORITY, tally_ranked, tally_yes_no


def bench_tally(ballots: int) -> dict[str, float]:
    closes = datetime(2026, 12, 1, tzinfo=UTC)
    voters = [f"m{i:06d}" for i in range(ballots)]
    rng = random.Random(7)
    yes_no = [
        Ballot(i, v, closes - timedelta(minutes=1), rng.choice(("yes", "no", "abstain"))) for i, v in enumerate(voters)
    ]
    yes_no += [Ballot(ballots + i, v, closes, "yes") for i, v in enumerate(voters[: ballots // 10])]  # changed votes
    options = ["A", "B", "C", "D", "E"]
    ranked = [
        Ballot(i, v, closes - timedelta(minutes=1), tuple(rng.sample(options, rng.randint(1, 5))))
        for i, v in enumerate(voters)
    ]
    timings = {}
    for name, run in (
        (
            "yes-no",
            lambda: tally_yes_no(yes_no, eligible=voters, closes_at=closes, quorum_bps=3000, threshold=SIMPLE_MAJORITY),
        ),
        ("ranked", lambda: tally_ranked(ranked, options=options, eligible=voters, closes_at=closes, quorum_bps=3000)),
    ):
        best = min(_timed(run) for _ in range(3))
        timings[name] = best
    return timings


def _timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


VOTER_THREADS = 4


def voting_threads(
    base_url: str, proposal_id: str, people: list[Any], rate: float | None, stop: threading.Event, cast: list[int]
) -> list[threading.Thread]:
    """VOTER_THREADS threads (not started) casting signed ballots at `rate` per second together
    (None: as fast as the server takes them; 0: no voting), counting them in cast[0] until `stop`."""
    if rate == 0:
        return []
    return [
        threading.Thread(
            target=_vote_loop,
            args=(
                base_url,
                proposal_id,
                people[i::VOTER_THREADS],
                stop,
                cast,
                None if rate is None else VOTER_THREADS / rate,
            ),
        )
        for i in range(VOTER_THREADS)
    ]


def seed_vote(site: Any, voters: int, voting_minutes: int) -> tuple[str, str, list[Any]]:
    """A co-op with `voters` members holding their own keys and API tokens, and one open
    resolution: (proposal id, a reader's token, voters as (principal, key, token))."""
    from coop.kernel.settings import Settings
    from coop.membership.keys import REGISTRATION
    from coop.membership.secrets import set_argon2_cost
    from provenance.core.signing import sign_statement
    from web.runtime import build_runtime

    runtime = build_runtime(Settings.from_env(site.env()))
    set_argon2_cost("test-only-minimum")  # setting up many accounts quickly; voting itself signs with own keys
    steward = runtime.members.principal(
        runtime.members.create_steward("Bench Steward", "steward@bench.test", "bench-password")
    )
    people = []
    for i in range(voters):
        account = runtime.members.apply(f"Voter {i}", f"v{i}@bench.test", "bench-password")
        runtime.members.admit(steward, account)
        member = runtime.members.principal(account)
        key = nacl.signing.SigningKey.generate()
        runtime.keys.register_own_key(member, sign_statement(key, REGISTRATION, runtime.keys.registration_body(member)))
        people.append((member, key, runtime.auth.create_token(member, "bench", ["read", "write"])))
    proposal = runtime.governance.propose(
        people[0][0], "resolution", "Bench resolution", "", {"text": "We benchmark."}, voting_minutes=voting_minutes
    )
    runtime.close()
    return proposal.id, people[0][2], people


def bench_page(voters: int, requests: int, rates: list[float | None]) -> dict[str, Any]:
    """`rates`: ballots per second the voter threads aim at together (open loop: each keeps its own
    schedule whatever the server does), or None for as fast as the server takes them (closed loop:
    saturation, whatever capacity the server has the voters use up)."""
    with tempfile.TemporaryDirectory() as tmp:
        site = new_site(Path(tmp) / "site", f"sqlite:///{Path(tmp) / 'site' / 'coop.db'}")
        coop_init(site)
        proposal_id, reader_token, people = seed_vote(site, voters, voting_minutes=60)
        with coop_serve(site, Path(tmp) / "serve.log"):
            idle = _page_latencies(site.base_url, proposal_id, reader_token, requests // 3)
            result = {"idle_p50": _pct(idle, 50), "idle_p99": _pct(idle, 99), "voting": []}
            for rate in rates:
                stop = threading.Event()
                cast = [0]
                threads = voting_threads(site.base_url, proposal_id, people, rate, stop, cast)
                start = time.perf_counter()
                for t in threads:
                    t.start()
                busy = _page_latencies(site.base_url, proposal_id, reader_token, requests)
                stop.set()
                for t in threads:
                    t.join()
                seconds = time.perf_counter() - start
                result["voting"].append(
                    {
                        "rate": rate,
                        "p50": _pct(busy, 50),
                        "p99": _pct(busy, 99),
                        "ballots": cast[0],
                        "ballots_per_s": cast[0] / seconds,
                    }
                )
    return result


def _page_latencies(base: str, proposal_id: str, token: str, n: int) -> list[float]:
    out = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(n):
            start = time.perf_counter()
            response = client.get(f"/api/proposals/{proposal_id}")
            out.append(time.perf_counter() - start)
            response.raise_for_status()
    return out


def _vote_loop(
    base: str, proposal_id: str, people: list, stop: threading.Event, cast: list[int], interval: float | None
) -> None:  # type: ignore[type-arg]
    from provenance.core.signing import b64, sign_statement

    due = time.perf_counter()
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            for member, key, token in people:
                if stop.is_set():
                    return
                body = {
                    "proposal": proposal_id,
                    "member": member.account_id,
                    "vote": random.choice(("yes", "no", "abstain")),
                    "cast_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
                }
                statement = sign_statement(key, "ballot", body)
                response = client.post(
                    f"/api/proposals/{proposal_id}/ballots",
                    headers={"Authorization": f"Bearer {token}"},
                    json={
                        "statement": {
                            "kind": "ballot",
                            "body": body,
                            "key": b64(statement.public_key),
                            "sig": b64(statement.signature),
                        }
                    },
                )
                if response.status_code == 201:
                    cast[0] += 1
                if interval is None:
                    time.sleep(0.001)
                else:
                    due += interval
                    time.sleep(max(0.0, due - time.perf_counter()))


def _pct(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--voters", type=int, default=60)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument(
        "--rate",
        type=float,
        action="append",
        default=None,
        help="ballots/s for a paced voting phase (repeatable; default 10); a saturating phase always follows",
    )
    args = parser.parse_args()
    args.rate = args.rate or [10.0]
    tally = bench_tally(args.ballots)
    for name, seconds in tally.items():
        print(
            f"tally {name} of {args.ballots:,} ballots: {seconds * 1000:.1f} ms  "
            f"({seconds:.3f} / 1 s target = {seconds:.3f}×)"
        )
    page = bench_page(args.voters, args.requests, [*args.rate, None])
    print(f"proposal page, idle:   p50 {page['idle_p50']:.1f} ms, p99 {page['idle_p99']:.1f} ms")
    for phase in page["voting"]:
        load = (
            "voters as fast as the server takes them"
            if phase["rate"] is None
            else f"voters aiming at {phase['rate']:g} ballots/s"
        )
        print(
            f"proposal page, voting ({load}; {phase['ballots']:,} ballots cast, {phase['ballots_per_s']:.1f}/s): "
            f"p50 {phase['p50']:.1f} ms, p99 {phase['p99']:.1f} ms  (p99 / 50 ms target = {phase['p99'] / 50:.2f}×; "
            f"busy/idle p99 = {phase['p99'] / max(page['idle_p99'], 1e-9):.2f}×)"
        )


if __name__ == "__main__":
    main()
