"""Search and order on every connection, generated from the entity declarations.

Every order field of every connection is walked forward and backward, in both directions,
and must give the rows in exactly the order (column, id) gives them; searches match
case-insensitively, `%`, `_` and backslashes literally, Korean and emoji exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from models import PublicScript, RefBook, RefData, SystemInfo
from resolvers.entities import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO
from resolvers.entity import Entity
from resolvers.ids import pk_of, to_global_id
from resolvers.pagination import OTHER_ORDER
from services import Services
from tests.data_api import quick_account, user_pk
from tests.utils import (
    Account,
    GraphQLClient,
    assert_error_code,
    assert_no_errors,
    count_statements,
)

# Text values whose order is the same in Python, SQLite (binary) and MariaDB (unicode_ci):
# lowercase ASCII, with one tie so ids break it.
WORDS = ["kiwi", "apple", "mango", "banana", "kiwi", "cherry", "date"]
OTHER_WORDS = ["zeta", "alpha", "eta", "beta", "delta", "gamma", "epsilon"]
BASE = datetime(2026, 5, 1, tzinfo=UTC)
# created_at ascending with the index; updated_at in another order.
UPDATED_SHUFFLE = [3, 0, 6, 1, 5, 2, 4]
CONNECTIONS: dict[Entity[Any], str] = {
    REF_BOOK: "refBooks",
    REF_DATA: "refDatas",
    SYSTEM_INFO: "systemInfos",
    PUBLIC_SCRIPT: "publicScripts",
}
CASES = [
    (entity, field, direction)
    for entity in CONNECTIONS
    for field in entity.orders
    for direction in ("ASC", "DESC")
]


def document(entity: Entity[Any], node_fields: str = "id") -> str:
    name = CONNECTIONS[entity]
    order_type = f"{entity.type_name}Order"
    return f"""
