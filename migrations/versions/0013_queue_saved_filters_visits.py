"""saved queue filters, and when each member of staff last opened each case

Staff name sets of work queue filters (saved_filter, one name once per person);
the queue marks cases with activity since the viewer last opened them (case_visit,
one row per person and case).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 02:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], name=op.f("fk_saved_filter_user_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filter")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_filter_user_id")),
    )
    op.create_table(
        "case_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], name=op.f("fk_case_visit_case_id_case_record")),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], name=op.f("fk_case_visit_user_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_visit")),
        sa.UniqueConstraint("user_id", "case_id", name=op.f("uq_case_visit_user_id")),
    )


def downgrade():
    op.drop_table("case_visit")
    op.drop_table("saved_filter")
