"""find together: platforms found by their addresses, tips by their links, pictures and texts

A table of the registry's addresses as links are matched (platform_address, filled here from
the platforms' addresses), each tip's link key and site, the site a case about an
unregistered platform is keyed by; photos' perceptual hashes (image_hash), what the matching
found (tip_match) and when each tip was last matched (tips there already count as matched:
they have no link keys or hashes to match by).

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 17:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "platform_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platform.id"], name=op.f("fk_platform_address_platform_id_platform")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_address")),
    )
    with op.batch_alter_table("platform_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_address_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_address_platform_id"), ["platform_id"], unique=False)
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("site", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_tip_link_key"), ["link_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_tip_site"), ["site"], unique=False)
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site", sa.String(length=300), nullable=True))
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matched_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_tip_matched_at"), ["matched_at"], unique=False)
    op.execute("UPDATE tip SET matched_at = created_at")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_sha256"), ["sha256"], unique=False)
    op.create_table(
        "image_hash",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("band0", sa.Integer(), nullable=False),
        sa.Column("band1", sa.Integer(), nullable=False),
        sa.Column("band2", sa.Integer(), nullable=False),
        sa.Column("band3", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], name=op.f("fk_image_hash_evidence_id_evidence")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_hash")),
    )
    with op.batch_alter_table("image_hash", schema=None) as batch_op:
        for column in ("evidence_id", "band0", "band1", "band2", "band3"):
            batch_op.create_index(batch_op.f(f"ix_image_hash_{column}"), [column], unique=False)
    op.create_table(
        "tip_match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("other_tip_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("other_evidence_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tip_id"], ["tip.id"], name=op.f("fk_tip_match_tip_id_tip")),
        sa.ForeignKeyConstraint(["other_tip_id"], ["tip.id"], name=op.f("fk_tip_match_other_tip_id_tip")),
        sa.ForeignKeyConstraint(["evidence_id"], ["evidence.id"], name=op.f("fk_tip_match_evidence_id_evidence")),
        sa.ForeignKeyConstraint(
            ["other_evidence_id"], ["evidence.id"], name=op.f("fk_tip_match_other_evidence_id_evidence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_match")),
    )
    with op.batch_alter_table("tip_match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_match_tip_id"), ["tip_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tip_match_other_tip_id"), ["other_tip_id"], unique=False)

    from tipline.platforms.links import address_keys

    connection = op.get_bind()
    platform = sa.table("platform", sa.column("id", sa.Integer), sa.column("addresses", sa.JSON))
    rows = [
        {"platform_id": platform_id, "key": key}
        for platform_id, addresses in connection.execute(sa.select(platform.c.id, platform.c.addresses))
        for key in address_keys(addresses or [])
    ]
    if rows:
        address = sa.table("platform_address", sa.column("platform_id", sa.Integer), sa.column("key", sa.String))
        op.bulk_insert(address, rows)


def downgrade():
    with op.batch_alter_table("tip_match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_match_other_tip_id"))
        batch_op.drop_index(batch_op.f("ix_tip_match_tip_id"))
    op.drop_table("tip_match")
    with op.batch_alter_table("image_hash", schema=None) as batch_op:
        for column in ("evidence_id", "band0", "band1", "band2", "band3"):
            batch_op.drop_index(batch_op.f(f"ix_image_hash_{column}"))
    op.drop_table("image_hash")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sha256"))
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_matched_at"))
        batch_op.drop_column("matched_at")
    with op.batch_alter_table("case_record", schema=None) as batch_op:
        batch_op.drop_column("site")
    with op.batch_alter_table("tip", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_site"))
        batch_op.drop_index(batch_op.f("ix_tip_link_key"))
        batch_op.drop_column("site")
        batch_op.drop_column("link_key")
    with op.batch_alter_table("platform_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_address_platform_id"))
        batch_op.drop_index(batch_op.f("ix_platform_address_key"))
    op.drop_table("platform_address")
