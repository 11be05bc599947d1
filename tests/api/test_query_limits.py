"""Query limits: depth, aliases and tokens give QUERY_TOO_COMPLEX before anything runs;
introspection, field suggestions and GraphiQL follow the environment."""

from __future__ import annotations

import pytest
from graphql import get_introspection_query

from services import Services
from settings import Settings
from tests.hardening import app_with
from tests.utils import (
    Account,
    GraphQLClient,
    assert_error_code,
    assert_no_errors,
    count_statements,
)

# The deepest selection the schema allows: systemInfos > edges > node > refBooks (4).
DEEPEST = "query { systemInfos { edges { node { refBooks { id title } } } } }"
INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
)
TYPENAME = "query { __typename }"
MISSPELT = "query { mee { id } }"


def aliases(count: int) -> str:
    return "query { " + " ".join(f"a{i}: me {{ id }}" for i in range(count)) + " }"


def nested(depth: int) -> str:
    """A document `depth` levels deep (its fields need not exist: the limit comes first)."""
    return "query { " + "f { " * depth + "leaf" + " }" * depth + " }"


def too_complex_only(body: dict) -> None:
    assert body.get("data") is None
    codes = {error["extensions"]["code"] for error in body["errors"]}
    assert "QUERY_TOO_COMPLEX" in codes, body["errors"]


async def test_the_deepest_real_query_fits_the_default_depth(
    gql: GraphQLClient, alice: Account
) -> None:
    # given the default limits / when the deepest query the schema allows is sent
    data = assert_no_errors(await gql(DEEPEST, token=alice.token))
    # then it runs
    assert data["systemInfos"]["edges"] == []


