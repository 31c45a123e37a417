"""What a buyer reads before and after buying: the release as a product, the quote, the receipt.

The release page has to let a careful buyer decide: what the items are (task kinds, the answer
schema each task's judgments follow), a few items with their judgments (the sample the release chose
for itself when it was cut, `coop.rules.sampling`, logged in its manifest), the license terms and
their version, the price, and — for the buyer's declared uses and sector — how many items pass the
consent check and what they cost (the quote the checkout confirms, coop.datasets.checkout). After
buying, the receipt is the license as an invoice. Reading only: licenses are granted by
`DatasetService.license` alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from coop.datasets.checkout import owned, owned_releases
from coop.datasets.models import License, ReleaseItem
from coop.datasets.service import DatasetService
from coop.datasets.terms import Terms, terms
from coop.datasets.views import ConsentCheck, LicenseView, ReleaseView
from coop.kernel.principal import Principal
from coop.membership.models import Account
from coop.rules.answer_words import AnswerInWords
from coop.rules.sampling import sample_entries
from coop.work.answer_views import answered_item
from coop.work.claim_models import AnswerSpec
from coop.work.models import Acceptance, ConsentRevocation, ContentBlob, Contribution, Review, Task

MAX_SHOWN_CHARS = 2_000  # of a free-form contribution's text in the sample


@dataclass(frozen=True)
class TaskSchema:
    """One task of the release: what the work was and what shape its judgments have."""

    title: str
    kind: str
    items: int  # of the release's items
    rubric_versions: list[int]
    answer_kind: str | None  # None: free-form contributions (no answer spec)
    answer_config: dict[str, Any]
    answers_per_item: int | None


@dataclass(frozen=True)
class SampleItem:
    entry: int  # the acceptance's log index
    task_title: str
    task_kind: str
    rubric_version: int
    item: dict[str, Any] | None  # the item judged, when the task has items
    answer_kind: str | None
    in_words: AnswerInWords | None
    text: str | None  # a free-form contribution's text (the judgment itself)
    review_scores: list[dict[str, int]]


@dataclass(frozen=True)
class Showcase:
    release: ReleaseView
    tasks: list[TaskSchema]
    sample: list[SampleItem]
    withdrawn_from_sample: int  # sample items whose consent was withdrawn since: not shown
    terms: Terms
    licenses_held: int  # by the viewer's organisation

    @property
    def kinds(self) -> dict[str, int]:
        """Task kind → the release's items of that kind (several tasks may share a kind)."""
        counts: Counter[str] = Counter()
        for task in self.tasks:
            counts[task.kind] += task.items
        return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Quote:
    check: ConsentCheck
    terms: Terms
    licenses_held: int

    @property
    def total(self) -> int:
        return self.check.price_subset

    def as_dict(self) -> dict[str, Any]:
        c = self.check
        return {
            "release_id": c.release_id,
            "uses": c.uses,
            "sector": c.sector,
            "items": c.licensable,
            "release_items": c.total,
            "excluded": c.excluded,
            "total": self.total,
            "currency": c.currency,
            "terms_version": self.terms.version,
            "terms_sha256": self.terms.sha256,
            "licenses_held": self.licenses_held,
        }


@dataclass(frozen=True)
class Receipt:
    license: LicenseView
    buyer_account: str
    terms_version: int | None
    terms_sha256: str | None

    def as_dict(self) -> dict[str, Any]:
        lic = self.license
        return {
            "receipt": lic.id,
            "license": lic.id,
            "release": {"id": lic.release_id, "title": lic.release_title},
            "buyer": {"organisation": lic.buyer_org, "account": self.buyer_account},
            "uses": lic.uses,
            "sector": lic.sector,
            "items": lic.included_count,
            "included_root": lic.included_root,
            "total": {"amount": lic.price, "currency": lic.currency},
            "terms": None
            if self.terms_version is None
            else {"version": self.terms_version, "sha256": self.terms_sha256},
            "granted_at": lic.created_at.isoformat(),
            "log_index": lic.log_index,
        }


