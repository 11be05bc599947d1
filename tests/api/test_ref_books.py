"""RefBook CRUD through the GraphQL app: rules, partial updates, timestamps, Unicode."""

from __future__ import annotations

from typing import Any

import pytest

from models import RefBook
from services import Services
from tests.data_api import (
    KOREAN_EMOJI,
    assert_utc_micros,
    count_rows,
    create_book,
    parse_time,
)
from tests.documents import CREATE_REF_BOOK
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

BOOK_FIELDS = "id author title createdAt updatedAt"
REF_BOOK = f"query RefBook($id: ID!) {{ refBook(id: $id) {{ {BOOK_FIELDS} }} }}"
UPDATE_REF_BOOK = f"""
mutation UpdateRefBook($id: ID!, $input: UpdateRefBookInput!) {{
  updateRefBook(id: $id, input: $input) {{ {BOOK_FIELDS} }}
}}
"""
DELETE_REF_BOOK = "mutation DeleteRefBook($id: ID!) { deleteRefBook(id: $id) }"


async def read_book(gql: GraphQLClient, account: Account, global_id: str) -> Any:
    return assert_no_errors(await gql(REF_BOOK, {"id": global_id}, token=account.token))["refBook"]


async def test_create_then_read_returns_the_same_book(gql: GraphQLClient, owner: Account) -> None:
    # given a new book
    created = await create_book(gql, owner, "Knuth", "TAOCP")
    # when it is read back
    stored = await read_book(gql, owner, created["id"])
    # then the database kept every field, timestamps to the microsecond, as aware UTC
    assert stored == created
    assert created["author"] == "Knuth" and created["title"] == "TAOCP"
    assert parse_time(created["createdAt"]) <= parse_time(created["updatedAt"])
    assert_utc_micros(stored["createdAt"])
    assert_utc_micros(stored["updatedAt"])


async def test_update_changes_only_given_fields_and_updated_at(
    gql: GraphQLClient, owner: Account
) -> None:
    # given a book
    created = await create_book(gql, owner, "Knuth", "TAOCP")
    # when only the title changes
    body = await gql(
        UPDATE_REF_BOOK, {"id": created["id"], "input": {"title": "Vol. 2"}}, token=owner.token
    )
    updated = assert_no_errors(body)["updateRefBook"]
    # then the author stays, updatedAt moves forward, createdAt does not
    assert updated["author"] == "Knuth"
    assert updated["title"] == "Vol. 2"
    assert updated["createdAt"] == created["createdAt"]
    assert parse_time(updated["updatedAt"]) > parse_time(created["updatedAt"])
    assert await read_book(gql, owner, created["id"]) == updated


async def test_update_with_empty_input_keeps_every_field(
    gql: GraphQLClient, owner: Account
) -> None:
    created = await create_book(gql, owner, "Knuth", "TAOCP")
    body = await gql(UPDATE_REF_BOOK, {"id": created["id"], "input": {}}, token=owner.token)
    updated = assert_no_errors(body)["updateRefBook"]
    assert (updated["author"], updated["title"]) == ("Knuth", "TAOCP")


async def test_delete_removes_the_book(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given a book
    created = await create_book(gql, owner, "Knuth", "TAOCP")
    # when deleted
    body = await gql(DELETE_REF_BOOK, {"id": created["id"]}, token=owner.token)
    # then its id comes back, it reads as null, and a second delete finds nothing
    assert assert_no_errors(body)["deleteRefBook"] == created["id"]
    assert await read_book(gql, owner, created["id"]) is None
    assert await count_rows(services, RefBook) == 0
    again = await gql(DELETE_REF_BOOK, {"id": created["id"]}, token=owner.token)
    assert_error_code(again, "NOT_FOUND")


@pytest.mark.parametrize(
    "value",
    ["a", "x" * 100, "가" * 100, "😀" * 100],
    ids=["one", "100-ascii", "100-korean", "100-emoji"],
)
@pytest.mark.parametrize("field", ["author", "title"])
async def test_length_limits_accept(
    gql: GraphQLClient, owner: Account, field: str, value: str
) -> None:
    values = {"author": "A", "title": "T", field: value}
    book = await create_book(gql, owner, values["author"], values["title"])
    assert book[field] == value
    assert (await read_book(gql, owner, book["id"]))[field] == value


@pytest.mark.parametrize(
    "value",
    ["", "   ", "x" * 101, "😀" * 101],
    ids=["empty", "blank", "101-ascii", "101-emoji"],
)
@pytest.mark.parametrize("field", ["author", "title"])
async def test_length_limits_reject_on_create_and_update(
    gql: GraphQLClient, owner: Account, services: Services, field: str, value: str
) -> None:
    # given one valid book
    book = await create_book(gql, owner, "A", "T")
    # when a bad value is sent on create and on update
    values = {"author": "A", "title": "T", field: value}
    created = await gql(CREATE_REF_BOOK, {"input": values}, token=owner.token)
    updated = await gql(
        UPDATE_REF_BOOK, {"id": book["id"], "input": {field: value}}, token=owner.token
    )
    # then both are BAD_USER_INPUT naming only that field, and nothing changed
    for body in (created, updated):
        error = assert_error_code(body, "BAD_USER_INPUT", field)
        assert set(error["extensions"]["fields"]) == {field}
    assert await count_rows(services, RefBook) == 1
    assert await read_book(gql, owner, book["id"]) == book


async def test_every_bad_field_is_reported_at_once(gql: GraphQLClient, owner: Account) -> None:
    body = await gql(
        CREATE_REF_BOOK, {"input": {"author": "", "title": "y" * 101}}, token=owner.token
    )
    error = assert_error_code(body, "BAD_USER_INPUT")
    assert set(error["extensions"]["fields"]) == {"author", "title"}


@pytest.mark.parametrize("field", ["author", "title"])
async def test_explicit_null_in_update_is_rejected(
    gql: GraphQLClient, owner: Account, field: str
) -> None:
    # given a book
    book = await create_book(gql, owner, "Knuth", "TAOCP")
    # when a field that cannot be empty is set to null
    body = await gql(UPDATE_REF_BOOK, {"id": book["id"], "input": {field: None}}, token=owner.token)
    # then BAD_USER_INPUT on that field, and the book is unchanged
    assert_error_code(body, "BAD_USER_INPUT", field)
    assert await read_book(gql, owner, book["id"]) == book


async def test_korean_and_emoji_round_trip(gql: GraphQLClient, owner: Account) -> None:
    # given Korean and emoji in both fields, on create and on update
    book = await create_book(gql, owner, f"저자 {KOREAN_EMOJI}", f"제목 {KOREAN_EMOJI}")
    body = await gql(
        UPDATE_REF_BOOK,
        {"id": book["id"], "input": {"title": "🧪 새 제목 👩‍💻"}},
        token=owner.token,
    )
    assert_no_errors(body)
    # then the stored text is exactly what was sent
    stored = await read_book(gql, owner, book["id"])
    assert stored["author"] == f"저자 {KOREAN_EMOJI}"
    assert stored["title"] == "🧪 새 제목 👩‍💻"


async def test_text_is_stored_exactly_as_given(gql: GraphQLClient, owner: Account) -> None:
    # given surrounding spaces, a tab and a newline (valid: not blank) / then nothing is trimmed
    book = await create_book(gql, owner, "  padded  ", "tab\tand\nnewline ")
    stored = await read_book(gql, owner, book["id"])
    assert (stored["author"], stored["title"]) == ("  padded  ", "tab\tand\nnewline ")
