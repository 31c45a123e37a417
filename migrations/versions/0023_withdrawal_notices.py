"""Withdrawal notices (issue 15, part 4): when a contributor revokes consent after a license that
includes their contribution, the licensee gets a co-op-signed, logged notice (`license_withdrawal`),
and reads of a license's notices are recorded as new rows (`license_withdrawal_read`, the highest
wins). Both are insert-only: the database refuses UPDATE and DELETE. An index lets a revocation
find every license holding the contribution.

Revision ID: 0023
Revises: 0017
Create Date: 2026-11-30 13:20:00
"""
import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

TABLES = ['license_withdrawal', 'license_withdrawal_read']


def upgrade() -> None:
    op.create_index(
        op.f('ix_dataset_license_item_contribution_id'), 'dataset_license_item', ['contribution_id'], unique=False
    )
    op.create_table('license_withdrawal',
    sa.Column('license_id', sa.String(length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.String(length=32), nullable=False),
    sa.Column('contribution_entry', sa.BigInteger(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('revocation_entry', sa.BigInteger(), nullable=False),
    sa.Column('noticed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('log_index', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contribution.id'], name=op.f('fk_license_withdrawal_contribution_id_contribution')),
    sa.ForeignKeyConstraint(['license_id'], ['dataset_license.id'], name=op.f('fk_license_withdrawal_license_id_dataset_license')),
    sa.PrimaryKeyConstraint('license_id', 'sequence', name=op.f('pk_license_withdrawal')),
    sa.UniqueConstraint('license_id', 'contribution_id', name=op.f('uq_license_withdrawal_license_id')),
    sa.UniqueConstraint('log_index', name=op.f('uq_license_withdrawal_log_index'))
    )
    op.create_table('license_withdrawal_read',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('license_id', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('up_to', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_license_withdrawal_read_account_id_account')),
    sa.ForeignKeyConstraint(['license_id'], ['dataset_license.id'], name=op.f('fk_license_withdrawal_read_license_id_dataset_license')),
    sa.ForeignKeyConstraint(['org_id'], ['buyer_org.id'], name=op.f('fk_license_withdrawal_read_org_id_buyer_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_license_withdrawal_read'))
    )
    op.create_index('ix_license_withdrawal_read_license_up_to', 'license_withdrawal_read', ['license_id', 'up_to'], unique=False)
    refuse_changes(TABLES, updates=True)


def downgrade() -> None:
    op.drop_index('ix_license_withdrawal_read_license_up_to', table_name='license_withdrawal_read')
    op.drop_table('license_withdrawal_read')
    op.drop_table('license_withdrawal')
    op.drop_index(op.f('ix_dataset_license_item_contribution_id'), table_name='dataset_license_item')
