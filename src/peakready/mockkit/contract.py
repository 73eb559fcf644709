"""The two primitives of an in-house API's contract, shared by the ERP and CRM mocks.

A contract (``target.erp: {contract: FILE}``, ``target.crm: {contract: FILE}``; docs/dialects.md)
says per operation where the business fields sit in a request body (JSON pointers, RFC 6901)
and what the answer looks like (a template over the stored record):

* ``resolve(body, "/header/reference")`` → ``(found, value)``;
* ``render({"id": "{erp_order_id}", "ref": "M-{increment_id}"}, values)``: a string that is
  exactly ``"{name}"`` becomes the value itself (a number, a list); any other string is
  formatted.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["POINTER", "render", "resolve"]

#: A JSON pointer as a contract file writes it ("" is the whole body).
POINTER = r"^(/.*)?$"
_TEMPLATE = re.compile(r"{(\w+)}")


def resolve(document: Any, pointer: str) -> tuple[bool, Any]:
    """(found, value) of a JSON pointer in ``document``."""
    if pointer == "":
        return True, document
    if not pointer.startswith("/"):
        return False, None
    node = document
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def render(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, dict):
        return {k: render(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, values) for v in template]
    if isinstance(template, str):
        whole = _TEMPLATE.fullmatch(template)
        if whole:
            return values.get(whole.group(1))
        return _TEMPLATE.sub(lambda m: str(values.get(m.group(1), "")), template)
    return template
