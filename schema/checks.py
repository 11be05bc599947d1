"""Checks that make a forgotten declaration fail at start-up instead of serving data.

`build_schema` runs them on every schema it builds (the app's, export-schema's, the tests'),
so a missing one stops the service from starting and fails every test.
"""

from __future__ import annotations

from typing import Any

from resolvers.entities import ENTITIES
from schema.permissions import policies_of
from schema.types import NODE_TYPES


class SchemaDeclarationError(TypeError):
    """Something the schema needs was not declared."""


def check_entities_bound() -> None:
    unbound = [entity.type_name for entity in ENTITIES if entity not in NODE_TYPES]
    if unbound:
        raise SchemaDeclarationError(
            f"entities without a GraphQL type (schema.types.node_type): {', '.join(unbound)}"
        )


def check_root_policies(schema: Any) -> None:
    """Every Query and Mutation field declares exactly one policy (schema/permissions.py)."""
    problems = []
    for root in (schema.query, schema.mutation):
        if root is None:
            continue
        for field in root.__strawberry_definition__.fields:
            count = len(policies_of(field.extensions))
            if count != 1:
                problems.append(f"{root.__name__}.{field.python_name} has {count} policies")
    if problems:
        raise SchemaDeclarationError("root fields need exactly one policy: " + "; ".join(problems))
