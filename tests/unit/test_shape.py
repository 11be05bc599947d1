"""The shape pass (schema.shape): what it counts, that it walks each fragment once, that it ends.

No database: documents are parsed and measured directly. No clock: linear time shows as one
visit per fragment definition and as counts that stop at their limit.
"""

from __future__ import annotations

import dataclasses

import pytest
from graphql import parse

from schema.limits import QueryLimits
from schema.shape import ShapeLimits, measure
from tests.limits_documents import (
    INTROSPECTION,
    LARGEST_ACCEPTED,
    ORDINARY_SCREEN,
    SIBLINGS_AT_LIMIT,
    fragment_chain,
    respread_chain,
    sibling_fields,
)

DEFAULTS = QueryLimits().shape


def limits(**changes: int) -> ShapeLimits:
    return dataclasses.replace(DEFAULTS, **changes)


DEEPEST = "query { systemInfos { edges { node { refBooks { id title } } } } }"
CYCLE = "query { ...A } fragment A on Query { ...B __typename } fragment B on Query { ...A }"
SELF_CYCLE = "query { ...A } fragment A on Query { me { id } ...A }"
UNDEFINED = "query { ...Nope me { ...AlsoNope } }"
ALIASES_IN_FRAGMENT = "query { ...Two ...Two } fragment Two on Query { a: me { id } b: me { id } } "
FIVE_FIELDS_TWICE = (
    "query { a: me { ...Five } b: me { ...Five } } "
    "fragment Five on User { id username email isAdmin createdAt }"
)
NESTED_INTROSPECTION = "query { __schema { types { fields { type { fields { name } } } } } }"
NESTED_THROUGH_FRAGMENT = (
    "query { __schema { types { interfaces { ...Full } } } } "
    "fragment Full on __Type { fields { name } }"
)


def refusal(document: str, limits: ShapeLimits = DEFAULTS) -> str | None:
    found = measure(parse(document, max_tokens=None), limits).refusal
    return None if found is None else found.message


@pytest.mark.parametrize("levels", [22, 40, 60])
def test_a_fragment_chain_is_refused_walking_each_fragment_once(levels: int) -> None:
    # given the chain: each fragment spreads the previous one twice (2^levels fields)
    document = parse(fragment_chain(levels))
    # when it is measured
    shape = measure(document, DEFAULTS)
    # then it is refused, and no fragment was walked twice
    assert shape.refusal is not None
    assert (shape.refusal.extensions or {})["code"] == "QUERY_TOO_COMPLEX"
    assert set(shape.visits.values()) == {1}


def test_every_fragment_is_walked_once_when_the_document_is_accepted() -> None:
    # given a chain short enough to pass: 4 fragments, 8 `__typename` in the end (7 repeats)
    shape = measure(parse(fragment_chain(4)), DEFAULTS)
    # then it passes and each of the 4 fragments was walked exactly once
    assert shape.refusal is None
    assert shape.visits == {"F0": 1, "F1": 1, "F2": 1, "F3": 1}


def test_a_fragment_passed_on_through_a_chain_is_shared_not_copied() -> None:
    # given 300 fields in one fragment, spread through 43 more fragments (under 1000 tokens)
    document = parse(respread_chain(44), max_tokens=1000)
    # when it is measured
    shape = measure(document, DEFAULTS)
    # then it is accepted, and the pass took a step per selection (300 fields, then one
    # spread in each of 43 fragments and the operation) and per name merged at a spread (the
    # 20 aliases each time): 300 + 44 x (1 + 20), not 300 per fragment
    assert shape.refusal is None
    assert shape.steps == 300 + 44 * (1 + 20)


