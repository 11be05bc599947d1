"""The static cost model (schema.cost): what each part of a document costs, per request.

No database. The expected costs are written out from the model's rules
(docs/hardening.md), with the maxima the resolvers enforce.
"""

from __future__ import annotations

import pytest
import strawberry
from graphql import GraphQLSchema, parse

from resolvers.entities import MAX_LINKS, MAX_SCRIPTS
from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.build import build_schema
from schema.cost import compile_cost, most, uncovered_lists, weighs
from schema.limits import QueryLimits
from schema.types import DIALOGUE_WEIGHT, ScriptType
from tests.limits_documents import DIALOGUE_ATTACK, INTROSPECTION, ORDINARY_SCREEN

LINKED_TITLES = "query($id: ID!) { systemInfo(id: $id) { id refBooks { title } } }"
PAGE = "query Page($n: Int) { refBooks(first: $n) { edges { node { id } } } }"
PAGE_DEFAULT = "query Page($n: Int = 7) { refBooks(last: $n) { edges { node { id } } } }"
SCRIPTS = "query { publicScripts(first: 2) { edges { node { description scripts { text } } } } }"
TWO_OPERATIONS = "query A { me { id } } query B { refBooks { totalCount } }"
CHAIN_OVER_A_PAGE = " ".join(
    [
        "query { ...F40 }",
        "fragment F0 on Query { refBooks(first: 1) { edges { node { id } } } }",
        *(f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)),
    ]
)


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def cost(schema: GraphQLSchema, document: str, variables: dict | None = None) -> int:
    return compile_cost(schema, parse(document, max_tokens=None)).cost(variables)


def test_a_list_counts_its_most_entries(schema: GraphQLSchema) -> None:
    # the SystemInfo (1) and up to MAX_LINKS books (1 each); scalars count 0
    assert cost(schema, LINKED_TITLES) == 1 + MAX_LINKS


def test_a_connection_multiplies_what_is_under_it_by_its_page(schema: GraphQLSchema) -> None:
    # connection 1 + page x (edge 1 + node 1)
    assert cost(schema, PAGE, {"n": 5}) == 1 + 5 * 2
    # absent or null: the default page; over 100 or negative: clamped like the resolver's check
    assert cost(schema, PAGE) == 1 + DEFAULT_PAGE_SIZE * 2
    assert cost(schema, PAGE, {"n": None}) == 1 + DEFAULT_PAGE_SIZE * 2
    assert cost(schema, PAGE, {"n": 10_000}) == 1 + MAX_PAGE_SIZE * 2
    assert cost(schema, PAGE, {"n": -5}) == 1
    # a value that is no Int will not coerce (BAD_USER_INPUT later): the default page here
    assert cost(schema, PAGE, {"n": "many"}) == 1 + DEFAULT_PAGE_SIZE * 2
    # the variable's default value when the request gives none
    assert cost(schema, PAGE_DEFAULT) == 1 + 7 * 2
    assert cost(schema, PAGE_DEFAULT, {"n": 3}) == 1 + 3 * 2


def test_the_plan_is_compiled_once_and_evaluated_per_request(schema: GraphQLSchema) -> None:
    plan = compile_cost(schema, parse(PAGE))
    assert [plan.cost({"n": n}) for n in (1, 2, 100)] == [3, 5, 201]


def test_long_texts_count_per_thousand_characters(schema: GraphQLSchema) -> None:
    # per public script: 1 + description (2,000 characters: 2) + 10 scripts x (1 + text 3)
    per_script = 1 + 2 + MAX_SCRIPTS * (1 + 3)
    assert cost(schema, SCRIPTS) == 1 + 2 * (1 + per_script)


def test_the_dialogue_costs_what_the_books_and_materials_it_renders_cost(
    schema: GraphQLSchema,
) -> None:
    dialogue = cost(schema, 'query { systemInfo(id: "x") { generatedDialogue } }') - 1
    rendered = cost(
        schema,
        'query { systemInfo(id: "x") { refBooks { author title } refDatas { title content } } }',
    )
    assert dialogue == rendered - 1 == MAX_LINKS + MAX_LINKS * (1 + 3)


def test_the_ordinary_screen_runs_and_the_dialogue_attack_does_not(schema: GraphQLSchema) -> None:
    limit = QueryLimits().max_cost
    # connection 1 + 20 x (edge 1 + node 1 + 50 books + 50 materials x (1 + content 3)
    # + dialogue 250) + pageInfo, counted under the connection too: 20
    screen = cost(schema, ORDINARY_SCREEN)
    assert screen == 1 + 20 * (1 + 1 + 50 + 200 + 250) + 20 == 10_061
    assert screen <= limit
    # 20 aliases x (1 + 20 x (1 + 1 + 250 + 200))
    attack = cost(schema, DIALOGUE_ATTACK)
    assert attack == 20 * (1 + 20 * (2 + 250 + 200)) == 180_820
    assert attack > limit


def test_each_fragment_is_compiled_once(schema: GraphQLSchema) -> None:
    # 40 fragments doubling a 1-row page: 2^40 pages of 3 objects, computed, not expanded
    assert cost(schema, CHAIN_OVER_A_PAGE) == 2**40 * (1 + 1 * 2)


def test_introspection_counts_nothing(schema: GraphQLSchema) -> None:
    assert cost(schema, INTROSPECTION) == 0


def test_the_operation_is_named_when_there_are_several(schema: GraphQLSchema) -> None:
    document = parse(TWO_OPERATIONS)
    assert compile_cost(schema, document, "A").cost() == 1
    assert compile_cost(schema, document, "B").cost() == 1  # totalCount is a scalar
    with pytest.raises(ValueError):
        compile_cost(schema, document)
    with pytest.raises(ValueError):
        compile_cost(schema, document, "C")


def test_every_list_of_the_schema_has_a_maximum(schema: GraphQLSchema) -> None:
    # a list added to the schema without one would be costed as a page of 100: name it
    assert uncovered_lists(schema) == []


@strawberry.type
class Shelf:
    """A type whose `tags` list was declared without `most(...)`."""

    books: list[str] = strawberry.field(metadata=weighs(1))
    tags: list[ScriptType] = strawberry.field(default_factory=list)
    marks: list[ScriptType] = strawberry.field(default_factory=list, metadata=most(3))


@strawberry.type
class ShelfRoot:
    shelf: Shelf


def test_a_list_field_without_its_most_entries_is_named() -> None:
    # when the cost model looks for the lists it cannot bound / then it names only that one
    assert uncovered_lists(strawberry.Schema(query=ShelfRoot)._schema) == ["Shelf.tags"]


PREVIEW_LENGTH = """
query($input: DialoguePreviewInput!) { dialoguePreviewText(input: $input) { dialogueCharacters } }
"""


def test_a_preview_weighs_the_dialogue_it_renders_even_for_its_length(
    schema: GraphQLSchema,
) -> None:
    # the object (1) and the render its field does once, whatever is selected under it
    assert cost(schema, PREVIEW_LENGTH) == 1 + DIALOGUE_WEIGHT
