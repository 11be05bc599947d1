"""The order in which a document's fragments can each be measured once: dependencies first.

Every pass over a document that expands fragment spreads (the shape limits, the cost) walks
each fragment definition once, after the fragments it spreads, and reuses their results at
every spread. A spread that would close a cycle, or names no fragment, contributes nothing:
validation reports those (NoFragmentCyclesRule, KnownFragmentNamesRule); a pass that meets
them just has to end. Nothing here recurses through spreads, so a long chain of fragments
cannot exhaust the interpreter's stack.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


def spread_names(selection_set: SelectionSetNode) -> Iterator[str]:
    """The names of the fragments spread anywhere in `selection_set`, outside other fragments."""
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                stack.append(selection.selection_set)


def fragments_in_order(
    document: DocumentNode,
) -> tuple[dict[str, FragmentDefinitionNode], list[FragmentDefinitionNode]]:
    """The fragments by name, and every fragment definition, each after those it spreads.

    A name defined twice (a validation error) resolves to its last definition, as in
    graphql-core; the earlier one is still listed, so a pass measures it too.
    """
    definitions = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    by_name = {definition.name.value: definition for definition in definitions}
    done: set[str] = set()
    ordered: list[FragmentDefinitionNode] = []
    for root in by_name:
        if root in done:
            continue
        path = [(root, spread_names(by_name[root].selection_set))]
        on_path = {root}
        while path:
            name, spreads = path[-1]
            for spread in spreads:
                if spread in by_name and spread not in done and spread not in on_path:
                    path.append((spread, spread_names(by_name[spread].selection_set)))
                    on_path.add(spread)
                    break
            else:
                path.pop()
                on_path.discard(name)
                done.add(name)
                ordered.append(by_name[name])
    shadowed = [d for d in definitions if by_name[d.name.value] is not d]
    return by_name, ordered + shadowed
