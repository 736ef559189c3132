"""Who calls the API: the key in `Authorization: Bearer ...`, what it may do, and its limits.

An operation that needs a key says which scopes (`require`); the key's owner is then the one who acts,
through the same services and access rules as the owner's pages. The limits count per key, and per
client address for calls without one; past them the answer is 429 with `Retry-After` (tipline/errors.py).
"""

import hashlib
from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from tipline.api.problems import ApiProblem
from tipline.api.tokens import authenticate
from tipline.clients import limit_key as client_limit_key
from tipline.extensions import db, limiter

SCHEME = "bearer"
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def problem_response(description):
    return {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}}


# Every operation may answer these; each documents its own successes and field errors.
COMMON_RESPONSES = {
    "429": problem_response("Too many requests: wait for the seconds in Retry-After."),
    "default": problem_response("Any other error, as problem details."),
}
KEYED_RESPONSES = {
    "401": problem_response("No key, or a key that is unknown or revoked."),
    "403": problem_response("The key may not do this."),
}


def presented_key():
    """The key of the `Authorization: Bearer` header, or None."""
    scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == SCHEME and key.strip() else None


def api_limit_key():
    """What the API's limits count: the presented key (hashed), or the client without one."""
    key = presented_key()
    if key:
        return "api-key:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return "api-client:" + client_limit_key()


def _limit():
    return current_app.config["API_KEY_LIMIT" if presented_key() else "API_PUBLIC_LIMIT"]


class ApiParser(FlaskParser):
    """webargs's parser, reading a multipart body's fields and files together as location "files".

    flask-smorest documents one request body per operation: a report's fields and its evidence files
    are one multipart/form-data body, described by one schema.
    """

    def load_files(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = ApiParser()


def api_blueprint(name, import_name, **options):
    """A blueprint of the API under /api/v1, with its limits."""
    bp = ApiBlueprint(name, import_name, url_prefix="/api/v1", **options)
    limiter.limit(_limit, key_func=api_limit_key)(bp)
    return bp


def public(func):
    """An operation anyone may call without a key."""
    return Blueprint.doc(responses=COMMON_RESPONSES)(func)


def require(*scopes, staff):
    """The operation needs a live key holding every scope: a staff key (`staff=True`) or a member's."""

    def decorator(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            token = authenticate(presented_key())
            if token is None:
                raise ApiProblem(
                    401,
                    _("A valid API key is needed"),
                    _("Send it in the header Authorization: Bearer followed by the key."),
                    headers={"WWW-Authenticate": 'Bearer realm="tipline"'},
                )
            if token.is_staff != staff:
                raise ApiProblem(
                    403,
                    _("This key cannot do this"),
                    _("Only staff keys can do this.") if staff else _("Only organisation keys can do this."),
                )
            missing = [scope for scope in scopes if scope not in token.scopes]
            if missing:
                challenge = f'Bearer realm="tipline", error="insufficient_scope", scope="{" ".join(missing)}"'
                raise ApiProblem(
                    403,
                    _("This key cannot do this"),
                    _("The key needs the scope %(scopes)s.", scopes=", ".join(missing)),
                    headers={"WWW-Authenticate": challenge},
                )
            if token in db.session.dirty:
                db.session.commit()  # its last use, noted at most once a minute
            g.api_token = token
            return func(*args, **kwargs)

        return Blueprint.doc(security=[{SCHEME: []}], responses={**COMMON_RESPONSES, **KEYED_RESPONSES})(wrapper)

    return decorator


def caller():
    """The account the current key acts for."""
    return g.api_token.owner
