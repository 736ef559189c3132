"""Receipt codes: the reporter's only key to a tip, random, readable, and stored as a keyed hash."""

import hashlib
import hmac
import secrets

# Crockford's base 32: no I, L, O or U, so nothing is misread aloud or on paper.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS = 6
GROUP_SIZE = 4
LENGTH = GROUPS * GROUP_SIZE  # 24 symbols x 5 bits = 120 bits of entropy
# Anything longer than a code with generous spacing is refused before it is looked at.
MAX_INPUT = 64
# Typed characters that readers confuse, folded to the symbol they stand for.
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})


class MalformedReceiptCode(ValueError):
    """The input cannot be a receipt code; it was not looked up."""


def new_receipt_code():
    """A fresh code, grouped for reading: 'K7QD-2M9X-...'."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_receipt_code(symbols)


def format_receipt_code(symbols):
    """Group normalised symbols in fours, joined with hyphens."""
    return "-".join(symbols[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def normalize_receipt_code(text):
    """The canonical 24 symbols of a typed code.

    Case, spaces and hyphens are forgiven, and O/I/L read as 0/1. Raises
    MalformedReceiptCode for anything that cannot be a code.
    """
    if text is None or len(text) > MAX_INPUT:
        raise MalformedReceiptCode(text)
    symbols = "".join(ch for ch in text.upper() if ch not in " -\t\u3000")
    symbols = symbols.translate(_FOLD)
    if len(symbols) != LENGTH or any(ch not in ALPHABET for ch in symbols):
        raise MalformedReceiptCode(text)
    return symbols


def receipt_digest(key, text):
    """The keyed hash (HMAC-SHA256) a tip is stored and found under."""
    symbols = normalize_receipt_code(text)
    return hmac.new(key, symbols.encode("ascii"), hashlib.sha256).hexdigest()
