"""The fast executor answers exactly as graphql-core's own, misbehaving values included.

A small strawberry schema whose objects hold every kind of value a basic field can meet:
good ones, null for non-null fields, values the scalar refuses, attributes that raise,
exceptions and awaitables as values; under lists, non-null lists, interfaces, permission
classes, resolvers, aliases, fragments and directives. Each document runs through both
executors on fresh objects; data (with its key order) and errors (message, path, locations,
original error) must be identical.
"""

from __future__ import annotations

import asyncio
import enum
import json
from datetime import UTC, datetime
from inspect import isawaitable
from typing import Any, cast

import pytest
import strawberry
from graphql import GraphQLError, GraphQLObjectType, execute, parse
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from schema.execution import FastExecutionContext, StockExecutionContext
from schema.plans import LEAF, OBJECT, OTHER, Plan, field_plan

WHEN = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Deny(BasePermission):
    message = "No."

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Allow(BasePermission):
    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return True


async def _later(value: Any) -> Any:
    await asyncio.sleep(0)
    return value


class Soon:
    """An attribute value read as a fresh awaitable (made only when a field reads it)."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Row:
    """A root object: attributes as given; `boom` raises when read."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if isinstance(value, list) and any(isinstance(v, Soon) for v in value):
            return [_later(v.value) if isinstance(v, Soon) else v for v in value]
        return _later(value.value) if isinstance(value, Soon) else value

    @property
    def boom(self) -> str:
        raise ValueError("attribute exploded")


def box(label: Any = "box", **changes: Any) -> Row:
    """A Box root: an object type without is_type_of."""
    return Row(**{"label": label, "size": 4, **changes})


def good(n: int = 1) -> dict[str, Any]:
    return {
        "id": n,
        "name": f"item-{n}",
        "nick": None,
        "count": n,
        "ratio": n / 4,
        "flag": n % 2 == 0,
        "when": WHEN,
        "color": Color.RED,
        "tags": ["a", "b"],
        "maybe_tags": ["x", None],
        "secret": "hidden",
        "allowed": "fine",
        "blob": {"any": ["json", n]},
        "box": box(f"box-{n}"),
        "maybe_box": None,
        "boxes": [box("b1"), box("b2", inner=box("in"))],
        "maybe_boxes": [box("m1"), None],
    }


def row(n: int = 1, **changes: Any) -> Row:
    return Row(**{**good(n), **changes})


ODD: dict[str, dict[str, Any]] = {
    "null_name": {"name": None},
    "bad_count": {"count": "not a number"},
    "huge_count": {"count": 2**40},
    "bad_when": {"when": "yesterday"},
    "bad_color": {"color": 99},
    "null_tag": {"tags": ["a", None]},
    "bad_tag": {"tags": ["a", object()]},
    "error_value": {"nick": ValueError("returned, not raised")},
    "error_name": {"name": KeyError("name as an error")},
    "dict_nick": {"nick": {"not": "a string"}},
    # JSON takes any value: only the executor's own checks stop these.
    "error_blob": {"blob": ValueError("an error as a JSON value")},
    "awaitable_blob": {"blob": Soon({"came": "later"})},
    "bool_count": {"count": True},
    "int_id": {"id": 2**40},
    "str_id": {"id": "an-id"},
    "float_count": {"count": 3.0},
    "wrong_kind": {"kind": "other"},
    # Objects without is_type_of, read by basic fields and by resolvers that take self/root.
    "null_box": {"box": None},
    "error_box": {"box": ValueError("a box as an error")},
    "awaitable_box": {"box": Soon(box("later"))},
    "null_box_label": {"box": box(label=None)},
    "raising_box": {"box": box(label=KeyError("label as an error"))},
    "null_in_boxes": {"boxes": [box("b1"), None, box("b3")]},
    "error_in_boxes": {"boxes": [box("b1"), ValueError("a box item as an error")]},
    "awaitable_in_boxes": {"boxes": [box("b1"), Soon(box("later")), Soon(box("later2"))]},
    "bad_label_in_boxes": {"boxes": [box("b1"), box(label=None)]},
    "bad_size_in_maybe_boxes": {"maybe_boxes": [box("b1", size="big"), None]},
    "tuple_boxes": {"boxes": (box("t1"), box("t2"))},
    "boxes_not_a_list": {"boxes": 3},
    "awaitable_boxes": {"boxes": Soon([box("l1"), box("l2")])},
}


