"""evidence metadata and checks

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('metadata_kept', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('raw_key', sa.String(length=64), nullable=True))
        batch_op.alter_column('storage_key', existing_type=sa.String(length=64), nullable=True)


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.alter_column('storage_key', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('raw_key')
        batch_op.drop_column('metadata_kept')
