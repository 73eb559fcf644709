"""Magento 2.4's storefront GraphQL schema, built from the spec's SDL files (tests only).

Magento merges same-named types across modules without ``extend``, separates implemented
interfaces with commas, allows empty bodies, and names types from modules not in the spec
(EAV attributes); standard SDL does none of that. ``spec_schema(folder)`` parses each file,
merges definitions by name, drops Magento's directives, stands in an opaque scalar for each
type the files name but do not define, and builds a :class:`graphql.GraphQLSchema`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, build_ast_schema, parse
from graphql.language import ast

__all__ = ["SERVED_MUTATIONS", "SERVED_QUERIES", "conformance_errors", "spec_schema", "subset_sdl"]

_MERGED = ("fields", "values", "interfaces", "types")


def _strip_directives(node: Any) -> Any:
    if isinstance(node, tuple):
        return tuple(_strip_directives(n) for n in node)
    if not isinstance(node, ast.Node):
        return node
    values = {}
    for key in node.keys:
        value = getattr(node, key)
        values[key] = () if key == "directives" else (
            None if key == "description" else _strip_directives(value))
    return node.__class__(**values)


def _merge(old: Any, new: Any) -> Any:
    changes = {}
    for attr in _MERGED:
        extra = getattr(new, attr, None)
        if not extra:
            continue
        have = list(getattr(old, attr, None) or ())
        names = {item.name.value for item in have}
        changes[attr] = tuple(have + [i for i in extra if i.name.value not in names])
    return old.__class__(**{**{k: getattr(old, k) for k in old.keys}, **changes}) \
        if changes else old


def _named_types(node: Any, out: set[str]) -> None:
    if isinstance(node, ast.NamedTypeNode):
        out.add(node.name.value)
    if isinstance(node, tuple):
        for item in node:
            _named_types(item, out)
    elif isinstance(node, ast.Node):
        for key in node.keys:
            _named_types(getattr(node, key), out)


def _inherit_interface_fields(definitions: dict[str, Any]) -> None:
    """Magento's types get their interfaces' fields without repeating them; SDL repeats."""
    for name, node in list(definitions.items()):
        if not isinstance(node, ast.ObjectTypeDefinitionNode | ast.InterfaceTypeDefinitionNode):
            continue
        for interface in node.interfaces or ():
            parent = definitions.get(interface.name.value)
            if parent is not None:
                node = _merge(node, parent.__class__(name=parent.name,
                                                     fields=parent.fields or ()))
        definitions[name] = node


def _input_fields(text: str) -> tuple[Any, ...]:
    node = parse(f"input X {{ {text} }}", no_location=True).definitions[0]
    return tuple(node.fields)  # type: ignore[attr-defined]


def _add_eav_inputs(definitions: dict[str, Any]) -> None:
    """Fields Magento generates from EAV settings at run time (spec §0): the default
    attributes a store filters and sorts products by."""
    extra = {
        "ProductAttributeFilterInput": "sku: FilterEqualTypeInput url_key: FilterEqualTypeInput "
                                       "name: FilterMatchTypeInput description: "
                                       "FilterMatchTypeInput price: FilterRangeTypeInput",
        "ProductAttributeSortInput": "name: SortEnum price: SortEnum",
    }
    for name, fields in extra.items():
        node = definitions[name]
        definitions[name] = _merge(node, node.__class__(name=node.name,
                                                        fields=_input_fields(fields)))


def _add_module_fields(definitions: dict[str, Any]) -> None:
    """Fields of modules not copied into the spec that it names (§0): CatalogUrlRewriteGraphQl's
    ``ProductInterface.url_key`` and ``url_suffix``, which every storefront asks for."""
    node = definitions["ProductInterface"]
    fields = parse("interface X { url_key: String url_suffix: String }",
                   no_location=True).definitions[0].fields  # type: ignore[attr-defined]
    definitions["ProductInterface"] = _merge(node, node.__class__(name=node.name,
                                                                  fields=tuple(fields)))


def spec_schema(folder: Path) -> GraphQLSchema:
    definitions: dict[str, Any] = {}
    for path in sorted(folder.glob("*.graphqls")):
        text = re.sub(r"\{\s*\}", "", path.read_text("utf-8"))
        # "implements A, B" is the old SDL spelling of "implements A & B"
        text = re.sub(r"(implements\s+[\w\s,&]+?)(?=\s*(@|\{))",
                      lambda m: re.sub(r"\s*,\s*", " & ", m.group(1)), text)
        for node in parse(text, no_location=True).definitions:
            node = _strip_directives(node)
            if isinstance(node, ast.DirectiveDefinitionNode | ast.SchemaDefinitionNode):
                continue
            name = node.name.value
            definitions[name] = _merge(definitions[name], node) if name in definitions else node
    _add_module_fields(definitions)
    _inherit_interface_fields(definitions)
    _add_eav_inputs(definitions)
    for name, node in list(definitions.items()):
        if isinstance(node, ast.ObjectTypeDefinitionNode | ast.InterfaceTypeDefinitionNode):
            known = tuple(i for i in node.interfaces or () if i.name.value in definitions)
            node = node.__class__(**{**{k: getattr(node, k) for k in node.keys},
                                     "interfaces": known})
            definitions[name] = node if node.fields else ast.ScalarTypeDefinitionNode(
                name=node.name, directives=())  # its fields live in a module not copied
    used: set[str] = set()
    _named_types(tuple(definitions.values()), used)
    builtin = {"String", "Int", "Float", "Boolean", "ID"}
    stubs = [ast.ScalarTypeDefinitionNode(name=ast.NameNode(value=name), directives=())
             for name in sorted(used - set(definitions) - builtin)]
    # enums Magento fills from graphql.xml (empty in the files): the values its docs list
    filled = {"UrlRewriteEntityTypeEnum": ("CMS_PAGE", "PRODUCT", "CATEGORY")}
    for name, node in list(definitions.items()):
        if isinstance(node, ast.EnumTypeDefinitionNode) and not node.values:
            definitions[name] = _merge(node, ast.EnumTypeDefinitionNode(
                name=node.name, values=tuple(ast.EnumValueDefinitionNode(
                    name=ast.NameNode(value=value), directives=())
                    for value in filled.get(name, ("UNDEFINED",)))))
    document = ast.DocumentNode(definitions=(*definitions.values(), *stubs))
    return build_ast_schema(document, assume_valid_sdl=True)


#: The root fields the simulator serves (docs/magento-simulator.md, GraphQL).
SERVED_QUERIES = ("products", "categories", "categoryList", "route", "urlResolver",
                  "storeConfig", "cart", "customerCart", "customer")
SERVED_MUTATIONS = (
    "createGuestCart", "createEmptyCart", "addProductsToCart", "updateCartItems",
    "removeItemFromCart", "applyCouponToCart", "removeCouponFromCart", "setGuestEmailOnCart",
    "estimateShippingMethods", "setShippingAddressesOnCart", "setShippingMethodsOnCart",
    "setBillingAddressOnCart", "setPaymentMethodOnCart", "placeOrder", "generateCustomerToken",
    "revokeCustomerToken", "mergeCarts")
#: Concrete types the served fields answer with (reached through an interface, not a field).
SERVED_CONCRETE = ("SimpleProduct", "VirtualProduct", "CategoryTree", "SimpleCartItem",
                   "CartUserInputError",
                   "VirtualCartItem", "OrderItem")


SUBSET_HEADER = """\
# The storefront GraphQL schema the Magento simulator serves: a subset of Magento 2.4's own
# (the root fields it resolves and every type they reach, descriptions and directives left out),
# generated from the module SDL files in spec/magento-graphql/ by
# tests/support/magento_graphql_spec.py; tests/unit/magento/test_graphql_schema.py checks that
# this file is still exactly that subset.

