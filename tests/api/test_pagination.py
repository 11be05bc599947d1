"""Keyset connections (docs/design.md "Pagination") through refBooks and publicScripts."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import engines_of
from resolvers.cursors import decode_cursor, encode_cursor
from services import Services
from tests.data_api import (
    create_book,
    quick_account,
    seed_books,
    seed_public_scripts,
    stamps,
    user_pk,
)
from tests.utils import (
    Account,
    GraphQLClient,
    assert_error_code,
    assert_no_errors,
    count_statements,
)

PAGE_ARGS = "$first: Int, $after: String, $last: Int, $before: String"
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
REF_BOOKS = f"""
query RefBooks({PAGE_ARGS}) {{
  refBooks(first: $first, after: $after, last: $last, before: $before) {{
    edges {{ cursor node {{ id }} }} {PAGE_INFO}
  }}
}}
"""
REF_BOOKS_COUNTED = f"""
query RefBooksCounted({PAGE_ARGS}) {{
  refBooks(first: $first, after: $after, last: $last, before: $before) {{
    edges {{ node {{ id }} }} totalCount
  }}
}}
"""
PUBLIC_SCRIPTS = f"""
query PublicScripts({PAGE_ARGS}) {{
  publicScripts(first: $first, after: $after, last: $last, before: $before) {{
    edges {{ cursor node {{ id }} }} {PAGE_INFO}
  }}
}}
"""


async def page(
    gql: GraphQLClient, document: str, token: str | None = None, **args: Any
) -> dict[str, Any]:
    data = assert_no_errors(await gql(document, args, token=token))
    connection = next(iter(data.values()))
    assert isinstance(connection, dict)
    return connection


def node_ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def flags(connection: dict[str, Any]) -> tuple[bool, bool]:
    info = connection["pageInfo"]
    return info["hasPreviousPage"], info["hasNextPage"]


async def walk_forward(
    gql: GraphQLClient, document: str, size: int, token: str | None = None
) -> list[tuple[list[str], tuple[bool, bool]]]:
    """Every page from the newest on, as (ids, (hasPreviousPage, hasNextPage))."""
    pages, after = [], None
    for _ in range(50):
        connection = await page(gql, document, token, first=size, after=after)
        pages.append((node_ids(connection), flags(connection)))
        info = connection["pageInfo"]
        if connection["edges"]:
            assert info["startCursor"] == connection["edges"][0]["cursor"]
            assert info["endCursor"] == connection["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            return pages
        after = info["endCursor"]
    raise AssertionError("the walk did not end")


async def walk_backward(
    gql: GraphQLClient, document: str, size: int, token: str | None = None
) -> list[tuple[list[str], tuple[bool, bool]]]:
    """Every page from the oldest back, as (ids, (hasPreviousPage, hasNextPage))."""
    pages, before = [], None
    for _ in range(50):
        connection = await page(gql, document, token, last=size, before=before)
        pages.append((node_ids(connection), flags(connection)))
        if not connection["pageInfo"]["hasPreviousPage"]:
            return pages
        before = connection["pageInfo"]["startCursor"]
    raise AssertionError("the walk did not end")


@pytest.fixture
async def seven_books(services: Services, owner: Account) -> list[str]:
    """Seven of owner's books, newest first."""
    return list(reversed(await seed_books(services, user_pk(owner), stamps(7))))


async def test_forward_walk_covers_every_row_once_newest_first(
    gql: GraphQLClient, owner: Account, services: Services, seven_books: list[str]
) -> None:
    b = seven_books
    # when walking with first: 3 / then exact flags at every step, including both ends
    with StatementLog(services.engine) as log:
        pages = await walk_forward(gql, REF_BOOKS, 3, owner.token)
    assert pages == [
        (b[0:3], (False, True)),
        (b[3:6], (True, True)),
        (b[6:7], (True, False)),
    ]
    log.assert_no_offset()


