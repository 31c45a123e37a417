"""The statement kinds of the second hand (issue 16): a steward's signed approval of a task above the
pay ceiling, a downstream revenue report a steward made (logged pending, not posted), and another
steward's signed confirmation that posts it. Approvals and confirmations are signed by the steward's
own member key (custodial with their password, or their own key), like ballots."""

from __future__ import annotations

from coop.statements.fields import Count, Currency, Exact, Id, Positive, Sha256, Time


class TaskApproval(Exact):
    """Signed by a steward who did not open the task: its pay per unit and total budget are approved."""

    task: Id
    approver: Id
    pay_per_unit: Positive
    currency: Currency
    budget_minor: Positive
    time: Time


class RevenueReported(Exact):
    """A steward reported downstream revenue on a license: pending, nothing posted, until confirmed.
    The description stays beside the log; the entry carries its SHA-256."""

    report: Id
    license: Id
    license_entry: Count
    amount: Positive
    currency: Currency
    description_sha256: Sha256
    reported_by: Id
    time: Time


class RevenueConfirmation(Exact):
    """Signed by a steward other than the reporter: the report is true, post and share it."""

    report: Id
    report_entry: Count
    license: Id
    amount: Positive
    currency: Currency
    confirmer: Id
    time: Time
