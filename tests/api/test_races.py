"""Races and stale callers: writes that meet a concurrent delete, a failing link insert, a
caller that revoked its own tokens earlier in the same document, and the clock of writes."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text

from services import Services
from tests.data_api import seed_books, seed_datas, stamps, user_pk
from tests.documents import SIGN_IN, SIGN_UP
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

CREATE_INFO = """
mutation($input: CreateSystemInfoInput!) { createSystemInfo(input: $input) { id updatedAt } }
"""
UPDATE_INFO = """
mutation($id: ID!, $input: UpdateSystemInfoInput!) {
  updateSystemInfo(id: $id, input: $input) { id updatedAt }
}
"""
DELETE_INFO = "mutation($id: ID!) { deleteSystemInfo(id: $id) }"
UPDATE_DATA = """
mutation($id: ID!, $input: UpdateRefDataInput!) { updateRefData(id: $id, input: $input) { id } }
"""
DELETE_DATA = "mutation($id: ID!) { deleteRefData(id: $id) }"
UPDATE_BOOK = """
mutation($id: ID!, $input: UpdateRefBookInput!) {
  updateRefBook(id: $id, input: $input) { updatedAt }
}
"""
DELETE_THEN_CREATE = """
mutation($password: String!) {
  a: deleteAccount(password: $password)
  b: createRefBook(input: {author: "A", title: "T"}) { id }
}
"""
CHANGE_THEN_READ = """
mutation($input: ChangePasswordInput!) {
  a: changePassword(input: $input) { accessToken }
  b: createRefBook(input: {author: "A", title: "T"}) { id }
}
"""
MINIMAL = {"language": "EN", "major": "Physics", "understandingLevel": 2}
RACERS = 20


def codes(bodies: list[dict[str, Any]]) -> Counter[str]:
    return Counter(
        body["errors"][0]["extensions"]["code"] if body.get("errors") else "ok" for body in bodies
    )


@pytest.mark.parametrize("kind", ["system_info", "ref_data"])
async def test_updates_racing_a_delete_succeed_or_find_nothing(
    gql: GraphQLClient, services: Services, owner: Account, kind: str
) -> None:
    # given an object of the owner's
    if kind == "system_info":
        created = await gql(CREATE_INFO, {"input": MINIMAL}, token=owner.token)
        target = assert_no_errors(created)["createSystemInfo"]["id"]
        update, delete, change = UPDATE_INFO, DELETE_INFO, {"major": "Chemistry"}
    else:
        [target] = await seed_datas(services, user_pk(owner), stamps(1))
        update, delete, change = UPDATE_DATA, DELETE_DATA, {"title": "New"}
    # when twenty updates race one delete of it
    updates = [gql(update, {"id": target, "input": change}, token=owner.token)] * RACERS
    bodies = await asyncio.gather(*updates, gql(delete, {"id": target}, token=owner.token))
    # then every update either succeeded or found nothing, and the delete succeeded
    update_codes = codes(list(bodies[:-1]))
    assert set(update_codes) <= {"ok", "NOT_FOUND"}, update_codes
    assert_no_errors(bodies[-1])


async def test_a_link_whose_target_vanishes_before_the_insert_names_its_own_field(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given a book and a material of the owner's
    [book] = await seed_books(services, user_pk(owner), stamps(1))
    await seed_datas(services, user_pk(owner), stamps(1))
    # and the book deleted right before the link row is inserted (after the ownership check)
    hook = vanish_before_link_insert(services, "system_info_ref_book", "ref_book")
    # when a SystemInfo links only that book
    try:
        body = await gql(CREATE_INFO, {"input": {**MINIMAL, "refBookIds": [book]}}, owner.token)
    finally:
        event.remove(services.engine.sync_engine, "before_cursor_execute", hook)
    # then the error names refBookIds, the field that was sent, and nothing was stored
    error = assert_error_code(body, "BAD_USER_INPUT")
    assert list(error["extensions"]["fields"]) == ["refBookIds"]
    listing = await gql("query { systemInfos { totalCount } }", token=owner.token)
    assert assert_no_errors(listing)["systemInfos"]["totalCount"] == 0


def vanish_before_link_insert(services: Services, link_table: str, target_table: str) -> Any:
    """A listener that deletes every `target_table` row just before `link_table` is filled,
    on the same connection: what a concurrent delete between check and insert does."""
    busy = False

    def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        nonlocal busy
        if busy or not statement.lstrip().upper().startswith(f"INSERT INTO {link_table}".upper()):
            return
        busy = True
        try:
            conn.exec_driver_sql(f"DELETE FROM {target_table}")
        finally:
            busy = False

    event.listen(services.engine.sync_engine, "before_cursor_execute", before)
    return before


async def test_fields_after_delete_account_run_as_nobody(
    gql: GraphQLClient, alice: Account
) -> None:
    # when one document deletes the account and then creates a book
    body = await gql(DELETE_THEN_CREATE, {"password": alice.password}, token=alice.token)
    # then the create was refused as unauthenticated (both fields are non-null, so the
    # refusal nulls the whole answer, as the spec says), and the account is gone
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["b"], "UNAUTHENTICATED")
    ]
    signed_in = await gql(
        SIGN_IN, {"input": {"username": alice.username, "password": alice.password}}
    )
    assert_error_code(signed_in, "UNAUTHENTICATED")


async def test_fields_after_change_password_do_not_run_as_the_revoked_token(
    gql: GraphQLClient, alice: Account
) -> None:
    # when one document changes the password and then writes with the same (now revoked) token
    new_password = "brand-new-pass-2"
    variables = {"input": {"currentPassword": alice.password, "newPassword": new_password}}
    body = await gql(CHANGE_THEN_READ, variables, token=alice.token)
    # then the write was refused as unauthenticated, and nothing was written
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["b"], "UNAUTHENTICATED")
    ]
    signed_in = await gql(
        SIGN_IN, {"input": {"username": alice.username, "password": new_password}}
    )
    token = assert_no_errors(signed_in)["signIn"]["accessToken"]
    books = await gql("query { refBooks { totalCount } }", token=token)
    assert assert_no_errors(books)["refBooks"]["totalCount"] == 0


async def test_an_update_takes_its_time_after_the_row_lock(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given a book, and another connection in the middle of a write to it (holding its lock)
    [book] = await seed_books(services, user_pk(owner), stamps(1))
    touch = text("UPDATE ref_book SET updated_at = :at WHERE user_id = :u")
    async with services.engine.connect() as holder:
        await holder.execute(touch, {"at": naive_utc_now(), "u": user_pk(owner)})
        # when an update through the API starts and sends the statement that waits for it
        locking = await_locking_statement(services, holder.sync_connection)
        waiting = asyncio.ensure_future(
            gql(UPDATE_BOOK, {"id": book, "input": {"title": "Later"}}, token=owner.token)
        )
        try:
            await asyncio.wait_for(locking.wait(), timeout=30)
        finally:
            event.remove(services.engine.sync_engine, "before_cursor_execute", locking.hook)
        assert not waiting.done()
        # and the holder writes a time of its own, later than that, and commits
        holder_time = naive_utc_now()
        await holder.execute(touch, {"at": holder_time, "u": user_pk(owner)})
        await holder.commit()
    body = await waiting
    # then the update that waited carries a time after the holder's
    updated = datetime.fromisoformat(assert_no_errors(body)["updateRefBook"]["updatedAt"])
    assert updated > holder_time.replace(tzinfo=UTC)


class LockingStatement(asyncio.Event):
    hook: Any


def await_locking_statement(services: Services, holder: Any) -> LockingStatement:
    """Set when another connection than `holder` sends a statement that writes or locks
    ref_book rows (or begins a SQLite write): from there on it waits for the holder."""
    seen = LockingStatement()

    def hook(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sql = statement.lstrip().upper()
        takes_lock = (
            sql.startswith("BEGIN IMMEDIATE")
            or sql.startswith("UPDATE REF_BOOK")
            or ("FROM REF_BOOK" in sql and "FOR UPDATE" in sql)
        )
        if conn is not holder and takes_lock:
            seen.set()

    seen.hook = hook
    event.listen(services.engine.sync_engine, "before_cursor_execute", hook)
    return seen


def naive_utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@pytest.mark.parametrize("shared", ["username", "email"])
async def test_sign_ups_racing_for_one_name_or_address_name_the_field_they_lost(
    gql: GraphQLClient, shared: str
) -> None:
    # given two sign-ups that share only a username, or only an email, sent at once (both
    # pass the look-up before either inserts, so the unique constraint decides)
    accounts = [
        {"username": f"racer{i}", "email": f"racer{i}@example.com", "password": "correct-horse-7"}
        for i in range(2)
    ]
    for account in accounts:
        account[shared] = accounts[0][shared]
    bodies = await asyncio.gather(*(gql(SIGN_UP, {"input": a}) for a in accounts))
    # then one account is made and the other is refused on the shared field
    refused = [body for body in bodies if body.get("errors")]
    assert len(refused) == 1, bodies
    assert_error_code(refused[0], "BAD_USER_INPUT", field=shared)
