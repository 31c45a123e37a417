"""Sign-in hardening: one record of password checks and sign-ups (auth_attempt, insert-only, replaces
login_attempt), password resets, API token expiry, emails in their normal form.

- auth_attempt: every password check (sign-in and every opening of a custodial key) and every
  sign-up, for the back-off throttle. login_attempt held only the last minutes of sign-in attempts,
  the evidence of the old lock; it is dropped.
- password_reset: one-time reset tokens (hashed), issued by a steward or the command line.
- api_token.expires_at: tokens made before this migration expire 90 days after it.
- account.email: stored as NFKC + case-folded (coop.membership.emails), as sign-in now looks it up.
  An address whose normal form is already taken by another account is left as it was.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 06:30:00
"""
import unicodedata
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from migrations.triggers import refuse_changes

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _normal(email: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email.strip()).casefold())


def upgrade() -> None:
    op.create_table('auth_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('account', sa.String(length=320), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_attempt'))
    )
    op.create_index('ix_auth_attempt_account_at', 'auth_attempt', ['account', 'at'], unique=False)
    op.create_index('ix_auth_attempt_address_action_at', 'auth_attempt', ['address', 'action', 'at'], unique=False)
    refuse_changes(["auth_attempt"], updates=True)
    op.drop_table('login_attempt')  # its indexes and triggers go with it

    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('issued_by', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_password_reset_account_id_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    op.create_index(op.f('ix_password_reset_account_id'), 'password_reset', ['account_id'], unique=False)

    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.get_bind().execute(sa.text("UPDATE api_token SET expires_at = :at"), {"at": datetime.now(UTC) + timedelta(days=90)})
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    bind = op.get_bind()
    taken = {row[0] for row in bind.execute(sa.text("SELECT email FROM account"))}
    for account_id, email in bind.execute(sa.text("SELECT id, email FROM account")).all():
        normal = _normal(email)
        if normal != email and normal not in taken:
            bind.execute(sa.text("UPDATE account SET email = :e WHERE id = :i"), {"e": normal, "i": account_id})
            taken.add(normal)


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    op.drop_index(op.f('ix_password_reset_account_id'), table_name='password_reset')
    op.drop_table('password_reset')
    op.drop_table('auth_attempt')
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    op.create_index(op.f('ix_login_attempt_at'), 'login_attempt', ['at'], unique=False)
    op.create_index(op.f('ix_login_attempt_email'), 'login_attempt', ['email'], unique=False)
    op.create_index(op.f('ix_login_attempt_ip'), 'login_attempt', ['ip'], unique=False)
    refuse_changes(["login_attempt"], updates=True)
