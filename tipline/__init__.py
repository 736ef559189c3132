"""Tipline: a public tip line for online course platforms that harm minors.

`create_app` wires settings, extensions, blueprints, error pages and commands,
and does nothing else: no migrations, no seeding, no network calls.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from tipline import settings
from tipline.web import MAX_ROW_ID, add_security_headers, check_origin


def create_app(config=None):
    """Build the app from the environment, with `config` overriding any setting."""
    app = Flask(
        __name__,
        instance_path=str(settings.INSTANCE),
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
    )
    app.config.from_object(settings.Defaults)
    app.config.update(settings.from_environment(overrides=config))
    app.config.update(config or {})
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)
    app.url_map.converters["id"] = RowIdConverter
    register_extensions(app)
    register_blueprints(app)
    register_templates(app)
    register_errorhandlers(app)
    register_commands(app)
    app.before_request(check_origin)
    app.after_request(add_security_headers)
    return app


class RowIdConverter(IntegerConverter):
    """A row id in a URL: a positive integer that fits the database's integer column."""

    def __init__(self, map):
        super().__init__(map, min=1, max=MAX_ROW_ID)


def register_extensions(app):
    """Bind the unbound extensions of `tipline.extensions` to this app."""
    from tipline import models  # noqa: F401  (every table known before migrations look)
    from tipline.evidence.storage import LocalStorage, check_not_served
    from tipline.extensions import babel, csrf, db, limiter, migrate
    from tipline.i18n import check_catalogs, select_locale, select_time_zone
    from tipline.jobs import outbox
    from tipline.jobs.schedule import look_in_process

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_time_zone)
    check_catalogs(app)
    csrf.init_app(app)
    limiter.init_app(app)
    check_not_served(app, app.config["UPLOAD_DIR"])
    app.extensions["tipline_storage"] = LocalStorage(app.config["UPLOAD_DIR"])
    outbox.install()
    # Without a worker, the web process also records the periodic jobs (figures, reports, follow-ups).
    app.before_request(lambda: look_in_process(app))


def register_blueprints(app):
    """The public surface's blueprints, then the staff surface."""
    from tipline.figures.statement_views import bp as statements
    from tipline.figures.views import bp as figures
    from tipline.platforms.views import bp as platforms
    from tipline.public.views import bp as public
    from tipline.reports.views import bp as reports
    from tipline.tracking.views import bp as tracking

    for blueprint in (public, reports, tracking, platforms, figures, statements):
        app.register_blueprint(blueprint)
    from tipline.organisations.views import register as register_organisations

    register_organisations(app)
    from cases.blueprint import register as register_staff

    register_staff(app)
    from tipline.api import register_api

    register_api(app)


def register_templates(app):
    """Filters and globals the templates format with."""
    from tipline.templating import install

    install(app)


def register_errorhandlers(app):
    """Error pages."""
    from tipline.errors import register_errorhandlers as register

    register(app)


def register_commands(app):
    """The `flask --app wsgi ...` commands."""
    from tipline.commands import register

    register(app)
