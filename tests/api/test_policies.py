"""Root-field policies (schema/permissions.py) are declared on every field and fail closed.

The walk over the schema fails on a root field with no policy, and on a public one that can
return a user's private objects without being one of the few that check ownership per
object. At run time, a signed-in field whose resolver forgot to prove the token current
still refuses a revoked token.
"""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, get_named_type

from resolvers.context import Context
from resolvers.entities import ENTITIES
from resolvers.entity import Ownership
from schema.build import build_schema
from schema.checks import SchemaDeclarationError, check_root_policies
from schema.permissions import PUBLIC, SIGNED_IN, policies_of
from schema.query import Query
from schema.types import NODE_TYPES, Ctx
from services import Services
from tests.utils import Account, GraphQLClient, assert_no_errors, count_statements

# Public root fields that may hand out a private object, and why that is safe.
PUBLIC_BUT_CHECKED = {
    "node": "resolvers.nodes checks ownership of every object it returns",
    "signUp": "returns the account it just made",
    "signIn": "returns the account whose password was given",
    "refreshToken": "returns the account of the refresh token presented",
}
PRIVATE_TYPES = {
    entity.type_name for entity in ENTITIES if entity.ownership is not Ownership.PUBLIC
}


def reachable_types(schema: GraphQLSchema, field_type: Any) -> set[str]:
    """The object types a field can return, through lists, connections and nested fields."""
    seen: set[str] = set()
    pending = [get_named_type(field_type)]
    while pending:
        named = pending.pop()
        if named.name in seen:
            continue
        seen.add(named.name)
        if isinstance(named, GraphQLInterfaceType):
            pending.extend(schema.get_possible_types(named))
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            pending.extend(get_named_type(field.type) for field in named.fields.values())
    return seen


def root_fields() -> list[tuple[str, Any]]:
    schema = build_schema()
    return [
        (field.graphql_name or field.python_name, field)
        for root in (schema.query, schema.mutation)
        for field in root.__strawberry_definition__.fields  # type: ignore[union-attr]
    ]


def test_every_root_field_declares_exactly_one_policy() -> None:
    fields = root_fields()
    assert len(fields) > 20
    for name, field in fields:
        assert len(policies_of(field.extensions)) == 1, name


def test_public_root_fields_reach_private_types_only_where_ownership_is_checked() -> None:
    schema = build_schema()
    graphql = schema._schema
    roots = {"Query": graphql.query_type, "Mutation": graphql.mutation_type}
    checked = 0
    for root_name, root in roots.items():
        assert root is not None
        definition = schema.get_type_by_name(root_name)
        names = schema.config.name_converter
        policies = {
            names.get_graphql_name(f): policies_of(f.extensions)
            for f in definition.fields  # type: ignore[union-attr]
        }
        for name, field in root.fields.items():
            if policies[name][0] is not PUBLIC or name in PUBLIC_BUT_CHECKED:
                continue
            checked += 1
            reached = reachable_types(graphql, field.type) & PRIVATE_TYPES
            assert not reached, f"public field {name} can return {reached}"
    assert checked >= 2  # publicScripts, publicScript at least


def test_a_root_field_without_a_policy_stops_the_schema() -> None:
    # given a Query with one field nobody gave a policy
    @strawberry.type
    class Forgetful(Query):
        @strawberry.field
        async def secret(self) -> str:
            return "data"

    schema = strawberry.Schema(query=Forgetful)
    # when the schema is checked, as build_schema does / then it is refused, naming the field
    with pytest.raises(SchemaDeclarationError, match="secret has 0 policies"):
        check_root_policies(schema)


@strawberry.type
class Careless(Query):
    """A signed-in field whose resolver proves nothing about the token."""

    @strawberry.field(extensions=[SIGNED_IN])
    async def careless(self, info: Ctx) -> str:
        return "private"


CARELESS = "query { careless }"
CHANGE_PASSWORD = """
mutation($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }
"""


async def run_careless(services: Services, token: str) -> Any:
    schema = strawberry.Schema(query=Careless, types=list(NODE_TYPES.values()))
    context = Context.create(services, token, "127.0.0.1")
    try:
        return await schema.execute(CARELESS, context_value=context)
    finally:
        await context.reads.end()


async def test_a_careless_signed_in_field_still_refuses_a_revoked_token(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given a valid token / when the careless field runs
    with count_statements(services.engine) as statements:
        valid = await run_careless(services, alice.token)
    # then it answers, after one lookup of the caller made by the policy
    assert valid.errors is None and valid.data == {"careless": "private"}
    assert statements.count == 1
    # given the same token revoked by a password change
    change = {"input": {"currentPassword": alice.password, "newPassword": "another-pass-3"}}
    assert_no_errors(await gql(CHANGE_PASSWORD, change, token=alice.token))
    # when the careless field runs again / then the data does not leave
    revoked = await run_careless(services, alice.token)
    assert revoked.data is None
    assert [e.extensions["code"] for e in revoked.errors or []] == ["UNAUTHENTICATED"]


async def test_a_page_proves_the_token_in_its_own_statement(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given a book of alice's
    assert_no_errors(
        await gql(
            'mutation { createRefBook(input: {author: "A", title: "T"}) { id } }',
            token=alice.token,
        )
    )
    # when she reads her books / then one statement did it: no separate caller lookup
    with count_statements(services.engine) as statements:
        body = await gql("query { refBooks { edges { node { title } } } }", token=alice.token)
    assert assert_no_errors(body)["refBooks"]["edges"] == [{"node": {"title": "T"}}]
    assert statements.count == 1


def test_the_walk_sees_through_connections_to_their_nodes() -> None:
    # a guard for reachable_types: a private connection is seen as private
    graphql = build_schema()._schema
    assert graphql.query_type is not None
    ref_books = graphql.query_type.fields["refBooks"]
    assert "RefBook" in reachable_types(graphql, ref_books.type) & PRIVATE_TYPES
