"""The API's tests serve the app over HTTP when a client written by others (Schemathesis) talks to it."""

from tests.browser.conftest import live_server  # noqa: F401  (a fixture)
