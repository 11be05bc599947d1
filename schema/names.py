"""strawberry's names for the schema, each argument's GraphQL name worked out once."""

from __future__ import annotations

from strawberry.schema.name_converter import NameConverter
from strawberry.types.arguments import StrawberryArgument


class ArgumentNames(NameConverter):
    """strawberry's NameConverter, remembering each argument's name: strawberry asks for it
    on every call of a field with arguments, to find the argument in what graphql-core
    passes (a connection's six: ~1.5 us each, to camel case every time)."""

    def __init__(self) -> None:
        super().__init__()
        # By identity: arguments belong to the schema and live as long as it.
        self._names: dict[int, tuple[StrawberryArgument, str]] = {}

    def from_argument(self, argument: StrawberryArgument) -> str:
        hit = self._names.get(id(argument))
        if hit is not None and hit[0] is argument:
            return hit[1]
        name = super().from_argument(argument)
        self._names[id(argument)] = (argument, name)
        return name
