"""How to drive each staff route in the route rules test (tests/cases/test_route_rules.py), by feature.

One entry per (endpoint, method) of the URL map. What a request may do comes from
the domain's own rules (cases/states.py, cases/access.py, cases/actions/rules.py and
the predicates of the services), never from a table typed here. An allowed request
must show its effect in the database (a state changed, a row added, an audit row
written by the actor); the test checks that a refused one changes nothing.
"""

from tests.cases.routes.action_routes import ACTION_ROUTES
from tests.cases.routes.admin_routes import ADMIN_ROUTES
from tests.cases.routes.case_routes import CASE_ROUTES
from tests.cases.routes.desk_routes import DESK_ROUTES
from tests.cases.routes.evaluation_routes import EVALUATION_ROUTES
from tests.cases.routes.organisation_routes import ORGANISATION_ROUTES
from tests.cases.routes.queue_routes import QUEUE_ROUTES
from tests.cases.routes.report_routes import REPORT_ROUTES
from tests.cases.routes.worklist_routes import WORKLIST_ROUTES

EXERCISES = {
    **CASE_ROUTES,
    **ACTION_ROUTES,
    **DESK_ROUTES,
    **EVALUATION_ROUTES,
    **REPORT_ROUTES,
    **ADMIN_ROUTES,
    **WORKLIST_ROUTES,
    **QUEUE_ROUTES,
    **ORGANISATION_ROUTES,
}
# The organisation surface has rules of its own (a member, an administrator, its own list): its routes
# are walked as every kind of account by tests/organisations/test_org_routes.py.
GUARDED_PREFIXES = ("/staff",)


def guarded_routes(app):
    """(endpoint, method, rule) of every staff and organisation route, as the URL map has them now."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(GUARDED_PREFIXES):
            found += [(rule.endpoint, method, rule.rule) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found)


# Routes that act only on the signed-in person's own account or session: there is no
# object of anyone else's to reach, and tests/cases/test_auth.py (test_time_zones.py for the
# time zone, tests/api/test_key_pages.py for API keys, another's key revoked by a crafted POST
# included) drives each of them.
OWN_ACCOUNT = {
    ("staff.login", "GET"),
    ("staff.login", "POST"),
    ("staff.login_second_factor", "GET"),
    ("staff.login_second_factor", "POST"),
    ("staff.logout", "POST"),
    ("staff.logout_everywhere", "POST"),
    ("staff.account", "POST"),
    ("staff.change_password", "POST"),
    ("staff.change_time_zone", "POST"),
    ("staff.make_api_key", "POST"),
    ("staff.revoke_api_key", "POST"),
}
