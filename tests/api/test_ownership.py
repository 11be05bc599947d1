"""Ownership: nobody can tell another user's object from a missing one (docs/design.md "Auth").

Alice owns one of each private type; bob, signed in, tries every read and write on them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from strawberry.utils.str_converters import to_camel_case

from models import SystemInfo
from resolvers.entities import ENTITIES
from resolvers.entity import Entity, Ownership
from resolvers.ids import pk_of, to_global_id
from resolvers.parts import Link, LongText
from resolvers.validation import Choice, IntRange, Text
from schema.build import build_schema
from schema.permissions import PUBLIC, policies_of
from services import Services
from tests.data_api import Owned, seed_owned
from tests.documents import (
    CHANGE_PASSWORD,
    CREATE_PUBLIC_SCRIPT,
    CREATE_SYSTEM_INFO,
    DELETE_ACCOUNT,
    DELETE_PUBLIC_SCRIPT,
    ME,
    NODE,
    PUBLIC_SCRIPT,
    PUBLIC_SCRIPTS,
    SIGN_IN,
    SIGN_OUT_EVERYWHERE,
    SYSTEM_INFO,
    UPDATE_PUBLIC_SCRIPT,
    UPDATE_SYSTEM_INFO,
    connection,
)
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

# ---- the tables, generated from the entity declarations --------------------------------------
# A new user-owned entity gets every test below by being declared (and seeded in seed_owned).

OWNED_ENTITIES = [entity for entity in ENTITIES if entity.ownership is Ownership.USER]


def kind_of(entity: Entity[Any]) -> str:
    """RefBook -> ref_book: the entity's name in Owned and in test ids."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", entity.type_name).lower()


def lower_first(name: str) -> str:
    return name[0].lower() + name[1:]


def visible_fields(entity: Entity[Any]) -> str:
    """The entity's written columns and parts, as a selection (links by id)."""
    names = [to_camel_case(name) for name in entity.rules]
    for part in entity.parts:
        if isinstance(part, Link):
            names.append(f"{to_camel_case(part.field.removesuffix('_ids'))}s {{ id }}")
        else:
            names.append(to_camel_case(part.field))
    return "id " + " ".join(names)


def hijacking_changes(entity: Entity[Any]) -> dict[str, str]:
    """Every required text the entity takes, set to "hijacked"."""
    changes = {
        to_camel_case(name): "hijacked"
        for name, rule in entity.rules.items()
        if isinstance(rule, Text) and rule.min_len >= 1
    }
    changes.update(
        {to_camel_case(p.field): "hijacked" for p in entity.parts if isinstance(p, LongText)}
    )
    return changes


ENTITY = {kind_of(entity): entity for entity in OWNED_ENTITIES}
KINDS = list(ENTITY)
TYPE_NAMES = {kind: entity.type_name for kind, entity in ENTITY.items()}


def read_document(entity: Entity[Any]) -> str:
    field = lower_first(entity.type_name)
    return f"query($id: ID!) {{ {field}(id: $id) {{ {visible_fields(entity)} }} }}"


READS = {
    kind: (lower_first(entity.type_name), read_document(entity)) for kind, entity in ENTITY.items()
}
CONNECTIONS = {
    kind: (f"{lower_first(entity.type_name)}s", connection(f"{lower_first(entity.type_name)}s"))
    for kind, entity in ENTITY.items()
}
UPDATES = {
    kind: (
        f"mutation($id: ID!, $input: Update{entity.type_name}Input!) "
        f"{{ update{entity.type_name}(id: $id, input: $input) {{ id }} }}",
        hijacking_changes(entity),
    )
    for kind, entity in ENTITY.items()
}
DELETES = {
    kind: f"mutation($id: ID!) {{ delete{entity.type_name}(id: $id) }}"
    for kind, entity in ENTITY.items()
}


def test_seed_owned_makes_one_of_every_user_owned_entity() -> None:
    assert {f.name for f in dataclasses.fields(Owned)} == set(KINDS)


MISSING_PK = 987_654_321


def ids_to_try(owned: Owned, alice: Account, kind: str) -> dict[str, str]:
    """Alice's object, and ids that name nothing of bob's in three other ways."""
    return {
        "alices": getattr(owned, kind),
        "missing": to_global_id(TYPE_NAMES[kind], MISSING_PK),
        "malformed": "not-an-id",
        "other-type": alice.id,
    }


@pytest.fixture
async def alices(gql: GraphQLClient, alice: Account) -> Owned:
    return await seed_owned(gql, alice, "A")


def without_path(error: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in error.items() if k not in ("path", "locations")}


