"""Field collection kept across requests of a cached operation (schema/collection.py)."""

from __future__ import annotations

from typing import Any

import graphql.execution.executor as core_executor
import pytest

from schema import collection
from schema.build import AppSchema, build_schema
from schema.plans import plans_of

# Aliases, a fragment and a constant @skip: collected the same way on every request.
FIXED = """
query Fixed {
  book: __type(name: "RefBook") { name ...Kind fields { name } }
  again: __type(name: "RefBook") { name }
  hidden: __typename @skip(if: true)
}
fragment Kind on __Type { kind }
"""
# A directive that takes a variable: each request collects for its own value.
VARYING = """
query Varying($on: Boolean!) {
  __type(name: "RefBook") { name kind @include(if: $on) }
}
"""


@pytest.fixture
def collections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The object types graphql-core collected sub-selections for."""
    seen: list[str] = []
    collect = core_executor.collect_subfields

    def counted(*args: Any, **kwargs: Any) -> Any:
        seen.append(args[4].name)
        return collect(*args, **kwargs)

    monkeypatch.setattr(core_executor, "collect_subfields", counted)
    return seen


@pytest.fixture
def schema() -> AppSchema:
    return build_schema()


async def test_an_operation_is_collected_once_across_requests(
    schema: AppSchema, collections: list[str]
) -> None:
    # given a fixed operation answered once
    first = await schema.execute(FIXED)
    assert first.errors is None
    assert collections
    collections.clear()
    # when the same text comes again
    second = await schema.execute(FIXED)
    # then it answers the same, without collecting anything again
    assert second.errors is None
    assert second.data == first.data
    assert list(second.data or {}) == ["book", "again"]
    assert collections == []


async def test_a_directive_with_a_variable_is_collected_per_request(
    schema: AppSchema, collections: list[str]
) -> None:
    # when the same operation runs with its variable on, off, and on again
    answers = [
        await schema.execute(VARYING, variable_values={"on": on}) for on in (True, False, True)
    ]
    # then each answer follows its own value, and each request collected for itself
    assert [result.errors for result in answers] == [None, None, None]
    assert [result.data for result in answers] == [
        {"__type": {"name": "RefBook", "kind": "OBJECT"}},
        {"__type": {"name": "RefBook"}},
        {"__type": {"name": "RefBook", "kind": "OBJECT"}},
    ]
    assert collections == ["__Type"] * 3


async def test_the_kept_operations_are_bounded(
    schema: AppSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given room for 4 operations
    monkeypatch.setattr(collection, "LIMIT", 4)
    # when 10 different texts are answered
    for n in range(10):
        result = await schema.execute(f"query Q{n} {{ __typename }}")
        assert result.errors is None
    # then at most 4 operations are kept
    assert 0 < len(plans_of(schema._schema).operations) <= 4
