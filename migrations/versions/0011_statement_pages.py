"""An index for statement pages: a member's postings by transaction, (account_code, tx_id).

A statement page reads the next 50 of a member's transactions after a cursor. With only
ix_posting_account_code, PostgreSQL walked the whole posting table backwards by tx_id filtering on
the account (450 ms for a member with 10,000 events among 500,000; bench/money_bench.py); with this
index it reads the 51 entries it needs. It replaces ix_posting_account_code, its prefix, which every
query by account (balances, the overdraft check) uses as well.

Plain CREATE/DROP INDEX on both databases: no table is copied, so posting's append-only triggers stay.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_posting_account_tx', 'posting', ['account_code', 'tx_id'], unique=False)
    op.drop_index('ix_posting_account_code', table_name='posting')


def downgrade() -> None:
    op.create_index('ix_posting_account_code', 'posting', ['account_code'], unique=False)
    op.drop_index('ix_posting_account_tx', table_name='posting')