@strawberry.interface
class Named:
    name: str


def _is(kind: str) -> Any:
    def is_type_of(cls: type, obj: Any, _info: Any) -> bool:
        return getattr(obj, "kind", None) == kind

    return classmethod(is_type_of)


@strawberry.type
class Box:
    """No is_type_of, no interfaces: completed by executing its selection directly."""

    label: str
    size: int | None

    @strawberry.field
    def twice(self) -> str:
        return f"{self.label}{self.label}"

    @strawberry.field
    def again(self, root: strawberry.Parent[Row]) -> Box | None:
        return getattr(root, "inner", None)


@strawberry.type
class Item(Named):
    id: strawberry.ID
    name: str
    nick: str | None
    count: int
    ratio: float
    flag: bool
    when: datetime
    color: Color
    tags: list[str]
    maybe_tags: list[str | None] | None
    blob: JSON | None
    secret: str = strawberry.field(permission_classes=[Deny])
    allowed: str = strawberry.field(permission_classes=[Allow])
    box: Box
    maybe_box: Box | None
    boxes: list[Box]
    maybe_boxes: list[Box | None] | None
    is_type_of = _is("item")

    @strawberry.field
    def made_box(self, root: strawberry.Parent[Row]) -> Box:
        return root.box

    @strawberry.field
    def maybe_made_box(self) -> Box | None:
        return self.box

    @strawberry.field
    def made_boxes(self, root: strawberry.Parent[Row]) -> list[Box]:
        return root.boxes

    @strawberry.field
    def myself(self, root: strawberry.Parent[Row]) -> Item | None:
        return root  # type: ignore[return-value]

    @strawberry.field
    def count_twice(self, root: strawberry.Parent[Row]) -> int:
        return root.count * 2

    @strawberry.field
    def shout(self, root: strawberry.Parent[Row]) -> str:
        return f"ITEM {root.id}!"

    @strawberry.field
    def boom(self, root: strawberry.Parent[Row]) -> str | None:
        return root.boom

    @strawberry.field
    async def later_name(self, root: strawberry.Parent[Row]) -> str:
        return str(await _later(root.id))

    # Resolvers that ask for `info` too: planned, with graphql-core's resolve info.
    @strawberry.field
    def where(self, root: strawberry.Parent[Row], info: Info) -> str:
        above = info.path.prev
        return f"{info.field_name} {info.path.key} {above and above.key} {root.id}"

    @strawberry.field
    def info_box(self, root: strawberry.Parent[Row], info: Info) -> Box | None:
        return root.box if info.field_name == "infoBox" else None

    @strawberry.field
    def info_boxes(self, info: Info) -> list[Box]:
        return self.boxes

    @strawberry.field
    def info_boom(self, root: strawberry.Parent[Row], info: Info) -> str | None:
        return root.boom

    @strawberry.field(graphql_type=str)
    def info_later(self, root: strawberry.Parent[Row], info: Info) -> Any:
        # A synchronous resolver handing back an awaitable, as part fields do.
        return _later(f"{info.field_name} {root.id}")


@strawberry.type
class Other(Named):
    name: str
    size: int
    is_type_of = _is("other")


@strawberry.type
class Holder:
    """Basic object fields (no resolver) holding rows."""

    item: Item
    maybe_item: Item | None
    items: list[Item]
    maybe_items: list[Item | None]


def _rows(kind: str) -> list[Row]:
    made = [row(1, kind="item"), row(2, kind="item")]
    if kind in ODD:
        made.append(row(3, kind="item", **ODD[kind]))
    elif kind == "awaitable_nick":
        made.append(row(3, kind="item", nick=Soon("came later")))
    elif kind == "awaitable_name":
        made.append(row(3, kind="item", name=Soon(None)))
    return made


