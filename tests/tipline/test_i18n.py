"""Languages: Chinese by default and for zh browsers, English on request, both catalogs complete."""

import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT

CATALOGS = ROOT / "tipline" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
PAGES = ["/", "/report", "/track", "/platforms"]


@pytest.mark.parametrize(
    "header, lang, word",
    [
        ("zh-CN,zh;q=0.9", "zh-Hans", "举报"),
        ("en-US,en;q=0.9", "en", "Report"),
        ("fr-FR", "zh-Hans", "举报"),
        ("", "zh-Hans", "举报"),
    ],
)
def test_language_follows_the_browser(client, header, lang, word):
    body = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in body and word in body


def test_language_switch_sticks_and_returns(client):
    response = client.get("/lang/en?next=/platforms?q=x", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 302 and response.headers["Location"] == "/platforms?q=x"
    body = client.get("/track", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="en">' in body
    client.get("/lang/zh")
    assert '<html lang="zh-Hans">' in client.get("/track").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_language_switch_never_leaves_the_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("page", PAGES)
def test_pages_have_no_untranslated_english_in_chinese(client, page):
    body = client.get(page, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    visible = re.sub(r"<[^>]+>|&\w+;|https?://\S+", " ", body.split("<body>", 1)[1])
    english_words = {w for w in re.findall(r"[A-Za-z]{4,}", visible)} - {
        "English",
        "Academy",
        "Cloud",
        "Lessons",
    }
    assert not english_words, english_words


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_catalog_is_complete(locale):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(strings):
            problems.append(("untranslated", source))
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(source)) for s in strings):
            problems.append(("placeholders differ", source))
    assert not problems


def test_catalogs_cover_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with open(pot, "rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    for locale in ("zh_Hans", "en"):
        with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
            have = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
        assert not wanted - have, f"{locale} lacks {sorted(wanted - have)[:5]}; run `make messages`"
