"""case escalation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 22:42:59.129443

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_for', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_to_region', sa.String(length=6), nullable=True))



def downgrade():
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_column('escalated_to_region')
        batch_op.drop_column('escalated_for')