def test_a_chain_of_thousands_of_fragments_ends_without_recursing() -> None:
    # given 3,000 fragments, each spreading the next once (deeper than Python's stack)
    count = 3000
    fragments = [f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(count)]
    document = (
        "query { ...F0 } " + " ".join(fragments) + f" fragment F{count} on Query {{ me {{ id }} }}"
    )
    # when it is measured / then it ends, within the limits, each fragment walked once
    shape = measure(parse(document, max_tokens=None), DEFAULTS)
    assert shape.refusal is None
    assert len(shape.visits) == count + 1 and set(shape.visits.values()) == {1}


@pytest.mark.parametrize("document", [CYCLE, SELF_CYCLE, UNDEFINED])
def test_cycles_and_undefined_fragments_end_and_are_left_to_validation(document: str) -> None:
    # when a document with a fragment cycle or an unknown fragment is measured
    shape = measure(parse(document), DEFAULTS)
    # then the pass ends without a refusal (validation reports them) and walked each once
    assert shape.refusal is None
    assert all(count == 1 for count in shape.visits.values())


def test_depth_counts_as_before_and_ignores_introspection() -> None:
    # the deepest real query is 4 levels: refused at 3, accepted at 4
    assert "maximum depth of 3" in (refusal(DEEPEST, limits(max_depth=3)) or "")
    assert refusal(DEEPEST, limits(max_depth=4)) is None
    # and GraphiQL's introspection query (nested deeper) passes every default limit
    assert refusal(INTROSPECTION) is None


def test_depth_counts_through_fragments() -> None:
    document = (
        "query { systemInfos { ...Edges } } "
        "fragment Edges on SystemInfoConnection { edges { node { refBooks { id } } } }"
    )
    assert refusal(document, limits(max_depth=4)) is None
    assert "maximum depth of 3" in (refusal(document, limits(max_depth=3)) or "")


def test_aliases_count_every_time_their_fragment_is_spread() -> None:
    # given a fragment with 2 aliases spread twice: 4 aliases
    assert refusal(ALIASES_IN_FRAGMENT, limits(max_aliases=4)) is None
    message = refusal(ALIASES_IN_FRAGMENT, limits(max_aliases=3)) or ""
    assert "4 aliases" in message


def test_repeated_fields_are_counted_at_their_place_fragments_merged() -> None:
    # 26 siblings `publicScripts { totalCount }`: 25 + 25 repeats, the default limit (50)
    assert refusal(SIBLINGS_AT_LIMIT) is None
    # one more, or the 248: refused as soon as the count passes the limit
    for count in (27, 248):
        assert "selects 51 fields again" in (refusal(sibling_fields(count)) or "")
    assert "selects 3 fields again" in (
        refusal(sibling_fields(248), limits(max_repeated_fields=2)) or ""
    )
    # the same field under different aliases is not a repeat
    aliased = "query { " + " ".join(f"a{i}: me {{ id }}" for i in range(20)) + " }"
    assert refusal(aliased, limits(max_repeated_fields=0)) is None
    # a fragment selecting what its spread's place already selects repeats it
    merged = "query { me { id ...Id } } fragment Id on User { id }"
    assert refusal(merged, limits(max_repeated_fields=0)) is not None


def test_fields_count_every_time_their_fragment_is_spread() -> None:
    document = FIVE_FIELDS_TWICE
    # 2 `me` + 2 x 5: 12 fields
    assert refusal(document, limits(max_fields=12)) is None
    assert "more than 11 fields" in (refusal(document, limits(max_fields=11)) or "")


@pytest.mark.parametrize("document", [NESTED_INTROSPECTION, NESTED_THROUGH_FRAGMENT])
def test_introspection_may_expand_one_level_of_types(document: str) -> None:
    # when a type's fields are listed inside another type's fields (or interfaces)
    message = refusal(document) or ""
    # then it is refused: each level multiplies the answer by the schema's size
    assert "introspection may expand one level of types" in message


def test_real_documents_pass() -> None:
    for document in (ORDINARY_SCREEN, LARGEST_ACCEPTED, INTROSPECTION):
        assert refusal(document) is None
