"""Keep the English catalog complete: every message is its own English text.

Run after `pybabel update` (the Makefile's `messages` target does): source strings
are written in English, so the English catalog only has to echo them.
"""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent / "en" / "LC_MESSAGES" / "messages.po"


def fill_english(path=CATALOG):
    """Set every empty or fuzzy English translation to its source text; return how many changed."""
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    changed = 0
    for message in catalog:
        if not message.id:
            continue
        wanted = message.id if isinstance(message.id, str) else tuple(message.id)
        if message.string != wanted or message.fuzzy:
            message.string = wanted
            message.flags.discard("fuzzy")
            changed += 1
    with open(path, "wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False)
    return changed


if __name__ == "__main__":
    print(f"{fill_english()} English messages filled")
