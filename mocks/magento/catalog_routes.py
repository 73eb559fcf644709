"""Product attribute routes (Magento_Catalog's attribute repository and option management)
and the product type list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .attributes import SEARCHABLE
from .rest import WebapiError, as_object, to_int, to_str
from .search import listing

if TYPE_CHECKING:
    from .attributes import Attributes
    from .routing import Call, Router

__all__ = ["register"]

ACL = "Magento_Catalog::attributes_attributes"
MSG_NO_ATTRIBUTE = ('The attribute with a "%1" attributeCode doesn\'t exist. Verify the '
                    "attribute and try again.")
TYPES = (("simple", "Simple Product"), ("virtual", "Virtual Product"),
         ("configurable", "Configurable Product"), ("bundle", "Bundle Product"),
         ("grouped", "Grouped Product"), ("downloadable", "Downloadable Product"))
INPUT_TYPES = (("text", "Text Field"), ("textarea", "Text Area"), ("date", "Date"),
               ("boolean", "Yes/No"), ("multiselect", "Multiple Select"),
               ("select", "Dropdown"), ("price", "Price"), ("media_image", "Media Image"))


def _code(call: Call, table: Attributes) -> str:
    code = call.param("attributeCode")
    if code not in table.by_code:
        raise WebapiError(404, MSG_NO_ATTRIBUTE, [code])
    return code


def register(router: Router) -> None:
    @router.add("GET", "/V1/products/types", "Magento_Catalog::products")
    async def types(call: Call) -> Any:
        return [{"name": name, "label": label} for name, label in TYPES]

    @router.add("GET", "/V1/products/attributes/types", ACL)
    async def input_types(call: Call) -> Any:
        return [{"value": value, "label": label} for value, label in INPUT_TYPES]

    @router.add("GET", "/V1/products/attributes", ACL)
    async def search(call: Call) -> Any:
        table = call.store.attributes
        return listing(call.criteria, list(table.by_code),
                       lambda c, f: table.by_code[c].get(f), SEARCHABLE, table.render)

    @router.add("GET", "/V1/products/attributes/{attributeCode}", ACL)
    async def get_one(call: Call) -> Any:
        table = call.store.attributes
        return table.render(_code(call, table))

    @router.add("POST", "/V1/products/attributes", ACL)
    async def create(call: Call) -> Any:
        table = call.store.attributes
        data = as_object(call.body.get("attribute"), "attribute")
        code = data.get("attribute_code")
        if code in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "attribute_code"})
        if to_str(code) in table.by_code:
            raise WebapiError(400, "An attribute with the same code (%1) already exists.",
                              [to_str(code)])
        if data.get("frontend_input") in (None, ""):
            raise WebapiError(400, '"%fieldName" is required. Enter and try again.',
                              {"fieldName": "frontend_input"})
        table.add(data)
        for option in data.get("options") or []:
            if isinstance(option, dict) and option.get("label") not in (None, "", " "):
                table.add_option(to_str(code), to_str(option["label"]))
        return table.render(to_str(code))

    @router.add("PUT", "/V1/products/attributes/{attributeCode}", ACL)
    async def update(call: Call) -> Any:
        table = call.store.attributes
        code = _code(call, table)
        data = as_object(call.body.get("attribute"), "attribute")
        record = table.by_code[code]
        for key in ("default_frontend_label", "is_required", "is_filterable", "position",
                    "scope", "is_searchable", "is_visible_on_front"):
            if data.get(key) is not None:
                record[key] = data[key]
        return table.render(code)

    @router.add("DELETE", "/V1/products/attributes/{attributeCode}", ACL)
    async def delete(call: Call) -> Any:
        table = call.store.attributes
        code = _code(call, table)
        if not table.by_code[code]["is_user_defined"]:
            raise WebapiError(400, "The system attribute can't be deleted.")
        del table.by_code[code]
        table.options.pop(code, None)
        return True

    @router.add("GET", "/V1/products/attributes/{attributeCode}/options", ACL)
    async def options(call: Call) -> Any:
        table = call.store.attributes
        return table.rendered_options(_code(call, table))

    @router.add("POST", "/V1/products/attributes/{attributeCode}/options", ACL)
    async def add_option(call: Call) -> Any:
        table = call.store.attributes
        code = _code(call, table)
        data = as_object(call.body.get("option"), "option")
        if data.get("label") in (None, ""):
            raise WebapiError(400, "The attribute option label is empty. Enter the value and "
                              "try again.")
        label = to_str(data["label"])
        existing = next((o for o in table.options[code] if o["label"] == label), None)
        if existing is not None:
            return "id_" + existing["value"]
        return "id_" + table.add_option(code, label, to_int(data.get("sort_order") or 0),
                                        bool(data.get("is_default")))

    @router.add("PUT", "/V1/products/attributes/{attributeCode}/options/{optionId}", ACL)
    async def update_option(call: Call) -> Any:
        table = call.store.attributes
        code = _code(call, table)
        option = table.find_option(code, call.param("optionId"))
        if option is None:
            raise WebapiError(404, 'The "%1" attribute doesn\'t include an option with "%2" '
                              "ID.", [code, call.param("optionId")])
        data = as_object(call.body.get("option"), "option")
        if data.get("label") not in (None, ""):
            option["label"] = to_str(data["label"])
        if data.get("sort_order") is not None:
            option["sort_order"] = to_int(data["sort_order"])
        return True

    @router.add("DELETE", "/V1/products/attributes/{attributeCode}/options/{optionId}", ACL)
    async def delete_option(call: Call) -> Any:
        table = call.store.attributes
        code = _code(call, table)
        option = table.find_option(code, call.param("optionId"))
        if option is None:
            raise WebapiError(404, 'The "%1" attribute doesn\'t include an option with "%2" '
                              "ID.", [code, call.param("optionId")])
        table.options[code].remove(option)
        return True