@strawberry.type
class Query:
    @strawberry.field
    def items(self, kind: str = "good") -> list[Item]:
        return _rows(kind)  # type: ignore[return-value]

    @strawberry.field
    def maybe_items(self, kind: str = "good") -> list[Item | None] | None:
        return _rows(kind)  # type: ignore[return-value]

    @strawberry.field
    async def later_items(self, kind: str = "good") -> list[Item | None]:
        return await _later(_rows(kind))

    @strawberry.field
    def item(self, kind: str = "good") -> Item:
        return _rows(kind)[-1]  # type: ignore[return-value]

    @strawberry.field
    def maybe_item(self, kind: str = "good") -> Item | None:
        return _rows(kind)[-1]  # type: ignore[return-value]

    @strawberry.field
    def holder(self, kind: str = "good") -> Holder:
        made = _rows(kind)
        return Row(item=made[-1], maybe_item=made[-1], items=made, maybe_items=made)  # type: ignore[return-value]

    @strawberry.field
    def named(self, kind: str = "item") -> list[Named]:
        if kind == "nothing":
            return [Row(kind="nothing", name="?")]  # type: ignore[list-item]
        return [row(1, kind="item"), Row(kind="other", name="o", size=3)]  # type: ignore[list-item]

    @strawberry.field
    def words(self, kind: str = "good") -> list[str]:
        if kind == "null":
            return ["a", None]  # type: ignore[list-item]
        if kind == "bad":
            return ["a", object()]  # type: ignore[list-item]
        if kind == "awaitable":
            return ["a", _later("b")]  # type: ignore[list-item]
        return ["a", "b", "c"]

    @strawberry.field
    def blobs(self, kind: str = "good") -> list[JSON]:
        found: list[Any] = [1, {"a": [2]}, "three"]
        if kind == "awaitable":
            found = [1, _later({"came": "later"})]
        if kind == "error":
            found = [1, ValueError("an error as a list item")]
        return found

    @strawberry.field
    def maybe_words(self) -> list[str | None]:
        return ["a", None, "c"]

    @strawberry.field
    def numbers(self, kind: str = "good") -> list[int] | None:
        found: Any = [1, "two"] if kind == "bad" else (1, 2, 3)
        return found


def _schema(**kwargs: Any) -> strawberry.Schema:
    return strawberry.Schema(query=Query, types=[Item, Other], **kwargs)


BOX = "{ __typename label size twice again { label } }"
ALL_FIELDS = f"""
  __typename id name nick count ratio flag when color tags maybeTags blob shout countTwice
  box {BOX} maybeBox {BOX} boxes {BOX} maybeBoxes {BOX} madeBox {BOX} maybeMadeBox {BOX}
  madeBoxes {BOX} myself {{ id name }} where infoBox {BOX} infoBoxes {BOX} infoLater
"""
KINDS = ["good", *ODD, "awaitable_nick", "awaitable_name"]

DOCUMENTS: list[tuple[str, dict[str, Any]]] = [
    ("{ __typename }", {}),
    (f"query($k: String!) {{ items(kind: $k) {{ {ALL_FIELDS} }} }}", {}),
    (f"query($k: String!) {{ maybeItems(kind: $k) {{ {ALL_FIELDS} }} }}", {}),
    (f"query($k: String!) {{ laterItems(kind: $k) {{ {ALL_FIELDS} laterName }} }}", {}),
    (f"query($k: String!) {{ item(kind: $k) {{ {ALL_FIELDS} }} }}", {}),
    (f"query($k: String!) {{ maybeItem(kind: $k) {{ {ALL_FIELDS} }} }}", {}),
    (
        f"query($k: String!) {{ holder(kind: $k) {{ item {{ {ALL_FIELDS} }} "
        f"maybeItem {{ {ALL_FIELDS} }} items {{ {ALL_FIELDS} }} "
        f"maybeItems {{ {ALL_FIELDS} }} }} }}",
        {},
    ),
    # Aliases, repeats, fragments, inline fragments, directives, keys out of schema order.
    (
        """
        query($k: String!, $yes: Boolean!, $no: Boolean!) {
          first: maybeItems(kind: $k) {
            ...F
            count
            alias: name
            name
            n2: name @include(if: $yes)
            n3: name @skip(if: $yes)
            ... on Item @include(if: $no) { nick }
            ... @skip(if: $no) { color tags }
            t: __typename
          }
          again: maybeItems(kind: $k) { count ...F }
        }
        fragment F on Item { when id ...G }
        fragment G on Item { flag __typename }
        """,
        {"yes": True, "no": False},
    ),
    # Lists whose items select only basic leaves (answered without a path per item).
    ("query($k: String!) { items(kind: $k) { id name nick count flag } }", {}),
    (
        "query($k: String!) { maybeItems(kind: $k) { name boxes { label size } "
        "maybeBoxes { size label } madeBoxes { label } } }",
        {},
    ),
    # Permission classes on fields without resolvers go the normal way.
    ("query($k: String!) { maybeItems(kind: $k) { name secret allowed } }", {}),
    ("query($k: String!) { items(kind: $k) { name secret } }", {}),
    ("query($k: String!) { maybeItems(kind: $k) { name boom infoBoom } }", {}),
    ("query($k: String!) { items(kind: $k) { name infoBoom } }", {}),
    # Interfaces: the runtime type through is_type_of.
    (
        """
        query($n: String!) {
          named(kind: $n) { __typename name ... on Item { id count } ... on Other { size } }
        }
        """,
        {"n": "item"},
    ),
    ("query($n: String!) { named(kind: $n) { __typename name } }", {"n": "nothing"}),
    # Lists of scalars straight from resolvers.
    ("query($w: String!) { words(kind: $w) }", {}),
    ("query($w: String!) { blobs(kind: $w) }", {}),
    ("{ maybeWords numbers }", {}),
    ('{ numbers(kind: "bad") maybeWords }', {}),
    # Introspection keeps its own resolvers.
    ('{ __type(name: "Item") { name fields { name type { name kind ofType { name } } } } }', {}),
    ("{ __schema { queryType { name } types { name __typename } } }", {}),
]


