"""dialoguePreview and dialoguePreviewText: the dialogue of settings not saved, checked and
ownership-checked like createSystemInfo, read-only; and SystemInfo's text and length fields."""

from __future__ import annotations

from typing import Any

import pytest

from models import RefBook, RefData, SystemInfo, SystemInfoRefBook, SystemInfoRefData
from resolvers.dialogue import dialogue_text
from services import Services
from tests.data_api import (
    BAD_ID_CASES,
    LINK_FIELDS,
    bad_link_ids,
    count_rows,
    create_book,
    create_data,
    quick_account,
    seed_books,
    seed_datas,
    stamps,
    user_pk,
)
from tests.documents import SIGN_OUT_EVERYWHERE
from tests.utils import (
    Account,
    GraphQLClient,
    assert_error_code,
    assert_no_errors,
    count_statements,
)

TEXT_FIELDS = "generatedDialogue generatedDialogueText dialogueCharacters"
PREVIEW = "query($input: DialoguePreviewInput!) { dialoguePreview(input: $input) }"
PREVIEW_TEXT = f"""
query($input: DialoguePreviewInput!) {{ dialoguePreviewText(input: $input) {{ {TEXT_FIELDS} }} }}
"""
BOTH = f"""
query($input: DialoguePreviewInput!) {{
  dialoguePreview(input: $input)
  dialoguePreviewText(input: $input) {{ {TEXT_FIELDS} }}
}}
"""
CREATE_SYSTEM_INFO = f"""
mutation($input: CreateSystemInfoInput!) {{
  createSystemInfo(input: $input) {{ id {TEXT_FIELDS} }}
}}
"""
SYSTEM_INFOS_DIALOGUE = (
    "query { systemInfos(first: 10) { edges { node { id generatedDialogue } } } }"
)
SYSTEM_INFOS_TEXT = (
    f"query {{ systemInfos(first: 10) {{ edges {{ node {{ id {TEXT_FIELDS} }} }} }} }}"
)
MINIMAL = {"language": "EN", "major": "Physics", "understandingLevel": 2}
TABLES = (SystemInfo, SystemInfoRefBook, SystemInfoRefData, RefBook, RefData)


async def preview(
    gql: GraphQLClient, account: Account, document: str = PREVIEW, **fields: Any
) -> dict[str, Any]:
    return await gql(document, {"input": {**MINIMAL, **fields}}, token=account.token)


async def row_counts(services: Services) -> list[int]:
    return [await count_rows(services, table) for table in TABLES]


async def test_the_preview_is_the_dialogue_createsysteminfo_would_store(
    gql: GraphQLClient, owner: Account
) -> None:
    # given books and materials in Korean, with emoji and triple quotes, in a chosen order
    b1 = await create_book(gql, owner, "김철수", "자료구조 📚")
    b2 = await create_book(gql, owner, "Knuth", "TAOCP")
    d1 = await create_data(gql, owner, "Quotes", 'say """hi"""')
    d2 = await create_data(gql, owner, "강의 🎓", "내용\n\n둘째 문단")
    settings = {
        "language": "KO",
        "major": "컴퓨터공학",
        "understandingLevel": 5,
        "dataSequence": True,
        "onlyUseReferenceData": True,
        "refBookIds": [b2["id"], b1["id"]],
        "refDataIds": [d2["id"], d1["id"]],
    }
    # when the form previews them, and then saves them
    body = await gql(BOTH, {"input": settings}, token=owner.token)
    previewed = assert_no_errors(body)
    created = assert_no_errors(
        await gql(
            CREATE_SYSTEM_INFO, {"input": {**settings, "description": "Mine"}}, token=owner.token
        )
    )["createSystemInfo"]
    # then the preview is exactly what was stored, in all three forms
    assert previewed["dialoguePreview"] == created["generatedDialogue"]
    assert len(created["generatedDialogue"]) == 11
    text = previewed["dialoguePreviewText"]
    assert text == {field: created[field] for field in TEXT_FIELDS.split()}
    assert text["generatedDialogueText"] == "\n\n".join(created["generatedDialogue"])
    assert text["dialogueCharacters"] == len(text["generatedDialogueText"])


