"""staff accounts, cases, history, notes, tasks, audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 21:34:51.171244

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('totp_secret_encrypted', sa.Text(), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_staff_user_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_user')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_user_email'))
    )
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_user_region_code'), ['region_code'], unique=False)

    op.create_table('staff_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_staff_session_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_session_token_hash'))
    )
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_session_user_id'), ['user_id'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('target_type', sa.String(length=24), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_user.id'], name=op.f('fk_audit_entry_actor_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_region_code'), ['region_code'], unique=False)

    op.create_table('case_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('platform_name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('lead_department', sa.String(length=16), nullable=False),
    sa.Column('co_department', sa.String(length=16), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('priority_reasons', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('state_changed_at', sa.DateTime(), nullable=False),
    sa.Column('deadline_at', sa.DateTime(), nullable=True),
    sa.Column('open_key', sa.String(length=240), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff_user.id'], name=op.f('fk_case_record_assignee_id_staff_user')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['case_record.id'], name=op.f('fk_case_record_merged_into_id_case_record')),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_case_record_platform_id_platform')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_case_record_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_record')),
    sa.UniqueConstraint('open_key', name=op.f('uq_case_record_open_key'))
    )
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_record_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_deadline_at'), ['deadline_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_lead_department'), ['lead_department'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_priority'), ['priority'], unique=False)
        batch_op.create_index('ix_case_record_priority_id', ['priority', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_state'), ['state'], unique=False)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_user.id'], name=op.f('fk_case_event_actor_id_staff_user')),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_event_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_event'))
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('case_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['staff_user.id'], name=op.f('fk_case_note_author_id_staff_user')),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_note_case_id_case_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note'))
    )
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_note_case_id'), ['case_id'], unique=False)

    op.create_table('case_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_task_case_id_case_record')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_case_task_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['done_by_id'], ['staff_user.id'], name=op.f('fk_case_task_done_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_task'))
    )
    with op.batch_alter_table('case_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_task_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('junk_status', sa.String(length=12), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('junk_reasons', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.create_index(batch_op.f('ix_tip_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_junk_status'), ['junk_status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tip_case_id_case_record'), 'case_record', ['case_id'], ['id'])



def downgrade():
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')

    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tip_case_id_case_record'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tip_junk_status'))
        batch_op.drop_index(batch_op.f('ix_tip_case_id'))
        batch_op.drop_column('junk_reasons')
        batch_op.drop_column('junk_status')
        batch_op.drop_column('case_id')

    with op.batch_alter_table('case_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_task_case_id'))

    op.drop_table('case_task')
    with op.batch_alter_table('case_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_note_case_id'))

    op.drop_table('case_note')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_record_state'))
        batch_op.drop_index(batch_op.f('ix_case_record_region_code'))
        batch_op.drop_index('ix_case_record_priority_id')
        batch_op.drop_index(batch_op.f('ix_case_record_priority'))
        batch_op.drop_index(batch_op.f('ix_case_record_platform_id'))
        batch_op.drop_index(batch_op.f('ix_case_record_lead_department'))
        batch_op.drop_index(batch_op.f('ix_case_record_deadline_at'))
        batch_op.drop_index(batch_op.f('ix_case_record_created_at'))
        batch_op.drop_index(batch_op.f('ix_case_record_category'))
        batch_op.drop_index(batch_op.f('ix_case_record_assignee_id'))

    op.drop_table('case_record')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_region_code'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_user_region_code'))

    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_session_user_id'))

    op.drop_table('staff_session')
    op.drop_table('staff_user')
