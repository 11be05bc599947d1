"""refresh tokens know their chain

`signOut` ends one session: the refresh token it is given and every token rotated from the
same sign-in. Each row names its chain (`family`: the jti of the chain's first token, copied
by every rotation), indexed so the sign-out deletes the chain through a range of the index.
Rows from before this revision each start a chain of their own (their jti). `used_at` gets
an index for the purge of used tokens (`python main.py purge-tokens`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "refresh_token",
        sa.Column("family", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.execute("UPDATE refresh_token SET family = jti")
    with op.batch_alter_table("refresh_token") as batch_op:
        batch_op.alter_column(
            "family", existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        )
        batch_op.create_index("ix_refresh_token_family", ["family"], unique=False)
        batch_op.create_index("ix_refresh_token_used_at", ["used_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refresh_token") as batch_op:
        batch_op.drop_index("ix_refresh_token_used_at")
        batch_op.drop_index("ix_refresh_token_family")
        batch_op.drop_column("family")