"""


def subset_sdl(schema: GraphQLSchema) -> str:
    """The SDL of the served root fields and every type they reach (no descriptions)."""
    from graphql import GraphQLObjectType, print_schema

    query, mutation = schema.query_type, schema.mutation_type
    assert query is not None and mutation is not None
    roots = [
        GraphQLObjectType("Query", {n: query.fields[n] for n in SERVED_QUERIES}),
        GraphQLObjectType("Mutation", {n: mutation.fields[n] for n in SERVED_MUTATIONS}),
    ]
    extra = [schema.type_map[name] for name in SERVED_CONCRETE]
    pruned = GraphQLSchema(query=roots[0], mutation=roots[1], types=extra)
    return SUBSET_HEADER + print_schema(pruned) + "\n"


def conformance_errors(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None,
                       data: Any) -> list[str]:
    """Why ``data`` (a response's ``data``) is not a valid answer to ``query`` under ``schema``:
    the query is re-executed against the spec schema with resolvers that read the answer back
    (by response key; abstract types by ``__typename``), so every leaf is serialised by its
    spec type, every non-null is enforced and every enum value checked. [] when it conforms."""
    from graphql import GraphQLResolveInfo, graphql_sync

    def read(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
        if not isinstance(source, dict):
            return None
        key = info.path.key
        if key not in source:
            raise KeyError(f"the answer lacks {key!r} at {info.path.as_list()}")
        return source[key]

    def typename(value: Any, *_: Any) -> Any:
        return value.get("__typename") if isinstance(value, dict) else None

    for named in schema.type_map.values():
        if hasattr(named, "resolve_type"):
            named.resolve_type = typename  # type: ignore[union-attr]
    result = graphql_sync(schema, query, root_value=data, variable_values=variables,
                          field_resolver=read)
    return [f"{e.message} at {e.path}" for e in result.errors or ()]
