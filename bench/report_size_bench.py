"""License report size (issue 15, part 5): the report a compliance team files, at 10,000 and 100,000
judgments, before and after the per-judgment rows moved to their own file.

    python -m bench.report_size_bench [--sizes 10000,100000] [--tasks 40] [--json out.json]

The report is a pure function of its facts (coop.lineage.report.license_report), so its size is
measured on synthetic facts shaped as the log's entries are (a `contribution.accepted` body with its
signed statement, consent terms, rubric, pay-floor and pay references; a `task.opened` body): N
judgments over `--tasks` tasks, 500 pseudonymous authors, two pay-floor versions, measured seconds
for three judgments in four (the rest free-form, at the task's declared rate), one in fifty below
the floor. Measured per size: the v2 report's canonical bytes (what the bundle signs and a
compliance team files), the judgments file's bytes (the per-judgment rows, a separate download), the
v1 report (the rows inside it, each with v1's summary sentence: exactly the format before this
change), and the time to compute the v2 report and its judgments file. Gzip sizes show what a
compressed filing would be.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from coop.lineage.report import LicenseFacts, judgment_rows, license_report, report_bytes
from coop.lineage.report_pay import JudgmentFacts, judgments_file
from ledger.beancount_export import amount_text
from provenance.core.canonical import canonical_json

FLOORS = {1: {"hourly_minimum": {"EUR": 1800}}, 2: {"hourly_minimum": {"EUR": 2000}}}
RULES = {"excluded_sectors": ["military"], "excluded_uses": ["surveillance"]}
TERMS = {"permitted_uses": ["model-training", "research"], "excluded_sectors": ["military"], "expires": None}


def facts(n: int, tasks: int) -> LicenseFacts:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    task_bodies = [
        {"task": hashlib.sha256(b"task%d" % t).hexdigest()[:32], "kind": "expert-answer", "minutes_per_unit": 20}
        for t in range(tasks)
    ]
    judgments = []
    for i in range(n):
        task = task_bodies[i % tasks]
        floor = 1 if i < n // 2 else 2
        at = (start + timedelta(minutes=3 * i)).isoformat()
        accepted = {
            "statement": {
                "body": {
                    "author": hashlib.sha256(b"author%d" % (i % 500)).hexdigest()[:16],
                    "time": at,
                    "terms": TERMS,
                    "content_sha256": hashlib.sha256(b"content%d" % i).hexdigest(),
                    "item_sha256": hashlib.sha256(b"item%d" % i).hexdigest() if i % 4 else None,
                    "task": task["task"],
                }
            },
            "accepted_at": at,
            "rubric": {"policy": "rubric.expert-answer", "version": 1 + (i * 3 // n)},
            "pay_floor": {"policy": "pay-floor", "version": floor},
            "pay": {"per_unit": 900, "units": 1, "currency": "EUR"},
        }
        seconds = (1200 + (i * 37) % 1400) if i % 4 else None
        if i % 50 == 0 and seconds is not None:
            seconds = 3000  # 900 × 3600 / 3000 = 1080 per hour, below either floor
        judgments.append(JudgmentFacts(1000 + 3 * i, accepted, task, "written" if i % 4 else None, seconds, 600))
    license = {
        "license": "b" * 32,
        "release": "a" * 32,
        "granted_at": (start + timedelta(days=200)).isoformat(),
        "uses": ["model-training"],
        "sector": "health",
        "price": {"amount": 1_800_000, "currency": "EUR"},
        "excluded": {"sector-excluded-by-contributor": 12},
        "consent_rules": {"policy": "consent-rules", "version": 1},
        "included_root": "c" * 64,
    }
    release = {"title": "Clinical QA", "item_count": n + 12}
    return LicenseFacts(3 * n + 2000, license, 999, release, judgments, FLOORS, RULES, "coop.example/log", "key+0+AA")


def v1_report(report: dict[str, Any], rows: list[dict[str, Any]]) -> bytes:
    """The report as it was before this change: every row inside it, each with its summary sentence."""
    old = json.loads(json.dumps(report))
    old["format"] = "coop-ledger-license-report/v1"
    old["fair_work"].pop("groups")
    old["fair_work"]["judgments"] = [
        row
        | {
            "summary": (
                f"{amount_text(row['hourly_rate'], row['currency'])} per hour ({row['source']}) against the floor "
                f"of {amount_text(row['floor'], row['currency'])} (pay-floor v{row['floor_version']})"
            )
        }
        for row in rows
    ]
    return canonical_json(old)


def measure(n: int, tasks: int) -> dict[str, Any]:
    given = facts(n, tasks)
    began = time.perf_counter()
    data = report_bytes(given)
    report_seconds = time.perf_counter() - began
    began = time.perf_counter()
    rows_file = b"".join(judgments_file(judgment_rows(given)))
    rows_seconds = time.perf_counter() - began
    report = license_report(given)
    old = v1_report(report, judgment_rows(given))
    return {
        "judgments": n,
        "groups": len(report["fair_work"]["groups"]),
        "report_bytes": len(data),
        "report_gzip": len(gzip.compress(data)),
        "judgments_file_bytes": len(rows_file),
        "judgments_file_gzip": len(gzip.compress(rows_file)),
        "v1_report_bytes": len(old),
        "v1_report_gzip": len(gzip.compress(old)),
        "report_seconds": round(report_seconds, 2),
        "judgments_file_seconds": round(rows_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = [measure(int(n), args.tasks) for n in args.sizes.split(",")]
    print("| judgments | groups | report (gzip) | judgments file (gzip) | v1 report (gzip) | time: report / file |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['judgments']:,} | {r['groups']} | {r['report_bytes']:,} B ({r['report_gzip']:,}) "
            f"| {r['judgments_file_bytes'] / 1e6:.1f} MB ({r['judgments_file_gzip'] / 1e6:.1f}) "
            f"| {r['v1_report_bytes'] / 1e6:.1f} MB ({r['v1_report_gzip'] / 1e6:.1f}) "
            f"| {r['report_seconds']} s / {r['judgments_file_seconds']} s |"
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    main()
