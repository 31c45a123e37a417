"""Demo data, so a newcomer's first `coop serve` shows a living co-op.

Demo accounts use fixed, clearly-demo passwords (printed by `coop demo`); never run it on a
production database. Running it twice adds nothing: it stops if the demo steward exists.
"""

from __future__ import annotations

from coop.kernel.errors import Conflict, NotFound
from coop.kernel.principal import Principal
from coop.work.tasks import TaskSpec
from web.demo_work import seed_item_work
from web.runtime import Runtime

DEMO_PASSWORD = "demo-password-123"
DEMO_STEWARD = ("Sam Okonkwo", "steward@demo.coop")
DEMO_MEMBERS = [
    ("Amara Diallo", "amara@demo.coop", "clinical medicine, French", "West Africa", ("member", "reviewer")),
    ("Bo Lindqvist", "bo@demo.coop", "contract law, Swedish", "Nordics", ("member", "reviewer")),
    ("Chidi Eze", "chidi@demo.coop", "Python, data engineering", "West Africa", ("member",)),
    ("Dilnoza Karimova", "dilnoza@demo.coop", "mathematics olympiad coaching", "Central Asia", ("member",)),
]
# A second steward: approves what one steward may not do alone — a payout run (docs/payouts.md), a task
# above the pay ceiling, a steward's report of downstream revenue (docs/two-hands.md).
DEMO_SECOND_STEWARD = ("Ines Moreau", "ines@demo.coop", "bookkeeping, Portuguese", "Iberia", ("member", "steward"))
DEMO_APPLICANTS = [("Elena Ruiz", "elena@demo.coop", "radiology, Spanish", "Iberia")]
DEMO_BUYER = ("Open Model Lab", "Priya Nair", "buyer@demo.coop")


def seed_demo(runtime: Runtime) -> str:
    members = runtime.members
    try:
        steward_id = members.create_steward(*DEMO_STEWARD, DEMO_PASSWORD)
    except Conflict:
        return "demo: already seeded; nothing added"
    steward = _principal(runtime, steward_id)
    runtime.keys.create_custodial_key(steward, DEMO_PASSWORD)
    for name, email, skills, region, roles in [*DEMO_MEMBERS, DEMO_SECOND_STEWARD]:
        account_id = members.apply(name, email, DEMO_PASSWORD, skills, region)
        members.admit(steward, account_id, roles)
        runtime.keys.create_custodial_key(_principal(runtime, account_id), DEMO_PASSWORD)
    for name, email, skills, region in DEMO_APPLICANTS:
        members.apply(name, email, DEMO_PASSWORD, skills, region)
    buyer_id = members.register_buyer(DEMO_BUYER[0], DEMO_BUYER[1], DEMO_BUYER[2], DEMO_PASSWORD)
    contributions, answers = _seed_work(runtime, steward)
    license_id = _seed_money(runtime, steward, _principal(runtime, buyer_id))
    _seed_second_hand(runtime, steward, license_id)
    runs = _seed_payouts(runtime, steward)
    return (
        f"demo: seeded a steward ({DEMO_STEWARD[1]}), {len(DEMO_MEMBERS)} members, "
        f"{len(DEMO_APPLICANTS)} applicant(s), a buyer ({DEMO_BUYER[2]}), {len(DEMO_TASKS)} tasks "
        f"with {contributions} contributions, {len(ITEM_KINDS)} item tasks with {answers} answers, "
        f"payout runs {runs}; "
        f"every demo password is '{DEMO_PASSWORD}'. "
        f"Log size {runtime.log.size()}."
    )


# 75.00 EUR an answer: above the pay ceiling one steward may open alone (governance.defaults.PAY_CEILING).
SENIOR_TASK = TaskSpec(
    "Clinical QA",
    "Review a specialist's answer (senior clinicians)",
    "Check the answer against current guidelines; say what is wrong and why.",
    "expert-answer",
    "answer",
    45,
    7500,
    "EUR",
    ["model-training", "model-evaluation"],
)

DEMO_TASKS = [
    TaskSpec(
        "Clinical QA",
        "Answer a primary-care question",
        "Answer as you would to a colleague; cite guidelines.",
        "expert-answer",
        "answer",
        20,
        1000,
        "EUR",
        ["model-training", "model-evaluation"],
        buyer_org=DEMO_BUYER[0],
    ),
    TaskSpec(
        "Contract clauses",
        "Rank two summaries of a clause",
        "Pick the more faithful summary and say why.",
        "ranking",
        "pair",
        6,
        250,
        "EUR",
        ["model-training"],
    ),
    TaskSpec(
        "Olympiad maths",
        "Correct a flawed proof",
        "Fix only what is wrong; explain each change.",
        "correction",
        "proof",
        30,
        1500,
        "USD",
        ["research", "model-evaluation"],
    ),
    TaskSpec(
        "Code review",
        "Evaluate an AI code review",
        "Judge each comment: right, wrong, or irrelevant.",
        "evaluation",
        "review",
        15,
        700,
        "GBP",
        ["model-evaluation"],
    ),
]
# (task index, author, text, minutes, reviews as score levels 1-5 by the two demo reviewers)
DEMO_WORK = [
    (0, "chidi@demo.coop", "First-line treatment for uncomplicated hypertension in adults under 55 is …", 18, (5, 4)),
    (0, "dilnoza@demo.coop", "For suspected community-acquired pneumonia, assess severity with CURB-65 …", 22, (4, 4)),
    (1, "chidi@demo.coop", "Summary B is more faithful: A drops the indemnity cap.", 5, (5, 5)),
    (1, "dilnoza@demo.coop", "Summary A, because it is shorter.", 4, (3, 3)),
    (2, "chidi@demo.coop", "Step 3 divides by (x-1), which may be zero; split the case x = 1 …", 28, (2, 1)),
    (3, "dilnoza@demo.coop", "Comment 1 right (off-by-one); comment 2 wrong (the lock is held) …", 14, ()),
]

