"""registry, tips, evidence and job outbox

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 21:15:51.483112

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_job'))
    )
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_job_state'), ['state'], unique=False)

    op.create_table('region',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name_zh', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=64), nullable=False),
    sa.Column('parent_code', sa.String(length=6), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['region.code'], name=op.f('fk_region_parent_code_region')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_region'))
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_parent_code'), ['parent_code'], unique=False)

    op.create_table('platform',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('operator', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('addresses', sa.JSON(), nullable=False),
    sa.Column('teaches_subjects', sa.Boolean(), nullable=False),
    sa.Column('list_status', sa.String(length=8), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_platform_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform')),
    sa.UniqueConstraint('name', 'region_code', name='uq_platform_name_region')
    )
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_region_code'), ['region_code'], unique=False)

    op.create_table('filing_record',
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('filing_number', sa.String(length=64), nullable=False),
    sa.Column('filed_features', sa.Text(), nullable=False),
    sa.Column('last_reviewed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_filing_record_platform_id_platform')),
    sa.PrimaryKeyConstraint('platform_id', name=op.f('pk_filing_record'))
    )
    op.create_table('tip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_digest', sa.String(length=64), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('platform_name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('location', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=True),
    sa.Column('reporter_type', sa.String(length=32), nullable=False),
    sa.Column('contact_encrypted', sa.Text(), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('client_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_tip_platform_id_platform')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip')),
    sa.UniqueConstraint('receipt_digest', name=op.f('uq_tip_receipt_digest'))
    )
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tip_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_client_digest'), ['client_digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tip_platform_id'), ['platform_id'], unique=False)

    op.create_table('tip_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_tip_event_tip_id_tip')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tip_event'))
    )
    with op.batch_alter_table('tip_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tip_event_tip_id'), ['tip_id'], unique=False)

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tip_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('thumbnail_key', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('mime_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('check_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['tip_event.id'], name=op.f('fk_evidence_event_id_tip_event')),
    sa.ForeignKeyConstraint(['tip_id'], ['tip.id'], name=op.f('fk_evidence_tip_id_tip')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_evidence_storage_key'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_tip_id'), ['tip_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_tip_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('tip_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_event_tip_id'))

    op.drop_table('tip_event')
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tip_platform_id'))
        batch_op.drop_index(batch_op.f('ix_tip_created_at'))
        batch_op.drop_index(batch_op.f('ix_tip_client_digest'))
        batch_op.drop_index(batch_op.f('ix_tip_category'))

    op.drop_table('tip')
    op.drop_table('filing_record')
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_region_code'))

    op.drop_table('platform')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parent_code'))

    op.drop_table('region')
    with op.batch_alter_table('outbox_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_job_state'))

    op.drop_table('outbox_job')