def _runs() -> list[tuple[str, dict[str, Any]]]:
    runs: list[tuple[str, dict[str, Any]]] = []
    for document, variables in DOCUMENTS:
        if "$k" in document:
            runs += [(document, {**variables, "k": kind}) for kind in KINDS]
        elif "$w" in document:
            kinds = ("good", "null", "bad", "awaitable", "error")
            runs += [(document, {"w": kind}) for kind in kinds]
        else:
            runs.append((document, variables))
    return runs


def outcome(result: Any) -> tuple[str, list[tuple[Any, ...]]]:
    """Data as JSON (key order kept) and everything an error carries."""

    def error(e: GraphQLError) -> tuple[Any, ...]:
        original = e.original_error
        return (
            json.dumps(e.formatted),
            type(original).__name__,
            str(original) if original is not None else None,
        )

    return json.dumps(result.data, default=str), [error(e) for e in result.errors or []]


async def both(schema: strawberry.Schema, document: str, variables: dict[str, Any]) -> Any:
    found = []
    for executor in (StockExecutionContext, FastExecutionContext):
        schema.execution_context_class = executor
        found.append(outcome(await schema.execute(document, variable_values=variables)))
    return found


async def _on_core(
    schema: strawberry.Schema, executor: type[Any], document: Any, variables: dict[str, Any]
) -> Any:
    found = execute(
        schema._schema,
        document,
        variable_values=variables,
        executor_class=executor,
        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
    )
    return await found if isawaitable(found) else found


@pytest.mark.parametrize("number", range(len(DOCUMENTS)))
async def test_a_document_kept_parsed_answers_as_graphql_core_request_after_request(
    number: int,
) -> None:
    # given one parsed document, as the parse cache keeps it, and every variable set it runs
    # with (the fast executor keeps its collection across requests: schema/collection.py)
    document = DOCUMENTS[number][0]
    schema = _schema()
    kept = parse(document)
    variable_sets = [variables for text, variables in _runs() if text == document]
    # when the fast executor answers each in turn, twice over, on the same parsed document
    for variables in variable_sets * 2:
        fast = outcome(await _on_core(schema, FastExecutionContext, kept, variables))
        stock = outcome(await _on_core(schema, StockExecutionContext, parse(document), variables))
        # then every answer is graphql-core's own
        assert fast == stock, variables


@pytest.mark.parametrize(("document", "variables"), _runs())
async def test_same_answer_as_graphql_core(document: str, variables: dict[str, Any]) -> None:
    # given the same document and fresh objects for each executor
    schema = _schema()
    # when both run it
    stock, fast = await both(schema, document, variables)
    # then data and errors are the same, byte for byte
    assert fast == stock


