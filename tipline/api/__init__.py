"""The JSON API under /api/v1/, for school systems, parent-committee tools and reporting apps.

Built with flask-smorest: the marshmallow schemas that check each request and shape each answer are
the ones the OpenAPI document at /api/v1/openapi.json is made from. Keys are sent as
`Authorization: Bearer ...` (tipline/api/tokens.py); errors are problem details (tipline/api/problems.py).
Each operation calls the same services as the pages: no rule lives here.
"""

import http

from flask_smorest import Api as SmorestApi

from tipline.web import MAX_ROW_ID


class Api(SmorestApi):
    """flask-smorest's Api, its errors documented as the problem details they are (tipline/api/problems.py),
    without its handler that would answer every error of the app in its own JSON."""

    def _register_error_handlers(self):
        """Errors are answered by tipline/errors.py: problem details under /api/, pages elsewhere."""

    def _register_responses(self):
        """Each status's response in the document: an error's body is a Problem, as application/problem+json."""
        from flask_smorest.utils import prepare_response

        from tipline.api.problems import PROBLEM_TYPE, ProblemSchema

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            content_type = self.DEFAULT_RESPONSE_CONTENT_TYPE
            if status >= 400:
                response["schema"], content_type = ProblemSchema, PROBLEM_TYPE
            prepare_response(response, self.spec, content_type)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error, as problem details.", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


API_DESCRIPTION = """\
Tipline takes reports of online course platforms that harm minors, and the two departments
(cyberspace and education) handle them as cases.

Send an API key as `Authorization: Bearer <key>`. Organisation administrators make keys on
their account page, staff on theirs. An organisation's key files and follows the organisation's
reports; a staff key reads and works cases exactly as its owner's pages allow. Platforms, the
black and white lists, the enforcement record and the public figures need no key.

A POST may carry an `Idempotency-Key` header: sent again with the same key and body, it does
nothing more and gets the first answer; the same key with another body is refused (422).
Errors are problem details (RFC 9457, `application/problem+json`), with each refused field in
`errors` as a JSON pointer and a message in the language of `Accept-Language`.
"""

api = Api(
    spec_kwargs={
        "info": {"description": API_DESCRIPTION},
        "servers": [{"url": "/"}],
    }
)


def register_api(app):
    """The API's blueprints and its OpenAPI document."""
    from cases.api import bp as cases
    from tipline import RowIdConverter
    from tipline.api import auth
    from tipline.extensions import csrf
    from tipline.figures.api import bp as figures
    from tipline.organisations.api import bp as organisations
    from tipline.platforms.api import bp as platforms

    api.init_app(app)
    api.register_converter(RowIdConverter, lambda _converter: {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID})
    api.spec.components.security_scheme(
        auth.SCHEME, {"type": "http", "scheme": "bearer", "description": "An API key from an account page."}
    )
    for blueprint in (platforms, figures, organisations, cases):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # keys travel in a header a page cannot be made to send: no cookie, no CSRF
    from tipline.api.reference import bp as reference
    from tipline.open311.views import bp as open311

    app.register_blueprint(reference)
    app.register_blueprint(open311)
    csrf.exempt(open311)  # its api_key is a field no page of another site can know
