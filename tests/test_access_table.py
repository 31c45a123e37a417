"""Who may call what: every route of the app, walked with every role.

The table below is the access policy in one place. A route missing from it fails the test, so a new
route cannot ship without a decision. "Allowed" means the guard let the request through (whatever the
service then answered); "denied" means 401/403 (or 404 for someone else's object, or the sign-in
redirect for an anonymous page view).
"""

import json

import pytest
from litestar.testing import TestClient

from web.app import create_app

ANON, APPLICANT, MEMBER, REVIEWER, STEWARD, BUYER = "anonymous", "applicant", "member", "reviewer", "steward", "buyer"
EVERYONE = {ANON, APPLICANT, MEMBER, REVIEWER, STEWARD, BUYER}
SIGNED_IN = EVERYONE - {ANON}
MEMBERS = {MEMBER, REVIEWER, STEWARD}
NOBODY: set[str] = set()

# (method, path, allowed roles). {key} is the member's key, {token} the member's API token id,
# {applicant} the applicant's account id, {task} an open task, {contribution} the member's submitted
# contribution, {appeal} the appeal of another of the member's contributions, rejected by the
# reviewer; {adjudication} an id no adjudication has. The "member" role owns {key}, {token} and {contribution}.
TABLE = [
    ("GET", "/", EVERYONE),
    ("GET", "/healthz", EVERYONE),
    ("GET", "/metrics", NOBODY),  # loopback or COOP_METRICS_TOKEN only (web/metrics.py); the test client is neither
    ("GET", "/static/htmx.min.js", EVERYONE),
    ("GET", "/apply", EVERYONE),
    ("POST", "/apply", EVERYONE),
    ("GET", "/buyers/register", EVERYONE),
    ("POST", "/buyers/register", EVERYONE),
    ("GET", "/login", EVERYONE),
    ("POST", "/login", EVERYONE),
    ("POST", "/logout", EVERYONE),
    ("GET", "/public-log", EVERYONE),
    ("GET", "/public-log/entry?index=0", EVERYONE),
    ("GET", "/me", SIGNED_IN),
    ("GET", "/me/password", SIGNED_IN),
    ("POST", "/me/password", SIGNED_IN),
    ("GET", "/reset-password", EVERYONE),
    ("POST", "/reset-password", EVERYONE),
    ("POST", "/me/tokens", SIGNED_IN),
    ("POST", "/me/tokens/{token}/revoke", {MEMBER}),
    ("POST", "/me/keys/custodial", MEMBERS),
    ("POST", "/me/keys/own", MEMBERS),
    ("POST", "/me/keys/rotate-custodial", MEMBERS),
    ("POST", "/me/keys/custodial-to-own", MEMBERS),
    ("POST", "/me/keys/{key}/revoke", {MEMBER, STEWARD}),
    ("POST", "/me/leave", MEMBERS),
    ("GET", "/members", {STEWARD}),
    ("GET", "/members/table", {STEWARD}),
    ("POST", "/members/{applicant}/admit", {STEWARD}),
    ("POST", "/members/{applicant}/decline", {STEWARD}),
    ("POST", "/members/{applicant}/roles", {STEWARD}),
    ("POST", "/members/{applicant}/suspend", {STEWARD}),
    ("POST", "/members/{applicant}/reinstate", {STEWARD}),
    ("POST", "/members/{applicant}/password-reset", {STEWARD}),
    ("GET", "/tasks", MEMBERS),
    ("GET", "/tasks/new", {STEWARD}),
    ("POST", "/tasks/new", {STEWARD}),
    ("GET", "/tasks/{task}", MEMBERS),
    ("POST", "/tasks/{task}/rate", {STEWARD}),
    ("POST", "/tasks/{task}/approve", {STEWARD}),  # a second steward approves a task above the pay ceiling
    ("GET", "/second-hand", MEMBERS),  # what awaits a second steward: every member sees it
    ("POST", "/revenue-reports/{report}/confirm", {STEWARD}),
    ("POST", "/tasks/{task}/submit", MEMBERS),
    ("GET", "/tasks/{task}/items", MEMBERS),
    ("POST", "/tasks/{task}/work", MEMBERS),
    ("GET", "/tasks/{task}/work", MEMBERS),
    ("GET", "/claims/{claim}", {MEMBER}),
    ("POST", "/claims/{claim}/answer", {MEMBER}),
    ("POST", "/claims/{claim}/skip", {MEMBER}),
    ("POST", "/contributions/{contribution}/appeal", {MEMBER}),
    ("GET", "/appeals", {REVIEWER, STEWARD}),
    ("GET", "/reviewers", MEMBERS),
    ("POST", "/appeals/{appeal}/decide", {REVIEWER, STEWARD}),
    ("GET", "/tasks/{task}/agreement", MEMBERS),
    ("GET", "/adjudications", {REVIEWER, STEWARD}),
    ("POST", "/adjudications/{adjudication}/decide", {REVIEWER, STEWARD}),
    ("POST", "/tasks/{task}/items", {STEWARD}),
    ("POST", "/tasks/{task}/items/answer-spec", {STEWARD}),
    ("POST", "/tasks/{task}/items/{item}/retire", {STEWARD}),
    ("GET", "/contributions", MEMBERS),
    ("GET", "/contributions/{contribution}", {MEMBER, STEWARD}),
    ("GET", "/contributions/{contribution}/content", {MEMBER, STEWARD, REVIEWER}),  # the reviewer reviewed it
    ("GET", "/contributions/{contribution}/verify", {MEMBER, STEWARD}),
    ("POST", "/contributions/{contribution}/submit", {MEMBER}),
    ("POST", "/contributions/{contribution}/revise", {MEMBER}),
    ("GET", "/contributions/{contribution}/edit", {MEMBER}),
    ("POST", "/contributions/{contribution}/edit", {MEMBER}),
    ("GET", "/contributions/{contribution}/answer", {MEMBER}),
    ("POST", "/contributions/{contribution}/answer", {MEMBER}),
    ("POST", "/contributions/{contribution}/delete", {MEMBER}),
    ("POST", "/contributions/{contribution}/revoke-consent", {MEMBER}),
    ("GET", "/reviews", {REVIEWER, STEWARD}),
    ("GET", "/reviews/{contribution}", {REVIEWER, STEWARD}),
    ("POST", "/reviews/{contribution}", {REVIEWER, STEWARD}),
    ("POST", "/reviews/{contribution}/claim", {REVIEWER, STEWARD}),
    ("POST", "/reviews/conflicts", {REVIEWER, STEWARD}),
    ("GET", "/proposals", MEMBERS),
    ("GET", "/proposals/new", MEMBERS),
    ("POST", "/proposals/new", MEMBERS),
    ("GET", "/proposals/{proposal}", MEMBERS),
    ("GET", "/proposals/{proposal}/turnout", MEMBERS),
    ("POST", "/proposals/{proposal}/vote", MEMBERS),
    ("POST", "/proposals/{proposal}/comments", MEMBERS),
    ("GET", "/policies", EVERYONE),
    ("GET", "/earnings", MEMBERS),
    ("GET", "/releases", SIGNED_IN),
    ("POST", "/releases", {STEWARD}),
    ("GET", "/releases/{release}", SIGNED_IN),
    ("GET", "/releases/{release}/check", SIGNED_IN),
    ("GET", "/releases/{release}/terms?uses=model-training", {BUYER}),
    ("POST", "/releases/{release}/license", {BUYER}),
    ("GET", "/licenses/{license}/receipt", {BUYER, STEWARD}),
    ("GET", "/license-terms/{version}", SIGNED_IN),
    ("GET", "/licenses", {BUYER, STEWARD}),
    ("POST", "/licenses/{license}/revenue", {BUYER, STEWARD}),
    ("GET", "/releases/{release}/lineage", SIGNED_IN),
    ("GET", "/releases/{release}/bundle", SIGNED_IN),
    ("GET", "/releases/{release}/items.jsonl", SIGNED_IN),
    ("GET", "/releases/{release}/croissant.json", SIGNED_IN),
    ("GET", "/releases/{release}/prov.json", SIGNED_IN),
    ("GET", "/licenses/{license}/bundle", {BUYER, STEWARD}),
    # Withdrawal notices: the licensee's organisation; stewards read them (they see every license)
    # but only the licensee marks them read. Another organisation: 403 (tests/test_withdrawals.py).
    ("GET", "/licenses/{license}/withdrawals", {BUYER, STEWARD}),
    ("POST", "/licenses/{license}/withdrawals/read", {BUYER}),
    ("GET", "/licenses/{license}/report", {BUYER, STEWARD}),  # the licensee's organisation and stewards only
    ("GET", "/licenses/{license}/report.json", {BUYER, STEWARD}),
    ("GET", "/licenses/{license}/report/judgments.jsonl", {BUYER, STEWARD}),
    ("GET", "/licenses/{license}/files", {BUYER}),
    ("GET", "/licenses/{license}/files/{file}", {BUYER}),
    ("GET", "/licenses/{license}/croissant.json", {BUYER}),
    ("GET", "/lineage/entries/{entry}", SIGNED_IN),
    ("GET", "/payouts", MEMBERS),  # every member sees each run and its lines before it is paid
    ("POST", "/payouts", {STEWARD}),
    ("POST", "/payouts/{run}/approve", {STEWARD}),
    ("POST", "/payouts/{run}/sent", {STEWARD}),
    ("GET", "/payouts/{run}/csv", {STEWARD}),
    ("POST", "/payouts/outcome/{payout}", {STEWARD}),
    ("GET", "/log/checkpoint", EVERYONE),
    ("GET", "/log/key", EVERYONE),
    ("GET", "/log/witnesses", EVERYONE),
    ("GET", "/log/entries/0", EVERYONE),
    ("GET", "/log/proof/inclusion?index=0&size=1", EVERYONE),
    ("GET", "/log/proof/consistency?from=1&to=1", EVERYONE),
    ("GET", "/log/tile/0/000.p/1", EVERYONE),
    ("POST", "/log/entries", NOBODY),  # needs the service append token, which no role has
    ("POST", "/api/applications", EVERYONE),
    ("POST", "/api/buyers", EVERYONE),
    ("POST", "/api/tokens", EVERYONE),
    ("POST", "/api/password-reset", EVERYONE),
    ("POST", "/api/statements/verify", EVERYONE),
    ("GET", "/api/keys/{key}", EVERYONE),
    ("GET", "/api/me", SIGNED_IN),
    ("GET", "/api/me/tokens", SIGNED_IN),
    ("POST", "/api/me/password", SIGNED_IN),
    ("POST", "/api/me/tokens", SIGNED_IN),
    ("DELETE", "/api/me/tokens/{token}", {MEMBER}),
    ("POST", "/api/me/leave", MEMBERS),
    ("GET", "/api/me/keys", MEMBERS),
    ("POST", "/api/me/keys", MEMBERS),
    ("POST", "/api/me/keys/custodial", MEMBERS),
    ("POST", "/api/me/keys/rotate", MEMBERS),
    ("POST", "/api/me/keys/rotate-custodial", MEMBERS),
    ("POST", "/api/me/sign", MEMBERS),
    ("POST", "/api/keys/{key}/revoke", {MEMBER, STEWARD}),
    ("GET", "/api/tasks", MEMBERS),
    ("POST", "/api/tasks", {STEWARD}),
    ("GET", "/api/tasks/{task}", MEMBERS),
    ("POST", "/api/tasks/{task}/rate", {STEWARD}),
    ("GET", "/api/tasks/{task}/items", MEMBERS),
    ("POST", "/api/tasks/{task}/items", {STEWARD}),
    ("GET", "/api/items/{item}", MEMBERS),
    ("POST", "/api/items/{item}/retire", {STEWARD}),
    ("PUT", "/api/tasks/{task}/answer-spec", {STEWARD}),
    ("POST", "/api/tasks/{task}/claim", MEMBERS),
    ("POST", "/api/claims/{claim}/skip", {MEMBER}),
    ("POST", "/api/claims/{claim}/statement", {MEMBER}),
    ("POST", "/api/claims/{claim}/answer", {MEMBER}),
    ("GET", "/api/contributions", MEMBERS),
    ("POST", "/api/contributions", MEMBERS),
    ("PUT", "/api/contributions/{contribution}", {MEMBER}),
    ("GET", "/api/contributions/{contribution}", {MEMBER, STEWARD}),
    ("GET", "/api/contributions/{contribution}/content", {MEMBER, STEWARD, REVIEWER}),
    ("GET", "/api/contributions/{contribution}/statement?key=AAAA", {MEMBER}),
    ("POST", "/api/contributions/{contribution}/submit", {MEMBER}),
    ("POST", "/api/contributions/{contribution}/revise", {MEMBER}),
    ("GET", "/api/contributions/{contribution}/receipt", {MEMBER, STEWARD}),
    ("POST", "/api/contributions/{contribution}/revoke-consent", {MEMBER}),
    ("GET", "/api/reviews/queue", {REVIEWER, STEWARD}),
    ("GET", "/api/reviews/{contribution}/rubric", {REVIEWER, STEWARD}),
    ("POST", "/api/reviews/{contribution}/claim", {REVIEWER, STEWARD}),
    ("POST", "/api/reviews/{contribution}", {REVIEWER, STEWARD}),
    ("POST", "/api/reviews/conflicts", {REVIEWER, STEWARD}),
    ("POST", "/api/reviews/{contribution}/assign", {STEWARD}),
    ("GET", "/api/reviews/{contribution}/acceptance-rule", {REVIEWER, STEWARD}),
    ("GET", "/api/reviews/{contribution}/reviews", {REVIEWER, STEWARD}),
    ("POST", "/api/contributions/{contribution}/appeal", {MEMBER}),
    ("GET", "/api/appeals?status=open", {REVIEWER, STEWARD}),
    ("POST", "/api/appeals/{appeal}/decide", {REVIEWER, STEWARD}),
    ("GET", "/api/reviewers/overturn-rates", MEMBERS),
    ("GET", "/api/tasks/{task}/agreement", MEMBERS),
    ("GET", "/api/adjudications?status=open", {REVIEWER, STEWARD}),
    ("POST", "/api/adjudications/{adjudication}/decide", {REVIEWER, STEWARD}),
    ("GET", "/api/me/pay", MEMBERS),
    ("GET", "/api/policies", EVERYONE),
    ("GET", "/api/proposals", MEMBERS),
    ("POST", "/api/proposals", MEMBERS),
    ("GET", "/api/proposals/{proposal}", MEMBERS),
    ("POST", "/api/proposals/{proposal}/comments", MEMBERS),
    ("POST", "/api/proposals/{proposal}/ballots", MEMBERS),
    ("GET", "/api/proposals/{proposal}/recount", EVERYONE),  # anyone recounts, as from the log itself
    ("GET", "/api/proposals/{proposal}/eligible", EVERYONE),  # public, like the log that commits to it
    ("GET", "/api/releases", SIGNED_IN),
    ("POST", "/api/releases", {STEWARD}),
    ("GET", "/api/releases/{release}", SIGNED_IN),
    ("GET", "/api/releases/{release}/check?uses=research", SIGNED_IN),
    ("GET", "/api/releases/{release}/showcase", SIGNED_IN),
    ("GET", "/api/releases/{release}/quote?uses=research", SIGNED_IN),
    ("GET", "/api/license-terms/{version}", SIGNED_IN),
    ("GET", "/api/licenses/{license}/receipt", {BUYER, STEWARD}),
    ("GET", "/api/licenses", SIGNED_IN),
    ("POST", "/api/licenses", {BUYER}),
    ("POST", "/api/licenses/{license}/revenue", {BUYER, STEWARD}),
    ("GET", "/api/me/earnings", MEMBERS),
    ("GET", "/api/me/earnings/months", MEMBERS),
    ("GET", "/api/releases/{release}/lineage", SIGNED_IN),
    ("GET", "/api/releases/{release}/bundle", SIGNED_IN),
    ("GET", "/api/licenses/{license}/bundle", {BUYER, STEWARD}),
    ("GET", "/api/licenses/{license}/withdrawals?after=0", {BUYER, STEWARD}),
    ("POST", "/api/licenses/{license}/withdrawals/read", {BUYER}),
    ("GET", "/api/licenses/{license}/report", {BUYER, STEWARD}),  # the licensee's organisation and stewards only
    ("GET", "/api/licenses/{license}/report/judgments.jsonl", {BUYER, STEWARD}),
    ("GET", "/api/licenses/{license}", MEMBERS | {BUYER}),  # members are paid from it; the licensee holds it
    ("GET", "/api/revenue-events", SIGNED_IN),  # members: all; a buyer: its organisation's; others: none
    ("GET", "/api/revenue-events/{event}", MEMBERS | {BUYER}),
    ("GET", "/api/licenses/{license}/files", {BUYER}),  # the licensee's organisation only (403 to another's)
    ("GET", "/api/licenses/{license}/files/{file}", {BUYER}),
    ("GET", "/api/licenses/{license}/croissant.json", {BUYER}),
    ("GET", "/api/lineage/entries/{entry}", SIGNED_IN),
    ("POST", "/api/payouts", {STEWARD}),
    ("GET", "/api/payouts/runs", MEMBERS),
    ("GET", "/api/payouts/runs/{run}", MEMBERS),
    ("GET", "/api/payouts/runs/{run}/approval", {STEWARD}),
    ("POST", "/api/payouts/runs/{run}/approvals", {STEWARD}),
    ("POST", "/api/payouts/runs/{run}/sent", {STEWARD}),
    ("GET", "/api/me/payouts", MEMBERS),
    ("GET", "/api/tasks/{task}/approval", MEMBERS),
    ("GET", "/api/tasks/{task}/approval-body", {STEWARD}),
    ("POST", "/api/tasks/{task}/approvals", {STEWARD}),
    ("GET", "/api/task-approvals/awaiting", MEMBERS),
    ("GET", "/api/revenue-reports", MEMBERS),
    ("GET", "/api/revenue-reports/{report}", MEMBERS),
    ("GET", "/api/revenue-reports/{report}/confirmation-body", {STEWARD}),
    ("POST", "/api/revenue-reports/{report}/confirmations", {STEWARD}),
    ("POST", "/api/payouts/{payout}/outcome", {STEWARD}),
    ("GET", "/api/books.beancount", {STEWARD}),
    ("GET", "/api/members", {STEWARD}),
    ("POST", "/api/members/{applicant}/admit", {STEWARD}),
    ("POST", "/api/members/{applicant}/decline", {STEWARD}),
    ("POST", "/api/members/{applicant}/roles", {STEWARD}),
    ("POST", "/api/members/{applicant}/suspend", {STEWARD}),
    ("POST", "/api/members/{applicant}/reinstate", {STEWARD}),
    ("POST", "/api/members/{applicant}/password-reset", {STEWARD}),
]
SPEC = {"answer_kind": "pairwise", "config": {"allow_tie": True}, "answers_per_item": 3}
ANSWER = {
    "answer": {"choice": "A", "reason": "clearer"},
    "minutes": 5,
    "terms": {"permitted_uses": ["model-training"], "excluded_sectors": [], "expires": None},
}
# Where an object check follows body validation, the request carries a well-formed body.
BODIES = {
    ("PUT", "/api/contributions/{contribution}"): {
        "task_id": "{task}",
        "minutes": 5,
        "terms": {"permitted_uses": ["model-training"], "excluded_sectors": [], "expires": None},
        "text": "x",
    },
    ("POST", "/api/contributions/{contribution}/submit"): {"password": "not-the-password"},
    ("POST", "/api/contributions/{contribution}/revoke-consent"): {"password": "not-the-password"},
    ("POST", "/api/reviews/conflicts"): {"author_id": "someone"},
    ("POST", "/api/licenses/{license}/revenue"): {"amount": 100, "idempotency_key": "k"},
    ("POST", "/api/reviews/{contribution}/assign"): {"reviewer_id": "nobody"},
    ("POST", "/api/tasks/{task}/items"): {"format": "jsonl", "content": '{"prompt": "another"}'},
    ("POST", "/api/items/{item}/retire"): {"reason": "a typo"},
    ("PUT", "/api/tasks/{task}/answer-spec"): SPEC,
    ("POST", "/api/claims/{claim}/skip"): {"reason": "not my field"},
    ("POST", "/api/claims/{claim}/statement"): {**ANSWER, "key": "B" * 43 + "="},
    ("POST", "/api/claims/{claim}/answer"): {**ANSWER, "password": "not-the-password"},
    ("POST", "/api/contributions/{contribution}/appeal"): {"reason": "unfair"},
    ("POST", "/api/appeals/{appeal}/decide"): {"outcome": "upheld", "reason": "fair"},
    ("POST", "/api/adjudications/{adjudication}/decide"): {"outcome": "rejected", "reason": "fair"},
}
UNLISTED_PREFIXES = ("/schema",)  # OpenAPI documents, public by design


