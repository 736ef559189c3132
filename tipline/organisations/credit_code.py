"""The unified social credit code (统一社会信用代码) of an organisation, checked as GB 32100-2015 defines it.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V):
the registering authority, the kind of organisation, the region code (GB/T 2260), the
organisation code, and a check character. The check character is worked out from the first
seventeen with weights 3^(i-1) mod 31: C18 = 31 - (sum of Ci * Wi mod 31), where 31 counts as 0.
"""

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
LENGTH = 18
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))


def normalise(text):
    """The code as typed, made comparable: full-width characters folded, spaces and hyphens dropped, upper case."""
    folded = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in folded if not ch.isspace() and ch != "-").upper()


def check_character(first_seventeen):
    """The check character for the first seventeen characters of a code."""
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first_seventeen, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code):
    """What is wrong with a normalised code, as a key of PROBLEMS; None when it is a valid code."""
    if len(code) != LENGTH:
        return "length"
    if any(ch not in ALPHABET for ch in code):
        return "characters"
    if not code[2:8].isdigit():
        return "region"
    if check_character(code[:-1]) != code[-1]:
        return "check"
    return None
