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


# The escape character SQLAlchemy's autoescape uses; `escape_like` does what it does, for a
# text that is bound at execution rather than built into the statement.
LIKE_ESCAPE = "/"


def escape_like(text: str) -> str:
    """`text` lowered and escaped for `contains_folded_param`: what `contains_folded` binds."""
    escaped = text.lower().replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
    return escaped.replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def contains_folded_param(column: Any, param: Any) -> ColumnElement[bool]:
    """`contains_folded` with the text as a bind parameter (given through `escape_like`): the
    same SQL, in a statement built once."""
    return folded(column).contains(param, escape=LIKE_ESCAPE)
