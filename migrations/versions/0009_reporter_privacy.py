"""privacy of reporters (sent mail, client keys, once-only pages)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Sent mail is recorded by its key alone: no reporter's address in clear.
    with op.batch_alter_table('sent_mail', schema=None) as batch_op:
        batch_op.drop_column('recipient')

    op.create_table('client_key',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_client_key'))
    )
    op.create_table('receipt_handover',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('code_encrypted', sa.Text(), nullable=False),
    sa.Column('joined_reporters', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_receipt_handover'))
    )
    with op.batch_alter_table('receipt_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_handover_expires_at'), ['expires_at'], unique=False)

    op.create_table('tracking_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_tracking_session_tip_id_tip'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_tracking_session'))
    )
    with op.batch_alter_table('tracking_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tracking_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tracking_session_tip_id'), ['tip_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tracking_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tracking_session_tip_id'))
        batch_op.drop_index(batch_op.f('ix_tracking_session_expires_at'))
    op.drop_table('tracking_session')
    with op.batch_alter_table('receipt_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_handover_expires_at'))
    op.drop_table('receipt_handover')
    op.drop_table('client_key')
    # The addresses of mail sent since the upgrade are not known any more.
    with op.batch_alter_table('sent_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient', sa.String(length=254), nullable=False, server_default=''))
