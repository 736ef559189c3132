"""organisations and their members

Schools, parent committees, industry associations and social organisations
report as themselves: an organisation (unified social credit code, region,
status with staff) and the members who sign in for it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 04:20:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("school_name", sa.String(length=200), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("email_confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"]),
        sa.ForeignKeyConstraint(["verified_by_id"], ["staff_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credit_code"),
        sa.UniqueConstraint("email"),
    )
    op.create_index("ix_organisation_region_code", "organisation", ["region_code"])
    op.create_index("ix_organisation_status", "organisation", ["status"])
    op.create_table(
        "org_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_index("ix_org_member_organisation_id", "org_member", ["organisation_id"])


def downgrade():
    op.drop_index("ix_org_member_organisation_id", table_name="org_member")
    op.drop_table("org_member")
    op.drop_index("ix_organisation_status", table_name="organisation")
    op.drop_index("ix_organisation_region_code", table_name="organisation")
    op.drop_table("organisation")
