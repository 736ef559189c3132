"""each member of staff's own time zone

Staff pages show times in the signed-in user's chosen IANA time zone; none
chosen (null) follows the app's (BABEL_DEFAULT_TIMEZONE, Beijing time).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 03:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
