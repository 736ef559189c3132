"""Reading the region tree: subtrees and the choices shown in filters."""

from sqlalchemy import select

from tipline.extensions import db
from tipline.regions.models import Region


def subtree_codes(code):
    """The codes of a region and every region below it."""
    rows = db.session.execute(select(Region.code, Region.parent_code)).all()
    children = {}
    for child, parent in rows:
        children.setdefault(parent, []).append(child)
    found, stack = [], [code]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, ()))
    return found


def region_choices(within=None):
    """(code, indented name) pairs in tree order, for select boxes; only codes in `within` when given."""
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    by_parent = {}
    for region in regions:
        by_parent.setdefault(region.parent_code, []).append(region)
    choices = []

    def walk(parent, depth):
        for region in by_parent.get(parent, ()):
            choices.append((region.code, "\u3000" * depth + region.name))
            walk(region.code, depth + 1)

    walk(None, 0)
    if within is not None:
        choices = [(code, name) for code, name in choices if code in within]
    return choices


def load_regions(text):
    """Create or update regions from CSV text (code,name_zh,name_en,parent_code); returns the count.

    Parents come before their children in the file, as in GB/T 2260 order.
    """
    import csv
    import io

    count = 0
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        code = row["code"].strip()
        if len(code) != 6 or not code.isdigit():
            raise ValueError(f"not a six-digit region code: {code!r}")
        region = db.session.get(Region, code) or Region(code=code)
        region.name_zh = row["name_zh"].strip()
        region.name_en = row["name_en"].strip()
        region.parent_code = row["parent_code"].strip() or None
        db.session.add(region)
        db.session.flush()
        count += 1
    return count