def _fill(text: str, ids: dict[str, str]) -> str:
    for short, real in ids.items():
        text = text.replace(short, real)
    return text


def _template(path: str) -> str:
    return path.split("?")[0]


def test_every_route_is_in_the_access_table(runtime):
    app = create_app(runtime=runtime)
    listed = {(method, _template(path)) for method, path, _ in TABLE}
    placeholders = {
        "{key}": "{key_id:str}",
        "{token}": "{token_id:int}",
        "{applicant}": "{account_id:str}",
        "{task}": "{task_id:str}",
        "{item}": "{item_id:str}",
        "{claim}": "{claim_id:str}",
        "{contribution}": "{contribution_id:str}",
        "{appeal}": "{appeal_id:str}",
        "{adjudication}": "{adjudication_id:str}",
        "{report}": "{report_id:str}",
        "{proposal}": "{proposal_id:str}",
        "{release}": "{release_id:str}",
        "{license}": "{license_id:str}",
        "{file}": "{name:str}",
        "{run}": "{run_id:str}",
        "{payout}": "{payout_id:int}",
        "{entry}": "{entry:int}",
        "{event}": "{event_id:int}",
        "{version}": "{version:int}",
    }
    normalised = set()
    for method, path in listed:
        for short, full in placeholders.items():
            path = path.replace(short, full)
        normalised.add((method, path.rstrip("/") or "/"))
    missing = []
    for route in app.routes:
        if route.path.startswith(UNLISTED_PREFIXES) or route.path.startswith("/static"):
            continue
        for method in route.methods - {"HEAD", "OPTIONS"}:
            path = route.path.rstrip("/") or "/"
            if path == "/log/entries/{index:str}":
                path = "/log/entries/0"
            if path == "/log/tile/{path:path}":
                path = "/log/tile/0/000.p/1"
            if (method, path) not in normalised:
                missing.append(f"{method} {route.path}")
    assert missing == [], "routes without an access decision"


