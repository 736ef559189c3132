"""The evaluation: supervisors and admins read it over their own region tree; a region outside it is not there."""

from cases.access import visible_regions
from tests.cases.conftest import BEIJING
from tests.cases.routes.exercise import NOTHING, Exercise, fixed

PERIOD = "date_from=2026-03-01&date_to=2026-03-31"


def _outside(actor, scene):
    return BEIJING not in visible_regions(actor)


EVALUATION_ROUTES = {
    # The page and its files over the reader's own region (the form's default).
    ("staff.evaluation", "GET"): Exercise("GET", fixed(f"/staff/evaluation?{PERIOD}"), NOTHING, ok=200),
    ("staff.evaluation_csv", "GET"): Exercise(
        "GET", fixed(f"/staff/evaluation/regions.csv?{PERIOD}"), NOTHING, ok=200, consumes=False
    ),
    # The cases behind a number of Beijing: not there for the districts' staff.
    ("staff.evaluation_cases", "GET"): Exercise(
        "GET",
        fixed(f"/staff/evaluation/cases?measure=opened&region={BEIJING}&{PERIOD}"),
        NOTHING,
        hidden=_outside,
        ok=200,
    ),
}
