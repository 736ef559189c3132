"""a closing waiting for a supervisor's agreement

Closing a case above the priority threshold, or about a listed platform, needs a
supervisor's agreement (four eyes): the proposed closing waits on the case.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 01:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closing_state", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("closing_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closing_proposed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closing_proposed_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_record_closing_proposed_by_id_staff_user"),
            "staff_user",
            ["closing_proposed_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_case_record_closing_proposed_by_id_staff_user"), type_="foreignkey")
        batch_op.drop_column("closing_proposed_at")
        batch_op.drop_column("closing_proposed_by_id")
        batch_op.drop_column("closing_reason")
        batch_op.drop_column("closing_state")