async def test_too_deep_is_refused_before_any_sql(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given the default depth limit (8) / when a document nine levels deep arrives
    with count_statements(services.engine) as sql:
        body = await gql(nested(9), token=alice.token)
    # then it is QUERY_TOO_COMPLEX and nothing reached the database
    too_complex_only(body)
    assert sql.count == 0
    # and eight levels are not refused for their depth
    body = await gql(nested(8), token=alice.token)
    assert "QUERY_TOO_COMPLEX" not in {e["extensions"]["code"] for e in body["errors"]}


async def test_a_lower_depth_limit_refuses_a_real_query(settings: Settings) -> None:
    # given an app whose depth limit is 3
    async with app_with(settings, max_query_depth=3) as app:
        with count_statements(app.services.engine) as sql:
            # when a real four-level query arrives
            body = await app.gql(DEEPEST)
        # then only the limit answers (the caller's token was not even looked at)
        error = assert_error_code(body, "QUERY_TOO_COMPLEX")
        assert "depth of 3" in error["message"]
        assert {e["extensions"]["code"] for e in body["errors"]} == {"QUERY_TOO_COMPLEX"}
        assert sql.count == 0


async def test_too_many_aliases_are_refused_before_any_sql(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given the default alias limit (20)
    data = assert_no_errors(await gql(aliases(20), token=alice.token))
    assert data["a19"]["id"] == alice.id
    # when 21 aliases arrive
    with count_statements(services.engine) as sql:
        body = await gql(aliases(21), token=alice.token)
    # then QUERY_TOO_COMPLEX, and no statement ran
    error = assert_error_code(body, "QUERY_TOO_COMPLEX")
    assert "21 aliases" in error["message"]
    assert sql.count == 0


async def test_too_many_tokens_are_refused_before_any_sql(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given the default token limit (1000): `me { id ... }` with 1000 ids is over it
    document = "query { me { " + "id " * 1000 + "} }"
    with count_statements(services.engine) as sql:
        body = await gql(document, token=alice.token)
    error = assert_error_code(body, "QUERY_TOO_COMPLEX")
    assert "more than 1000 tokens" in error["message"]
    assert sql.count == 0
    # and a plain syntax error is still a parse failure, not a limit
    assert_error_code(await gql("query { me { id "), "GRAPHQL_PARSE_FAILED")


async def test_the_standard_introspection_query_passes_in_development(
    gql: GraphQLClient,
) -> None:
    # when GraphiQL's / codegen's full introspection query is sent with default limits
    data = assert_no_errors(await gql(INTROSPECTION))
    # then it gets the schema
    names = {t["name"] for t in data["__schema"]["types"]}
    assert {"Query", "Mutation", "SystemInfo"} <= names


async def test_development_suggests_fields(gql: GraphQLClient) -> None:
    error = assert_error_code(await gql(MISSPELT), "GRAPHQL_VALIDATION_FAILED")
    assert "Did you mean" in error["message"]


async def test_production_hides_the_schema(settings: Settings) -> None:
    # given a production app with no introspection/suggestion settings
    async with app_with(settings, app_env="production") as app:
        # then introspection is refused, __typename still works
        assert_error_code(await app.gql(INTROSPECTION), "GRAPHQL_VALIDATION_FAILED")
        assert_error_code(
            await app.gql('query { __type(name: "User") { name } }'),
            "GRAPHQL_VALIDATION_FAILED",
        )
        assert assert_no_errors(await app.gql(TYPENAME))["__typename"] == "Query"
        # and a misspelt field gets no hint at the schema
        error = assert_error_code(await app.gql(MISSPELT), "GRAPHQL_VALIDATION_FAILED")
        assert "Did you mean" not in error["message"]
        # and GraphiQL is not served
        page = await app.http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404
        assert "graphiql" not in page.text.lower()


async def test_production_may_turn_introspection_on(settings: Settings) -> None:
    async with app_with(settings, app_env="production", introspection=True) as app:
        data = assert_no_errors(await app.gql(INTROSPECTION))
        assert data["__schema"]["queryType"]["name"] == "Query"
        # GraphiQL stays off whatever the settings say
        page = await app.http.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404


async def test_development_serves_graphiql(gql: GraphQLClient) -> None:
    page = await gql.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


CREATE_BOOK = "mutation M($i: CreateRefBookInput!) { createRefBook(input: $i) { id } }"
CREATE_INFO = (
    'mutation M($l: Language!) { createSystemInfo(input: {language: $l, major: "x", '
    "understandingLevel: 1}) { id } }"
)
# Every source of "Did you mean" in graphql-core 3.3: field, argument (of a field or a
# directive), type and enum-value names and input fields in the document (validation rules),
# input fields and enum values in variables (coercion), and the selection a composite field
# lacks (ScalarLeafsRule).
HINTED = [
    ('query { publicScript(id: "x") { nmae } }', {}, "GRAPHQL_VALIDATION_FAILED"),
    ("query { publicScripts(frist: 1) { totalCount } }", {}, "GRAPHQL_VALIDATION_FAILED"),
    ("query { __typename @include(iff: true) }", {}, "GRAPHQL_VALIDATION_FAILED"),
    (
        'mutation { createRefBook(input: {autor: "a", title: "t"}) { id } }',
        {},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (CREATE_BOOK, {"i": {"autor": "a", "title": "t"}}, "BAD_USER_INPUT"),
    (
        "query Q($n: Strin) { publicScripts(first: $n) { totalCount } }",
        {},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    ('query { node(id: "x") { ... on SystemInf { id } } }', {}, "GRAPHQL_VALIDATION_FAILED"),
    (
        'mutation { createSystemInfo(input: {language: EM, major: "x", understandingLevel: 1}) '
        "{ id } }",
        {},
        "GRAPHQL_VALIDATION_FAILED",
    ),
    (CREATE_INFO, {"l": "EM"}, "BAD_USER_INPUT"),
    ("query { publicScripts }", {}, "GRAPHQL_VALIDATION_FAILED"),
]


@pytest.mark.parametrize(("document", "variables", "code"), HINTED)
async def test_production_gives_no_hint_of_any_kind(
    settings: Settings, gql: GraphQLClient, document: str, variables: dict, code: str
) -> None:
    # given a mistake development answers with a hint at the schema
    hinted = await gql(document, variables)
    assert_error_code(hinted, code)
    assert any("Did you mean" in e["message"] for e in hinted["errors"]), hinted["errors"]
    # when production gets it
    async with app_with(settings, app_env="production") as app:
        body = await app.gql(document, variables)
    # then the code is the same and no message hints at anything
    assert_error_code(body, code)
    assert not any("Did you mean" in e["message"] for e in body["errors"]), body["errors"]
