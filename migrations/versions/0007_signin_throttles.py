"""staff sign-in throttles and second factor

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Locks are counted in the rate-limit storage now, per account and client; the
    # account row keeps only when its owner was last told of one.
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_noticed_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.drop_column('lock_noticed_at')
