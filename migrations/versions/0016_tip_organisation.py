"""the organisation that filed a tip

A tip filed by a member of an organisation names both; only a verified
organisation's tips weigh in a case's priority (tipline/organisations/trust.py).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 04:35:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("org_member_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_tip_organisation_id", ["organisation_id"])
        batch_op.create_foreign_key("fk_tip_organisation_id", "organisation", ["organisation_id"], ["id"])
        batch_op.create_foreign_key("fk_tip_org_member_id", "org_member", ["org_member_id"], ["id"])
    # Until now a reporter type of "school" (anyone could choose it) set the flag; no tip has an
    # organisation yet, so no case has one that weighs. A case's stored priority follows at its next tip.
    op.execute(sa.text("UPDATE case_record SET organisation_reported = :no").bindparams(no=False))


def downgrade():
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tip_org_member_id", type_="foreignkey")
        batch_op.drop_constraint("fk_tip_organisation_id", type_="foreignkey")
        batch_op.drop_index("ix_tip_organisation_id")
        batch_op.drop_column("org_member_id")
        batch_op.drop_column("organisation_id")
