"""schema.names: the schema's argument names, remembered, are strawberry's own."""

from __future__ import annotations

from strawberry.schema.name_converter import NameConverter
from strawberry.types.base import StrawberryObjectDefinition

from schema.build import build_schema
from schema.names import ArgumentNames


def test_every_argument_has_strawberrys_name_asked_once_or_twice() -> None:
    # given the schema and strawberry's own converter
    schema = build_schema()
    names = schema.config.name_converter
    assert isinstance(names, ArgumentNames)
    plain = NameConverter()
    arguments = [
        argument
        for definition in schema.schema_converter.type_map.values()
        if isinstance(definition.definition, StrawberryObjectDefinition)
        for field in definition.definition.fields
        for argument in field.arguments
    ]
    assert len(arguments) > 10
    # when each argument's name is asked for twice
    first = [names.from_argument(argument) for argument in arguments]
    again = [names.from_argument(argument) for argument in arguments]
    # then both answers are strawberry's
    assert first == again == [plain.from_argument(argument) for argument in arguments]
    assert "orderBy" in first
