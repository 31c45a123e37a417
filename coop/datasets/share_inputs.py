"""What a license's revenue is shared among, read from the license's items: the database counts
the contributions per weight and per member for the compact split (`share_split`), lists them one
by one for audits and benchmarks (`contribution_columns`), and gives a member's own for their
statement (`member_contributions`).

Apart from `revenue` (recording an event and posting it to the books): these only read the license
as it stood at licensing, and give the formula (ledger.formula) its inputs.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, and_, bindparam, case, func, literal, select
from sqlalchemy.orm import Session

from coop.datasets.models import LicenseItem, LicenseReviewer
from coop.membership.models import KeyEvent, MemberKey
from coop.work.models import Review
from ledger.formula import (
    CompactSplit,
    ContributionColumns,
    ContributionWeightInput,
    FormulaParams,
    ReviewerInput,
    Weight,
    plan_split,
)


def _weight(rule: Weight) -> ColumnElement[int]:
    """The license item's column the formula weighs by (`equal`: 1 each)."""
    columns: dict[Weight, ColumnElement[int]] = {
        Weight.BASE_PAY: LicenseItem.base_pay.expression,
        Weight.UNITS: LicenseItem.units.expression,
        Weight.MINUTES: LicenseItem.minutes.expression,
    }
    return columns.get(rule, literal(1, Integer))


def reviewer_inputs(session: Session, license_id: str, public: bool = True) -> list[ReviewerInput]:
    """The license's reviewers with their review counts and, unless `public` is False (events
    shared before reviewers had a public tie key), that tie key: the lowest acceptance entry among
    the licensed contributions they reviewed, and their name — the key id of the first key they
    registered (the member id, itself a pseudonym in the log, for a reviewer with no key). Reviews,
    license items and key registrations are insert-only, so both stay as they were at licensing."""
    rows = session.execute(
        select(LicenseReviewer.reviewer_id, LicenseReviewer.accepted_reviews)
        .where(LicenseReviewer.license_id == license_id)
        .order_by(LicenseReviewer.reviewer_id)
    ).all()
    if not public or not rows:
        return [ReviewerInput(reviewer, count) for reviewer, count in rows]
    first = dict(
        session.execute(
            select(Review.reviewer_id, func.min(LicenseItem.entry))
            .join(LicenseItem, LicenseItem.contribution_id == Review.contribution_id)
            .where(LicenseItem.license_id == license_id)
            .group_by(Review.reviewer_id)
        ).all()
    )
    names: dict[str, str] = {}
    registered = session.execute(
        select(MemberKey.account_id, MemberKey.key_id)
        .join(KeyEvent, KeyEvent.key_id == MemberKey.key_id)
        .where(KeyEvent.event == "registered", MemberKey.account_id.in_([r for r, _ in rows]))
        .order_by(KeyEvent.log_index)
    )
    for account, key in registered:
        names.setdefault(account, key)
    return [ReviewerInput(r, count, int(first[r]), names.get(r, r)) for r, count in rows]


def share_split(session: Session, license_id: str, amount: int, currency: str, params: FormulaParams) -> CompactSplit:
    """The compact split of an event of the license, with the database doing the counting
    (ledger.formula.classes): contributions per weight, then the one log index that takes the
    last leftover unit, then per member and weight how many contributions and how many of them are
    at or below it. Three grouped queries over the license's items instead of a million rows
    through Python; `SplitPlan.finish` refuses groups that do not add up to the classes."""
    weight = _weight(params.weight)
    of_license = LicenseItem.license_id == license_id
    counts = {
        int(w): int(n) for w, n in session.execute(select(weight, func.count()).where(of_license).group_by(weight))
    }
    plan = plan_split(amount, currency, params, counts, reviewer_inputs(session, license_id))
    cut, tie = plan.contributors, None
    tied = weight.in_(
        bindparam("tied", sorted(cut.tied), expanding=True, literal_execute=True)
    )  # integers, inlined: any number of them
    if cut.cut is not None:
        tie = session.scalar(
            select(LicenseItem.entry).where(of_license, tied).order_by(LicenseItem.entry).offset(cut.rank - 1).limit(1)
        )
    at_or_below = case((and_(tied, LicenseItem.entry <= tie), 1), else_=0) if tie is not None else literal(0, Integer)
    groups = session.execute(
        select(LicenseItem.author_id, weight, func.count(), func.sum(at_or_below))
        .where(of_license)
        .group_by(LicenseItem.author_id, weight)
    )
    return plan.finish(tie, [(author, int(w), int(n), int(below)) for author, w, n, below in groups])


def contribution_columns(
    session: Session, license_id: str, public_ties: bool = True
) -> tuple[ContributionColumns, list[ReviewerInput]]:
    """The licensed contributions one by one, as columns (for `full_split` and the benchmarks)."""
    rows = session.execute(
        select(LicenseItem.entry, LicenseItem.author_id, LicenseItem.base_pay, LicenseItem.units, LicenseItem.minutes)
        .where(LicenseItem.license_id == license_id)
        .order_by(LicenseItem.entry)
    ).all()
    indexes, authors, pays, units, minutes = (
        (list(column) for column in zip(*rows, strict=True)) if rows else ([], [], [], [], [])
    )
    return ContributionColumns(indexes, authors, pays, units, minutes), reviewer_inputs(
        session, license_id, public_ties
    )


def member_contributions(
    session: Session, license_ids: list[str], member: str
) -> dict[str, list[ContributionWeightInput]]:
    """The member's licensed contributions per license, with every weight the formula may use:
    what a statement recomputes their lines from (one query for all the statement's licenses)."""
    found: dict[str, list[ContributionWeightInput]] = {license_id: [] for license_id in license_ids}
    for start in range(0, len(license_ids), 5_000):
        rows = session.execute(
            select(
                LicenseItem.license_id, LicenseItem.entry, LicenseItem.base_pay, LicenseItem.units, LicenseItem.minutes
            )
            .where(LicenseItem.license_id.in_(license_ids[start : start + 5_000]), LicenseItem.author_id == member)
            .order_by(LicenseItem.entry)
        )
        for license_id, index, base_pay, units, minutes in rows:
            found[license_id].append(ContributionWeightInput(index, member, base_pay, units, minutes))
    return found
