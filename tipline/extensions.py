"""Flask extensions, created unbound and wired to the app in `create_app`."""

from flask import g
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

from tipline.clients import limit_key

# Stable constraint names, so that migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
limiter = Limiter(key_func=limit_key)
login_manager = LoginManager()


@limiter.request_filter
def _reshowing_a_refused_form():
    """The form a limit refused is shown again once, as typed (tipline/errors.py): that showing is not limited."""
    return "limit_refused" in g


def insert_or_not(model):
    """An INSERT of `model` that may give way on a unique key (`.on_conflict_do_nothing()` or
    `.on_conflict_do_update()`), in the dialect of the database in use: PostgreSQL or SQLite."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
