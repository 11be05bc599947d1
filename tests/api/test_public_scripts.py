"""PublicScript behaviour through the GraphQL app (who may write is tested with the accounts)."""

from __future__ import annotations

from typing import Any

import pytest

from models import PublicScript, Script
from services import Services
from tests.data_api import KOREAN_EMOJI, assert_utc_micros, count_rows, parse_time
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

PS_FIELDS = "id name description descriptionSummary scripts { number text } createdAt updatedAt"
CREATE_PUBLIC_SCRIPT = f"""
mutation CreatePublicScript($input: CreatePublicScriptInput!) {{
  createPublicScript(input: $input) {{ {PS_FIELDS} }}
}}
"""
UPDATE_PUBLIC_SCRIPT = f"""
mutation UpdatePublicScript($id: ID!, $input: UpdatePublicScriptInput!) {{
  updatePublicScript(id: $id, input: $input) {{ {PS_FIELDS} }}
}}
"""
DELETE_PUBLIC_SCRIPT = "mutation DeletePublicScript($id: ID!) { deletePublicScript(id: $id) }"
PUBLIC_SCRIPT = f"query PublicScript($id: ID!) {{ publicScript(id: $id) {{ {PS_FIELDS} }} }}"
PUBLIC_SCRIPTS = f"query {{ publicScripts {{ edges {{ node {{ {PS_FIELDS} }} }} }} }}"
VALID = {"name": "Exam prep", "description": "Before an exam", "scripts": ["one", "two"]}


async def create(gql: GraphQLClient, admin: Account, **fields: Any) -> Any:
    body = await gql(CREATE_PUBLIC_SCRIPT, {"input": {**VALID, **fields}}, token=admin.token)
    return assert_no_errors(body)["createPublicScript"]


async def update(gql: GraphQLClient, admin: Account, global_id: str, **fields: Any) -> Any:
    return await gql(UPDATE_PUBLIC_SCRIPT, {"id": global_id, "input": fields}, token=admin.token)


async def read(gql: GraphQLClient, global_id: str) -> Any:
    # No token: public scripts are public.
    return assert_no_errors(await gql(PUBLIC_SCRIPT, {"id": global_id}))["publicScript"]


def numbered(*texts: str) -> list[dict]:
    return [{"number": n, "text": t} for n, t in enumerate(texts, start=1)]


async def test_create_numbers_scripts_from_one_in_the_given_order(
    gql: GraphQLClient, quick_admin: Account
) -> None:
    # given three scripts / when created
    created = await create(gql, quick_admin, scripts=["first", "second", "third"])
    # then they are numbered 1..3 in the order given, and anyone reads the same thing back
    assert created["scripts"] == numbered("first", "second", "third")
    assert (created["name"], created["description"]) == ("Exam prep", "Before an exam")
    assert_utc_micros(created["createdAt"])
    assert await read(gql, created["id"]) == created


async def test_anyone_reads_the_list_without_a_token(
    gql: GraphQLClient, quick_admin: Account, owner: Account
) -> None:
    older = await create(gql, quick_admin, name="older")
    newer = await create(gql, quick_admin, name="newer")
    # without a token, and with a user's token, the same newest-first list
    for token in (None, owner.token):
        data = assert_no_errors(await gql(PUBLIC_SCRIPTS, token=token))
        assert [e["node"] for e in data["publicScripts"]["edges"]] == [newer, older]


async def test_update_with_scripts_replaces_all_of_them(
    gql: GraphQLClient, quick_admin: Account, services: Services
) -> None:
    # given a public script with three scripts
    created = await create(gql, quick_admin, scripts=["a", "b", "c"])
    # when updated with two
    body = await update(gql, quick_admin, created["id"], scripts=["x", "y"])
    updated = assert_no_errors(body)["updatePublicScript"]
    # then exactly those two remain, renumbered from 1; name and description are unchanged
    assert updated["scripts"] == numbered("x", "y")
    assert (updated["name"], updated["description"]) == (created["name"], created["description"])
    assert await count_rows(services, Script) == 2
    assert await read(gql, created["id"]) == updated


async def test_update_without_scripts_keeps_them(gql: GraphQLClient, quick_admin: Account) -> None:
    created = await create(gql, quick_admin, scripts=["a", "b"])
    body = await update(gql, quick_admin, created["id"], name="Renamed")
    updated = assert_no_errors(body)["updatePublicScript"]
    assert updated["name"] == "Renamed"
    assert updated["scripts"] == numbered("a", "b")
    assert updated["createdAt"] == created["createdAt"]
    assert parse_time(updated["updatedAt"]) > parse_time(created["updatedAt"])
    assert await read(gql, created["id"]) == updated