@pytest.fixture(scope="module")
def built_coops(database_templates, tmp_path_factory):
    """built_coops(kind) → (the co-op, its actors): built once per database kind for the whole table.

    Every test gets a copy of it (`database_url` below) with a runtime of its own, so a row whose
    allowed call changes the co-op (admits the applicant, revokes the key…) changes only its copy:
    each row sees the co-op exactly as built, whatever ran before it."""
    built = {}

    def get(kind):
        if kind not in built:
            built[kind] = _build_coop(
                database_templates.migrated(kind), tmp_path_factory.mktemp(f"access-table-{kind}")
            )
        return built[kind]

    yield get
    for database, _ in built.values():
        database.drop()


@pytest.fixture
def database_url(db_kind, built_coops, tmp_path):
    database = built_coops(db_kind)[0].copy(tmp_path)
    yield database.url
    database.drop()


@pytest.fixture
def actors(db_kind, built_coops):
    return built_coops(db_kind)[1]


def _build_coop(template, directory):
    """A copy of the migrated database, filled by a runtime like the tests' own (same key, origin and clock)."""
    import nacl.signing

    from coop.kernel.db import make_engine
    from coop.statements import check_statement
    from provenance.core.note import NoteSigner
    from provenance.service import ProvenanceLog
    from tests.conftest import COOP_KEY_SEED, ORIGIN, FakeClock, make_settings
    from web.runtime import Runtime

    database = template.copy(directory)
    engine = make_engine(database.url)
    log = ProvenanceLog(engine, NoteSigner(ORIGIN, nacl.signing.SigningKey(COOP_KEY_SEED)), ORIGIN, check_statement)
    try:
        actors = _seed(Runtime(make_settings(directory, database.url), engine, log, FakeClock()))
    finally:
        engine.dispose()  # nothing may be connected to a database that is copied
    return database, actors


