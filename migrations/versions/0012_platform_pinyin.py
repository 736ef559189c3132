"""platforms found by the pinyin of their Chinese names

Each platform's search text gains its Chinese name in toneless pinyin, so that staff
and reporters find 星火学堂 by typing "xinghuo".

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 01:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    from tipline.platforms.models import platform_search_text

    _refill(platform_search_text)


def downgrade():
    from tipline.platforms.models import search_key

    _refill(
        lambda name, name_en, operator, addresses, number: search_key(
            name, name_en, operator, " ".join(addresses or ()), number
        )
    )


def _refill(compute):
    bind = op.get_bind()
    platform = sa.table(
        "platform",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_en", sa.String),
        sa.column("operator", sa.String),
        sa.column("addresses", sa.JSON),
        sa.column("search_text", sa.Text),
    )
    filing = sa.table("filing_record", sa.column("platform_id", sa.Integer), sa.column("filing_number", sa.String))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(platform, filing.c.filing_number)
            .select_from(platform.outerjoin(filing, filing.c.platform_id == platform.c.id))
            .where(platform.c.id > last)
            .order_by(platform.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            platform.update().where(platform.c.id == sa.bindparam("row_id")).values(search_text=sa.bindparam("text")),
            [
                {
                    "row_id": row.id,
                    "text": compute(row.name, row.name_en, row.operator, row.addresses, row.filing_number or ""),
                }
                for row in rows
            ],
        )
        last = rows[-1].id