async def test_defaults_and_nulls_are_createsysteminfos(gql: GraphQLClient, owner: Account) -> None:
    # when previewed with the minimal input, and with nulls for everything optional
    minimal = assert_no_errors(await preview(gql, owner))["dialoguePreview"]
    nulls = assert_no_errors(
        await preview(
            gql,
            owner,
            onlyUseReferenceData=None,
            dataSequence=None,
            refBookIds=None,
            refDataIds=None,
        )
    )["dialoguePreview"]
    # then both are the frame only, as a SystemInfo without links has it
    assert minimal == nulls
    assert minimal == [
        "You are a tutor for a university student majoring in Physics. "
        "Explain everything at the level of a second-year undergraduate.",
        "That is all the context about me and my materials.",
        "From now on, answer only in English, whatever language I write in.",
    ]


async def test_the_preview_reads_and_writes_nothing_else(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given books and materials of the caller
    books = await seed_books(services, user_pk(owner), stamps(3))
    datas = await seed_datas(services, user_pk(owner), stamps(3))
    before = await row_counts(services)
    # when one field previews them
    with count_statements(services.engine) as one:
        assert_no_errors(
            await preview(gql, owner, PREVIEW_TEXT, refBookIds=books, refDataIds=datas)
        )
    # then it read the caller, the books, the materials and their contents: four statements
    assert one.count == 4, one.statements
    # and with both fields in one document, only reads were sent, and nothing changed
    with count_statements(services.engine) as both:
        assert_no_errors(await preview(gql, owner, BOTH, refBookIds=books, refDataIds=datas))
    assert all(s.lstrip().upper().startswith("SELECT") for s in one.statements + both.statements)
    assert await row_counts(services) == before


@pytest.mark.parametrize("document", [PREVIEW, PREVIEW_TEXT])
@pytest.mark.parametrize("field", list(LINK_FIELDS))
@pytest.mark.parametrize("case", BAD_ID_CASES)
async def test_bad_link_ids_are_bad_user_input_on_their_field(
    gql: GraphQLClient, services: Services, owner: Account, case: str, field: str, document: str
) -> None:
    # given the caller's books and materials, and an id list breaking a rule (another user's
    # id, an unknown one, ...), as createSystemInfo refuses them
    own = await LINK_FIELDS[field][0](services, user_pk(owner), stamps(3))
    bad = await bad_link_ids(case, field, services, owner, own)
    # when previewed
    body = await preview(gql, owner, document, **{field: bad})
    # then BAD_USER_INPUT names that field alone, with no data
    error = assert_error_code(body, "BAD_USER_INPUT", field)
    assert set(error["extensions"]["fields"]) == {field}
    assert body["data"] is None


async def test_both_link_fields_are_named_when_both_are_not_the_callers(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given bob's book and material
    bob = await quick_account(services, "bob")
    books = await seed_books(services, user_pk(bob), stamps(1))
    datas = await seed_datas(services, user_pk(bob), stamps(1))
    # when carol previews with them
    body = await preview(gql, owner, refBookIds=books, refDataIds=datas)
    # then both fields are named, with the message createSystemInfo gives
    error = assert_error_code(body, "BAD_USER_INPUT")
    assert error["extensions"]["fields"] == {
        "refBookIds": "Unknown ids, or not yours.",
        "refDataIds": "Unknown ids, or not yours.",
    }


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"major": ""}, {"major"}),
        ({"major": "x" * 51}, {"major"}),
        ({"major": "   "}, {"major"}),
        ({"understandingLevel": 0}, {"understandingLevel"}),
        ({"understandingLevel": 6}, {"understandingLevel"}),
        ({"major": "", "understandingLevel": 9, "refBookIds": ["bad"]}, None),
    ],
)
async def test_rule_breaking_settings_are_bad_user_input(
    gql: GraphQLClient, services: Services, owner: Account, fields: dict[str, Any], named: Any
) -> None:
    # given a book of the caller's, so a valid link is not what fails
    books = await seed_books(services, user_pk(owner), stamps(1))
    with count_statements(services.engine) as counted:
        body = await preview(gql, owner, **{"refBookIds": books, **fields})
    error = assert_error_code(body, "BAD_USER_INPUT")
    expected = named or {"major", "understandingLevel", "refBookIds"}
    assert set(error["extensions"]["fields"]) == expected
    # and the rules were checked before any link was read (the only statement: the caller)
    assert counted.count == 1, counted.statements


