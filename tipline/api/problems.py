"""Errors of the API as problem details (RFC 9457): `application/problem+json`, with the field errors.

One shape for every error under /api/: a refused field, a missing or revoked key, a limit, a page that
does not exist. `errors` lists each refused field by a JSON pointer into what was sent, as RFC 9457's
own example does, with the message in the request's language.
"""

from flask import jsonify, request
from marshmallow import Schema, fields

PROBLEM_TYPE = "application/problem+json"
API_PREFIX = "/api/"
# Where the problem came from in a request: webargs's locations, and the pointer each gives a field.
LOCATIONS = ("json", "form", "files", "query", "headers", "path_params")
BODY = ("json", "form", "files")


def is_api_request():
    """Whether the request is one of the JSON API's, answered in problem details."""
    return request.path.startswith(API_PREFIX)


def field_errors(messages):
    """Each refused field, from marshmallow/webargs messages (by location, or plain).

    A field of the body is named by a JSON pointer (`"pointer": "#/platform_name"`), as RFC 9457's own
    example does; a query parameter or header by its name (`"parameter": "page"`).
    """
    found = []

    def walk(node, path, where):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + [str(key)], where)
        elif isinstance(node, (list, tuple)) and node and all(not isinstance(item, (dict, list)) for item in node):
            for message in node:
                found.append(_named(path, where, message))
        elif isinstance(node, (list, tuple)):
            for index, value in enumerate(node):
                walk(value, path + [str(index)], where)
        else:
            found.append(_named(path, where, node))

    if isinstance(messages, dict) and messages and set(messages) <= set(LOCATIONS):
        for location, inner in messages.items():
            walk(inner, [], "pointer" if location in BODY else "parameter")
    else:
        walk(messages or {}, [], "pointer")
    return found


def _named(path, where, message):
    if where == "pointer":
        return {"pointer": "#/" + "/".join(path), "detail": str(message)}
    return {"parameter": ".".join(path), "detail": str(message)}


def parameter_errors(errors):
    """Field errors of query parameters from {name: message or [messages]} (as the pages' filters give them)."""
    return [
        {"parameter": name, "detail": str(message)}
        for name, messages in errors.items()
        for message in (messages if isinstance(messages, (list, tuple)) else [messages])
    ]


def refused(errors, detail=None):
    """422 naming what was refused: `errors` as field_errors() or parameter_errors() give them."""
    from flask_babel import gettext as _

    return ApiProblem(
        422,
        _("The request has errors"),
        detail or _("Correct the fields named in errors and send it again."),
        errors,
    )


def problem(status, title, detail=None, errors=None, headers=None):
    """A problem details response: (response, status)."""
    body = {"type": "about:blank", "title": str(title), "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_TYPE
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


class ApiProblem(Exception):
    """Raised by an API operation: answered as problem details (tipline/errors.py)."""

    def __init__(self, status, title, detail=None, errors=None, headers=None):
        super().__init__(str(title))
        self.status, self.title, self.detail, self.errors, self.headers = status, title, detail, errors, headers

    def response(self):
        return problem(self.status, self.title, self.detail, self.errors, self.headers)


class FieldErrorSchema(Schema):
    pointer = fields.String(metadata={"description": "A field of the body, as a JSON pointer: #/name"})
    parameter = fields.String(metadata={"description": "A query parameter or header, by its name"})
    detail = fields.String()


class ProblemSchema(Schema):
    """Problem details (RFC 9457)."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))
