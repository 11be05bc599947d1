"""Random documents from the schema (tests.random_documents) are answered or refused, never
more: a refusal runs no SQL, the limit pass walks each fragment definition once, and nothing
is an INTERNAL_SERVER_ERROR.
"""

from __future__ import annotations

from collections import Counter

from graphql import parse
from starlette.applications import Starlette

from schema.limits import QueryLimits
from schema.shape import measure
from services import Services
from tests.data_api import seed_books, seed_datas, stamps, user_pk
from tests.random_documents import random_document
from tests.utils import Account, GraphQLClient, count_statements

SEEDS = range(150)
# Answers that come from before execution: nothing may have run.
BEFORE_EXECUTION = {"QUERY_TOO_COMPLEX", "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}


async def test_random_documents_are_answered_or_refused_before_any_sql(
    app: Starlette, gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given a user with a few books and materials, and the app's schema
    await seed_books(services, user_pk(owner), stamps(3))
    await seed_datas(services, user_pk(owner), stamps(3))
    schema = app.state.graphql.schema._schema
    shape_limits = QueryLimits().shape
    outcomes: Counter[str] = Counter()
    for seed in SEEDS:
        document = random_document(schema, seed)
        # when it is sent
        with count_statements(services.engine) as sql:
            body = await gql(document.query, document.variables, token=owner.token)
        codes = {error["extensions"]["code"] for error in body.get("errors", ())}
        # then nothing fails unexpectedly
        assert "INTERNAL_SERVER_ERROR" not in codes, (seed, body["errors"])
        if body.get("data") is None and codes and codes <= BEFORE_EXECUTION:
            # and a refusal ran no SQL
            assert sql.count == 0, (seed, codes, sql.statements)
            outcomes["refused" if "QUERY_TOO_COMPLEX" in codes else "invalid"] += 1
        else:
            outcomes["answered"] += 1
        # and the limit pass walks every fragment at most once, all of them when it accepts
        shape = measure(parse(document.query, max_tokens=None), shape_limits)
        assert set(shape.visits.values()) <= {1}, (seed, shape.visits)
        if shape.refusal is None:
            assert set(shape.visits) == set(document.fragments), seed
        else:
            assert codes == {"QUERY_TOO_COMPLEX"}, (seed, body)
    # the documents were varied enough to show both outcomes
    assert outcomes["answered"] >= 20 and outcomes["refused"] >= 20, outcomes
