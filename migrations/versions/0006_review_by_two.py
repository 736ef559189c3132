"""rectification review by two people

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enforcement_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_outcome', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('review_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_enforcement_action_reviewed_by_id_staff_user'), 'staff_user', ['reviewed_by_id'], ['id']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_enforcement_action_review_confirmed_by_id_staff_user'),
            'staff_user',
            ['review_confirmed_by_id'],
            ['id'],
        )
    # Reviews asked for before this revision: the education department now co-handles
    # those cases, as cases/escalation.py makes it do for new requests, so that its
    # staff may record and confirm them.
    op.execute(
        "UPDATE case_record SET co_department = 'education'"
        " WHERE lead_department <> 'education'"
        " AND (co_department IS NULL OR co_department <> 'education')"
        " AND id IN (SELECT case_id FROM enforcement_action"
        " WHERE type = 'rectification' AND state = 'in_force' AND lifts_id IS NULL"
        " AND review_requested_at IS NOT NULL)"
    )


def downgrade():
    with op.batch_alter_table('enforcement_action', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enforcement_action_review_confirmed_by_id_staff_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_enforcement_action_reviewed_by_id_staff_user'), type_='foreignkey')
        batch_op.drop_column('review_confirmed_by_id')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('review_note')
        batch_op.drop_column('review_outcome')
