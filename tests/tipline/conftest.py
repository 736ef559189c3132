"""Fixtures of the public side's tests."""

import pytest

from tipline.extensions import db
from tipline.reports.service import TipSubmission, submit_tip


@pytest.fixture
def tip_and_code(app):
    tip, code = submit_tip(
        TipSubmission(
            platform_name="云朵网课",
            category="teachers",
            location="live",
            description="直播课老师没有教师资格证，还在课上骂学生。",
            reporter_type="parent",
            locale="zh",
            client="127.0.0.1",
        ),
        [],
    )
    db.session.commit()
    return tip, code
