"""enforcement actions, list entries, platform enforcement status

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 22:07:24.124471

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('enforcement_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=24), nullable=False),
    sa.Column('lifts_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('deadline_on', sa.Date(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=False),
    sa.Column('review_requested_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_enforcement_action_case_id_case_record')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['staff_user.id'], name=op.f('fk_enforcement_action_decided_by_id_staff_user')),
    sa.ForeignKeyConstraint(['lifts_id'], ['enforcement_action.id'], name=op.f('fk_enforcement_action_lifts_id_enforcement_action')),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_enforcement_action_platform_id_platform')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['staff_user.id'], name=op.f('fk_enforcement_action_proposed_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enforcement_action'))
    )
    with op.batch_alter_table('enforcement_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enforcement_action_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcement_action_deadline_on'), ['deadline_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcement_action_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enforcement_action_state'), ['state'], unique=False)

    op.create_table('list_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('list_status', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('public_reason', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['enforcement_action.id'], name=op.f('fk_list_entry_action_id_enforcement_action')),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_user.id'], name=op.f('fk_list_entry_actor_id_staff_user')),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_list_entry_platform_id_platform')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_entry'))
    )
    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_entry_platform_id'), ['platform_id'], unique=False)

    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enforcement_status', sa.String(length=24), server_default='normal', nullable=False))



def downgrade():
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.drop_column('enforcement_status')

    with op.batch_alter_table('list_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_entry_platform_id'))

    op.drop_table('list_entry')
    with op.batch_alter_table('enforcement_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enforcement_action_state'))
        batch_op.drop_index(batch_op.f('ix_enforcement_action_platform_id'))
        batch_op.drop_index(batch_op.f('ix_enforcement_action_deadline_on'))
        batch_op.drop_index(batch_op.f('ix_enforcement_action_case_id'))

    op.drop_table('enforcement_action')