# ---- reads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
async def test_reads_of_another_users_object_are_null(
    gql: GraphQLClient, alice: Account, bob: Account, alices: Owned, kind: str
) -> None:
    field, document = READS[kind]
    # alice sees her object (so a null below is not just a broken read)
    mine = await gql(document, {"id": getattr(alices, kind)}, token=alice.token)
    assert assert_no_errors(mine)[field]["id"] == getattr(alices, kind)
    # bob gets null without an error, exactly as for ids that name nothing
    for source, global_id in ids_to_try(alices, alice, kind).items():
        body = await gql(document, {"id": global_id}, token=bob.token)
        assert body == {"data": {field: None}}, source


@pytest.mark.parametrize("kind", [*KINDS, "user"])
async def test_node_of_another_users_object_is_null(
    gql: GraphQLClient, alice: Account, bob: Account, alices: Owned, kind: str
) -> None:
    global_id = alice.id if kind == "user" else getattr(alices, kind)
    expected_type = "User" if kind == "user" else TYPE_NAMES[kind]
    # alice reaches her object through node
    mine = assert_no_errors(await gql(NODE, {"id": global_id}, token=alice.token))["node"]
    assert (mine["__typename"], mine["id"]) == (expected_type, global_id)
    # bob, and anyone without a valid token, gets null and no error
    for token in (bob.token, None, "garbage"):
        assert await gql(NODE, {"id": global_id}, token=token) == {"data": {"node": None}}


@pytest.mark.parametrize("kind", KINDS)
async def test_connections_list_only_the_callers_objects(
    gql: GraphQLClient, alice: Account, bob: Account, alices: Owned, kind: str
) -> None:
    field, document = CONNECTIONS[kind]
    bobs = await seed_owned(gql, bob, "B")
    for account, owned in ((alice, alices), (bob, bobs)):
        page = assert_no_errors(await gql(document, token=account.token))[field]
        assert [edge["node"]["id"] for edge in page["edges"]] == [getattr(owned, kind)]
        assert page["totalCount"] == 1


async def test_linked_objects_are_the_owners_own(
    gql: GraphQLClient, alice: Account, alices: Owned
) -> None:
    info = await gql(SYSTEM_INFO, {"id": alices.system_info}, token=alice.token)
    data = assert_no_errors(info)["systemInfo"]
    assert [book["id"] for book in data["refBooks"]] == [alices.ref_book]
    assert [material["id"] for material in data["refDatas"]] == [alices.ref_data]


# ---- writes --------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["update", "delete"])
@pytest.mark.parametrize("kind", KINDS)
async def test_writes_to_another_users_object_are_not_found(
    gql: GraphQLClient, alice: Account, bob: Account, alices: Owned, kind: str, operation: str
) -> None:
    read_field, read = READS[kind]
    before = assert_no_errors(await gql(read, {"id": getattr(alices, kind)}, token=alice.token))
    if operation == "update":
        document, changes = UPDATES[kind]
        variables: dict[str, Any] = {"input": changes}
    else:
        document, variables = DELETES[kind], {}
    # when bob writes to alice's object, and to ids that name nothing
    errors = {}
    for source, global_id in ids_to_try(alices, alice, kind).items():
        body = await gql(document, {**variables, "id": global_id}, token=bob.token)
        errors[source] = without_path(assert_error_code(body, "NOT_FOUND"))
        assert body["data"] is None
    # then every answer is the same NOT_FOUND, and alice's object is untouched
    assert all(error == errors["missing"] for error in errors.values()), errors
    after = assert_no_errors(await gql(read, {"id": getattr(alices, kind)}, token=alice.token))
    assert after == before
    assert after[read_field] is not None


async def count_infos(services: Services, owner: Account) -> int:
    async with services.sessions() as session:
        where = col(SystemInfo.user_id) == pk_of(owner.id, "User")
        return int(
            await session.scalar(select(func.count()).select_from(SystemInfo).where(where)) or 0
        )


