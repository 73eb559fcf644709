"""The in-house contracts' primitives (peakready.mockkit.contract), shared by ERP and CRM."""

from __future__ import annotations

from peakready.mockkit.contract import render, resolve

BODY = {"header": {"ref": "M-1", "a/b": 1, "t~x": 2}, "lines": [{"item": "SKU-1"}]}


def test_resolve_follows_rfc_6901_pointers() -> None:
    assert resolve(BODY, "") == (True, BODY)
    assert resolve(BODY, "/header/ref") == (True, "M-1")
    assert resolve(BODY, "/lines/0/item") == (True, "SKU-1")
    assert resolve(BODY, "/header/a~1b") == (True, 1)
    assert resolve(BODY, "/header/t~0x") == (True, 2)
    assert resolve(BODY, "/lines/1/item") == (False, None)
    assert resolve(BODY, "/missing") == (False, None)
    assert resolve(BODY, "header/ref") == (False, None)   # not a pointer


def test_render_keeps_a_whole_placeholders_value_and_formats_the_rest() -> None:
    values = {"id": 7, "items": [1, 2], "ref": "M-1"}
    assert render({"id": "{id}", "all": ["{items}"], "label": "order {ref} #{id}",
                   "fixed": True}, values) == \
        {"id": 7, "all": [[1, 2]], "label": "order M-1 #7", "fixed": True}
