"""The shape limits of a document: depth, aliases, fields, repeated fields, introspection nesting.

Checked in one pass before graphql-core's validation rules run (docs/hardening.md), in
time linear in the document: each fragment definition is walked once, after
the fragments it spreads, and its measures are added in at every spread (schema.fragment_order).
Every count stops the pass as soon as it passes its limit, so the numbers stay small even
for a chain of fragments that each spread the previous one twice (2^n fields when expanded).

Each limit applies to every operation and every fragment definition, fragments expanded
where they are spread:

- depth: nesting of selections, as strawberry's QueryDepthLimiter counts it (a field with a
  selection is one level; introspection fields are not counted, so GraphiQL's query passes);
- aliases: aliased fields;
- fields: selected fields, bounding what the validation rules and the cost walk visit;
- repeated fields: fields selected again at a response path where a field of the same name
  already is. graphql-core's OverlappingFieldsCanBeMergedRule compares every pair of them,
  so k repeats cost k^2 / 2 comparisons: 248 siblings `publicScripts { totalCount }` took
  half a second of CPU;
- introspection: a type's `fields`, `inputFields`, `interfaces`, `possibleTypes` or
  `enumValues` inside another of them. The schema's meta types refer to each other
  (`__Type.fields.type` is a `__Type`), so nesting them multiplies the answer with every
  level; the standard introspection query expands one level only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from resolvers.errors import AppError, ErrorCode
from schema.fragment_order import fragments_in_order

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
TYPE_EXPANSIONS = frozenset({"fields", "inputFields", "interfaces", "possibleTypes", "enumValues"})


@dataclass(frozen=True, slots=True)
class ShapeLimits:
    # No defaults: the numbers live in settings.py (QueryLimits.shape builds these).
    max_depth: int
    max_aliases: int
    max_fields: int
    max_repeated_fields: int


class _Node:
    """A response path of the merged selection, with the paths below it.

    Shared, not copied: a fragment's tree goes into every place it is spread as is, and a
    node is copied (shallowly) only when a walk must add below it. So a spread costs its
    top-level names, plus the paths where it meets what is already there (repeated fields,
    which are bounded), not the size of the fragment.
    """

    __slots__ = ("children", "owner", "size")

    def __init__(self, owner: object, size: int = 1, children: dict[str, _Node] | None = None):
        self.owner = owner
        # Paths in this subtree, this one included.
        self.size = size
        self.children: dict[str, _Node] = children if children is not None else {}

    def own(self, owner: object) -> _Node:
        """This node, or a copy that `owner` may change."""
        return self if self.owner is owner else _Node(owner, self.size, dict(self.children))


@dataclass(slots=True)
class _Summary:
    depth: int
    aliases: int
    fields: int
    expands: bool
    tree: dict[str, _Node]


@dataclass(slots=True)
class Shape:
    """What the pass found: the refusal (or None), how often it walked each fragment, and its
    steps (selections walked, names merged at spreads): linear in the document."""

    refusal: AppError | None
    visits: Counter[str] = field(default_factory=Counter)
    steps: int = 0


def _too_complex(message: str, **extensions: int) -> AppError:
    return AppError(ErrorCode.QUERY_TOO_COMPLEX, message, **extensions)


class _Definition:
    """The walk of one operation or fragment definition, over the summaries of its fragments."""

    def __init__(self, what: str, limits: ShapeLimits, summaries: dict[str, _Summary]) -> None:
        self.what = what
        self.limits = limits
        self.summaries = summaries
        self.aliases = 0
        self.fields = 0
        self.paths = 0
        self.steps = 0
        # Marks the tree nodes this walk made or copied: the only ones it may change.
        self.owner = object()

    def summarize(self, selection_set: SelectionSetNode, introspective: bool) -> _Summary:
        tree: dict[str, _Node] = {}
        depth, expands = self._walk(selection_set, tree, 0, introspective)
        return _Summary(depth, self.aliases, self.fields, expands, tree)

    def _merge(self, into: dict[str, _Node], tree: dict[str, _Node]) -> int:
        """Adds `tree` into `into` (this walk's); returns how many response paths were new."""
        created = 0
        for key, source in tree.items():
            self.steps += 1
            target = into.get(key)
            if target is None:
                into[key] = source
                created += source.size
            elif source.children:
                target = into[key] = target.own(self.owner)
                added = self._merge(target.children, source.children)
                target.size += added
                created += added
        return created

    def _repeats(self) -> None:
        # Fields minus distinct response paths: it only grows as the walk goes on.
        repeated = self.fields - self.paths
        if repeated > self.limits.max_repeated_fields:
            raise _too_complex(
                f"{self.what} selects {repeated} fields again where a field of the same name "
                "is already selected (fragments expanded), over the limit of "
                f"{self.limits.max_repeated_fields}.",
                repeatedFields=repeated,
                limit=self.limits.max_repeated_fields,
            )

    def _count(self, fields: int, aliases: int) -> None:
        self.fields += fields
        self.aliases += aliases
        if self.fields > self.limits.max_fields:
            raise _too_complex(
                f"{self.what} selects more than {self.limits.max_fields} fields (fragments "
                f"expanded where they are spread), over the limit of {self.limits.max_fields}.",
                limit=self.limits.max_fields,
            )
        if self.aliases > self.limits.max_aliases:
            raise _too_complex(
                f"{self.what} uses {self.aliases} aliases (fragments expanded), over the limit "
                f"of {self.limits.max_aliases}.",
                aliases=self.aliases,
                limit=self.limits.max_aliases,
            )

    def _deeper(self, depth: int) -> None:
        if depth > self.limits.max_depth:
            raise _too_complex(
                f"{self.what} is nested more than {self.limits.max_depth} levels deep, over "
                f"the maximum depth of {self.limits.max_depth} (introspection fields are not "
                "counted).",
                limit=self.limits.max_depth,
            )

    def _walk(
        self, selection_set: SelectionSetNode, tree: dict[str, _Node], level: int, inside: bool
    ) -> tuple[int, bool]:
        """(depth below `selection_set`, whether it expands an introspection type)."""
        depth, expands = 0, False
        for selection in selection_set.selections:
            self.steps += 1
            if isinstance(selection, FieldNode):
                self._count(1, 1 if selection.alias else 0)
                key = (selection.alias or selection.name).value
                node = tree.get(key)
                if node is None:
                    node = tree[key] = _Node(self.owner)
                    self.paths += 1
                self._repeats()
                name = selection.name.value
                introspective = inside or name in INTROSPECTION_ROOTS
                expansion = introspective and name in TYPE_EXPANSIONS
                expands = expands or expansion
                if selection.selection_set is None:
                    continue
                if not introspective:
                    self._deeper(level + 1)
                node = tree[key] = node.own(self.owner)
                paths = self.paths
                below, nested = self._walk(
                    selection.selection_set, node.children, level + 1, introspective
                )
                node.size += self.paths - paths
                if expansion and nested:
                    raise _too_complex(
                        f"{self.what} lists a type's {name} inside another type's fields, "
                        "interfaces, possible types, enum values or input fields; "
                        "introspection may expand one level of types.",
                    )
                expands = expands or nested
                if not introspective:
                    depth = max(depth, 1 + below)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                introspective = inside or (
                    condition is not None and condition.name.value.startswith("__")
                )
                below, nested = self._walk(selection.selection_set, tree, level, introspective)
                expands = expands or nested
                if not introspective:
                    depth = max(depth, below)
            elif isinstance(selection, FragmentSpreadNode):
                # None: undefined, or closing a cycle; validation reports both.
                summary = self.summaries.get(selection.name.value)
                if summary is None:
                    continue
                self._count(summary.fields, summary.aliases)
                self.paths += self._merge(tree, summary.tree)
                self._repeats()
                expands = expands or summary.expands
                if not inside:
                    self._deeper(level + summary.depth)
                    depth = max(depth, summary.depth)
        return depth, expands


def _operation_label(operation: OperationDefinitionNode) -> str:
    if operation.name is None:
        return f"The anonymous {operation.operation.value}"
    return f"Operation '{operation.name.value}'"


def measure(document: DocumentNode, limits: ShapeLimits) -> Shape:
    """Walks every definition of `document` once; the first limit it breaks is the refusal."""
    shape = Shape(refusal=None)
    summaries: dict[str, _Summary] = {}
    _, fragments = fragments_in_order(document)
    walk: _Definition | None = None
    try:
        for fragment in fragments:
            name = fragment.name.value
            shape.visits[name] += 1
            walk = _Definition(f"Fragment '{name}'", limits, summaries)
            introspective = fragment.type_condition.name.value.startswith("__")
            summary = walk.summarize(fragment.selection_set, introspective)
            shape.steps += walk.steps
            summaries.setdefault(name, summary)
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                walk = _Definition(_operation_label(definition), limits, summaries)
                walk.summarize(definition.selection_set, False)
                shape.steps += walk.steps
        walk = None
    except AppError as refusal:
        # Cached with the document: keep no frames of this pass alive.
        shape.refusal = refusal.with_traceback(None)
    except RecursionError:
        # Trees deeper than the stack (only with limits set far above the defaults).
        shape.refusal = _too_complex("The document is nested too deeply to be checked.")
    if walk is not None:
        # The steps of the walk that was refused.
        shape.steps += walk.steps
    return shape