@pytest.mark.parametrize(
    ("field", "kind"), [("refBookIds", "ref_book"), ("refDataIds", "ref_data")]
)
async def test_linking_another_users_objects_is_bad_user_input(
    gql: GraphQLClient,
    services: Services,
    alice: Account,
    bob: Account,
    alices: Owned,
    field: str,
    kind: str,
) -> None:
    # given bob's own profile with his own links
    bobs = await seed_owned(gql, bob, "B")
    before = await gql(SYSTEM_INFO, {"id": bobs.system_info}, token=bob.token)
    base = {"language": "KO", "major": "hijacked", "understandingLevel": 1}
    missing = to_global_id(TYPE_NAMES[kind], MISSING_PK)
    answers = []
    for ids in ([getattr(alices, kind)], [getattr(bobs, kind), getattr(alices, kind)], [missing]):
        # when he creates a profile, or updates his, with alice's ids (or a missing one)
        created = await gql(CREATE_SYSTEM_INFO, {"input": {**base, field: ids}}, token=bob.token)
        changes = {"id": bobs.system_info, "input": {"major": "hijacked", field: ids}}
        updated = await gql(UPDATE_SYSTEM_INFO, changes, token=bob.token)
        # then both are BAD_USER_INPUT on that field
        for body in (created, updated):
            error = assert_error_code(body, "BAD_USER_INPUT", field)
            assert set(error["extensions"]["fields"]) == {field}
            answers.append(error["extensions"])
    # alike for a foreign and a missing id, and nothing changed
    assert all(answer == answers[-1] for answer in answers), answers
    assert await count_infos(services, bob) == 1
    assert await gql(SYSTEM_INFO, {"id": bobs.system_info}, token=bob.token) == before


# ---- without a valid token -----------------------------------------------------------------

PASSWORDS = {"currentPassword": "correct-horse-1", "newPassword": "battery-staple-2"}
SCRIPT_INPUT = {"name": "Intro", "description": "Start here", "scripts": ["One"]}
PREVIEW_INPUT = {"language": "EN", "major": "Law", "understandingLevel": 2}


def sample_input(entity: Entity[Any]) -> dict[str, Any]:
    """A valid create input for `entity`, from its rules (links left out)."""
    values: dict[str, Any] = {}
    for name, rule in entity.rules.items():
        if isinstance(rule, Text) and rule.min_len >= 1:
            values[to_camel_case(name)] = "t"
        elif isinstance(rule, Choice):
            values[to_camel_case(name)] = next(iter(rule.enum_type)).name
        elif isinstance(rule, IntRange):
            values[to_camel_case(name)] = rule.low
    values.update({to_camel_case(p.field): "c" for p in entity.parts if isinstance(p, LongText)})
    return values


def first_text(entity: Entity[Any]) -> str:
    """The GraphQL name of the entity's first required text (what an update sets to "x")."""
    return next(
        to_camel_case(name)
        for name, rule in entity.rules.items()
        if isinstance(rule, Text) and rule.min_len >= 1
    )


def owned_fields(kind: str, entity: Entity[Any]) -> dict[str, tuple[str, Any]]:
    """Every field of one user-owned entity, with variables naming alice's object."""
    name = entity.type_name
    return {
        f"{lower_first(name)}s": (CONNECTIONS[kind][1], lambda o: {}),
        lower_first(name): (READS[kind][1], lambda o: {"id": getattr(o, kind)}),
        f"create{name}": (
            f"mutation($input: Create{name}Input!) {{ create{name}(input: $input) {{ id }} }}",
            lambda o: {"input": sample_input(entity)},
        ),
        f"update{name}": (
            UPDATES[kind][0],
            lambda o: {"id": getattr(o, kind), "input": {first_text(entity): "x"}},
        ),
        f"delete{name}": (DELETES[kind], lambda o: {"id": getattr(o, kind)}),
    }


# Every field that needs a signed-in caller, with variables naming alice's real objects:
# the entities' own fields generated, the accounts' and the admins' written out.
PRIVATE: dict[str, tuple[str, Any]] = {
    "me": (ME, lambda o: {}),
    "changePassword": (CHANGE_PASSWORD, lambda o: {"input": PASSWORDS}),
    "deleteAccount": (DELETE_ACCOUNT, lambda o: {"password": PASSWORDS["currentPassword"]}),
    "createPublicScript": (CREATE_PUBLIC_SCRIPT, lambda o: {"input": SCRIPT_INPUT}),
    "updatePublicScript": (
        UPDATE_PUBLIC_SCRIPT,
        lambda o: {"id": to_global_id("PublicScript", 1), "input": {"name": "x"}},
    ),
    "deletePublicScript": (DELETE_PUBLIC_SCRIPT, lambda o: {"id": to_global_id("PublicScript", 1)}),
    "signOutEverywhere": (SIGN_OUT_EVERYWHERE, lambda o: {}),
    "dialoguePreview": (
        "query($input: DialoguePreviewInput!) { dialoguePreview(input: $input) }",
        lambda o: {"input": {**PREVIEW_INPUT, "refBookIds": [o.ref_book]}},
    ),
    "dialoguePreviewText": (
        "query($input: DialoguePreviewInput!) { dialoguePreviewText(input: $input) "
        "{ dialogueCharacters } }",
        lambda o: {"input": {**PREVIEW_INPUT, "refBookIds": [o.ref_book]}},
    ),
}
for _kind, _entity in ENTITY.items():
    PRIVATE.update(owned_fields(_kind, _entity))


