"""The API reference page at /api/v1/: the OpenAPI document laid out as HTML by the app itself.

No script, style sheet or font from elsewhere: the page reads the same document as /api/v1/openapi.json,
so it can never describe an API other than the one served.
"""

from flask import Blueprint, render_template

bp = Blueprint("api_reference", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(document, schema):
    """A schema with its $ref followed (one level at a time, as the page shows nested schemas by name)."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 10:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"].get(name, {})
        seen += 1
    return schema or {}


def _type_of(document, schema):
    """A short description of a schema's type: "string", "integer", "array of Platform", "Problem"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"array of {_type_of(document, schema.get('items', {}))}"
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if schema.get("format"):
        kind += f" ({schema['format']})"
    return kind


def _fields(document, schema):
    """(name, type, required, description, allowed values) of an object schema's properties."""
    schema = _resolve(document, schema)
    required = set(schema.get("required", ()))
    return [
        (
            name,
            _type_of(document, prop),
            name in required,
            prop.get("description", ""),
            prop.get("enum") or prop.get("items", {}).get("enum") or [],
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def operations(document):
    """The operations of the document, grouped by tag, in the document's order."""
    tags = {
        tag["name"]: {"name": tag["name"], "description": tag.get("description", ""), "operations": []}
        for tag in document.get("tags", [])
    }
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {})
            content_type, media = next(iter(body.items()), (None, {}))
            responses = []
            for status, response in operation.get("responses", {}).items():
                media_out = next(iter(response.get("content", {}).values()), {})
                schema = media_out.get("schema", {})
                responses.append(
                    (status, response.get("description", ""), _type_of(document, schema) if schema else "")
                )
            entry = {
                "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                "method": method.upper(),
                "path": path,
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "key": operation.get("x-tipline-key"),
                "parameters": [
                    (
                        p["name"],
                        p["in"],
                        p.get("required", False),
                        _type_of(document, p.get("schema", {})),
                        p.get("description", ""),
                        p.get("schema", {}).get("enum") or [],
                    )
                    for p in parameters
                ],
                "content_type": content_type,
                "body": _fields(document, media.get("schema", {})) if media else [],
                "responses": responses,
            }
            for tag in operation.get("tags", ["API"]):
                tags.setdefault(tag, {"name": tag, "description": "", "operations": []})["operations"].append(entry)
    return [tag for tag in tags.values() if tag["operations"]]


def schemas(document):
    """Every named schema with its fields, for the page's last section."""
    return [(name, _fields(document, schema)) for name, schema in sorted(document["components"]["schemas"].items())]


@bp.route("/api/v1/")
def reference():
    """The API reference, readable without script."""
    from tipline.api import api

    document = api.spec.to_dict()
    return render_template(
        "tipline/api_reference.html",
        document=document,
        groups=operations(document),
        schemas=schemas(document),
    )
