"""Finding platforms in the registry: the public filing list, suggestions, and matching a named platform."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from tipline.extensions import db
from tipline.platforms.links import lookup_keys
from tipline.platforms.models import FilingRecord, Platform, PlatformAddress, like_pattern, search_key
from tipline.regions.service import subtree_codes

PAGE_SIZE = 20
MAX_QUERY = 100


def _matching(query):
    """A WHERE clause matching every word of the query against the platform's search text."""
    words = search_key(query[:MAX_QUERY]).split()
    return [Platform.search_text.like(like_pattern(word), escape="\\") for word in words]


@dataclass
class PlatformPage:
    """One page of the filing list."""

    platforms: list
    total: int
    page: int
    pages: int


def filing_list(query="", region=None, filing_status=None, list_status=None, page=1):
    """The public filing list, filtered, one page at a time, by name."""
    conditions = _matching(query or "")
    if region:
        conditions.append(Platform.region_code.in_(subtree_codes(region)))
    if filing_status:
        conditions.append(Platform.filing.has(FilingRecord.status == filing_status))
    if list_status:
        conditions.append(Platform.list_status == list_status)
    total = db.session.scalar(select(func.count(Platform.id)).where(*conditions))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    platforms = db.session.scalars(
        select(Platform)
        .options(selectinload(Platform.region), selectinload(Platform.filing))
        .where(*conditions)
        .order_by(Platform.name, Platform.id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return PlatformPage(platforms=platforms, total=total, page=page, pages=pages)


def suggest_platforms(query, limit=8):
    """Platforms whose names, operator, addresses or filing number contain every typed word."""
    conditions = _matching(query or "")
    if not conditions:
        return []
    return db.session.scalars(
        select(Platform)
        .options(selectinload(Platform.region), selectinload(Platform.filing))
        .where(*conditions)
        .order_by(func.length(Platform.name), Platform.name)
        .limit(limit)
    ).all()


def resolve_platform(platform_id, name, link=None):
    """The registry platform a reporter meant, or None for a platform not in the registry.

    An id chosen from the suggestions wins; otherwise a name that equals exactly
    one platform's Chinese or English name (case aside) is taken as that platform;
    otherwise the platform whose address covers the tip's link (its key, links.link_key).
    """
    if platform_id:
        platform = db.session.get(Platform, platform_id)
        if platform is not None:
            return platform
    folded = (name or "").strip().lower()
    if not folded:
        return None
    found = db.session.scalars(
        select(Platform)
        .where(or_(func.lower(Platform.name) == folded, func.lower(Platform.name_en) == folded))
        .limit(2)
    ).all()
    if len(found) == 1:
        return found[0]
    return platform_by_link(link) if link else None


def platform_by_link(link):
    """The one registry platform whose address covers the link's key, the most precise address first; None
    when no address does, or when two platforms share the most precise one."""
    keys = lookup_keys(link)
    rows = db.session.execute(
        select(PlatformAddress.key, PlatformAddress.platform_id).where(PlatformAddress.key.in_(keys))
    ).all()
    for key in keys:
        owners = {platform_id for found, platform_id in rows if found == key}
        if owners:
            return db.session.get(Platform, owners.pop()) if len(owners) == 1 else None
    return None


def web_host(url):
    """The host of a web address as the registry matches it ("www.example.com/x" gives "example.com"), or ""."""
    text = (url or "").strip()
    if "//" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")
