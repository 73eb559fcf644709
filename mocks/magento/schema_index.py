"""Magento's generated REST schema as the simulator's route table (DESIGN §6).

::

    spec/magento-2.4-rest-schema.json ──build_index()──► schema_routes.json (in this package)
                                                              │ load_index()
                                                              ▼
                                      SchemaRoute(method, path, tag, search, body, required)
                                              │ Router (routing.py): literal-first trie
                                              ▼
                                      coverage(): served / total per group (``--coverage``)

The schema itself lives outside the project (it is test data, spec §9.1); the index keeps only
what routing needs: method, path, the service tag, whether the route takes ``searchCriteria``
and the top-level body parameters. ``tests/unit/magento/test_route_table.py`` rebuilds the
index from the schema and fails when they differ. Regenerate with::

    python mocks/magento/schema_index.py ../shared/spec/magento-2.4-rest-schema.json

This module has no relative imports so that it also runs as that script.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["GROUPS", "SchemaRoute", "build_index", "coverage", "group_of", "load_index",
           "shape"]

INDEX_FILE = Path(__file__).with_name("schema_routes.json")

# The groups (issue 19, Deliver 2) as schema tags (Magento services). A tag belongs to
# the first group one of whose prefixes it starts with; tags of no group are listed by the
# first word of their tag ("cms", "tax", ...), out of scope.
GROUPS: dict[str, tuple[str, ...]] = {
    "store": ("storeWebsite", "storeGroup", "storeStore", "directory"),
    "catalog": ("catalogProductRepository", "catalogCategory", "catalogProductAttributeRepository",
                "catalogProductAttributeOption", "catalogProductAttributeTypesList",
                "catalogProductWebsiteLink", "catalogProductAttributeMediaGallery",
                "catalogBasePrice", "catalogSpecialPrice", "catalogTierPrice",
                "catalogProductTierPrice", "catalogProductTypeList", "configurableProductLink",
                "configurableProductOption"),
    "sales": ("salesOrder", "salesInvoice", "salesShip", "salesShipment", "salesRefund",
              "salesCreditmemo"),
    "quotes": ("quote", "checkoutGuest", "checkoutPayment", "checkoutShipping",
               "checkoutTotals"),
    "customers": ("customerCustomerRepository", "customerAccountManagement",
                  "customerAddressRepository", "customerGroup", "customerCustomerGroupConfig",
                  "integrationCustomerToken", "twoFactorAuthAdminToken"),
    "msi": ("inventoryApi", "inventorySales", "inventorySourceSelection",
            "catalogInventoryStockRegistry"),
    "async": ("asynchronousOperations",),
}


@dataclass(frozen=True)
class SchemaRoute:
    method: str
    path: str                       # the schema's spelling: /V1/orders/{id}
    tag: str                        # the Magento service, e.g. salesOrderRepositoryV1
    search: bool = False            # takes searchCriteria[...] query parameters
    body: tuple[str, ...] = ()      # top-level body parameters (method parameters)
    required: tuple[str, ...] = ()  # of which the generator marks these required

    @property
    def group(self) -> str:
        return group_of(self.tag)


def group_of(tag: str) -> str:
    for name, prefixes in GROUPS.items():
        if tag.startswith(prefixes):
            return name
    head = ""
    for char in tag:
        if char.isupper() or char.isdigit():
            break
        head += char
    return f"other:{head}"


def shape(path: str) -> str:
    """``/V1/orders/{id}/`` and ``/V1/orders/:id`` → ``V1/orders/{}`` (names and slashes
    aside, two spellings of one route have one shape)."""
    parts = [p for p in path.strip("/").split("/") if p]
    return "/".join("{}" if p[0] in "{:" else p for p in parts)


def build_index(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The index rows of a Swagger document, sorted by path then method."""
    rows: list[dict[str, Any]] = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            params = op.get("parameters", [])
            body: list[str] = []
            required: list[str] = []
            for param in params:
                if param.get("in") == "body":
                    props = param.get("schema", {}).get("properties", {})
                    body = sorted(props)
                    required = sorted(param.get("schema", {}).get("required", []))
            row: dict[str, Any] = {"method": method.upper(), "path": path,
                                   "tag": op["tags"][0]}
            if any(p.get("in") == "query" and str(p.get("name", "")).startswith(
                    "searchCriteria") for p in params):
                row["search"] = True
            if body:
                row["body"] = body
            if required:
                row["required"] = required
            rows.append(row)
    rows.sort(key=lambda r: (r["path"], r["method"]))
    return rows


def load_index(path: Path = INDEX_FILE) -> list[SchemaRoute]:
    rows = json.loads(path.read_text("utf-8"))
    return [SchemaRoute(r["method"], r["path"], r["tag"], bool(r.get("search")),
                        tuple(r.get("body", ())), tuple(r.get("required", ())))
            for r in rows]


def coverage(index: Iterable[SchemaRoute],
             served: set[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Per group: ``{"served": n, "total": m, "missing": ["GET /V1/..."]}`` (``served`` holds
    ``(method, schema path)`` pairs)."""
    out: dict[str, dict[str, Any]] = {}
    for route in index:
        entry = out.setdefault(route.group, {"served": 0, "total": 0, "missing": []})
        entry["total"] += 1
        if (route.method, route.path) in served:
            entry["served"] += 1
        else:
            entry["missing"].append(f"{route.method} {route.path}")
    in_scope = [g for g in GROUPS if g in out]
    others = sorted(g for g in out if g not in GROUPS)
    return {g: out[g] for g in [*in_scope, *others]}


def _main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: schema_index.py PATH/TO/magento-2.4-rest-schema.json\n")
        return 2
    schema = json.loads(Path(argv[0]).read_text("utf-8"))
    rows = build_index(schema)
    lines = ",\n".join(json.dumps(row, sort_keys=True) for row in rows)
    INDEX_FILE.write_text(f"[\n{lines}\n]\n", "utf-8")
    sys.stdout.write(f"{len(rows)} routes written to {INDEX_FILE}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