async def test_the_documents_meet_the_cases_they_are_for() -> None:
    # given the bad rows, when listed with every field
    schema = _schema()
    schema.execution_context_class = FastExecutionContext
    found: dict[str, list[str]] = {}
    for kind in KINDS:
        result = await schema.execute(
            f"query($k: String!) {{ maybeItems(kind: $k) {{ {ALL_FIELDS} }} }}",
            variable_values={"k": kind},
        )
        found[kind] = [e.message for e in result.errors or []]
    # then each bad value is an error of its own, and the good ones are none
    fine = {"good", "awaitable_nick", "awaitable_blob", "bool_count", "int_id", "str_id"}
    fine |= {"float_count", "awaitable_box", "awaitable_in_boxes", "tuple_boxes"}
    fine |= {"awaitable_boxes"}
    assert all(found[kind] == [] for kind in fine), {kind: found[kind] for kind in fine}
    assert all(found[kind] for kind in [*ODD, "awaitable_name"] if kind not in fine)
    assert any("non-nullable" in m for m in found["null_name"])


async def test_a_custom_default_resolver_decides_basic_fields() -> None:
    # given a schema whose default resolver computes `name` (as ours computes Node ids)
    def read(obj: Any, name: str) -> Any:
        return f"computed-{obj.id}" if name == "name" else getattr(obj, name)

    schema = _schema(config=StrawberryConfig(default_resolver=read))
    # when both executors list items
    stock, fast = await both(schema, '{ items { id name count } words(kind: "good") }', {})
    # then the default resolver's values are what both answer
    assert fast == stock
    assert json.loads(fast[0])["items"][0]["name"] == "computed-1"


class Upper(SchemaExtension):
    """Resolver middleware: must run for basic fields too."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


async def test_resolver_middleware_still_sees_every_field() -> None:
    # given a schema with an extension that wraps every resolver
    schema = _schema(extensions=[Upper])
    # when both executors list items
    stock, fast = await both(schema, "{ items { name tags __typename } }", {})
    # then the middleware changed the basic fields for both
    assert fast == stock
    assert json.loads(fast[0])["items"][0]["name"] == "ITEM-1"


def test_the_plans_are_the_ones_the_cases_are_for() -> None:
    # given the schema's types
    graphql_schema = _schema()._schema
    item = graphql_schema.get_type("Item")
    boxed = graphql_schema.get_type("Box")
    query = graphql_schema.get_type("Query")
    assert isinstance(item, GraphQLObjectType) and isinstance(boxed, GraphQLObjectType)
    assert isinstance(query, GraphQLObjectType)

    def kind(parent: GraphQLObjectType, name: str) -> tuple[int, bool] | None:
        plan = field_plan(parent, name)
        return (plan.kind, plan.basic) if isinstance(plan, Plan) else None

    # then basic fields and resolvers that take only the parent are planned, by what they hold
    assert kind(item, "name") == (LEAF, True)
    assert kind(item, "shout") == (LEAF, False)
    assert kind(boxed, "twice") == (LEAF, False)
    assert kind(item, "box") == kind(item, "maybeBox") == (OBJECT, True)
    assert kind(item, "madeBox") == kind(item, "maybeMadeBox") == (OBJECT, False)
    assert kind(item, "boxes") == (OTHER, True)
    assert kind(item, "madeBoxes") == kind(item, "myself") == (OTHER, False)
    # with graphql-core's resolve info when the resolver asks for `info`
    assert kind(item, "where") == (LEAF, False)
    assert kind(item, "infoBox") == (OBJECT, False)
    assert kind(item, "infoBoxes") == (OTHER, False)
    asked = [field_plan(item, name) for name in ("where", "infoBox", "infoBoxes", "shout")]
    assert [plan.info for plan in asked if isinstance(plan, Plan)] == [True, True, True, False]
    # and async resolvers, arguments, permission classes go the normal way
    assert kind(item, "laterName") is None
    assert kind(item, "secret") is None and kind(item, "allowed") is None
    assert kind(query, "items") is None
    assert kind(query, "maybeWords") == (OTHER, False)


CALLS: list[str] = []


@strawberry.type
class Counted:
    @strawberry.field
    def made(self, root: strawberry.Parent[Any]) -> str:
        CALLS.append(root)
        return str(root)


@strawberry.type
class CountQuery:
    @strawberry.field
    def counted(self) -> list[Counted]:
        return ["a", "b"]  # type: ignore[list-item]


async def test_each_resolver_runs_once_per_object_on_both() -> None:
    # given a resolver that counts its calls
    schema = strawberry.Schema(query=CountQuery)
    # when both executors run it
    counts = []
    for executor in (StockExecutionContext, FastExecutionContext):
        schema.execution_context_class = executor
        CALLS.clear()
        result = await schema.execute("{ counted { made again: made } }")
        assert not result.errors
        counts.append(list(CALLS))
    # then each object's resolver ran once per response key on both
    assert counts[0] == counts[1] == ["a", "a", "b", "b"]


READS: list[str] = []


class Counting:
    """Counts the reads of its attributes."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("__"):
            READS.append(name)
        value = super().__getattribute__(name)
        return _later(value.value) if isinstance(value, Soon) else value


