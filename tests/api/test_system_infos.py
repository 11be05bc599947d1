"""SystemInfo CRUD through the GraphQL app: rules, defaults, ordered all-or-nothing links."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from models import RefBook, SystemInfo, SystemInfoRefBook, SystemInfoRefData
from resolvers import entities, owned, system_infos
from resolvers.context import Context
from resolvers.dialogue import Book, Material, render_dialogue
from resolvers.entity import key_of
from resolvers.ids import to_global_id
from services import Services
from tests.data_api import (
    BAD_ID_CASES,
    KOREAN_EMOJI,
    LINK_FIELDS,
    assert_utc_micros,
    bad_link_ids,
    count_rows,
    create_book,
    create_data,
    parse_time,
    seed_books,
    seed_datas,
    stamps,
    user_pk,
)
from tests.type_names import REF_BOOK, REF_DATA
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

SI_FIELDS = """
id description language major understandingLevel onlyUseReferenceData dataSequence
refBooks { id author title } refDatas { id title content } generatedDialogue createdAt updatedAt
"""
CREATE_SYSTEM_INFO = f"""
mutation CreateSystemInfo($input: CreateSystemInfoInput!) {{
  createSystemInfo(input: $input) {{ {SI_FIELDS} }}
}}
"""
UPDATE_SYSTEM_INFO = f"""
mutation UpdateSystemInfo($id: ID!, $input: UpdateSystemInfoInput!) {{
  updateSystemInfo(id: $id, input: $input) {{ {SI_FIELDS} }}
}}
"""
DELETE_SYSTEM_INFO = "mutation DeleteSystemInfo($id: ID!) { deleteSystemInfo(id: $id) }"
SYSTEM_INFO = f"query SystemInfo($id: ID!) {{ systemInfo(id: $id) {{ {SI_FIELDS} }} }}"
DELETE_REF_BOOK = "mutation DeleteRefBook($id: ID!) { deleteRefBook(id: $id) }"

MINIMAL = {"language": "EN", "major": "Computer Science", "understandingLevel": 3}


async def create(gql: GraphQLClient, account: Account, **fields: Any) -> Any:
    body = await gql(CREATE_SYSTEM_INFO, {"input": {**MINIMAL, **fields}}, token=account.token)
    return assert_no_errors(body)["createSystemInfo"]


async def update(gql: GraphQLClient, account: Account, global_id: str, **fields: Any) -> Any:
    return await gql(UPDATE_SYSTEM_INFO, {"id": global_id, "input": fields}, token=account.token)


async def read(gql: GraphQLClient, account: Account, global_id: str) -> Any:
    body = await gql(SYSTEM_INFO, {"id": global_id}, token=account.token)
    return assert_no_errors(body)["systemInfo"]


def ids(objects: list[dict]) -> list[str]:
    return [o["id"] for o in objects]


async def links(services: Services) -> list[tuple[str, int, int, int]]:
    """Every link row of both tables, to prove a failed write left them alone."""
    async with services.sessions() as session:
        rows: list[tuple[str, int, int, int]] = []
        for kind, link, column in (
            ("book", SystemInfoRefBook, SystemInfoRefBook.ref_book_id),
            ("data", SystemInfoRefData, SystemInfoRefData.ref_data_id),
        ):
            result = await session.execute(
                select(col(link.system_info_id), col(column), col(link.position))
            )
            rows.extend((kind, info, target, position) for info, target, position in result)
    return sorted(rows)


async def test_create_with_the_minimal_input_uses_the_defaults(
    gql: GraphQLClient, owner: Account
) -> None:
    # given only the required fields / when created
    info = await create(gql, owner)
    # then the defaults of the contract apply and the stored copy matches
    assert info["description"] == "No Description"
    assert info["onlyUseReferenceData"] is False
    assert info["dataSequence"] is False
    assert info["refBooks"] == [] and info["refDatas"] == []
    assert (info["language"], info["major"], info["understandingLevel"]) == (
        "EN",
        "Computer Science",
        3,
    )
    assert_utc_micros(info["createdAt"])
    assert await read(gql, owner, info["id"]) == info


async def test_null_in_a_create_input_means_the_default(gql: GraphQLClient, owner: Account) -> None:
    info = await create(
        gql,
        owner,
        description=None,
        onlyUseReferenceData=None,
        dataSequence=None,
        refBookIds=None,
        refDataIds=None,
    )
    assert info["description"] == "No Description"
    assert (info["onlyUseReferenceData"], info["dataSequence"]) == (False, False)
    assert (info["refBooks"], info["refDatas"]) == ([], [])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("major", "m"),
        ("major", "전" * 50),
        ("description", ""),
        ("description", "😀" * 50),
        ("understandingLevel", 1),
        ("understandingLevel", 5),
    ],
)
async def test_limits_accept(gql: GraphQLClient, owner: Account, field: str, value: Any) -> None:
    info = await create(gql, owner, **{field: value})
    assert info[field] == value
    assert (await read(gql, owner, info["id"]))[field] == value


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("major", ""),
        ("major", "  "),
        ("major", "x" * 51),
        ("major", "😀" * 51),
        ("description", "d" * 51),
        ("understandingLevel", 0),
        ("understandingLevel", 6),
        ("understandingLevel", -1),
    ],
)
async def test_limits_reject_on_create_and_update(
    gql: GraphQLClient, owner: Account, services: Services, field: str, value: Any
) -> None:
    # given one SystemInfo
    info = await create(gql, owner)
    # when a bad value is sent on create and on update
    created = await gql(CREATE_SYSTEM_INFO, {"input": {**MINIMAL, field: value}}, token=owner.token)
    updated = await update(gql, owner, info["id"], **{field: value})
    # then BAD_USER_INPUT names exactly that field, and nothing was written
    for body in (created, updated):
        error = assert_error_code(body, "BAD_USER_INPUT", field)
        assert set(error["extensions"]["fields"]) == {field}
    assert await count_rows(services, SystemInfo) == 1
    assert await read(gql, owner, info["id"]) == info


@pytest.mark.parametrize(
    "field",
    [
        "description",
        "language",
        "major",
        "understandingLevel",
        "onlyUseReferenceData",
        "dataSequence",
        "refBookIds",
        "refDataIds",
    ],
)
async def test_explicit_null_in_update_is_rejected(
    gql: GraphQLClient, owner: Account, field: str
) -> None:
    # given a SystemInfo linking a book
    book = await create_book(gql, owner, "A", "T")
    info = await create(gql, owner, refBookIds=[book["id"]])
    # when a field is set to null
    body = await update(gql, owner, info["id"], **{field: None})
    # then BAD_USER_INPUT on that field by its GraphQL name, and nothing changed
    assert_error_code(body, "BAD_USER_INPUT", field)
    assert await read(gql, owner, info["id"]) == info


async def test_update_changes_given_fields_and_keeps_absent_ones(
    gql: GraphQLClient, owner: Account
) -> None:
    # given a SystemInfo with a book and a material
    book = await create_book(gql, owner, "A", "T")
    material = await create_data(gql, owner, "M", "C")
    info = await create(
        gql, owner, description="mine", refBookIds=[book["id"]], refDataIds=[material["id"]]
    )
    # when some scalar fields change
    body = await update(
        gql, owner, info["id"], language="KO", understandingLevel=5, dataSequence=True
    )
    updated = assert_no_errors(body)["updateSystemInfo"]
    # then they changed, everything absent stayed (links included), createdAt too
    changed = {"language": "KO", "understandingLevel": 5, "dataSequence": True}
    unchanged = set(info) - set(changed) - {"generatedDialogue", "updatedAt"}
    assert {k: updated[k] for k in changed} == changed
    assert {k: updated[k] for k in unchanged} == {k: info[k] for k in unchanged}
    assert parse_time(updated["updatedAt"]) > parse_time(info["updatedAt"])
    assert await read(gql, owner, info["id"]) == updated


async def test_korean_and_emoji_round_trip(gql: GraphQLClient, owner: Account) -> None:
    info = await create(gql, owner, description=f"설명 {KOREAN_EMOJI}", major="물리학 ⚛️")
    assert_no_errors(await update(gql, owner, info["id"], major="수학 🧮"))
    stored = await read(gql, owner, info["id"])
    assert stored["description"] == f"설명 {KOREAN_EMOJI}"
    assert stored["major"] == "수학 🧮"


async def test_links_keep_the_given_order_and_updates_replace_them(
    gql: GraphQLClient, owner: Account
) -> None:
    # given three books and two materials
    b1, b2, b3 = [await create_book(gql, owner, f"A{i}", f"B{i}") for i in (1, 2, 3)]
    d1, d2 = [await create_data(gql, owner, f"D{i}", f"C{i}") for i in (1, 2)]
    # when linked in an order that is neither creation nor id order
    info = await create(
        gql, owner, refBookIds=[b3["id"], b1["id"], b2["id"]], refDataIds=[d2["id"], d1["id"]]
    )
    # then that order is kept
    assert ids(info["refBooks"]) == [b3["id"], b1["id"], b2["id"]]
    assert ids(info["refDatas"]) == [d2["id"], d1["id"]]
    assert [d["content"] for d in info["refDatas"]] == ["C2", "C1"]
    # when the books are replaced
    body = await update(gql, owner, info["id"], refBookIds=[b2["id"], b3["id"]])
    updated = assert_no_errors(body)["updateSystemInfo"]
    # then exactly the new list, in its order; the materials were not touched
    assert ids(updated["refBooks"]) == [b2["id"], b3["id"]]
    assert ids(updated["refDatas"]) == [d2["id"], d1["id"]]
    stored = await read(gql, owner, info["id"])
    assert ids(stored["refBooks"]) == [b2["id"], b3["id"]]
    # when both lists are emptied
    assert_no_errors(await update(gql, owner, info["id"], refBookIds=[], refDataIds=[]))
    stored = await read(gql, owner, info["id"])
    assert (stored["refBooks"], stored["refDatas"]) == ([], [])


async def test_fifty_links_are_accepted(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    books = await seed_books(services, user_pk(owner), stamps(50))
    info = await create(gql, owner, refBookIds=list(reversed(books)))
    assert ids(info["refBooks"]) == list(reversed(books))


@pytest.mark.parametrize("field", list(LINK_FIELDS))
@pytest.mark.parametrize("case", BAD_ID_CASES)
async def test_bad_link_ids_change_nothing(
    gql: GraphQLClient, owner: Account, services: Services, case: str, field: str
) -> None:
    # given a SystemInfo linked to two books and two materials
    books = await seed_books(services, user_pk(owner), stamps(3))
    datas = await seed_datas(services, user_pk(owner), stamps(3))
    info = await create(gql, owner, refBookIds=books[:2], refDataIds=datas[:2])
    own = books if field == "refBookIds" else datas
    bad = await bad_link_ids(case, field, services, owner, own)
    before = (await count_rows(services, SystemInfo), await links(services))
    # when a create and an update carry a bad id list (the update also changes major)
    created = await gql(CREATE_SYSTEM_INFO, {"input": {**MINIMAL, field: bad}}, token=owner.token)
    updated = await update(gql, owner, info["id"], major="Changed", **{field: bad})
    # then both are BAD_USER_INPUT on that field, and no row or link changed
    for body in (created, updated):
        error = assert_error_code(body, "BAD_USER_INPUT", field)
        assert set(error["extensions"]["fields"]) == {field}
    assert (await count_rows(services, SystemInfo), await links(services)) == before
    assert await read(gql, owner, info["id"]) == info


async def test_bad_ref_data_ids_roll_back_valid_book_links(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given a SystemInfo linking book 1 and material 1
    b1, b2 = [await create_book(gql, owner, f"A{i}", f"T{i}") for i in (1, 2)]
    d1 = await create_data(gql, owner, "D1", "C1")
    info = await create(gql, owner, refBookIds=[b1["id"]], refDataIds=[d1["id"]])
    before = await links(services)
    # when the books are validly replaced but a material id is unknown, in one update
    body = await update(
        gql,
        owner,
        info["id"],
        refBookIds=[b2["id"]],
        refDataIds=[d1["id"], to_global_id(REF_DATA, 10**12)],
    )
    # then it is BAD_USER_INPUT on refDataIds and the book links were not replaced either
    assert_error_code(body, "BAD_USER_INPUT", "refDataIds")
    assert await links(services) == before
    assert await read(gql, owner, info["id"]) == info


async def test_deleting_a_linked_book_unlinks_it(gql: GraphQLClient, owner: Account) -> None:
    # given a SystemInfo linking three books
    b1, b2, b3 = [await create_book(gql, owner, f"A{i}", f"T{i}") for i in (1, 2, 3)]
    info = await create(gql, owner, refBookIds=[b1["id"], b2["id"], b3["id"]])
    # when the middle one is deleted
    assert_no_errors(await gql(DELETE_REF_BOOK, {"id": b2["id"]}, token=owner.token))
    # then the others remain, in order
    assert ids((await read(gql, owner, info["id"]))["refBooks"]) == [b1["id"], b3["id"]]


async def test_delete_removes_the_system_info_and_its_links_only(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    book = await create_book(gql, owner, "A", "T")
    info = await create(gql, owner, refBookIds=[book["id"]])
    body = await gql(DELETE_SYSTEM_INFO, {"id": info["id"]}, token=owner.token)
    assert assert_no_errors(body)["deleteSystemInfo"] == info["id"]
    assert await read(gql, owner, info["id"]) is None
    assert await links(services) == []
    # the book itself stays
    assert await count_rows(services, RefBook) == 1
    again = await gql(DELETE_SYSTEM_INFO, {"id": info["id"]}, token=owner.token)
    assert_error_code(again, "NOT_FOUND")


async def test_generated_dialogue_renders_the_stored_data(
    gql: GraphQLClient, owner: Account
) -> None:
    # given a SystemInfo with books and materials (one with triple quotes) and both flags
    b1 = await create_book(gql, owner, "김철수", "자료구조 📚")
    b2 = await create_book(gql, owner, "Knuth", "TAOCP")
    d1 = await create_data(gql, owner, "Quotes", 'say """hi"""')
    d2 = await create_data(gql, owner, "강의 🎓", "내용")
    info = await create(
        gql,
        owner,
        language="KO",
        major="컴퓨터공학",
        understandingLevel=5,
        dataSequence=True,
        onlyUseReferenceData=True,
        refBookIds=[b2["id"], b1["id"]],
        refDataIds=[d2["id"], d1["id"]],
    )
    # when read back
    stored = await read(gql, owner, info["id"])
    # then the dialogue is the pure function of what was stored, on create and on read
    expected = render_dialogue(
        major="컴퓨터공학",
        understanding_level=5,
        language="KO",
        only_use_reference_data=True,
        data_sequence=True,
        books=[Book("Knuth", "TAOCP"), Book("김철수", "자료구조 📚")],
        materials=[Material("강의 🎓", "내용"), Material("Quotes", 'say """hi"""')],
    )
    assert stored["generatedDialogue"] == expected
    assert info["generatedDialogue"] == expected
    assert len(expected) == 11


RELINK_TWICE = """
mutation RelinkTwice($id: ID!, $first: [ID!], $then: [ID!], $book: ID!, $material: ID!) {
  before: updateSystemInfo(id: $id, input: {refBookIds: $first, refDataIds: [$material]}) {
    refBooks { title } refDatas { content } generatedDialogue
  }
  book: updateRefBook(id: $book, input: {title: "Renamed"}) { title }
  material: updateRefData(id: $material, input: {content: "New content"}) { content }
  after: updateSystemInfo(id: $id, input: {refBookIds: $then}) {
    refBooks { title } refDatas { content } generatedDialogue
  }
}
"""


async def test_a_later_mutation_in_the_same_document_sees_earlier_writes(
    gql: GraphQLClient, owner: Account
) -> None:
    # given a SystemInfo, two books and a material
    b1 = await create_book(gql, owner, "A", "One")
    b2 = await create_book(gql, owner, "B", "Two")
    material = await create_data(gql, owner, "M", "Old content")
    info = await create(gql, owner)
    # when one document links, renames, rewrites and relinks, reading links after each step
    variables = {
        "id": info["id"],
        "first": [b1["id"]],
        "then": [b1["id"], b2["id"]],
        "book": b1["id"],
        "material": material["id"],
    }
    data = assert_no_errors(await gql(RELINK_TWICE, variables, token=owner.token))
    # then the last step reads what the earlier steps wrote, not what the first one cached
    assert data["before"]["refBooks"] == [{"title": "One"}]
    assert data["after"]["refBooks"] == [{"title": "Renamed"}, {"title": "Two"}]
    assert data["after"]["refDatas"] == [{"content": "New content"}]
    assert "'A - Renamed'" in data["after"]["generatedDialogue"]
    assert '"""Title: M\nContent: New content"""' in data["after"]["generatedDialogue"]


async def test_an_update_answers_with_the_links_it_wrote_even_after_a_later_write(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given a SystemInfo and three books
    b1, b2, b3 = [(await create_book(gql, owner, "A", f"T{i}"))["id"] for i in range(3)]
    info_id = (await create(gql, owner))["id"]
    mine = Context.create(services, owner.token, "127.0.0.1")
    theirs = Context.create(services, owner.token, "127.0.0.1")
    # when one request replaces the links, and another request's replacement commits
    # before the first one has resolved its answer
    written = await owned.update(mine, entities.SYSTEM_INFO, info_id, {"ref_book_ids": [b2, b1]})
    await owned.update(theirs, entities.SYSTEM_INFO, info_id, {"ref_book_ids": [b3]})
    answered = system_infos.ref_books(mine, written)
    # then the first answer shows what the first request wrote, in its order, without a read
    assert isinstance(answered, list)
    assert [to_global_id(REF_BOOK, key_of(book)) for book in answered] == [b2, b1]
    # and the stored list is the later caller's, complete
    assert ids((await read(gql, owner, info_id))["refBooks"]) == [b3]
