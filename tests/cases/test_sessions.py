"""Staff sessions end when the account changes: new rights at the next sign-in, sign-out everywhere, kept cookies."""

from cases.accounts.models import StaffUser
from tests.cases.conftest import HAIDIAN, PASSWORD, post_form, sign_in
from tipline.extensions import db

NEW_PASSWORD = "velvet harbor kite orbit"


def _edit(client, user, **changes):
    """Save the admin's edit form for `user` with `changes` over its current values."""
    data = {"name": user.name, "role": user.role, "department": user.department, "region": user.region_code}
    data.update({"active": "y"}, **changes)
    return post_form(client, f"/staff/admin/users/{user.id}", f"/staff/admin/users/{user.id}", data)


def test_a_role_change_ends_the_old_session_and_the_new_rights_come_at_sign_in(
    app, make_staff, staff_client, make_platform, file_tip
):
    """Catches: load_user ignoring the session version, so a demoted user keeps their old rights."""
    tip = file_tip(make_platform(region_code=HAIDIAN), "game_ads")
    admin = make_staff("admin", "cyberspace", "110000")
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    old = staff_client(officer)
    assert old.get(f"/staff/cases/{tip.case_id}").status_code == 200
    assert _edit(staff_client(admin), officer, department="education").status_code == 302
    response = old.get(f"/staff/cases/{tip.case_id}")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(StaffUser, officer.id).department == "education"
    again = app.test_client()
    assert sign_in(again, officer).status_code == 302
    assert again.get("/staff/").status_code == 200
    page = again.get("/staff/account").get_data(as_text=True)
    assert "Education department" in page or "教育部门" in page


def test_an_admin_password_reset_ends_the_users_sessions(app, make_staff, staff_client):
    """Catches: load_user ignoring the session version (a reset ends sessions through the version only)."""
    admin = make_staff("admin", "cyberspace", "110000")
    officer = make_staff("officer", "cyberspace", HAIDIAN)
    old = staff_client(officer)
    assert _edit(staff_client(admin), officer, new_password=NEW_PASSWORD).status_code == 302
    assert old.get("/staff/").status_code == 302
    assert sign_in(app.test_client(), officer, PASSWORD).status_code == 401
    assert sign_in(app.test_client(), officer, NEW_PASSWORD).status_code == 302


def test_sign_out_everywhere_ends_a_second_clients_session(app, make_staff, staff_client):
    """Catches: "sign out on every device" ending only the session that asked for it."""
    user = make_staff("supervisor", "cyberspace", "110000")
    laptop, phone = staff_client(user), staff_client(user)
    version = user.session_version
    kept = phone.get_cookie("session").value
    assert post_form(laptop, "/staff/account", "/staff/logout-everywhere", {}).status_code == 302
    assert phone.get("/staff/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", kept)
    assert replay.get("/staff/").status_code == 302
    db.session.expire_all()
    assert db.session.get(StaffUser, user.id).session_version == version + 1


def test_a_cookie_kept_from_before_sign_out_opens_nothing(app, make_staff, staff_client):
    """Catches: signing out only in the browser, so a copied cookie still opens the workspace."""
    user = make_staff("admin", "cyberspace", "110000")
    client = staff_client(user)
    kept = client.get_cookie("session").value
    assert post_form(client, "/staff/", "/staff/logout", {}).status_code == 302
    for page in ("/staff/", "/staff/admin/users", "/staff/account"):
        replay = app.test_client()
        replay.set_cookie("session", kept)
        response = replay.get(page)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"], page
