"""Where a case goes: the platform's region, and the departments its category calls for (SPEC 4.3)."""

from tipline.catalog import CATEGORY_DEPARTMENTS

# Cases about platforms not in the registry have no home region yet: the national
# level triages them and may hand them down.
NATIONAL = "100000"


def route_case(platform, category):
    """(region code, lead department, co-handling department or None) for a new case."""
    lead, co = CATEGORY_DEPARTMENTS[category]
    region = platform.region_code if platform is not None else NATIONAL
    return region, lead, co