class Storefront:
    def __init__(self, engine: Engine, datasets: DatasetService):
        self.engine = engine
        self.datasets = datasets

    def showcase(self, viewer: Principal, release_id: str) -> Showcase:
        release = self.datasets.release(release_id)
        with Session(self.engine) as session:
            tasks = _task_schemas(session, release_id)
            chosen = release.manifest.get("sample")
            if chosen is None:  # cut before samples were logged: the same rule, recomputed
                entries = session.scalars(select(ReleaseItem.entry).where(ReleaseItem.release_id == release_id))
                chosen = sample_entries(release.items_root, list(entries))
            sample, withdrawn = _sample(session, release_id, chosen)
            held = _held(session, viewer, release_id)
        return Showcase(release, tasks, sample, withdrawn, terms(), held)

    def quote(self, viewer: Principal, release_id: str, uses: Sequence[str], sector: str | None) -> Quote:
        check = self.datasets.check(release_id, uses, sector)
        with Session(self.engine) as session:
            return Quote(check, terms(), _held(session, viewer, release_id))

    def owned(self, viewer: Principal) -> dict[str, int]:
        """Release id → licenses the viewer's organisation holds of it (none for anyone else)."""
        if not viewer.is_buyer or viewer.org_id is None:
            return {}
        with Session(self.engine) as session:
            return owned_releases(session, viewer.org_id)

    def receipt(self, viewer: Principal, license_id: str) -> Receipt:
        license = self.datasets.license_of(viewer, license_id)  # NotFound for anyone else
        with Session(self.engine) as session:
            row = session.get_one(License, license_id)
            account = session.get(Account, row.buyer_account_id)
            return Receipt(license, account.display_name if account else "", row.terms_version, row.terms_sha256)


def _held(session: Session, viewer: Principal, release_id: str) -> int:
    if not viewer.is_buyer or viewer.org_id is None:
        return 0
    return len(owned(session, viewer.org_id, release_id))


def _task_schemas(session: Session, release_id: str) -> list[TaskSchema]:
    rows = session.execute(
        select(Task, AnswerSpec, Acceptance.rubric_version)
        .join(Contribution, Contribution.task_id == Task.id)
        .join(ReleaseItem, ReleaseItem.contribution_id == Contribution.id)
        .join(Acceptance, Acceptance.contribution_id == Contribution.id)
        .outerjoin(AnswerSpec, AnswerSpec.task_id == Task.id)
        .where(ReleaseItem.release_id == release_id)
    ).all()
    counts: Counter[str] = Counter()
    versions: dict[str, set[int]] = {}
    found: dict[str, tuple[Task, AnswerSpec | None]] = {}
    for task, spec, version in rows:
        counts[task.id] += 1
        versions.setdefault(task.id, set()).add(version)
        found[task.id] = (task, spec)
    return [
        TaskSchema(
            task.title,
            task.kind,
            counts[task_id],
            sorted(versions[task_id]),
            spec.answer_kind if spec else None,
            json.loads(spec.config) if spec else {},
            spec.answers_per_item if spec else None,
        )
        for task_id, (task, spec) in sorted(found.items(), key=lambda kv: kv[1][0].title)
    ]


def _sample(session: Session, release_id: str, entries: Sequence[int]) -> tuple[list[SampleItem], int]:
    rows = session.execute(
        select(Contribution, Task, Acceptance, ContentBlob)
        .join(ReleaseItem, ReleaseItem.contribution_id == Contribution.id)
        .join(Task, Task.id == Contribution.task_id)
        .join(Acceptance, Acceptance.contribution_id == Contribution.id)
        .outerjoin(ContentBlob, ContentBlob.sha256 == Contribution.content_sha256)
        .where(ReleaseItem.release_id == release_id, ReleaseItem.entry.in_(list(entries)))
        .order_by(ReleaseItem.entry)
    ).all()
    ids = [c.id for c, *_ in rows]
    revocations = select(ConsentRevocation.contribution_id).where(ConsentRevocation.contribution_id.in_(ids))
    revoked = set(session.scalars(revocations))
    shown: list[SampleItem] = []
    for contribution, task, acceptance, blob in rows:
        if contribution.id in revoked:
            continue  # withdrawn: never shown again, to anyone
        scores = [
            json.loads(s)
            for s in session.scalars(
                select(Review.scores).where(Review.contribution_id == contribution.id).order_by(Review.id)
            )
        ]
        answered = answered_item(session, contribution.id)
        text = None
        if answered is None and blob is not None and blob.media_type.startswith("text/"):
            text = blob.data.decode("utf-8", errors="replace")[:MAX_SHOWN_CHARS]
        shown.append(
            SampleItem(
                acceptance.log_index,
                task.title,
                task.kind,
                acceptance.rubric_version,
                answered.item if answered else None,
                answered.answer_kind if answered else None,
                answered.in_words if answered else None,
                text,
                scores,
            )
        )
    return shown, sum(1 for c, *_ in rows if c.id in revoked)
