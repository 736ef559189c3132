"""The organisation surface at /org: registering, signing in, members, the list of tips, batches."""

from flask import Blueprint

bp = Blueprint("org", __name__, url_prefix="/org")


def register(app):
    """Wire the organisation surface: its routes live in the modules that import bp."""
    from tipline.organisations import account_pages, batch_pages, list_pages  # noqa: F401

    app.register_blueprint(bp)
