"""RefData CRUD through the GraphQL app; its content lives apart and is read only on demand."""

from __future__ import annotations

from typing import Any

import pytest

from models import RefData, RefDataContent
from services import Services
from tests.data_api import (
    KOREAN_EMOJI,
    assert_utc_micros,
    count_rows,
    create_data,
    parse_time,
    seed_datas,
    stamps,
    user_pk,
)
from tests.documents import CREATE_REF_DATA
from tests.utils import (
    Account,
    GraphQLClient,
    assert_error_code,
    assert_no_errors,
    count_statements,
)

DATA_FIELDS = "id title content createdAt updatedAt"
REF_DATA = f"query RefData($id: ID!) {{ refData(id: $id) {{ {DATA_FIELDS} }} }}"
UPDATE_REF_DATA = f"""
mutation UpdateRefData($id: ID!, $input: UpdateRefDataInput!) {{
  updateRefData(id: $id, input: $input) {{ {DATA_FIELDS} }}
}}
"""
DELETE_REF_DATA = "mutation DeleteRefData($id: ID!) { deleteRefData(id: $id) }"
TITLES = "query { refDatas { edges { node { title } } } }"
TITLES_AND_CONTENT = "query { refDatas { edges { node { title content } } } }"


async def read_data(gql: GraphQLClient, account: Account, global_id: str) -> Any:
    body = await gql(REF_DATA, {"id": global_id}, token=account.token)
    return assert_no_errors(body)["refData"]


async def test_create_then_read_returns_the_same_material(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given a new material
    created = await create_data(gql, owner, "Lecture 1", "Sets and maps")
    # when it is read back
    stored = await read_data(gql, owner, created["id"])
    # then title, content and both timestamps survived, and the content has its own row
    assert stored == created
    assert (created["title"], created["content"]) == ("Lecture 1", "Sets and maps")
    assert_utc_micros(stored["createdAt"])
    assert_utc_micros(stored["updatedAt"])
    assert await count_rows(services, RefDataContent) == 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"title": "New title"}, ("New title", "Old content")),
        ({"content": "New content"}, ("Old title", "New content")),
        ({"title": "Both", "content": "Changed"}, ("Both", "Changed")),
    ],
    ids=["title", "content", "both"],
)
async def test_update_changes_only_given_fields(
    gql: GraphQLClient, owner: Account, change: dict, expected: tuple[str, str]
) -> None:
    # given a material
    created = await create_data(gql, owner, "Old title", "Old content")
    # when some fields change
    body = await gql(UPDATE_REF_DATA, {"id": created["id"], "input": change}, token=owner.token)
    updated = assert_no_errors(body)["updateRefData"]
    # then the answer and the stored row agree, absent fields kept, updatedAt moved
    assert (updated["title"], updated["content"]) == expected
    assert updated["createdAt"] == created["createdAt"]
    assert parse_time(updated["updatedAt"]) > parse_time(created["updatedAt"])
    assert await read_data(gql, owner, created["id"]) == updated


