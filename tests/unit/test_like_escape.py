"""A search bound at execution (`contains_folded_param` + `escape_like`) is the statement and
the value `contains_folded` (SQLAlchemy's autoescape) would send: same SQL, same parameter."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import mysql, sqlite

from db.functions import contains_folded, contains_folded_param, escape_like
from resolvers.entities import REF_BOOK

TEXTS = ["plain", "100%", "a_b", "back\\slash", "with/slash", "//%_/", "ÉMILE", "한국 🎓", ""]


@pytest.mark.parametrize("dialect", [mysql.dialect(), sqlite.dialect()], ids=["mysql", "sqlite"])
@pytest.mark.parametrize("text", TEXTS)
def test_bound_search_is_what_autoescape_sends(dialect: object, text: str) -> None:
    column = REF_BOOK.column("title")
    built = select(column).where(contains_folded(column, text)).compile(dialect=dialect)  # type: ignore[arg-type]
    bound = (
        select(column)
        .where(contains_folded_param(column, bindparam("search")))
        .compile(dialect=dialect)  # type: ignore[arg-type]
    )
    # the SQL is the same, and the one value sent is the same
    assert str(bound) == str(built)
    assert list(built.params.values()) == [escape_like(text)]
    assert list(bound.construct_params({"search": escape_like(text)}).values()) == [
        escape_like(text)
    ]
