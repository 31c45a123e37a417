"""Bulk seeding for the portal benchmark: 10,000 members, 100,000 contributions.

Going through the services one row at a time (an argon2 hash per applicant, one transaction and one
log append per admission, a review transaction per review) would take longer than the measurement
itself, so the bulk of the co-op is inserted in batches. The rows are the ones the services write:
the same columns and values (the admission of each bulk member is also a signed `member.admitted`
log entry, every accepted contribution a signed `contribution.accepted` entry carrying the author's
own Ed25519 signature), with three documented shortcuts:
  * one argon2 hash (at the test-only cost) is shared by every bulk account's password;
  * bulk members have no signing key (a newly admitted member has none either);
  * acceptances post no base pay to the books, so earnings pages are not measured here.
The accounts a benchmark signs in as, the authors' keys and the tasks go through the services.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import nacl.signing
from sqlalchemy import insert

from coop.kernel.db import write_session
from coop.kernel.principal import Principal
from coop.membership.keys import REGISTRATION
from coop.membership.models import Account, Member, MemberRole
from coop.membership.secrets import hash_password
from coop.work.models import Acceptance, ContentBlob, Contribution, Review
from coop.work.reviews import ACCEPTED_KIND, review_digest
from coop.work.tasks import TaskSpec, TaskView
from provenance.core.canonical import canonical_json
from provenance.core.signing import b64, key_id, sign_statement
from web.runtime import Runtime

PASSWORD = "bench-password-123"
BATCH = 2000
TERMS = {
    "permitted_uses": ["model-evaluation", "model-training", "research"],
    "excluded_sectors": ["military"],
    "expires": None,
}


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_members(
    runtime: Runtime, count: int, admitted_by: str, reviewer_every: int = 20, applicant_every: int = 50
) -> list[str]:
    """`count` accounts: mostly members (every `reviewer_every`-th also a reviewer), some applicants.

    Each admission is logged exactly as MembershipService._admit logs it, in the same transaction."""
    password_hash = hash_password(PASSWORD)
    now = runtime.clock()
    ids = [uuid.uuid4().hex for _ in range(count)]
    for chunk_start in range(0, count, BATCH):
        chunk = ids[chunk_start : chunk_start + BATCH]
        accounts, members, roles, statements = [], [], [], []
        for offset, account_id in enumerate(chunk):
            i = chunk_start + offset
            applied = now - timedelta(days=400) + timedelta(seconds=i)
            accounts.append(
                {
                    "id": account_id,
                    "kind": "member",
                    "display_name": f"Bench Member {i:05d}",
                    "email": f"m{i:05d}@bench.test",
                    "password_hash": password_hash,
                    "org_id": None,
                    "created_at": applied,
                }
            )
            if i % applicant_every == applicant_every - 1:
                members.append(
                    {
                        "account_id": account_id,
                        "status": "applicant",
                        "skills": "bench skills",
                        "region": "Benchland",
                        "applied_at": applied,
                        "admitted_at": None,
                    }
                )
                continue
            member_roles = ["member", "reviewer"] if i % reviewer_every == 0 else ["member"]
            admitted = applied + timedelta(hours=1)
            members.append(
                {
                    "account_id": account_id,
                    "status": "member",
                    "skills": "bench skills",
                    "region": "Benchland",
                    "applied_at": applied,
                    "admitted_at": admitted,
                }
            )
            roles.extend({"account_id": account_id, "role": role} for role in member_roles)
            statements.append(
                sign_statement(
                    runtime.log.signer.signing_key,
                    "member.admitted",
                    {"member": account_id, "by": admitted_by, "roles": member_roles, "time": admitted.isoformat()},
                )
            )
        with write_session(runtime.engine) as session, session.begin():
            session.execute(insert(Account.__table__), accounts)
            session.execute(insert(Member.__table__), members)
            session.execute(insert(MemberRole.__table__), roles)
            runtime.log.append_in_transaction(session.connection(), statements)
    return ids


@dataclass
class Person:
    """An account made through the services, with its own key and a password to sign in with."""

    principal: Principal
    email: str
    key: nacl.signing.SigningKey | None


def service_member(
    runtime: Runtime,
    steward: Principal,
    name: str,
    email: str,
    roles: Iterable[str] = ("member",),
    with_key: bool = True,
) -> Person:
    account_id = runtime.members.apply(name, email, PASSWORD, "bench", "Benchland")
    runtime.members.admit(steward, account_id, tuple(roles))
    principal = runtime.members.principal(account_id)
    assert principal is not None
    key = None
    if with_key:
        key = nacl.signing.SigningKey.generate()
        runtime.keys.register_own_key(
            principal, sign_statement(key, REGISTRATION, runtime.keys.registration_body(principal))
        )
    return Person(principal, email, key)


def open_tasks(runtime: Runtime, steward: Principal, count: int) -> list[TaskView]:
    return [
        runtime.tasks.open(
            steward,
            TaskSpec(
                f"Bench project {i}",
                f"Bench task {i}",
                "Answer the question well.",
                "expert-answer",
                "answer",
                20,
                2000,
                "EUR",
                ["model-training", "model-evaluation"],
            ),
        )
        for i in range(count)
    ]


def bulk_contributions(
    runtime: Runtime,
    tasks: Sequence[TaskView],
    authors: Sequence[Person],
    reviewers: Sequence[str],
    count: int,
    submitted_share: float = 0.10,
    rejected_share: float = 0.05,
    seed: int = 11,
) -> dict[str, int]:
    """`count` signed contributions spread round-robin over `authors` and `tasks`: most accepted (two
    reviews, a co-op countersigned log entry, an acceptance row), some awaiting review (one review
    at most, so a reviewer's queue is long), some rejected. Returns how many of each."""
    rng = random.Random(seed)
    rubric = runtime.policies.version(tasks[0].rubric, tasks[0].rubric_version)
    floor = runtime.policies.in_force("pay-floor", runtime.clock())
    criteria = [c["name"] for c in rubric.body["criteria"]]
    start = runtime.clock() - timedelta(days=300)
    counts = {"accepted": 0, "submitted": 0, "rejected": 0}
    for chunk_start in range(0, count, BATCH):
        blobs, rows, reviews, acceptances, statements = [], [], [], [], []
        for i in range(chunk_start, min(count, chunk_start + BATCH)):
            author, task = authors[i % len(authors)], tasks[i % len(tasks)]
            assert author.key is not None
            created = start + timedelta(seconds=150 * i)
            content = f"Bench answer {i}: {rng.random()}".encode()
            digest = hashlib.sha256(content).hexdigest()
            body = {
                "task": task.id,
                "content_sha256": digest,
                "author": key_id(bytes(author.key.verify_key)),
                "terms": TERMS,
                "minutes": 15,
                "units": 1,
                "time": created.replace(microsecond=0).isoformat(),
                "revises": None,
            }
            signed = sign_statement(author.key, "contribution", body)
            canonical = canonical_json(body)
            roll = rng.random()
            status = (
                "submitted"
                if roll < submitted_share
                else "rejected"
                if roll < submitted_share + rejected_share
                else "accepted"
            )
            counts[status] += 1
            cid = uuid.uuid4().hex
            blobs.append({"sha256": digest, "media_type": "text/plain", "size": len(content), "data": content})
            rows.append(
                {
                    "id": cid,
                    "task_id": task.id,
                    "author_id": author.principal.account_id,
                    "revises_id": None,
                    "round": 1,
                    "content_sha256": digest,
                    "units": 1,
                    "minutes": 15,
                    "terms": canonical_json(TERMS).decode(),
                    "status": status,
                    "created_at": created,
                    "statement": canonical.decode(),
                    "statement_sha256": hashlib.sha256(canonical).hexdigest(),
                    "public_key": signed.public_key,
                    "signature": signed.signature,
                    "submitted_at": created + timedelta(seconds=1),
                }
            )
            pair = rng.sample(list(reviewers), 2)
            n_reviews = rng.randint(0, 1) if status == "submitted" else 2
            level = 1 if status == "rejected" else 5
            mine = [
                Review(
                    id=None,
                    contribution_id=cid,
                    reviewer_id=r,
                    scores=canonical_json({c: level for c in criteria}).decode(),
                    feedback="Bench feedback.",
                    created_at=created + timedelta(minutes=5 + k),
                )
                for k, r in enumerate(pair[:n_reviews])
            ]
            reviews.extend(
                {
                    "contribution_id": r.contribution_id,
                    "reviewer_id": r.reviewer_id,
                    "scores": r.scores,
                    "feedback": r.feedback,
                    "created_at": r.created_at,
                }
                for r in mine
            )
            if status == "accepted":
                accepted_at = created + timedelta(minutes=10)
                review_hash = review_digest(mine)
                acceptances.append(
                    {
                        "contribution_id": cid,
                        "review_digest": review_hash,
                        "rubric_version": rubric.version,
                        "pay_floor_version": floor.version,
                        "pay_per_unit": task.pay_per_unit,
                        "currency": task.currency,
                        "accepted_at": accepted_at,
                    }
                )
                statements.append(
                    sign_statement(
                        runtime.log.signer.signing_key,
                        ACCEPTED_KIND,
                        {
                            "statement": {
                                "kind": "contribution",
                                "body": body,
                                "key": b64(signed.public_key),
                                "sig": b64(signed.signature),
                            },
                            "review_digest": review_hash,
                            "rubric": {"policy": f"rubric.{task.kind}", "version": rubric.version},
                            "pay_floor": floor.ref,
                            "pay": {"per_unit": task.pay_per_unit, "units": 1, "currency": task.currency},
                            "accepted_at": accepted_at.isoformat(),
                        },
                    )
                )
        with write_session(runtime.engine) as session, session.begin():
            session.execute(insert(ContentBlob.__table__), blobs)
            session.execute(insert(Contribution.__table__), rows)
            if reviews:
                session.execute(insert(Review.__table__), reviews)
            indexes = runtime.log.append_in_transaction(session.connection(), statements)
            for acceptance, index in zip(acceptances, indexes, strict=True):
                acceptance["log_index"] = index
            if acceptances:
                session.execute(insert(Acceptance.__table__), acceptances)
    return counts
