"""Reading the region tree: subtrees and the choices shown in filters."""

from sqlalchemy import func, select

from tipline.extensions import db
from tipline.regions.models import Region


def children_by_parent():
    """{parent code: [its children's codes]} for the whole tree; the top regions are under None."""
    children = {}
    for code, parent in db.session.execute(select(Region.code, Region.parent_code)):
        children.setdefault(parent, []).append(code)
    return children


def subtree_codes(code):
    """The codes of a region and every region below it."""
    return list(branches(code))


def branches(code, children=None):
    """{every code in the region's subtree: the child of `code` it lies under, or `code` itself}.

    What a table "by child region" adds up: a district's tips count for its city.
    """
    children = children_by_parent() if children is None else children
    owner = {code: code}
    for child in children.get(code, ()):
        stack = [child]
        while stack:
            current = stack.pop()
            owner[current] = child
            stack.extend(children.get(current, ()))
    return owner


# Codes that are every region there is (see `tree`).
EVERYWHERE = "everywhere"


def tree(codes):
    """`codes` as `lies_in` takes them: a tuple, or EVERYWHERE when they are every region there is."""
    codes = tuple(sorted(set(codes)))
    if len(codes) >= db.session.scalar(select(func.count()).select_from(Region)):
        return EVERYWHERE
    return codes


def lies_in(column, codes):
    """SQL: the region code in `column` is one of `codes` (from `tree`).

    For EVERYWHERE (a national reader's tree) that says no more than `column IS NOT NULL`, the
    foreign key doing the rest: the database is spared checking each row against a list of
    thousands of codes, and can plan from the query's other conditions.
    """
    if codes == EVERYWHERE:
        return column.is_not(None)
    return column.in_(codes)


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