async def test_delete_removes_the_script_and_its_scripts(
    gql: GraphQLClient, quick_admin: Account, services: Services
) -> None:
    created = await create(gql, quick_admin)
    body = await gql(DELETE_PUBLIC_SCRIPT, {"id": created["id"]}, token=quick_admin.token)
    assert assert_no_errors(body)["deletePublicScript"] == created["id"]
    assert await read(gql, created["id"]) is None
    assert await count_rows(services, Script) == 0
    again = await gql(DELETE_PUBLIC_SCRIPT, {"id": created["id"]}, token=quick_admin.token)
    assert_error_code(again, "NOT_FOUND")


@pytest.mark.parametrize(
    ("description", "summary"),
    [
        ("short", "short"),
        ("d" * 100, "d" * 100),
        ("d" * 101, "d" * 100 + "..."),
        ("😀" * 101, "😀" * 100 + "..."),
        ("설" * 2000, "설" * 100 + "..."),
    ],
    ids=["short", "100", "101", "emoji-101", "korean-2000"],
)
async def test_description_summary(
    gql: GraphQLClient, quick_admin: Account, description: str, summary: str
) -> None:
    created = await create(gql, quick_admin, description=description)
    assert created["descriptionSummary"] == summary
    stored = await read(gql, created["id"])
    assert (stored["description"], stored["descriptionSummary"]) == (description, summary)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "n"),
        ("name", "가" * 100),
        ("description", "d"),
        ("description", "😀" * 2000),
        ("scripts", ["s"]),
        ("scripts", [f"script {i}" for i in range(10)]),
        ("scripts", ["😀" * 3000, "x" * 3000]),
    ],
    ids=["name-1", "name-100", "desc-1", "desc-2000", "1-script", "10-scripts", "3000-each"],
)
async def test_limits_accept(
    gql: GraphQLClient, quick_admin: Account, field: str, value: Any
) -> None:
    created = await create(gql, quick_admin, **{field: value})
    stored = await read(gql, created["id"])
    expected = numbered(*value) if field == "scripts" else value
    assert created[field] == expected
    assert stored[field] == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", " "),
        ("name", "n" * 101),
        ("description", ""),
        ("description", "d" * 2001),
        ("description", "😀" * 2001),
        ("scripts", []),
        ("scripts", [f"script {i}" for i in range(11)]),
        ("scripts", ["ok", ""]),
        ("scripts", ["ok", "  "]),
        ("scripts", ["x" * 3001]),
        ("scripts", ["ok", "😀" * 3001]),
    ],
    ids=[
        "name-0",
        "name-blank",
        "name-101",
        "desc-0",
        "desc-2001",
        "desc-emoji-2001",
        "0-scripts",
        "11-scripts",
        "empty-script",
        "blank-script",
        "3001",
        "emoji-3001",
    ],
)
async def test_limits_reject_on_create_and_update(
    gql: GraphQLClient, quick_admin: Account, services: Services, field: str, value: Any
) -> None:
    # given one public script
    existing = await create(gql, quick_admin)
    # when a bad value is sent on create and on update
    created = await gql(
        CREATE_PUBLIC_SCRIPT, {"input": {**VALID, field: value}}, token=quick_admin.token
    )
    updated = await update(gql, quick_admin, existing["id"], **{field: value})
    # then BAD_USER_INPUT names exactly that field, and nothing was written
    for body in (created, updated):
        error = assert_error_code(body, "BAD_USER_INPUT", field)
        assert set(error["extensions"]["fields"]) == {field}
    assert await count_rows(services, PublicScript) == 1
    assert await count_rows(services, Script) == 2
    assert await read(gql, existing["id"]) == existing


@pytest.mark.parametrize("field", ["name", "description", "scripts"])
async def test_explicit_null_in_update_is_rejected(
    gql: GraphQLClient, quick_admin: Account, field: str
) -> None:
    existing = await create(gql, quick_admin)
    body = await update(gql, quick_admin, existing["id"], **{field: None})
    assert_error_code(body, "BAD_USER_INPUT", field)
    assert await read(gql, existing["id"]) == existing


async def test_korean_and_emoji_round_trip(gql: GraphQLClient, quick_admin: Account) -> None:
    created = await create(
        gql,
        quick_admin,
        name=f"이름 {KOREAN_EMOJI}",
        description=f"설명 {KOREAN_EMOJI}",
        scripts=[f"첫 번째 {KOREAN_EMOJI}", "두 번째 👩‍👩‍👧"],
    )
    stored = await read(gql, created["id"])
    assert stored["name"] == f"이름 {KOREAN_EMOJI}"
    assert stored["description"] == f"설명 {KOREAN_EMOJI}"
    assert stored["scripts"] == numbered(f"첫 번째 {KOREAN_EMOJI}", "두 번째 👩‍👩‍👧")
