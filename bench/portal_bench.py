"""Portal and contribution-flow benchmark (issues 3 and 4).

    python -m bench.portal_bench [--members 10000] [--contributions 100000] [--flow 300] [--rounds 200]
                                 [--pg-url URL] [--portal-db sqlite|postgresql] [--json out.json] [--quick]

1. Portal pages with N members (issue 3): `coop serve` on a fresh database; the accounts the
   benchmark signs in as (a steward, a member with a key and work, a reviewer) are made through the
   services, then N members are bulk-inserted (bench/portal_seed.py says exactly what that skips).
   Every page is measured three times in one run, same server, same rounds: on the near-empty
   co-op (the baseline), with N members, and with N members and M contributions; each figure is
   given against the 50 ms p99 target and against `/log/checkpoint` in the same rounds.
2. Contributions end to end, in-process (issue 4): draft → own-key signed submit → two reviews →
   acceptance countersigned into the log, through the services as the API calls them, on SQLite
   and PostgreSQL; accepted contributions/s, against raw Ed25519 verifies/s measured in this run.
3. Pages that list or count contributions with M contributions (issue 4): the third measurement
   of step 1 (a member's contributions, the reviewer queue, a task page, a receipt page, ...).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from bench.baseline import raw_verify_rate
from bench.databases import DEFAULT_PG_URL, fresh_database, postgres_problem
from bench.portal_flow import flow_rate
from bench.portal_pages import PageSpec, as_json, load_note, measure_pages, report, sign_in
from bench.portal_seed import PASSWORD, Person, bulk_contributions, bulk_members, open_tasks, service_member
from bench.server import coop_init, coop_serve, new_site
from bench.workload import presign

BASELINE_PAGE = "/log/checkpoint (baseline)"


def _page_list(people: dict[str, Person], task_id: str, contribution_id: str, entry_index: int) -> list[PageSpec]:
    return [
        PageSpec(BASELINE_PAGE, "/log/checkpoint", None),
        PageSpec("/ home (member)", "/", "member"),
        PageSpec("/me profile + keys (member)", "/me", "member"),
        PageSpec("/public-log (anonymous)", "/public-log", None),
        PageSpec("/public-log?index= entry + proof", f"/public-log?index={entry_index}", None),
        PageSpec("/members directory p1 (steward)", "/members", "steward"),
        PageSpec("/members?page=200 (steward)", "/members?page=200", "steward"),
        PageSpec("/members/table?status=applicant (steward)", "/members/table?status=applicant", "steward"),
        PageSpec("/proposals/new (lists applicants)", "/proposals/new", "member"),
        PageSpec("/tasks (member)", "/tasks", "member"),
        PageSpec("/tasks/{id} task page", f"/tasks/{task_id}", "member"),
        PageSpec("/contributions mine (member)", "/contributions", "member"),
        PageSpec("/contributions/{id} receipt (member)", f"/contributions/{contribution_id}", "member"),
        PageSpec("/reviews queue (reviewer)", "/reviews", "reviewer"),
    ]


def _accepted_through_services(
    runtime: Any, author: Person, reviewers: list[Person], task: Any, count: int
) -> list[str]:
    """A few contributions the whole way through the services, so receipt pages show real work."""
    from coop.work.contributions import STATEMENT_KIND
    from provenance.core.signing import sign_statement

    rubric = runtime.policies.version(task.rubric, task.rubric_version).body
    scores = {c["name"]: c["max"] for c in rubric["criteria"]}
    terms = {"permitted_uses": ["model-training", "model-evaluation"], "excluded_sectors": [], "expires": None}
    ids = []
    for i in range(count):
        draft = runtime.contributions.draft(
            author.principal, task.id, f"service answer {i}".encode(), "text/plain", 15, terms
        )
        body = runtime.contributions.statement_body(author.principal, draft.id, bytes(author.key.verify_key))
        runtime.contributions.submit_signed(
            author.principal, draft.id, sign_statement(author.key, STATEMENT_KIND, body)
        )
        for reviewer in reviewers:
            runtime.reviews.review(reviewer.principal, draft.id, scores, "Good.")
        ids.append(draft.id)
    return ids


def bench_portal(args: argparse.Namespace, out: list[str]) -> dict[str, Any]:
    from coop.kernel.db import make_engine
    from coop.kernel.keys import load_signing_key
    from coop.kernel.settings import Settings
    from coop.membership.secrets import set_argon2_cost
    from coop.statements import check_statement
    from provenance.core.note import NoteSigner
    from provenance.service import ProvenanceLog
    from web.runtime import Runtime

    phases: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.portal_db, Path(tmp) / "db", args.pg_url) as db:
        site = new_site(
            Path(tmp) / "site",
            db.url if args.portal_db == "postgresql" else f"sqlite:///{Path(tmp) / 'site' / 'coop.db'}",
        )
        coop_init(site)
        settings = Settings.from_env(site.env())
        engine = make_engine(settings.database_url)
        runtime = Runtime(
            settings,
            engine,
            ProvenanceLog(
                engine,
                NoteSigner(settings.log_origin, load_signing_key(settings.key_file)),
                settings.log_origin,
                check_statement,
            ),
        )
        set_argon2_cost("test-only-minimum")  # many accounts quickly; sign-in still checks a real argon2id hash
        steward_id = runtime.members.create_steward("Bench Steward", "steward@bench.test", PASSWORD)
        steward = runtime.members.principal(steward_id)
        people = {
            "steward": Person(steward, "steward@bench.test", None),
            "member": service_member(runtime, steward, "Bench Author", "member@bench.test"),
            "reviewer": service_member(
                runtime, steward, "Bench Reviewer", "reviewer@bench.test", ("member", "reviewer"), with_key=False
            ),
        }
        helpers = [
            service_member(
                runtime,
                steward,
                f"Helper Reviewer {i}",
                f"helper{i}@bench.test",
                ("member", "reviewer"),
                with_key=False,
            )
            for i in range(2)
        ]
        tasks = open_tasks(runtime, steward, 10)
        mine = _accepted_through_services(runtime, people["member"], helpers, tasks[0], 3)
        entry = runtime.contributions.get(people["member"].principal, mine[0]).acceptance_index
        pages = _page_list(people, tasks[0].id, mine[0], entry)

        def phase(name: str, title: str) -> None:
            engine.dispose()
            with coop_serve(site, Path(tmp) / f"serve-{name}.log"):
                clients = {role: sign_in(site.base_url, person.email, PASSWORD) for role, person in people.items()}
                before = load_note()
                results = measure_pages(site.base_url, clients, pages, args.rounds)
                after = load_note()
                for client in clients.values():
                    client.close()
            out.extend(report(title, results, BASELINE_PAGE, before, after))
            out.append("")
            print("\n".join(out[-(len(pages) + 4) :]), flush=True)
            phases[name] = {"title": title, "load_before": before, "load_after": after, "pages": as_json(results)}

        phase(
            "empty",
            f"Portal, near-empty co-op ({len(people) + len(helpers)} accounts, {len(mine)} contributions): "
            "the baseline",
        )
        ids = bulk_members(runtime, args.members, steward_id)
        phase("members", f"Portal with {args.members:,} bulk members (+{len(people) + len(helpers)} service accounts)")
        authors = [people["member"]] + [
            service_member(runtime, steward, f"Bench Author {i}", f"author{i}@bench.test")
            for i in range(args.authors - 1)
        ]
        counts = bulk_contributions(runtime, tasks, authors, ids[::20], args.contributions)
        out.append(
            f"Seeded {args.contributions:,} contributions over {len(authors)} authors and {len(tasks)} tasks: "
            f"{counts}; the measured member wrote ~{args.contributions // len(authors):,}, "
            f"the reviewer's queue holds ~{counts['submitted']:,}"
        )
        phase("contributions", f"Portal with {args.members:,} members and {args.contributions:,} contributions")
        runtime.close()
    return phases


def bench_flow(args: argparse.Namespace, out: list[str]) -> dict[str, Any]:
    statements = presign(2000, run="portal-baseline")
    verify_rate, _ = raw_verify_rate(statements, 0.5, 3)
    out.append(f"Baseline: raw Ed25519 VerifyKey.verify {verify_rate:,.0f}/s per CPU-second (one core), {load_note()}")
    results: dict[str, Any] = {"raw_verify_per_s": verify_rate}
    kinds = ["sqlite"] + (["postgresql"] if not (problem := postgres_problem(args.pg_url)) else [])
    if problem:
        out.append(f"PostgreSQL skipped: {problem}")
    for kind in kinds:
        before = load_note()
        result = flow_rate(kind, args.flow, args.pg_url)
        stages = ", ".join(f"{k} {v:.1f} ms" for k, v in result["stages_ms"].items())
        out.append(
            f"End to end on {kind}: {result['per_s']:.1f} accepted contributions/s "
            f"({result['count']} in {result['seconds']:.1f} s; "
            f"= {result['per_s'] / verify_rate:.5f}× raw verify; "
            f"{1000 / result['per_s']:.1f} ms each: {stages}) [{before}]"
        )
        print(out[-1], flush=True)
        results[kind] = result
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--contributions", type=int, default=100_000)
    parser.add_argument("--authors", type=int, default=200, help="contributors the bulk contributions are spread over")
    parser.add_argument("--flow", type=int, default=300, help="contributions taken end to end per database")
    parser.add_argument("--rounds", type=int, default=200, help="requests per page per measurement")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--portal-db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--skip", choices=("portal", "flow"), action="append", default=[])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--quick", action="store_true", help="smoke run: tiny sizes")
    args = parser.parse_args()
    if args.quick:
        args.members, args.contributions, args.authors, args.flow, args.rounds = 300, 2000, 10, 10, 10
    out: list[str] = []
    result: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    if "flow" not in args.skip:
        result["flow"] = bench_flow(args, out)
    if "portal" not in args.skip:
        result["portal"] = bench_portal(args, out)
    print("\n==== summary ====\n" + "\n".join(out))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