@strawberry.type
class Leafy:
    a: str
    b: int
    c: str | None


@strawberry.type
class LeafyQuery:
    @strawberry.field
    def leafy(self) -> list[Leafy]:
        rows = [
            Counting(a="x", b=1, c=None),
            Counting(a="y", b=2.0, c=Soon("later")),
            Counting(a="z", b="3", c="fine"),
        ]
        return cast(list[Leafy], rows)


async def test_leaves_of_list_items_are_read_once_on_both() -> None:
    # given list items whose fields are all basic leaves, some values not their own output
    schema = strawberry.Schema(query=LeafyQuery)
    plans = []
    answers = []
    for executor in (StockExecutionContext, FastExecutionContext):
        schema.execution_context_class = executor
        READS.clear()
        # when each executor answers them
        answers.append(outcome(await schema.execute("{ leafy { a b c } }")))
        plans.append(list(READS))
    # then both answer the same, and each attribute was read once per item
    assert answers[0] == answers[1]
    assert plans[0] == plans[1] == ["a", "b", "c"] * 3


async def test_list_items_of_basic_leaves_skip_the_field_machinery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the fast executor, counting the selections it executes
    executed: list[str] = []
    execute_fields = FastExecutionContext.execute_fields

    def counted(self: Any, parent_type: Any, *args: Any) -> Any:
        executed.append(parent_type.name)
        return execute_fields(self, parent_type, *args)

    monkeypatch.setattr(FastExecutionContext, "execute_fields", counted)
    schema = strawberry.Schema(query=LeafyQuery, execution_context_class=FastExecutionContext)
    # when a list of objects with only basic leaves is answered
    result = await schema.execute("{ leafy { a b c } }")
    # then only the root's selection went through execute_fields
    assert result.errors is None
    assert executed == ["LeafyQuery"]


class Stored:
    def __init__(self, name: str) -> None:
        self.name = name


class Stranger:
    name = "not a row"


@strawberry.type
class Checked:
    name: str

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        return isinstance(obj, Stored)


# As Node's: the executor may make this check itself (schema.plans type_check_classes).
Checked.is_type_of.__func__.classes_of = lambda _cls: (Stored,)  # type: ignore[attr-defined]


@strawberry.type
class CheckedQuery:
    @strawberry.field
    def one(self) -> Checked:
        return Stored("a")  # type: ignore[return-value]

    @strawberry.field
    def wrong(self) -> Checked | None:
        return Stranger()  # type: ignore[return-value]

    @strawberry.field
    def many(self) -> list[Checked]:
        return [Stored("b"), Stored("c")]  # type: ignore[list-item]

    @strawberry.field
    def mixed(self) -> list[Checked | None]:
        return [Stored("d"), Stranger(), Stored("e")]  # type: ignore[list-item]


async def test_an_isinstance_is_type_of_is_made_inline_with_graphql_cores_errors() -> None:
    # given a type whose is_type_of says it is an isinstance check, and values it refuses
    schema = strawberry.Schema(query=CheckedQuery)
    query_type = schema._schema.query_type
    assert query_type is not None
    plan = field_plan(query_type, "one")
    assert isinstance(plan, Plan) and plan.kind == OBJECT and plan.classes == (Stored,)
    # when both executors run it
    stock, fast = await both(
        schema, "{ one { name } wrong { name } many { name } mixed { name } }", {}
    )
    # then the data and the errors (paths, messages) are graphql-core's
    assert fast == stock
    assert "Expected value of type 'Checked'" in stock[1][0][0]
