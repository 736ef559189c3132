"""figures and the evaluation read through indexes bounded by the page

The public figures read a region's whole rows and its children's, so the rollup's index
leads with the region and whether a row is whole; the evaluation counts the escalations
of a period, so case events are indexed by kind and time.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 15:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('figure_count', schema=None) as batch_op:
        batch_op.drop_index('ix_figure_count_region_measure_month')
        batch_op.create_index(
            'ix_figure_count_region_whole_measure_month', ['region_code', 'whole', 'measure', 'month'], unique=False
        )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index('ix_case_event_kind_created_at', ['kind', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index('ix_case_event_kind_created_at')
    with op.batch_alter_table('figure_count', schema=None) as batch_op:
        batch_op.drop_index('ix_figure_count_region_whole_measure_month')
        batch_op.create_index('ix_figure_count_region_measure_month', ['region_code', 'measure', 'month'], unique=False)
