"""indexes for every order a connection offers

Connections can be ordered by updated time, title, author or name (besides created time).
Each order is a keyset range on (owner, column, id), so each gets its index: a page at row
100,000 costs what the first one does.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_ref_book_user_updated", "ref_book", ["user_id", "updated_at", "id"]),
    ("ix_ref_book_user_title", "ref_book", ["user_id", "title", "id"]),
    ("ix_ref_book_user_author", "ref_book", ["user_id", "author", "id"]),
    ("ix_ref_data_user_updated", "ref_data", ["user_id", "updated_at", "id"]),
    ("ix_ref_data_user_title", "ref_data", ["user_id", "title", "id"]),
    ("ix_system_info_user_updated", "system_info", ["user_id", "updated_at", "id"]),
    ("ix_public_script_updated", "public_script", ["updated_at", "id"]),
    ("ix_public_script_name", "public_script", ["name", "id"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