async def test_page_that_ends_on_the_last_row_has_no_next_page(
    gql: GraphQLClient, owner: Account, seven_books: list[str]
) -> None:
    # given seven rows / when a page holds exactly all of them / then nothing follows it
    whole = await page(gql, REF_BOOKS, owner.token, first=7)
    assert (node_ids(whole), flags(whole)) == (seven_books, (False, False))
    # a page one short has a next page, which holds the last row and nothing after it
    one_short = await page(gql, REF_BOOKS, owner.token, first=6)
    assert flags(one_short) == (False, True)
    rest = await page(gql, REF_BOOKS, owner.token, first=3, after=end_cursor(one_short))
    assert (node_ids(rest), flags(rest)) == (seven_books[6:], (True, False))
    # and past the last row: no edges, no cursors, rows before it
    past = await page(gql, REF_BOOKS, owner.token, first=3, after=end_cursor(whole))
    assert (past["edges"], flags(past)) == ([], (True, False))
    assert past["pageInfo"]["startCursor"] is None


def end_cursor(connection: dict[str, Any]) -> str:
    return str(connection["pageInfo"]["endCursor"])


async def test_backward_walk_covers_every_row_once(
    gql: GraphQLClient, owner: Account, services: Services, seven_books: list[str]
) -> None:
    b = seven_books
    with StatementLog(services.engine) as log:
        pages = await walk_backward(gql, REF_BOOKS, 3, owner.token)
    # pages come oldest-last, each still ordered newest first
    assert pages == [
        (b[4:7], (True, False)),
        (b[1:4], (True, True)),
        (b[0:1], (False, True)),
    ]
    log.assert_no_offset()