def _seed(runtime):
    from coop.work.tasks import TaskSpec
    from tests.conftest import TERMS, admit_member, create_steward

    steward = create_steward(runtime)

    def admit(name, roles=("member",)):
        return admit_member(runtime, steward, name, roles)

    runtime.policies.seed_defaults()
    bo = admit("bo")
    reviewer = admit("rv", roles=("member", "reviewer"))
    applicant_id = runtime.members.apply("Ap Plicant", "ap@coop.test", "ap-password-1")
    other_applicant = runtime.members.apply("Target", "target@coop.test", "target-password")
    buyer_id = runtime.members.register_buyer("Acme", "Buyer", "buyer@acme.test", "buyer-password")
    key = runtime.keys.create_custodial_key(bo, "bo-password")
    principals = {
        MEMBER: bo,
        REVIEWER: reviewer,
        STEWARD: steward,
        APPLICANT: runtime.members.principal(applicant_id),
        BUYER: runtime.members.principal(buyer_id),
    }
    sessions = {role: runtime.auth.start_session(p) for role, p in principals.items()}
    tokens = {role: runtime.auth.create_token(p, "table", ["read", "write"]) for role, p in principals.items()}
    member_token_id = runtime.auth.tokens(bo)[0].id
    task = runtime.tasks.open(steward, TaskSpec("P", "T", "I", "ranking", "pair", 6, 300, "EUR", ["model-training"]))
    runtime.items.import_batch(steward, task.id, "jsonl", '{"prompt": "one"}')
    item = runtime.items.page(task.id).items[0]
    runtime.answer_specs.set(steward, task.id, SPEC["answer_kind"], SPEC["config"], SPEC["answers_per_item"])
    claim = runtime.claims.claim_next(bo, task.id)
    draft = runtime.contributions.draft(bo, task.id, b"B is better", "text/plain", 5, TERMS)
    contribution = runtime.contributions.submit_with_password(bo, draft.id, "bo-password")
    proposal = runtime.governance.propose(
        bo, "resolution", "Tea in the break room", "", {"text": "Yes, tea."}, voting_minutes=60
    )
    rv2 = admit("rv2", roles=("member", "reviewer"))
    for r in (reviewer, rv2):
        scores = {c["name"]: 5 for c in runtime.reviews.rubric_for(contribution.id)["criteria"]}
        runtime.reviews.review(r, contribution.id, scores, "fine")
    release = runtime.datasets.cut_release(steward, "R", "", [task.id], ["model-training"], 1000, "EUR")
    buyer = runtime.members.principal(buyer_id)
    license = runtime.datasets.license(buyer, release.id, ["model-training"], None, True, "table-license")
    # A second steward approves the run (the two-person rule); with no recent-admission window, the
    # first steward's admitting them does not matter here.
    runtime.policies.adopt(
        "payout-approvals", {"approvals_required": 1, "recent_admission_days": 0}, runtime.clock(), "seed"
    )
    second = admit("st2", roles=("member", "steward"))
    runtime.keys.create_custodial_key(second, "st2-password")
    run = runtime.payouts.propose(steward, "EUR", 1, "table-run")
    runtime.payouts.approve_with_password(second, run, "st2-password")
    payout = runtime.payouts.lines(run)[0].payout_id
    poor = runtime.contributions.submit_with_password(
        bo, runtime.contributions.draft(bo, task.id, b"A is better", "text/plain", 5, TERMS).id, "bo-password"
    )
    for r in (reviewer, rv2):
        runtime.reviews.review(
            r, poor.id, {c["name"]: 1 for c in runtime.reviews.rubric_for(poor.id)["criteria"]}, "no"
        )
    appeal = runtime.appeals.appeal(bo, poor.id, "the reviewers misread it")
    ids = {
        "{key}": key.key_id,
        "{token}": str(member_token_id),
        "{applicant}": other_applicant,
        "{task}": task.id,
        "{item}": item.id,
        "{claim}": claim.id,
        "{contribution}": contribution.id,
        "{appeal}": appeal.id,
        "{adjudication}": "0" * 32,  # none is held (no minimum alpha is in force): the guards decide alone
        "{report}": "0" * 32,  # no such revenue report: the guards decide alone
        "{proposal}": proposal.id,
        "{release}": release.id,
        "{license}": license.id,
        "{file}": "judgments.parquet",
        "{run}": run,
        "{payout}": str(payout),
        "{entry}": str(runtime.contributions.get(bo, contribution.id).acceptance_index),
        "{event}": str(runtime.revenue.events(license.id)[0].id),
        "{version}": "1",  # the license terms' first version
    }
    return sessions, tokens, ids


