"""Magento's query limits (``QueryComplexityLimiter``, spec §3): depth 20, complexity 300.

Checked before any resolver runs, as webonyx's validation rules do; a violation answers
``errors`` only, no ``data``. Depth counts nested selection sets (fragments expanded, the
operation's own level not counted); complexity counts every field, aliased field and field
inside a fragment, each time it is selected.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import DocumentNode

__all__ = ["check_limits", "measure"]


def measure(selection: SelectionSetNode | None,
            fragments: dict[str, FragmentDefinitionNode], seen: frozenset[str] = frozenset()
            ) -> tuple[int, int]:
    """(depth, complexity) of a selection set."""
    if selection is None:
        return 0, 0
    depth = complexity = 0
    for node in selection.selections:
        if isinstance(node, FieldNode):
            inner_depth, inner = measure(node.selection_set, fragments, seen)
            depth = max(depth, inner_depth + (1 if node.selection_set else 0))
            complexity += 1 + inner
        elif isinstance(node, InlineFragmentNode):
            inner_depth, inner = measure(node.selection_set, fragments, seen)
            depth, complexity = max(depth, inner_depth), complexity + inner
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:  # the validator reports those itself
                continue
            inner_depth, inner = measure(fragment.selection_set, fragments, seen | {name})
            depth, complexity = max(depth, inner_depth), complexity + inner
    return depth, complexity


def check_limits(document: DocumentNode, max_depth: int, max_complexity: int
                 ) -> list[GraphQLError]:
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    errors: list[GraphQLError] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        depth, complexity = measure(definition.selection_set, fragments)
        if depth > max_depth:
            errors.append(GraphQLError(
                f"Max query depth should be {max_depth} but got {depth}.",
                extensions={"category": "graphql"}))
        if complexity > max_complexity:
            errors.append(GraphQLError(
                f"Max query complexity should be {max_complexity} but got {complexity}.",
                extensions={"category": "graphql"}))
    return errors