@pytest.mark.parametrize("value", [None, "EO"])
async def test_a_missing_or_unknown_language_is_refused_by_the_schema(
    gql: GraphQLClient, owner: Account, value: Any
) -> None:
    body = await gql(
        PREVIEW,
        {"input": {"major": "Physics", "understandingLevel": 2, "language": value}},
        token=owner.token,
    )
    assert_error_code(body, "BAD_USER_INPUT")


async def test_a_deleted_book_is_not_previewed(gql: GraphQLClient, owner: Account) -> None:
    # given a book that was deleted
    book = await create_book(gql, owner, "A", "T")
    assert_no_errors(
        await gql(
            "mutation($id: ID!) { deleteRefBook(id: $id) }", {"id": book["id"]}, token=owner.token
        )
    )
    # then previewing with it names refBookIds
    assert_error_code(
        await preview(gql, owner, refBookIds=[book["id"]]), "BAD_USER_INPUT", "refBookIds"
    )


@pytest.mark.parametrize("document", [PREVIEW, PREVIEW_TEXT])
async def test_the_preview_needs_a_current_access_token(
    gql: GraphQLClient, services: Services, alice: Account, bob: Account, document: str
) -> None:
    # given bob's book, and alice's token revoked by her own sign-out everywhere
    books = await seed_books(services, user_pk(bob), stamps(1))
    revoked = alice.token
    assert_no_errors(await gql(SIGN_OUT_EVERYWHERE, token=revoked))
    variables = {"input": {**MINIMAL, "refBookIds": books}}
    # then without a token, or with the revoked one, it is UNAUTHENTICATED, whatever the ids
    assert_error_code(await gql(document, variables), "UNAUTHENTICATED")
    assert_error_code(await gql(document, variables, token=revoked), "UNAUTHENTICATED")
    ok = {"input": MINIMAL}
    assert_error_code(await gql(document, ok, token=revoked), "UNAUTHENTICATED")


async def test_the_text_fields_cost_no_statement_more_on_a_page(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given three SystemInfos linking two books and two materials each
    books = await seed_books(services, user_pk(owner), stamps(2))
    datas = await seed_datas(services, user_pk(owner), stamps(2))
    for _ in range(3):
        created = await gql(
            CREATE_SYSTEM_INFO,
            {"input": {**MINIMAL, "refBookIds": books, "refDataIds": datas}},
            token=owner.token,
        )
        assert_no_errors(created)
    # when a page is read with the dialogue alone, and with its text and length too
    with count_statements(services.engine) as alone:
        plain = assert_no_errors(await gql(SYSTEM_INFOS_DIALOGUE, token=owner.token))
    with count_statements(services.engine) as with_text:
        full = assert_no_errors(await gql(SYSTEM_INFOS_TEXT, token=owner.token))
    # then the same statements answer both, and each text is its messages joined
    assert with_text.count == alone.count
    for node, same in zip(
        (e["node"] for e in full["systemInfos"]["edges"]),
        (e["node"] for e in plain["systemInfos"]["edges"]),
        strict=True,
    ):
        assert node["generatedDialogue"] == same["generatedDialogue"]
        assert node["generatedDialogueText"] == dialogue_text(node["generatedDialogue"])
        assert node["dialogueCharacters"] == len(node["generatedDialogueText"])


async def test_characters_count_code_points_not_utf16_units(
    gql: GraphQLClient, owner: Account
) -> None:
    # given a material of emoji only
    material = await create_data(gql, owner, "🎓", "📚📚📚")
    # when previewed
    body = await preview(gql, owner, PREVIEW_TEXT, refDataIds=[material["id"]])
    text = assert_no_errors(body)["dialoguePreviewText"]
    # then each emoji counts one
    assert text["dialogueCharacters"] == len(text["generatedDialogueText"])
    utf16 = len(text["generatedDialogueText"].encode("utf-16-le")) // 2
    assert utf16 == text["dialogueCharacters"] + 4
