"""user ids are never reused on SQLite

Tokens name their user by id. Without AUTOINCREMENT, SQLite hands the id of a deleted
newest user to the next sign-up, and the deleted user's unexpired access token (same id,
same token version) would open the new account. MySQL/MariaDB never reuse an
auto-increment value, so there this revision changes nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _recreate_user(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # A copy-and-rename; the migration connection has foreign keys off, so the rows that
    # reference users are kept as they are.
    with op.batch_alter_table(
        "user", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    _recreate_user(autoincrement=True)


def downgrade() -> None:
    _recreate_user(autoincrement=False)
