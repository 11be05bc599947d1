"""Random query documents built from the schema, for the limits fuzz test and the bench.

Seeded (`random.Random(seed)`), so a failing document is found again from its seed. The
documents mix what the limits are about: nested selections (sometimes past the depth
limit), aliases, the same field repeated, connections with literal or variable page sizes,
named fragments spread once or several times (sometimes in a cycle, sometimes undefined),
chains of fragments that each spread the previous one twice, inline fragments on the Node
interface and introspection. Most are
valid GraphQL, so some are answered and some refused.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)

UNKNOWN_ID = "U3lzdGVtSW5mbzo5OTk5OTk5"  # SystemInfo:9999999, owned by nobody
INTROSPECTION = (
    "__schema { queryType { name } types { name kind fields { name type { name kind "
    "ofType { name } } } } }",
    '__type(name: "SystemInfo") { name fields { name args { name } } }',
    # Refused: a type's fields inside another type's fields.
    "__schema { types { fields { type { fields { name } } } } }",
)


@dataclass
class RandomDocument:
    query: str
    variables: dict[str, Any]
    fragments: list[str]


@dataclass
class _Builder:
    schema: GraphQLSchema
    rng: random.Random
    max_depth: int
    fragments: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (type, body)
    variables: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name: (type, value)
    aliases: int = 0

    def page_arguments(self) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return ""
        if roll < 0.6:
            return f"(first: {self.rng.choice([0, 1, 5, 20, 50, 100])})"
        name = f"n{len(self.variables)}"
        self.variables[name] = ("Int", self.rng.choice([None, 1, 20, 100, 101]))
        return f"(last: ${name})" if self.rng.random() < 0.3 else f"(first: ${name})"

    def arguments(self, type_: GraphQLObjectType | GraphQLInterfaceType, name: str) -> str:
        args = type_.fields[name].args
        if "first" in args:
            return self.page_arguments()
        if "id" in args and is_non_null_type(args["id"].type):
            return f'(id: "{UNKNOWN_ID}")'
        return ""

    def selection(self, type_: GraphQLNamedType, depth: int) -> str:
        if not isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)):
            return "__typename"
        names = [n for n in type_.fields if not n.startswith("__")]
        parts: list[str] = []
        for _ in range(self.rng.randint(1, 4)):
            name = self.rng.choice(names)
            parts.extend(
                [self.field(type_, name, depth)] * self.rng.choice([1, 1, 1, 1, 1, 1, 2, 3])
            )
        if isinstance(type_, GraphQLInterfaceType) and self.rng.random() < 0.5:
            concrete = self.rng.choice(self.schema.get_possible_types(type_))
            parts.append(f"... on {concrete.name} {{ {self.selection(concrete, depth + 1)} }}")
        if self.rng.random() < 0.35:
            parts.extend([f"...{self.fragment(type_, depth)}"] * self.rng.choice([1, 1, 2]))
        if self.rng.random() < 0.1:
            parts.append("__typename")
        self.rng.shuffle(parts)
        return " ".join(parts)

    def field(self, parent: GraphQLObjectType | GraphQLInterfaceType, name: str, depth: int) -> str:
        alias = ""
        if self.rng.random() < 0.08:
            self.aliases += 1
            alias = f"a{self.aliases}: "
        text = f"{alias}{name}{self.arguments(parent, name)}"
        type_ = get_named_type(parent.fields[name].type)
        if is_leaf_type(type_):
            return text
        if depth >= self.max_depth:
            return f"{text} {{ __typename }}"
        return f"{text} {{ {self.selection(type_, depth + 1)} }}"

    def fragment(self, type_: GraphQLNamedType, depth: int) -> str:
        existing = [n for n, (on, _) in self.fragments.items() if on == type_.name]
        if existing and self.rng.random() < 0.5:
            return self.rng.choice(existing)
        name = f"F{len(self.fragments)}"
        self.fragments[name] = (type_.name, "")
        self.fragments[name] = (type_.name, self.selection(type_, depth + 1))
        return name

    def chain(self, levels: int) -> str:
        """A chain of Query fragments, each spreading the previous one twice."""
        first = f"C{len(self.fragments)}"
        self.fragments[first] = ("Query", "__typename")
        previous = first
        for _ in range(levels):
            name = f"C{len(self.fragments)}"
            self.fragments[name] = ("Query", f"...{previous} ...{previous}")
            previous = name
        return previous

    def document(self) -> RandomDocument:
        query = self.schema.query_type
        assert query is not None
        parts = [self.selection(query, 1)]
        if self.rng.random() < 0.15:
            parts.append(f"...{self.chain(self.rng.randint(1, 12))}")
        if self.rng.random() < 0.1:
            parts.append(self.rng.choice(INTROSPECTION))
        if self.rng.random() < 0.05:
            # A spread of a fragment nobody defined: a validation error, nothing worse.
            parts.append("...Undefined")
        declared = ", ".join(f"${n}: {t}" for n, (t, _) in self.variables.items())
        head = f"query Fuzz({declared})" if declared else "query Fuzz"
        text = [f"{head} {{ {' '.join(parts)} }}"]
        text += [f"fragment {n} on {on} {{ {body} }}" for n, (on, body) in self.fragments.items()]
        values = {n: v for n, (_, v) in self.variables.items() if v is not None}
        return RandomDocument("\n".join(text), values, list(self.fragments))


def random_document(schema: GraphQLSchema, seed: int, max_depth: int = 10) -> RandomDocument:
    return _Builder(schema, random.Random(seed), max_depth).document()
