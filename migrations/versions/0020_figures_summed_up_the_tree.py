"""figures summed up the region tree

The public figures' rollup keeps, beside each region's own counts, the counts of its
whole subtree (`whole` rows), so that a page reads its region's children's totals
instead of every leaf below it. The rollup is rebuilt by its job: its rows are
dropped here and come back at the next refresh (or `flask --app wsgi refresh-figures`).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM figure_count")
    op.execute("DELETE FROM scheduled_task WHERE name IN ('figures.refreshed', 'figures.refresh')")
    with op.batch_alter_table('figure_count', schema=None) as batch_op:
        batch_op.add_column(sa.Column('whole', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_index('ix_figure_count_measure_month')
        batch_op.create_index('ix_figure_count_region_measure_month', ['region_code', 'measure', 'month'], unique=False)


def downgrade():
    op.execute("DELETE FROM figure_count")
    op.execute("DELETE FROM scheduled_task WHERE name IN ('figures.refreshed', 'figures.refresh')")
    with op.batch_alter_table('figure_count', schema=None) as batch_op:
        batch_op.drop_index('ix_figure_count_region_measure_month')
        batch_op.create_index('ix_figure_count_measure_month', ['measure', 'month'], unique=False)
        batch_op.drop_column('whole')
