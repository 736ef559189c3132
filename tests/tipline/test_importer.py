"""import-platforms and seed-demo: load a filing list, refuse bad lines with reasons, update on re-import."""

from sqlalchemy import func, select

from tipline.extensions import db
from tipline.platforms.models import Platform
from tipline.reports.models import Tip

HEADER = "subject,name,operator,region,urls,filing_number,filing_status\n"  # any column order


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "platforms.csv"
    path.write_bytes(text.encode(encoding))
    return str(path)


def count():
    return db.session.scalar(select(func.count(Platform.id)))


def test_import_creates_and_updates(runner, tmp_path):
    path = write(
        tmp_path,
        HEADER + "yes,星火学堂,星火公司,110108,https://a.example appstore:id1,教APP备1100001号,filed\n",
    )
    result = runner.invoke(args=["import-platforms", path])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 refused" in result.output
    path = write(tmp_path, HEADER + "no,星火学堂,星火新公司,110108,https://b.example,,unfiled\n")
    result = runner.invoke(args=["import-platforms", path])
    assert "0 created, 1 updated" in result.output
    platform = db.session.scalars(select(Platform)).one()
    assert platform.operator == "星火新公司" and platform.addresses == ["https://b.example"]
    assert platform.filing.status == "unfiled" and not platform.teaches_subjects
    assert "b.example" in platform.search_text


def test_byte_order_mark_is_accepted(runner, tmp_path):
    path = write(tmp_path, HEADER + "yes,云朵网课,云朵公司,310104,,,unfiled\n", encoding="utf-8-sig")
    assert runner.invoke(args=["import-platforms", path]).exit_code == 0
    assert count() == 1


def test_bad_lines_are_refused_line_by_line(runner, tmp_path):
    lines = [
        "yes,好平台,公司,110108,https://ok.example,教APP备1100002号,filed",
        "yes,,公司,110108,,,unfiled",
        "yes,坏地区,公司,999999,,,unfiled",
        "maybe,坏学科,公司,110108,,,unfiled",
        "yes,没号码,公司,110108,,,filed",
        "yes,坏地址,公司,110108,javascript:alert(1) not-a-url,,unfiled",
        "yes,坏状态,公司,110108,,,pending",
        "yes,多字段,公司,110108,,,unfiled,extra",
    ]
    result = runner.invoke(args=["import-platforms", write(tmp_path, HEADER + "\n".join(lines) + "\n")])
    assert result.exit_code == 1
    assert "1 created, 0 updated, 7 refused" in result.output
    for line in range(3, 10):
        assert f"platforms.csv:{line}: refused" in result.output
    assert "unknown region code '999999'" in result.output
    assert count() == 1


def test_missing_columns_and_wrong_encoding_refuse_the_file(runner, tmp_path):
    result = runner.invoke(args=["import-platforms", write(tmp_path, "name,region\n星火,110108\n")])
    assert result.exit_code != 0 and "missing columns" in result.output
    result = runner.invoke(
        args=["import-platforms", write(tmp_path, HEADER + "yes,星火,公司,110108,,,unfiled\n", "gbk")]
    )
    assert result.exit_code != 0 and "not UTF-8" in result.output
    assert count() == 0


def test_seed_demo_is_idempotent(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "platforms: 50" in first.output and "receipt code" in first.output
    tips = db.session.scalar(select(func.count(Tip.id)))
    assert tips >= 10
    second = runner.invoke(args=["seed-demo"])
    assert "(0 new)" in second.output and "receipt code" not in second.output
    assert db.session.scalar(select(func.count(Tip.id))) == tips
    assert count() == 50


def test_overlong_and_control_characters_are_refused_per_line(runner, tmp_path):
    lines = [
        "yes,好平台,公司,110108,,教APP备" + "1" * 70 + "号,filed",
        "yes,有空字符\x00的平台,公司,110108,,,unfiled",
        "yes,有响铃\x07的平台,公司,110108,,,unfiled",
        "yes,正常平台,公司,110108,,,unfiled",
    ]
    result = runner.invoke(args=["import-platforms", write(tmp_path, HEADER + "\n".join(lines) + "\n")])
    assert "1 created, 0 updated, 3 refused" in result.output
    assert "filing_number is longer than 64" in result.output
    assert "control characters" in result.output
    assert count() == 1


def test_broken_files_are_refused_whole(runner, tmp_path):
    broken = {
        "doubled": "name,name,operator,region,urls,filing_number,filing_status,subject\na,b,c,110108,,,unfiled,yes\n",
        "quote": HEADER + 'yes,"没有结束的引号,公司,110108,,,unfiled\n',
        "huge": HEADER + "yes," + "长" * 200_000 + ",公司,110108,,,unfiled\n",
    }
    for name, text in broken.items():
        result = runner.invoke(args=["import-platforms", write(tmp_path, text)])
        assert result.exit_code != 0 and "Error" in result.output, name
        assert "Traceback" not in result.output
    assert count() == 0


def test_the_readmes_demo_path_finds_the_junk_tray_item(runner):
    """Catches: the demo's fitness advert filed where the account the README names (bj.intake) cannot see it."""
    from cases.accounts.models import StaffUser
    from cases.junk_tray import tray_query

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    intake = db.session.scalars(select(StaffUser).where(StaffUser.email == "bj.intake@tipline.example")).one()
    waiting = db.session.scalars(tray_query(intake, "suspected")).all()
    assert any("fitness" in tip.description for tip in waiting)
