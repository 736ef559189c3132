"""GeoReport v2's two formats: the same answer as JSON, or as XML with the specification's element names."""

import json
from xml.etree import ElementTree

from flask import make_response, request

# The element each item of a list is written as, by the list's own name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
TYPES = {"json": "application/json", "xml": "text/xml"}


class Open311Error(Exception):
    """An error as GeoReport v2 writes it: the HTTP status, and a list of {code, description}."""

    def __init__(self, status, *descriptions):
        super().__init__(str(descriptions[0]) if descriptions else str(status))
        self.status = status
        self.descriptions = [str(text) for text in descriptions] or [str(status)]

    def response(self):
        fmt = "xml" if request.path.endswith(".xml") else "json"
        return answer(
            fmt, "errors", [{"code": self.status, "description": text} for text in self.descriptions], self.status
        )


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _fill(element, name, value):
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ElementTree.SubElement(element, key), key, inner)
    elif isinstance(value, list):
        item = ITEM_NAMES.get(name, "item")
        for inner in value:
            _fill(ElementTree.SubElement(element, item), item, inner)
    else:
        element.text = _text(value)


def to_xml(root, data):
    element = ElementTree.Element(root)
    _fill(element, root, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(element, encoding="utf-8")


def answer(fmt, root, data, status=200):
    """The answer in the format asked for (.json or .xml); `root` names the XML document's element."""
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False)
    response = make_response(body, status)
    response.headers["Content-Type"] = f"{TYPES[fmt]}; charset=utf-8"
    return response
