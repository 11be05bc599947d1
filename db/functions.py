"""SQL that the two databases spell differently, behind one name each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# The SQLite connection gets this function (db/engine.py): SQLite's own lower() folds ASCII
# letters only.
SQLITE_LOWER = "unicode_lower"


class folded(FunctionElement[str]):
    """A text lowered for a case-insensitive match that is otherwise exact.

    MariaDB compares the lowered text with a binary collation: its utf8mb4_unicode_ci would
    also fold accents ("emile" finding "Émile"), which SQLite does not; this way both
    databases find the same objects.
    """

    type = String()
    inherit_cache = True
    name = "folded"


@compiles(folded)
def _folded_default(element: Any, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


@compiles(folded, "mysql")
@compiles(folded, "mariadb")
def _folded_mysql(element: Any, compiler: Any, **kw: Any) -> str:
    return f"(LOWER({compiler.process(element.clauses, **kw)}) COLLATE utf8mb4_bin)"


def contains_folded(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case; `%`, `_` and the escape character in `text`
    match themselves (SQLAlchemy's autoescape)."""
    return folded(column).contains(text.lower(), autoescape=True)