query($first: Int, $after: String, $last: Int, $before: String, $search: String,
      $orderBy: {order_type}) {{
  {name}(first: $first, after: $after, last: $last, before: $before, search: $search,
         orderBy: $orderBy) {{
    edges {{ cursor node {{ {node_fields} }} }}
    pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    totalCount
  }}
}}
"""


def row_values(entity: Entity[Any], i: int, texts: list[str]) -> dict[str, Any]:
    created = BASE + timedelta(minutes=i)
    values: dict[str, Any] = {
        "created_at": created,
        "updated_at": BASE + timedelta(days=1, minutes=UPDATED_SHUFFLE[i % len(UPDATED_SHUFFLE)]),
    }
    text, other = texts[i], OTHER_WORDS[i % len(OTHER_WORDS)]
    if entity is REF_BOOK:
        values.update(title=text, author=other)
    elif entity is REF_DATA:
        values.update(title=text)
    elif entity is SYSTEM_INFO:
        values.update(
            description=text, major=other, language="EN", understanding_level=1,
            only_use_reference_data=False, data_sequence=False,
        )  # fmt: skip
    else:
        values.update(name=text, description=other)
    return values


MODELS = {
    REF_BOOK: RefBook,
    REF_DATA: RefData,
    SYSTEM_INFO: SystemInfo,
    PUBLIC_SCRIPT: PublicScript,
}


async def seed(
    services: Services, entity: Entity[Any], owner: int, texts: list[str]
) -> list[dict[str, Any]]:
    """Rows inserted in one statement; each as its values plus `pk` and `id` (global)."""
    rows = [row_values(entity, i, texts) for i in range(len(texts))]
    for row in rows:
        row["user_id"] = owner if entity is not PUBLIC_SCRIPT else None
    model: Any = MODELS[entity]
    async with services.sessions.begin() as session:
        result = await session.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True), rows
        )
        pks = list(result.scalars().all())
    for row, pk in zip(rows, pks, strict=True):
        row["pk"], row["id"] = pk, to_global_id(entity.type_name, pk)
    return rows


def expected(rows: list[dict[str, Any]], column: str, descending: bool) -> list[str]:
    ordered = sorted(rows, key=lambda row: (row[column], row["pk"]), reverse=descending)
    return [row["id"] for row in ordered]


async def walk(
    gql: GraphQLClient, doc: str, token: str | None, size: int, backward: bool, **args: Any
) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        variables = dict(args)
        if backward:
            variables.update(last=size, before=cursor)
        else:
            variables.update(first=size, after=cursor)
        data = assert_no_errors(await gql(doc, variables, token=token))
        connection = next(iter(data.values()))
        ids = [edge["node"]["id"] for edge in connection["edges"]]
        seen = ids + seen if backward else seen + ids
        info = connection["pageInfo"]
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        if not more:
            return seen
        cursor = info["startCursor"] if backward else info["endCursor"]
    raise AssertionError("the walk did not end")


@pytest.mark.parametrize(
    ("entity", "field", "direction"),
    CASES,
    ids=[f"{e.type_name}-{f}-{d}" for e, f, d in CASES],
)
async def test_every_order_walks_both_ways_in_exactly_its_order(
    gql: GraphQLClient, services: Services, owner: Account, entity: Entity[Any], field: str,
    direction: str,
) -> None:  # fmt: skip
    # given seven objects whose times and texts each order them differently
    rows = await seed(services, entity, user_pk(owner), WORDS)
    column, descending = entity.orders[field], direction == "DESC"
    order = {"field": field, "direction": direction}
    token = None if entity is PUBLIC_SCRIPT else owner.token
    # when the connection is walked forward and backward three at a time
    forward = await walk(gql, document(entity), token, 3, backward=False, orderBy=order)
    backward = await walk(gql, document(entity), token, 3, backward=True, orderBy=order)
    # then both walks see every object once, ordered by (column, id) in that direction
    assert forward == expected(rows, column, descending)
    assert backward == forward


SEARCHED = [
    "100% done", "a_b notes", "back\\slash", "plain text", "한국어 노트", "🎓 study", "📚 books",
    "Quantum PHYSICS", "Émile Zola",
]  # fmt: skip
# Each of these matches exactly one of SEARCHED, and nothing in the other search columns.
SINGLE = {
    "%": "100% done",
    "_": "a_b notes",
    "\\": "back\\slash",
    "한국": "한국어 노트",
    "🎓": "🎓 study",
    "physics": "Quantum PHYSICS",
    "QUANTUM phys": "Quantum PHYSICS",
    "ÉMILE": "Émile Zola",
}
# Case is folded, accents are not: "emile" finds no "Émile", on either database.
SEARCHES = [*SINGLE, "o", "s", "zzz", "emile"]


@pytest.mark.parametrize("entity", list(CONNECTIONS), ids=[e.type_name for e in CONNECTIONS])
async def test_search_matches_ignoring_case_and_special_characters_literally(
    gql: GraphQLClient, services: Services, owner: Account, entity: Entity[Any]
) -> None:
    # given objects whose first search column holds special characters, Korean and emoji
    rows = await seed(services, entity, user_pk(owner), SEARCHED)
    token = None if entity is PUBLIC_SCRIPT else owner.token
    for search in SEARCHES:
        # when the connection is searched (newest first), in pages of two, both ways
        forward = await walk(gql, document(entity), token, 2, backward=False, search=search)
        backward = await walk(gql, document(entity), token, 2, backward=True, search=search)
        # then exactly the objects with the text in a search column come back, newest
        # first, and are counted
        wanted = [row["id"] for row in reversed(rows) if matches(entity, row, search)]
        assert forward == wanted, search
        assert backward == wanted, search
        if search in SINGLE:
            assert [row[entity.search[0]] for row in rows if row["id"] in wanted] == [
                SINGLE[search]
            ]
        body = await gql(document(entity), {"search": search}, token=token)
        assert next(iter(assert_no_errors(body).values()))["totalCount"] == len(wanted)


def matches(entity: Entity[Any], row: dict[str, Any], search: str) -> bool:
    return any(search.lower() in str(row[column]).lower() for column in entity.search)


async def test_a_book_search_looks_in_the_author_too(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    rows = await seed(services, REF_BOOK, user_pk(owner), WORDS)
    body = await gql(document(REF_BOOK), {"search": "GAMMA"}, token=owner.token)
    found = [edge["node"]["id"] for edge in assert_no_errors(body)["refBooks"]["edges"]]
    assert found == [row["id"] for row in rows if row["author"] == "gamma"]


async def test_a_search_sees_only_the_callers_objects(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given the same titles stored by two users
    await seed(services, REF_BOOK, user_pk(owner), WORDS)
    other = await quick_account(services, "mallory")
    await seed(services, REF_BOOK, user_pk(other), WORDS)
    # when the other one searches / then only their own match, and are counted alone
    body = await gql(document(REF_BOOK), {"search": "kiwi"}, token=other.token)
    connection = assert_no_errors(body)["refBooks"]
    assert connection["totalCount"] == 2
    owners = {pk_of(edge["node"]["id"], "RefBook") for edge in connection["edges"]}
    assert len(owners) == 2


async def test_a_cursor_means_nothing_under_another_order_or_search(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given a cursor from a page ordered by title with a search
    await seed(services, REF_BOOK, user_pk(owner), WORDS)
    by_title = {"field": "TITLE", "direction": "ASC"}
    variables = {"first": 2, "orderBy": by_title, "search": "a"}
    first = assert_no_errors(await gql(document(REF_BOOK), variables, token=owner.token))
    cursor = first["refBooks"]["pageInfo"]["endCursor"]
    # when it is presented with another order, direction or search, or none
    others: list[dict[str, Any]] = [
        {"orderBy": {"field": "AUTHOR", "direction": "ASC"}, "search": "a"},
        {"orderBy": {"field": "TITLE", "direction": "DESC"}, "search": "a"},
        {"orderBy": by_title, "search": "an"},
        {"orderBy": by_title},
        {},
    ]
    for other in others:
        for name in ("after", "before"):
            body = await gql(document(REF_BOOK), {**other, name: cursor}, token=owner.token)
            # then it is refused under the argument it came in, and says why
            error = assert_error_code(body, "BAD_USER_INPUT", field=name)
            assert error["extensions"]["fields"][name] == OTHER_ORDER
    # and under its own order and search it goes on
    again = await gql(document(REF_BOOK), {**variables, "after": cursor}, token=owner.token)
    assert assert_no_errors(again)["refBooks"]["edges"]


async def test_a_default_order_cursor_keeps_the_first_format(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # cursors clients already hold (newest first, no search) still work: same format
    await seed(services, REF_BOOK, user_pk(owner), WORDS)
    body = assert_no_errors(await gql(document(REF_BOOK), {"first": 2}, token=owner.token))
    cursor = body["refBooks"]["pageInfo"]["endCursor"]
    import base64

    assert base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).startswith(b"k1:")


async def test_an_overlong_search_is_bad_input(gql: GraphQLClient, owner: Account) -> None:
    body = await gql(document(REF_BOOK), {"search": "x" * 101}, token=owner.token)
    assert_error_code(body, "BAD_USER_INPUT", field="search")


async def test_a_searched_ordered_page_is_one_statement(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given books / when a searched page ordered by author is read with its token check
    await seed(services, REF_BOOK, user_pk(owner), WORDS)
    variables = {"first": 3, "search": "a", "orderBy": {"field": "AUTHOR", "direction": "DESC"}}
    with count_statements(services.engine) as statements:
        body = await gql(document(REF_BOOK, "id title author"), variables, token=owner.token)
    # then one statement answered it (totalCount is selected: one COUNT more)
    assert assert_no_errors(body)["refBooks"]["edges"]
    assert statements.count == 2