def test_every_field_that_needs_a_token_is_tried_below() -> None:
    # A new signed-in or admin field must be added to PRIVATE, so this file tries it too.
    schema = build_schema()
    needing = {
        schema.config.name_converter.get_graphql_name(field)
        for root in (schema.query, schema.mutation)
        for field in root.__strawberry_definition__.fields  # type: ignore[union-attr]
        if policies_of(field.extensions) != [PUBLIC]
    }
    assert needing == set(PRIVATE)


@pytest.mark.parametrize("operation", PRIVATE)
async def test_private_fields_without_a_valid_token_are_unauthenticated(
    gql: GraphQLClient, alice: Account, alices: Owned, operation: str
) -> None:
    document, variables = PRIVATE[operation]
    # no token, a garbage one, and a real token of the wrong type (refresh)
    for token in (None, "garbage", alice.refresh_token):
        body = await gql(document, variables(alices), token=token)
        assert_error_code(body, "UNAUTHENTICATED")
        # null for the whole answer, or for the (nullable) field itself
        assert not any((body["data"] or {}).values()), body
    # and nothing happened to alice or her objects
    signed_in = await gql(SIGN_IN, {"input": {"username": "alice", "password": alice.password}})
    assert_no_errors(signed_in)
    for kind, entity in ENTITY.items():
        field, read = READS[kind]
        body = await gql(read, {"id": getattr(alices, kind)}, token=alice.token)
        assert assert_no_errors(body)[field][first_text(entity)] != "x"


# ---- public scripts ------------------------------------------------------------------------


@pytest.fixture
async def script_id(gql: GraphQLClient, admin: Account) -> str:
    body = await gql(CREATE_PUBLIC_SCRIPT, {"input": SCRIPT_INPUT}, token=admin.token)
    return str(assert_no_errors(body)["createPublicScript"]["id"])


@pytest.mark.parametrize("who", ["anonymous", "garbage-token", "user", "admin"])
async def test_public_scripts_are_readable_by_anyone(
    gql: GraphQLClient, admin: Account, bob: Account, script_id: str, who: str
) -> None:
    token = {"anonymous": None, "garbage-token": "garbage", "user": bob.token}.get(who, admin.token)
    page = assert_no_errors(await gql(PUBLIC_SCRIPTS, token=token))["publicScripts"]
    assert [edge["node"]["id"] for edge in page["edges"]] == [script_id]
    one = assert_no_errors(await gql(PUBLIC_SCRIPT, {"id": script_id}, token=token))
    assert one["publicScript"]["scripts"] == [{"number": 1, "text": "One"}]
    node = assert_no_errors(await gql(NODE, {"id": script_id}, token=token))["node"]
    assert (node["__typename"], node["id"], node["name"]) == ("PublicScript", script_id, "Intro")


async def test_public_script_writes_by_a_non_admin_are_forbidden(
    gql: GraphQLClient, bob: Account, script_id: str
) -> None:
    writes: list[tuple[str, dict[str, Any]]] = [
        (CREATE_PUBLIC_SCRIPT, {"input": SCRIPT_INPUT}),
        (UPDATE_PUBLIC_SCRIPT, {"id": script_id, "input": {"name": "hijacked"}}),
        (DELETE_PUBLIC_SCRIPT, {"id": script_id}),
    ]
    for document, variables in writes:
        body = await gql(document, variables, token=bob.token)
        assert_error_code(body, "FORBIDDEN")
        assert body["data"] is None
    page = assert_no_errors(await gql(PUBLIC_SCRIPTS))["publicScripts"]
    assert [edge["node"]["name"] for edge in page["edges"]] == ["Intro"]


async def test_admins_write_public_scripts(
    gql: GraphQLClient, admin: Account, script_id: str
) -> None:
    changes = {"id": script_id, "input": {"name": "Renamed", "scripts": ["A", "B"]}}
    updated = assert_no_errors(await gql(UPDATE_PUBLIC_SCRIPT, changes, token=admin.token))
    assert updated["updatePublicScript"]["name"] == "Renamed"
    assert [s["number"] for s in updated["updatePublicScript"]["scripts"]] == [1, 2]
    deleted = await gql(DELETE_PUBLIC_SCRIPT, {"id": script_id}, token=admin.token)
    assert assert_no_errors(deleted)["deletePublicScript"] == script_id
    assert await gql(PUBLIC_SCRIPT, {"id": script_id}) == {"data": {"publicScript": None}}
