"""The fixed lists of SPEC section 3, each shown in Chinese and English.

These are the one source for forms, templates, the API and tests. Codes are
stored; labels go through the catalogs so the page's language decides.
"""

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

CATEGORIES = {
    "unfiled": _l("Platform operating without filing"),
    "core_values": _l("Content against core socialist values"),
    "vulgar": _l("Pornographic or vulgar content"),
    "violent": _l("Bloody or violent content"),
    "public_order": _l("Content against public order and good customs"),
    "ad_diversion": _l("Traffic-diverting advertising unfit for minors (incl. pushed by algorithm)"),
    "game_ads": _l("Online game advertising"),
    "page_surroundings": _l("Pop-ups, sidebars, floating boxes or feed loading around the lessons"),
    "social": _l("Harmful interactive or social features"),
    "syllabus": _l("Course syllabus or teaching content problems"),
    "teachers": _l("Unqualified or misbehaving teachers"),
    "marketing": _l("Marketing methods unfit for minors"),
    "other": _l("Other harm to minors' rights"),
}

LOCATIONS = {
    "live": _l("Live lesson"),
    "recorded": _l("Recorded video lesson"),
    "graphic": _l("Graphic or text lesson"),
    "syllabus": _l("Course syllabus"),
    "popup": _l("Pop-up window"),
    "sidebar": _l("Sidebar"),
    "floating": _l("Floating box"),
    "feed": _l("Information feed"),
    "social": _l("Interactive or social section"),
    "advert": _l("Advertisement"),
    "app_store": _l("App store page"),
    "other": _l("Other"),
}

REPORTER_TYPES = {
    "parent": _l("Parent"),
    "student": _l("Student"),
    "teacher": _l("Teacher"),
    "school": _l("School"),
    "parent_committee": _l("Parent committee"),
    "industry_association": _l("Industry association"),
    "social_organisation": _l("Social organisation"),
    "other": _l("Other"),
}

# The kinds of organisation that may hold an account (SPEC 1), with the reporter type their tips carry.
ORGANISATION_TYPES = {
    code: REPORTER_TYPES[code] for code in ("school", "parent_committee", "industry_association", "social_organisation")
}

# Where an organisation stands with staff (tipline/organisations/models.py).
ORGANISATION_STATUSES = {
    "pending": _l("waiting for verification"),
    "verified": _l("verified"),
    "refused": _l("refused"),
    "suspended": _l("suspended"),
}

FILING_STATUSES = {
    "filed": _l("Filed"),
    "unfiled": _l("Not filed"),
}

LIST_STATUSES = {
    "none": _l("Not listed"),
    "white": _l("White list"),
    "black": _l("Black list"),
}


def choices(table, prompt=None):
    """The options of a select field, with an empty first option when a prompt is given."""
    options = [SelectChoice("", prompt)] if prompt is not None else []
    return options + [SelectChoice(code, label) for code, label in table.items()]


def label(table, code):
    """The label for a stored code; the code itself if it is unknown."""
    return table.get(code, code)


DEPARTMENTS = {
    "cyberspace": _l("Cyberspace department"),
    "education": _l("Education department"),
}

ROLES = {
    "intake": _l("Intake officer"),
    "officer": _l("Case officer"),
    "supervisor": _l("Supervisor"),
    "admin": _l("Administrator"),
}

# Who leads a case of each category, and who co-handles it (SPEC 4.3): content and page
# surroundings go to the cyberspace department; teachers, syllabus and teaching content to
# education; unfiled platforms and the rest to both.
CATEGORY_DEPARTMENTS = {
    "unfiled": ("education", "cyberspace"),
    "core_values": ("cyberspace", None),
    "vulgar": ("cyberspace", None),
    "violent": ("cyberspace", None),
    "public_order": ("cyberspace", None),
    "ad_diversion": ("cyberspace", None),
    "game_ads": ("cyberspace", None),
    "page_surroundings": ("cyberspace", None),
    "social": ("cyberspace", None),
    "syllabus": ("education", None),
    "teachers": ("education", None),
    "marketing": ("cyberspace", "education"),
    "other": ("cyberspace", "education"),
}

# How much harm a category does to minors, for priority: 3 severe, 2 serious, 1 other.
CATEGORY_SEVERITY = {
    "core_values": 3,
    "vulgar": 3,
    "violent": 3,
    "social": 3,
    "teachers": 2,
    "game_ads": 2,
    "ad_diversion": 2,
    "page_surroundings": 2,
    "public_order": 2,
    "syllabus": 2,
    "unfiled": 1,
    "marketing": 1,
    "other": 1,
}
