"""Organisation tests read the pages in English unless they ask for Chinese."""

import pytest

from tests.conftest import IsolatedClient


class EnglishClient(IsolatedClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


@pytest.fixture
def app(app):
    app.test_client_class = EnglishClient
    return app
