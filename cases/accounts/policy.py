"""What a staff account may hold: strong passwords, clean email addresses and names."""

import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from tipline.catalog import DEPARTMENTS, ROLES

MIN_PASSWORD = 12
MAX_PASSWORD = 200
# zxcvbn's score runs 0..4; 3 means "safely unguessable" (about 10^8 guesses or more),
# which an offline attack on a stolen argon2 hash cannot reach in practice. 2 is what
# common words with a year or a capital letter score ("Tipline2026!").
MIN_PASSWORD_SCORE = 3
# Words everyone guesses first for an account of this service.
CONTEXT_WORDS = ("tipline", "staff", "demo", "password", "admin", *ROLES, *DEPARTMENTS)

# zxcvbn's warnings in our catalog, so that the page speaks its own language.
ZXCVBN_WARNINGS = {
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is one of the most common passwords."),
    "This is a top-100 common password.": _l("This is one of the most common passwords."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
}


class PolicyError(ValueError):
    """A value a staff account may not hold; `message` is for the page."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def password_context(user=None, email="", name="", regions=()):
    """The words a guesser tries first for this account: its address, name, regions and the service."""
    email = email or (user.email if user else "")
    name = name or (user.name if user else "")
    words = [email, email.split("@")[0], name, *CONTEXT_WORDS]
    for region in regions:
        words += [region.name_zh, region.name_en, region.code]
    return [w for w in words if w]


def check_password(password, context=()):
    """Refuse a short password, or one zxcvbn guesses easily given the account's own words."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise PolicyError(_l("Use a password of at least %(n)d characters.", n=MIN_PASSWORD))
    if len(password) > MAX_PASSWORD:
        raise PolicyError(_l("Use a password of at most %(n)d characters.", n=MAX_PASSWORD))
    result = zxcvbn(password, user_inputs=[w.lower() for w in context])
    if result["score"] >= MIN_PASSWORD_SCORE:
        return
    warning = ZXCVBN_WARNINGS.get(result["feedback"].get("warning") or "")
    if any(w and w.lower() in password.lower() for w in context if len(w) >= 4):
        warning = _l("It contains your name, your email address or the name of the service.")
    generic = _l("This password is too easy to guess. Use a few uncommon words or a longer phrase.")
    raise PolicyError(f"{generic} {warning}" if warning else generic)


def _unsafe_characters(value):
    """Control and format characters (line breaks, NUL, right-to-left marks and overrides)."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value)


# Right-to-left letters and every direction control: an address that shows in another order
# than it is sent to misleads whoever reads it in a list or an audit row.
RTL_CLASSES = frozenset({"R", "AL", "RLE", "RLO", "LRE", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"})


def clean_email(email):
    """The address normalized (trimmed, lower case), or PolicyError when it is not a plain email address."""
    email = (email or "").strip().lower()
    if (
        not email
        or len(email) > 254
        or _unsafe_characters(email)
        or any(unicodedata.bidirectional(ch) in RTL_CLASSES for ch in email)
    ):
        raise PolicyError(_l("Enter a valid email address."))
    try:
        # Syntax only: staff addresses are checked by the admin who creates them, and a
        # DNS look-up would make account creation depend on the network. Internationalized
        # addresses (管理员@示例.中国) are real addresses here.
        valid = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise PolicyError(_l("Enter a valid email address.")) from None
    return valid.normalized.lower()


def clean_name(name):
    """A display name without control or direction-control characters, at most 100 characters.

    Right-to-left letters stay allowed (Uyghur names are written in Arabic script);
    the marks and overrides that reorder the text around them do not.
    """
    name = (name or "").strip()
    if _unsafe_characters(name) or "\ufffd" in name:
        raise PolicyError(_l("The name contains control or direction characters that are not allowed."))
    if len(name) > 100:
        raise PolicyError(_l("Use a name of at most %(n)d characters.", n=100))
    return name