async def test_default_page_size_is_twenty(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    books = list(reversed(await seed_books(services, user_pk(owner), stamps(25))))
    connection = await page(gql, REF_BOOKS, owner.token)
    assert node_ids(connection) == books[:20]
    assert flags(connection) == (False, True)


async def test_a_hundred_is_allowed(
    gql: GraphQLClient, owner: Account, seven_books: list[str]
) -> None:
    assert node_ids(await page(gql, REF_BOOKS, owner.token, first=100)) == seven_books
    assert node_ids(await page(gql, REF_BOOKS, owner.token, last=100)) == seven_books


async def test_cursors_survive_rows_inserted_before_them(
    gql: GraphQLClient, owner: Account, seven_books: list[str]
) -> None:
    # given the first page and the second page read through its end cursor
    first = await page(gql, REF_BOOKS, owner.token, first=3)
    second = await page(gql, REF_BOOKS, owner.token, first=3, after=end_cursor(first))
    # when new (newer) rows are inserted before it
    for i in range(3):
        await create_book(gql, owner, "New", f"new-{i}")
    # then the second page read again through the old cursor is the same page
    again = await page(gql, REF_BOOKS, owner.token, first=3, after=end_cursor(first))
    assert node_ids(again) == node_ids(second) == seven_books[3:6]
    assert [e["cursor"] for e in again["edges"]] == [e["cursor"] for e in second["edges"]]


async def test_equal_creation_times_are_ordered_by_id_descending(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given five books created at the same microsecond, between two others
    same = datetime(2025, 6, 1, 12, 0, 0, 123456, tzinfo=UTC)
    older = await seed_books(services, user_pk(owner), [datetime(2025, 1, 1, tzinfo=UTC)], "o")
    tied = await seed_books(services, user_pk(owner), [same] * 5, "t")
    newer = await seed_books(services, user_pk(owner), [datetime(2026, 1, 1, tzinfo=UTC)], "n")
    pks = [int(base64.b64decode(g).decode().split(":")[1]) for g in tied]
    expected = newer + [g for _, g in sorted(zip(pks, tied, strict=True), reverse=True)] + older
    # when walked in pages of two, both ways
    forward = await walk_forward(gql, REF_BOOKS, 2, owner.token)
    backward = await walk_backward(gql, REF_BOOKS, 2, owner.token)
    # then the ties break by id descending and every row shows up exactly once
    assert [i for ids, _ in forward for i in ids] == expected
    assert [i for ids, _ in reversed(backward) for i in ids] == expected


async def test_public_scripts_walk_both_ways_without_a_token(
    gql: GraphQLClient, services: Services
) -> None:
    scripts = list(reversed(await seed_public_scripts(services, stamps(5), scripts_each=1)))
    forward = await walk_forward(gql, PUBLIC_SCRIPTS, 2)
    assert forward == [
        (scripts[0:2], (False, True)),
        (scripts[2:4], (True, True)),
        (scripts[4:5], (True, False)),
    ]
    backward = await walk_backward(gql, PUBLIC_SCRIPTS, 2)
    assert backward == [
        (scripts[3:5], (True, False)),
        (scripts[1:3], (True, True)),
        (scripts[0:1], (False, True)),
    ]


async def test_before_without_last_takes_the_first_twenty_before_the_cursor(
    gql: GraphQLClient, owner: Account, seven_books: list[str]
) -> None:
    # Relay: `first` (default 20) applies to the edges before the cursor, newest first, and
    # hasNextPage says whether that slice holds more than `first` edges.
    whole = await page(gql, REF_BOOKS, owner.token, first=7)
    cursor = whole["edges"][4]["cursor"]
    connection = await page(gql, REF_BOOKS, owner.token, before=cursor)
    assert node_ids(connection) == seven_books[:4]
    assert flags(connection) == (False, False)
    two = await page(gql, REF_BOOKS, owner.token, first=2, before=cursor)
    assert (node_ids(two), flags(two)) == (seven_books[:2], (False, True))


async def test_first_zero_returns_no_edges(
    gql: GraphQLClient, owner: Account, seven_books: list[str]
) -> None:
    # given rows / when asking for none of them
    connection = await page(gql, REF_BOOKS, owner.token, first=0)
    # then no edges, no cursors, and an exact hasNextPage: there are rows after this page
    assert connection["edges"] == []
    assert connection["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


async def test_first_zero_on_an_empty_list_has_no_next_page(
    gql: GraphQLClient, owner: Account
) -> None:
    connection = await page(gql, REF_BOOKS, owner.token, first=0)
    assert (connection["edges"], flags(connection)) == ([], (False, False))


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def _garbage_cursor() -> str:
    return base64.urlsafe_b64encode(b"\xff\xfe garbage \x00").decode()


@pytest.mark.parametrize(
    ("args", "fields"),
    [
        ({"first": 101}, {"first"}),
        ({"last": 101}, {"last"}),
        ({"first": -1}, {"first"}),
        ({"last": -1}, {"last"}),
        ({"after": "this is not a cursor"}, {"after"}),
        ({"before": "bm90IGEgY3Vyc29y"}, {"before"}),
        ({"after": _garbage_cursor()}, {"after"}),
        ({"after": base64.urlsafe_b64encode(b"k1:12x:3").decode()}, {"after"}),
        ({"before": base64.urlsafe_b64encode(b"k1:" + b"9" * 40 + b":3").decode()}, {"before"}),
        ({"after": ""}, {"after"}),
        ({"after": _cursor(b"k1:1000:" + b"9" * 20)}, {"after"}),
        ({"before": _cursor(b"k1:1000:" + b"9" * 5000)}, {"before"}),
        ({"after": _cursor(b"k1:" + b"9" * 5000 + b":1")}, {"after"}),
    ],
    ids=[
        "first-101",
        "last-101",
        "first-negative",
        "last-negative",
        "random-string",
        "base64-text",
        "base64-garbage",
        "bad-number",
        "overflowing-time",
        "empty",
        "id-beyond-bigint",
        "id-of-5000-digits",
        "time-of-5000-digits",
    ],
)
async def test_bad_arguments_are_bad_user_input(
    gql: GraphQLClient, owner: Account, args: dict[str, Any], fields: set[str]
) -> None:
    for document, token in ((REF_BOOKS, owner.token), (PUBLIC_SCRIPTS, None)):
        error = assert_error_code(await gql(document, args, token=token), "BAD_USER_INPUT")
        assert set(error["extensions"]["fields"]) == fields


async def test_first_and_last_together_are_bad_user_input(
    gql: GraphQLClient, owner: Account
) -> None:
    body = await gql(REF_BOOKS, {"first": 2, "last": 2}, token=owner.token)
    error = assert_error_code(body, "BAD_USER_INPUT")
    named = set(error["extensions"]["fields"])
    assert named and named <= {"first", "last"}


async def test_total_count_is_one_count_query_only_when_selected(
    gql: GraphQLClient, owner: Account, services: Services, seven_books: list[str]
) -> None:
    # given someone else's books too
    bob = await quick_account(services, "bob")
    await seed_books(services, user_pk(bob), stamps(4), "bob")
    # when a page is read without and with totalCount
    with count_statements(services.engine) as without:
        await page(gql, REF_BOOKS, owner.token, first=2)
    with count_statements(services.engine) as counted, StatementLog(services.engine) as log:
        connection = await page(gql, REF_BOOKS_COUNTED, owner.token, first=2)
    # then the count covers all of the caller's rows, not the page, in exactly one more query
    assert connection["totalCount"] == 7
    assert not [s for s in without.statements if "count(" in s.lower()]
    assert len([s for s in counted.statements if "count(" in s.lower()]) == 1
    assert counted.count == without.count + 1
    log.assert_no_offset()


class StatementLog:
    """Statements with their parameters: an OFFSET is only acceptable when it skips nothing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.calls: list[tuple[str, Any]] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.calls.append((statement, parameters))

    def __enter__(self) -> StatementLog:
        for engine in engines_of(self.engine):
            event.listen(engine.sync_engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        for engine in engines_of(self.engine):
            event.remove(engine.sync_engine, "before_cursor_execute", self._record)

    def assert_no_offset(self) -> None:
        pages = [(s, p) for s, p in self.calls if "limit" in s.lower()]
        assert pages, self.calls
        for statement, parameters in pages:
            if self.engine.dialect.name != "sqlite":
                assert "offset" not in statement.lower(), statement
                continue
            # SQLAlchemy's SQLite dialect always appends `OFFSET ?` to a LIMIT, bound to 0;
            # a keyset page must never bind anything else.
            assert statement.rstrip().endswith("OFFSET ?"), statement
            assert parameters[-1] == 0, (statement, parameters)


@pytest.mark.parametrize(
    "created_at",
    [
        datetime(2026, 11, 26, 14, 25, 17, 123456, tzinfo=UTC),
        datetime(2026, 11, 26, 14, 25, 17, 1, tzinfo=UTC),
        datetime(2026, 11, 26, 14, 25, 17, 999999, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
@pytest.mark.parametrize("pk", [1, 42, 2**63 - 1])
def test_cursor_round_trip_keeps_microseconds(created_at: datetime, pk: int) -> None:
    cursor = newest_first(created_at, pk)
    key = decode_cursor(cursor)
    assert key is not None
    assert (key.value, key.id) == (created_at, pk)
    assert isinstance(key.value, datetime) and key.value.tzinfo is not None
    # opaque and URL-safe: no padding, nothing that needs escaping
    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor


def test_cursors_of_neighbouring_microseconds_differ() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    later = at.replace(microsecond=1)
    assert newest_first(at, 1) != newest_first(later, 1)
    assert decode_cursor(newest_first(later, 1)).value == later  # type: ignore[union-attr]


def newest_first(created_at: datetime, pk: int) -> str:
    return encode_cursor("CREATED", True, "", created_at, pk)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "a",
        _garbage_cursor(),
        base64.urlsafe_b64encode(b"k2:1:1").decode(),
        # one past the largest BIGINT: no row has that id
        _cursor(b"k1:1:9223372036854775808"),
        # more digits than int() accepts
        _cursor(b"k1:1:" + b"1" * 5000),
        _cursor(b"k1:" + b"1" * 5000 + b":1"),
    ],
)
def test_decode_rejects_garbage(cursor: str) -> None:
    assert decode_cursor(cursor) is None
