"""Validators shared by every public form: text that is safe to keep, and web addresses."""

import unicodedata
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def readable_text(form, field):
    """Refuse control characters and text whose encoding was broken in transit."""
    value = field.data or ""
    if "\ufffd" in value:
        raise ValidationError(_l("Some characters could not be read. Check the text's encoding and type it again."))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in value):
        raise ValidationError(_l("The text contains control characters that are not allowed."))


def web_address(form, field):
    """An http(s) address with a host, or nothing."""
    value = (field.data or "").strip()
    if not value:
        return
    try:
        parts = urlsplit(value) if len(value) <= 2000 else None
        host = parts.hostname if parts else None
    except ValueError:
        parts = host = None
    if parts is None or not host or parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(_l("Enter a web address starting with http:// or https://."))


def strip_text(value):
    """Trim surrounding white space from a typed value."""
    return value.strip() if isinstance(value, str) else value