async def test_delete_removes_material_and_content(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    created = await create_data(gql, owner, "T", "C")
    body = await gql(DELETE_REF_DATA, {"id": created["id"]}, token=owner.token)
    assert assert_no_errors(body)["deleteRefData"] == created["id"]
    assert await read_data(gql, owner, created["id"]) is None
    # the content row goes with it (ON DELETE CASCADE)
    assert await count_rows(services, RefData) == 0
    assert await count_rows(services, RefDataContent) == 0
    assert_error_code(
        await gql(DELETE_REF_DATA, {"id": created["id"]}, token=owner.token), "NOT_FOUND"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "t"),
        ("title", "가" * 100),
        ("content", "c"),
        ("content", "x" * 3000),
        # 3000 code points of 4-byte UTF-8 (12,000 bytes) still fit.
        ("content", "😀" * 3000),
        ("content", "한" * 2999 + "🎓"),
    ],
    ids=["title-1", "title-100", "content-1", "content-3000", "emoji-3000", "mixed-3000"],
)
async def test_length_limits_accept(
    gql: GraphQLClient, owner: Account, field: str, value: str
) -> None:
    values = {"title": "T", "content": "C", field: value}
    created = await create_data(gql, owner, values["title"], values["content"])
    assert created[field] == value
    assert (await read_data(gql, owner, created["id"]))[field] == value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "x" * 101),
        ("content", ""),
        ("content", " \n "),
        ("content", "x" * 3001),
        ("content", "😀" * 3001),
        ("content", "한" * 3000 + "🎓"),
    ],
    ids=["title-0", "title-101", "content-0", "content-blank", "3001", "emoji-3001", "mixed-3001"],
)
async def test_length_limits_reject_on_create_and_update(
    gql: GraphQLClient, owner: Account, services: Services, field: str, value: str
) -> None:
    # given a material
    material = await create_data(gql, owner, "T", "C")
    # when a bad value is sent on create and on update
    values = {"title": "T", "content": "C", field: value}
    created = await gql(CREATE_REF_DATA, {"input": values}, token=owner.token)
    updated = await gql(
        UPDATE_REF_DATA, {"id": material["id"], "input": {field: value}}, token=owner.token
    )
    # then both are BAD_USER_INPUT on that field and nothing was written
    for body in (created, updated):
        error = assert_error_code(body, "BAD_USER_INPUT", field)
        assert set(error["extensions"]["fields"]) == {field}
    assert await count_rows(services, RefData) == 1
    assert await count_rows(services, RefDataContent) == 1
    assert await read_data(gql, owner, material["id"]) == material


@pytest.mark.parametrize("field", ["title", "content"])
async def test_explicit_null_in_update_is_rejected(
    gql: GraphQLClient, owner: Account, field: str
) -> None:
    material = await create_data(gql, owner, "T", "C")
    body = await gql(
        UPDATE_REF_DATA, {"id": material["id"], "input": {field: None}}, token=owner.token
    )
    assert_error_code(body, "BAD_USER_INPUT", field)
    assert await read_data(gql, owner, material["id"]) == material


async def test_korean_and_emoji_round_trip(gql: GraphQLClient, owner: Account) -> None:
    created = await create_data(gql, owner, f"제목 {KOREAN_EMOJI}", f"내용\n{KOREAN_EMOJI}")
    body = await gql(
        UPDATE_REF_DATA,
        {"id": created["id"], "input": {"content": "바뀐 내용 🧬 👩‍🔬"}},
        token=owner.token,
    )
    assert_no_errors(body)
    stored = await read_data(gql, owner, created["id"])
    assert stored["title"] == f"제목 {KOREAN_EMOJI}"
    assert stored["content"] == "바뀐 내용 🧬 👩‍🔬"


async def test_content_is_read_only_when_selected(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given a few materials
    await seed_datas(services, user_pk(owner), stamps(3))
    # when only titles are selected
    with count_statements(services.engine) as titles_only:
        titles = assert_no_errors(await gql(TITLES, token=owner.token))
    # and when content is selected too
    with count_statements(services.engine) as with_content:
        both = assert_no_errors(await gql(TITLES_AND_CONTENT, token=owner.token))
    # then the content table is untouched in the first, and costs exactly one query in the second
    assert not [s for s in titles_only.statements if "ref_data_content" in s]
    content_queries = [s for s in with_content.statements if "ref_data_content" in s]
    assert len(content_queries) == 1
    assert with_content.count == titles_only.count + 1
    assert [e["node"]["title"] for e in titles["refDatas"]["edges"]] == [
        "data-2",
        "data-1",
        "data-0",
    ]
    assert [e["node"]["content"] for e in both["refDatas"]["edges"]] == [
        "data-content-2",
        "data-content-1",
        "data-content-0",
    ]
