"""Organisations and their first member, made by the operators' command and by the one rule behind it."""

import pytest
from sqlalchemy import select

from cases.accounts.service import hasher
from cases.audit import AuditEntry
from tipline.extensions import db
from tipline.organisations.models import ADMIN, PENDING, VERIFIED, Organisation, OrgMember
from tipline.organisations.service import OrganisationError, create_organisation

CODE = "91350100M000100Y43"  # a published code with a valid check character
PASSWORD = "seven maple lanterns drift"
HAIDIAN = "110108"


def organisations():
    return db.session.scalars(select(Organisation).order_by(Organisation.id)).all()


def make(**changes):
    values = {
        "name": "海淀实验小学家长委员会",
        "kind": "parent_committee",
        "region_code": HAIDIAN,
        "email": "jwh@school.example",
        "password": PASSWORD,
        "credit_code": CODE,
        **changes,
    }
    return create_organisation(**values)


def test_the_command_makes_a_verified_organisation_and_its_administrator(runner):
    """Catches: --verified ignored, the password stored as typed, or no account to sign in with."""
    args = ["create-organisation", "--name", "星光学校", "--type", "school", "--region", HAIDIAN]
    args += ["--email", "Office@School.example", "--password", PASSWORD, "--credit-code", CODE.lower(), "--verified"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    [organisation] = organisations()
    assert (organisation.kind, organisation.status, organisation.credit_code) == ("school", VERIFIED, CODE)
    assert organisation.email_confirmed_at is not None and organisation.verified_at is not None
    [member] = organisation.members
    assert (member.email, member.role, member.active) == ("office@school.example", ADMIN, True)
    assert PASSWORD not in member.password_hash and hasher().verify(member.password_hash, PASSWORD)


def test_an_organisation_waits_for_staff_unless_told_otherwise(runner):
    args = ["create-organisation", "--name", "青少年保护协会", "--type", "social_organisation", "--region", HAIDIAN]
    result = runner.invoke(args=args + ["--email", "a@assoc.example", "--password", PASSWORD, "--credit-code", CODE])
    assert result.exit_code == 0, result.output
    assert [o.status for o in organisations()] == [PENDING]
    assert organisations()[0].email_confirmed_at is None


def test_a_second_registration_is_refused_and_says_why(app):
    """Catches: the same organisation made twice under a code typed another way, or one address for two."""
    make()
    db.session.commit()
    with pytest.raises(OrganisationError) as same_code:
        make(email="other@school.example", credit_code=" " + CODE[:9].lower() + " " + CODE[9:])
    assert same_code.value.field == "credit_code"
    db.session.rollback()
    with pytest.raises(OrganisationError) as same_email:
        make(email="JWH@School.Example", credit_code="91110000802100433B")
    assert same_email.value.field == "email"
    db.session.rollback()
    assert len(organisations()) == 1 and len(db.session.scalars(select(OrgMember)).all()) == 1


def test_a_parent_committee_may_name_its_school_instead_of_a_code(app):
    """Catches: the school's name accepted in place of a code for any kind, or refused for a parent committee."""
    committee = make(credit_code="", school_name="北京市海淀区实验小学")
    assert (committee.credit_code, committee.school_name) == (None, "北京市海淀区实验小学")
    with pytest.raises(OrganisationError) as school:
        make(kind="school", email="s@school.example", credit_code="", school_name="北京市海淀区实验小学")
    assert school.value.field == "credit_code"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"credit_code": CODE[:-1] + "4"}, "credit_code"),  # a wrong check character
        ({"credit_code": "913501"}, "credit_code"),
        ({"kind": "company"}, "kind"),
        ({"region_code": "999999"}, "region"),
        ({"name": "   "}, "name"),
        ({"email": "not an address"}, "email"),
        ({"password": "short"}, "password"),
    ],
)
def test_what_is_wrong_is_named(app, changes, field):
    with pytest.raises(OrganisationError) as refused:
        make(**changes)
    assert refused.value.field == field and str(refused.value.message)
    db.session.rollback()
    assert organisations() == []


def test_making_an_organisation_is_audited_in_its_region(app):
    """Catches: an audit row without a region, which no supervisor could ever read."""
    organisation = make()
    db.session.commit()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organisation.create")).one()
    assert (entry.target_id, entry.region_code) == (organisation.id, HAIDIAN)
