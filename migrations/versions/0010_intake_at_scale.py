"""intake and search at national scale

Tip and reporter figures kept on the case, so that a tip joining a big case reads
none of its other tips; an index for a platform's cases by state; tip-text search terms with a GIN full-text index on PostgreSQL.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 22:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ORGANISATION_REPORTERS = ("industry_association", "parent_committee", "school", "social_organisation")
BATCH = 5000
# The open states of cases/states.py as they were at this revision.
OPEN_STATES = "state IN ('new', 'triaged', 'investigating')"


def upgrade():
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reporter_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("tip_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index("ix_case_record_platform_id_state", ["platform_id", "state"], unique=False)
        batch_op.create_index(
            "ix_case_record_open_queue",
            ["priority", "id"],
            unique=False,
            postgresql_where=sa.text(OPEN_STATES),
            sqlite_where=sa.text(OPEN_STATES),
        )
        batch_op.add_column(sa.Column("organisation_reported", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_terms", sa.Text(), server_default="", nullable=False))
        # "Has this client reported the case before?" is one index probe.
        batch_op.create_index("ix_tip_case_id_client_digest", ["case_id", "client_digest"], unique=False)

    op.execute(
        "UPDATE case_record SET tip_count = (SELECT count(*) FROM tip WHERE tip.case_id = case_record.id), "
        "reporter_count = "
        "(SELECT count(DISTINCT tip.client_digest) FROM tip WHERE tip.case_id = case_record.id), "
        "organisation_reported = EXISTS (SELECT 1 FROM tip WHERE tip.case_id = case_record.id "
        f"AND tip.reporter_type IN {ORGANISATION_REPORTERS!r})"
    )
    _fill_search_terms()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_tip_search_terms ON tip USING gin (to_tsvector('simple'::regconfig, search_terms))")


def _fill_search_terms():
    from tipline.reports.search import search_terms

    bind = op.get_bind()
    tip = sa.table(
        "tip", sa.column("id", sa.Integer), sa.column("description", sa.Text), sa.column("search_terms", sa.Text)
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(tip.c.id, tip.c.description).where(tip.c.id > last).order_by(tip.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(
            tip.update().where(tip.c.id == sa.bindparam("tip_id")).values(search_terms=sa.bindparam("terms")),
            [{"tip_id": row.id, "terms": search_terms(row.description)} for row in rows],
        )
        last = rows[-1].id


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_tip_search_terms")
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_index("ix_tip_case_id_client_digest")
        batch_op.drop_column("search_terms")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_index("ix_case_record_open_queue")
        batch_op.drop_index("ix_case_record_platform_id_state")
        batch_op.drop_column("organisation_reported")
        batch_op.drop_column("tip_count")
        batch_op.drop_column("reporter_count")