# Who answers the item tasks, in order (the first answer to the written task, whose rejection is
# appealed, is the first answerer's, so the two demo reviewers can review it).
DEMO_ANSWERERS = ("chidi@demo.coop", "dilnoza@demo.coop", "amara@demo.coop")
ITEM_KINDS = ("pairwise", "ranking", "rubric", "classification", "written")


def _principal(runtime: Runtime, account_id: str) -> Principal:
    """An account the demo has just created (its absence would be a bug, said as such)."""
    principal = runtime.members.principal(account_id)
    if principal is None:
        raise NotFound(f"demo account {account_id} is missing right after it was created")
    return principal


def _seed_work(runtime: Runtime, steward: Principal) -> tuple[int, int]:
    """The free-form contributions, then the item tasks (web/demo_work.py); both counts."""
    runtime.policies.seed_defaults()
    tasks = [runtime.tasks.open(steward, spec) for spec in DEMO_TASKS]
    terms = {
        "permitted_uses": ["model-training", "model-evaluation", "research"],
        "excluded_sectors": ["military", "surveillance"],
        "expires": None,
    }
    by_email = {row.email: row.account_id for row in runtime.members.directory(steward)}
    reviewers = [_principal(runtime, by_email[email]) for email in ("amara@demo.coop", "bo@demo.coop")]
    for task_index, email, text, minutes, levels in DEMO_WORK:
        author = _principal(runtime, by_email[email])
        task = tasks[task_index]
        draft = runtime.contributions.draft(author, task.id, text.encode(), "text/plain", minutes, terms)
        submitted = runtime.contributions.submit_with_password(author, draft.id, DEMO_PASSWORD)
        rubric = runtime.policies.version(task.rubric, task.rubric_version).body
        for reviewer, level in zip(reviewers, levels, strict=False):
            scores = {c["name"]: level for c in rubric["criteria"]}
            runtime.reviews.review(
                reviewer,
                submitted.id,
                scores,
                "Clear and well argued." if level >= 4 else "Please justify your choice more specifically.",
            )
    answerers = [_principal(runtime, by_email[email]) for email in DEMO_ANSWERERS]
    answers = seed_item_work(runtime, steward, answerers, reviewers, terms, DEMO_PASSWORD)
    return len(DEMO_WORK), answers


def _seed_money(runtime: Runtime, steward: Principal, buyer: Principal) -> str:
    """A release of the clinical answers, licensed by the demo buyer, with a first royalty."""
    task = next(t for t in runtime.tasks.list(None) if t.project == "Clinical QA")
    release = runtime.datasets.cut_release(
        steward,
        "Clinical QA, first release",
        "Expert answers to primary-care questions.",
        [task.id],
        ["model-training"],
        250_000,
        "EUR",
    )
    license = runtime.datasets.license(
        buyer, release.id, ["model-training", "model-evaluation"], "other", True, "demo-license-1"
    )
    runtime.revenue.report_downstream(
        buyer, license.id, 48_000, "EUR", "Q3 royalty on a fine-tuned model", "demo-royalty-q3"
    )
    return license.id


def _seed_payouts(runtime: Runtime, steward: Principal) -> str:
    """Two payout runs under the two-person rule: one proposed by the second steward and approved by
    the first (the members it pays were not admitted by its proposer, so the first steward may
    approve), sent to the bank; and one proposed by the first steward, pending, which shows who may
    approve it or why no one may (every member it pays was admitted by its proposer just now)."""
    by_email = {row.email: row.account_id for row in runtime.members.directory(steward)}
    second = _principal(runtime, by_email[DEMO_SECOND_STEWARD[1]])
    approved = runtime.payouts.propose(second, "EUR", 100_00, "demo-payout-1")
    runtime.payouts.approve_with_password(steward, approved, DEMO_PASSWORD)
    runtime.payouts.mark_sent(second, approved)
    pending = runtime.payouts.propose(steward, "EUR", 1_00, "demo-payout-2")
    return f"{runtime.payouts.run_view(approved).status} and {runtime.payouts.run_view(pending).status}"


def _seed_second_hand(runtime: Runtime, steward: Principal, license_id: str) -> None:
    """What one steward may not do alone (docs/two-hands.md): a task above the pay ceiling, left awaiting
    the second steward's approval; downstream revenue the steward reported from the buyer's statement,
    one confirmed by the second steward (posted and shared), one still pending."""
    runtime.tasks.open(steward, SENIOR_TASK)
    second = _principal(
        runtime,
        next(r.account_id for r in runtime.members.directory(steward) if r.email == DEMO_SECOND_STEWARD[1]),
    )
    confirmed = runtime.revenue.report_downstream(
        steward, license_id, 36_000, "EUR", "Q4 royalty, from the buyer's statement", "demo-royalty-q4"
    )
    if confirmed.report_id is None:
        raise Conflict("a steward's downstream report was posted without a second steward")
    runtime.revenue_reports.confirm_with_password(second, confirmed.report_id, DEMO_PASSWORD)
    runtime.revenue.report_downstream(
        steward, license_id, 12_000, "EUR", "Evaluation-service revenue, from the buyer's call", "demo-eval-q4"
    )