# What a refusal by a guard or an object check says (as opposed to, say, wrong credentials on /login).
DENIALS = (
    "sign in first",
    "session has expired",
    "only members",
    "only buyer accounts and stewards",
    "only stewards",
    "only reviewers",
    "only buyer",
    "read-only",
    "you have no token",
    "only the key",
    "valid bearer token",
    "appending over HTTP is disabled",
    "you have no contribution",
    "you have no license",
    "you have no revenue event",
    "you have no claim",
    "only the licensee",
)


def _denied(response, role, is_api):
    if response.status_code == 303:
        return response.headers.get("location", "").startswith("/login?next=")
    return response.status_code in (401, 403, 404) and any(phrase in response.text for phrase in DENIALS)


@pytest.mark.parametrize("method,path,allowed", TABLE, ids=[f"{m} {p}" for m, p, _ in TABLE])
def test_access_follows_the_table(runtime, actors, method, path, allowed):
    sessions, tokens, ids = actors
    body = json.loads(_fill(json.dumps(BODIES.get((method, path), {})), ids))
    path = _fill(path, ids)
    is_api = path.startswith("/api/")
    app = create_app(runtime=runtime)
    outcomes = {}
    # Denied roles first: an allowed call may change state (e.g. admit) for the roles after it.
    with TestClient(app=app) as client:
        client.get("/login")
        csrf = client.cookies.get("csrftoken")
        for role in sorted(EVERYONE, key=lambda r: r in allowed):
            client.cookies.clear()
            client.cookies.set("csrftoken", csrf)
            headers = {"x-csrftoken": csrf}
            if role != ANON:
                if is_api:
                    headers["Authorization"] = f"Bearer {tokens[role]}"
                else:
                    client.cookies.set("coop_session", sessions[role])
            response = client.request(
                method, path, headers=headers, follow_redirects=False, json=body if is_api and method != "GET" else None
            )
            outcomes[role] = not _denied(response, role, is_api)
    assert {role for role, ok in outcomes.items() if ok} == allowed, outcomes


@pytest.mark.parametrize("path", ["/files", "/files/judgments.jsonl", "/croissant.json"])
def test_another_organisations_buyer_gets_403_for_a_licenses_files(runtime, actors, path):
    """The table has one buyer organisation; a second one, signed in with its own token, is refused."""
    _, _, ids = actors
    other = runtime.members.principal(
        runtime.members.register_buyer("Other Lab", "Oz", "oz@other.test", "oz-password-1")
    )
    token = runtime.auth.create_token(other, "other", ["read"])
    with TestClient(app=create_app(runtime=runtime)) as client:
        response = client.get(f"/api/licenses/{ids['{license}']}{path}", headers={"Authorization": f"Bearer {token}"})
        anonymous = client.get(f"/api/licenses/{ids['{license}']}{path}")
    assert response.status_code == 403 and "only the licensee's organisation" in response.text
    assert anonymous.status_code == 401
