"""Field collection kept from one request of an operation to the next.

graphql-core collects the fields of every selection set anew for each request: it follows
fragments, merges aliases and evaluates `@skip`/`@include`, then the executor works out how
each collected field completes (schema/execution.py `_entries_of`). For a page of six books
that was 15 collections and ~20 field entries, about a tenth of the request's GraphQL CPU.

The operation's document is the parse cache's (or a stored document's), the same object
request after request, and here collection depends on nothing else unless a directive takes
a variable: the schema has no `@defer` or `@stream`, and fragment variables are not parsed.
So for an operation whose directives take no variables (checked once), the root's grouped
field set, every sub-selection's and their entries are kept with the operation and reused.
They hold the document's nodes and plans only, never a value of a request.

Kept per schema (the types and plans are the schema's: schema/plans.py `SchemaPlans`), by
operation identity with a weak reference, at most `LIMIT` operations (the oldest goes
first).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, Visitor, visit
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet

from schema.plans import SchemaPlans

LIMIT = 1024


class Collection:
    """What one operation's requests share: filled by the first, read by the others."""

    __slots__ = ("entries", "root", "subfields")

    def __init__(self) -> None:
        self.root: GroupedFieldSet | None = None
        # By (object type, id of the field details list), which is kept alive beside it.
        self.subfields: dict[tuple[Any, int], tuple[FieldDetailsList, CollectedFields]] = {}
        # The executor's entries, by id of the grouped field set, kept alive beside them.
        self.entries: dict[int, Any] = {}


def shared_collection(
    schema: SchemaPlans,
    operation: OperationDefinitionNode,
    fragments: Iterable[FragmentDefinitionNode],
) -> Collection | None:
    """The operation's shared collection, or None when its requests may collect differently."""
    if schema.defer or schema.stream:
        return None
    # By operation id: (a weak reference to the operation, its Collection or None).
    operations = schema.operations
    key = id(operation)
    hit = operations.get(key)
    if hit is not None and hit[0]() is operation:
        return hit[1]
    if len(operations) >= LIMIT:
        # The oldest goes (trusted documents live as long as the process, and would
        # otherwise make a full cache start over again and again).
        del operations[next(iter(operations))]
    found = None if _directives_take_variables(operation, fragments) else Collection()
    operations[key] = (weakref.ref(operation, lambda _: operations.pop(key, None)), found)
    return found


class _VariableInDirective(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self._inside = 0

    def enter_directive(self, *_args: Any) -> None:
        self._inside += 1

    def leave_directive(self, *_args: Any) -> None:
        self._inside -= 1

    def enter_variable(self, *_args: Any) -> Any:
        # A variable's definition names one too, outside any directive.
        if self._inside:
            self.found = True
            return Visitor.BREAK
        return None


def _directives_take_variables(
    operation: OperationDefinitionNode, fragments: Iterable[FragmentDefinitionNode]
) -> bool:
    # Every fragment of the document, used by this operation or not: a cheap superset.
    visitor = _VariableInDirective()
    for node in (operation, *fragments):
        visit(node, visitor)
        if visitor.found:
            return True
    return False
