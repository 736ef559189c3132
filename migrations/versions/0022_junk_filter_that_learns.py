"""the junk filter that learns

Versions of the junk filter (junk_model), what it said of each tip at intake, and when
staff decided a tip in the junk tray.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'junk_model',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('examples_digest', sa.String(length=64), nullable=False),
        sa.Column('starter_examples', sa.Integer(), nullable=False),
        sa.Column('decisions', sa.Integer(), nullable=False),
        sa.Column('junk_examples', sa.Integer(), nullable=False),
        sa.Column('genuine_examples', sa.Integer(), nullable=False),
        sa.Column('weights', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_junk_model')),
    )
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.add_column(sa.Column('junk_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('junk_model_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('junk_words', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('junk_decided_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tip_junk_decided_at'), ['junk_decided_at'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_tip_junk_model_id_junk_model'), 'junk_model', ['junk_model_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('tip', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tip_junk_model_id_junk_model'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tip_junk_decided_at'))
        batch_op.drop_column('junk_decided_at')
        batch_op.drop_column('junk_words')
        batch_op.drop_column('junk_model_id')
        batch_op.drop_column('junk_score')
    op.drop_table('junk_model')
