import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, OperationalError, connection, transaction
from openpyxl import Workbook

from competitions import importing
from competitions.aggregates import verify
from competitions.importing import SheetError, competition_keys, import_sheet, lock_competitions, lock_key
from competitions.models import Competition, Entry, EntryCoach, EntryMember, Event, Organization, Tier
from students.models import Coach, Student
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_organization,
    make_student,
)

pytestmark = pytest.mark.django_db

HOME = "本校技师学院"
HEADER = ["赛事", "年份", "级别", "赛项", "单位", "选手", "学号", "指导教师", "奖项", "名次"]
GOOD_ROWS = [
    [
        "中华人民共和国第二届职业技能大赛",
        "2023",
        "国家级",
        "移动机器人",
        HOME,
        "蒋家俊、李文博",
        "S001、S002",
        "王老师",
        "金牌",
        "1",
    ],
    [
        "中华人民共和国第二届职业技能大赛",
        "2023",
        "国家级",
        "移动机器人",
        "外省技师学院",
        "张三,李四",
        "",
        "",
        "银牌",
        "2",
    ],
    ["中华人民共和国第二届职业技能大赛", "2023", "national", "机电一体化", HOME, "", "", "", "铜牌", ""],
    ["中华人民共和国第二届职业技能大赛", "2023", "国家级", "机电一体化", HOME, "", "", "", "铜牌", ""],
]


def csv_bytes(rows, encoding="utf-8"):
    text = "\r\n".join(
        ",".join(f'"{cell}"' if "," in cell or "\n" in cell else cell for cell in row) for row in rows
    )
    return text.encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append([int(cell) if cell.isdigit() and len(cell) < 6 else cell for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def home():
    return home_organization()


def counts():
    return (
        Competition.objects.count(),
        Event.objects.count(),
        Organization.objects.count(),
        Entry.objects.count(),
        EntryMember.objects.count(),
        Student.objects.count(),
        Coach.objects.count(),
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(csv_bytes([HEADER, *GOOD_ROWS]), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + csv_bytes([HEADER, *GOOD_ROWS]), id="utf-8-bom"),
        pytest.param(csv_bytes([HEADER, *GOOD_ROWS], "gb18030"), id="gb18030"),
        pytest.param(xlsx_bytes([HEADER, *GOOD_ROWS]), id="xlsx"),
    ],
)
def test_a_good_sheet_imports_in_every_encoding(data):
    plan = import_sheet(data, "results.xlsx" if data.startswith(b"PK") else "results.csv")
    assert plan.errors == []
    competition = Competition.objects.get()
    assert (competition.name, competition.year, competition.level) == (
        "中华人民共和国第二届职业技能大赛",
        2023,
        "national",
    )
    robot = Event.objects.get(name="移动机器人")
    assert robot.is_team and robot.max_team_size == 2
    home_gold = Entry.objects.get(organization__is_home=True, award__tier=Tier.GOLD)
    assert [m.student.student_number for m in home_gold.members.order_by("position")] == ["S001", "S002"]
    assert [c.name for c in home_gold.coaches.all()] == ["王老师"]
    outside = Entry.objects.get(organization__name="外省技师学院")
    assert [m.name for m in outside.members.order_by("position")] == ["张三", "李四"]
    assert not outside.members.filter(student__isnull=False).exists()
    assert Entry.objects.filter(award__tier=Tier.BRONZE, members__isnull=True).count() == 2


def test_english_headers_in_any_case_and_spacing():
    header = [
        "Competition",
        "YEAR",
        "level",
        "Event",
        " Organization ",
        "Competitors",
        "Student Numbers",
        "coaches",
        "Award",
        "rank",
        "Score",
        "Notes",
    ]
    row = [
        "WorldSkills Lyon",
        "2024",
        "world",
        "Mobile Robotics",
        "China",
        "A; B",
        "",
        "",
        "Gold Medal",
        "1",
        "750",
        "x",
    ]
    plan = import_sheet(csv_bytes([header, row]), "r.csv")
    assert plan.errors == []
    entry = Entry.objects.get()
    assert (entry.award.tier, entry.rank, entry.score, entry.notes) == (Tier.GOLD, 1, "750", "x")


def test_a_team_of_twenty_odd_members_in_one_row_and_sizes_varying_inside_an_event():
    names = "\n".join(f"队员{i}" for i in range(23))
    rows = [
        HEADER[:6] + ["奖项"],
        ["全运会", "2025", "国家级", "4x100米接力", "广东代表团", names, "金牌"],
        ["全运会", "2025", "国家级", "4x100米接力", "上海代表团", "甲、乙、丙、丁", "银牌"],
    ]
    assert import_sheet(csv_bytes(rows), "r.csv").errors == []
    event = Event.objects.get()
    assert (event.min_team_size, event.max_team_size, event.is_team) == (4, 23, True)
    assert EntryMember.objects.filter(entry__organization__name="广东代表团").count() == 23


def test_home_students_are_matched_by_number_then_by_name():
    by_number = make_student("李文博", student_number="S002")
    by_name = make_student("蒋家俊")
    import_sheet(csv_bytes([HEADER, GOOD_ROWS[0]]), "r.csv")
    members = Entry.objects.get().members.order_by("position")
    assert members[1].student == by_number
    # 蒋家俊 had no number: S001, which nobody has, is taken to be theirs.
    assert members[0].student == by_name
    by_name.refresh_from_db()
    assert by_name.student_number == "S001"


def test_a_name_shared_by_two_students_needs_a_number():
    make_student("蒋家俊")
    make_student("蒋家俊")
    rows = [HEADER, ["振兴杯", "2023", "国家级", "仪器仪表维修工", HOME, "蒋家俊", "", "", "金奖", ""]]
    plan = import_sheet(csv_bytes(rows), "r.csv")
    assert "蒋家俊" in str(plan.errors[0]) and plan.errors[0].row == 2
    assert Entry.objects.count() == 0


def test_a_name_matches_the_only_home_student_of_that_name():
    student = make_student("苏镇邦")
    rows = [HEADER, ["振兴杯", "2023", "国家级", "仪器仪表维修工", HOME, "苏镇邦", "", "", "金奖", ""]]
    import_sheet(csv_bytes(rows), "r.csv")
    assert Entry.objects.get().members.get().student == student


def test_teachers_compete_in_teacher_contests():
    rows = [
        ["赛事", "年份", "级别", "类别", "赛项", "单位", "选手", "奖项"],
        [
            "第三届全国技工院校教师职业能力大赛",
            "2023",
            "国家级",
            "教师能力",
            "电工电子类",
            HOME,
            "刘欢",
            "一等奖",
        ],
    ]
    assert import_sheet(csv_bytes(rows), "r.csv").errors == []
    member = EntryMember.objects.get()
    assert member.coach.name == "刘欢" and member.student is None


def test_re_importing_the_same_sheet_adds_nothing():
    data = csv_bytes([HEADER, *GOOD_ROWS])
    import_sheet(data, "r.csv")
    before = counts()
    plan = import_sheet(data, "r.csv")
    assert (len(plan.to_add), len(plan.already_present)) == (0, 4)
    assert counts() == before


def test_identical_unnamed_rows_are_a_multiset():
    data = csv_bytes([HEADER, GOOD_ROWS[2], GOOD_ROWS[3]])
    import_sheet(csv_bytes([HEADER, GOOD_ROWS[2]]), "r.csv")
    plan = import_sheet(data, "r.csv")
    assert len(plan.to_add) == 1
    assert Entry.objects.count() == 2
    assert len(import_sheet(data, "r.csv").to_add) == 0
    assert Entry.objects.count() == 2


def test_a_dry_run_reports_what_would_be_created_and_saves_nothing():
    before = counts()
    plan = import_sheet(csv_bytes([HEADER, *GOOD_ROWS]), "r.csv", dry_run=True)
    assert counts() == before
    assert plan.summary() == {
        "entries": 4,
        "already_present": 0,
        "competitions": 1,
        "events": 2,
        "organizations": 1,
        "skills": 2,
        "students": 2,
        "coaches": 1,
        "numbers_added": 0,
    }


def bad_sheet(row_index, column, value):
    rows = [list(row) for row in GOOD_ROWS]
    rows[row_index][HEADER.index(column)] = value
    return csv_bytes([HEADER, *rows])


@pytest.mark.parametrize(
    ("data", "row", "expected"),
    [
        pytest.param(bad_sheet(1, "级别", "宇宙级"), 3, "宇宙级", id="unknown-level"),
        pytest.param(bad_sheet(2, "奖项", "金杯"), 4, "金杯", id="bad-award"),
        pytest.param(bad_sheet(1, "选手", "张三,张三"), 3, "张三", id="duplicate-member"),
        pytest.param(bad_sheet(3, "赛事", ""), 5, "赛事", id="empty-required-cell"),
        pytest.param(bad_sheet(3, "奖项", ""), 5, "奖项", id="empty-award"),
        pytest.param(bad_sheet(1, "年份", "二〇二三"), 3, "year", id="bad-year"),
        pytest.param(bad_sheet(1, "名次", "first"), 3, "rank", id="bad-rank"),
        pytest.param(bad_sheet(0, "学号", "S001"), 2, "student numbers", id="numbers-do-not-match-names"),
    ],
)
def test_a_bad_row_is_reported_by_number_and_nothing_is_saved(data, row, expected):
    before = counts()
    plan = import_sheet(data, "r.csv")
    assert counts() == before
    assert [error.row for error in plan.errors] == [row]
    assert expected in str(plan.errors[0])
    assert f"Row {row}" in str(plan.errors[0]) or f"第 {row} 行" in str(plan.errors[0])


def test_a_team_too_large_for_a_known_event_is_refused():
    event = make_event(
        make_competition("中华人民共和国第二届职业技能大赛", year=2023),
        name="移动机器人",
        is_team=True,
        min_team_size=2,
        max_team_size=2,
    )
    rows = [
        HEADER,
        [
            event.competition.name,
            "2023",
            "国家级",
            "移动机器人",
            "外省技师学院",
            "甲、乙、丙",
            "",
            "",
            "金牌",
            "",
        ],
    ]
    plan = import_sheet(csv_bytes(rows), "r.csv")
    assert plan.errors[0].row == 2 and "at most 2" in str(plan.errors[0]) and "选手" in str(plan.errors[0])
    assert Entry.objects.count() == 0


def test_a_student_in_two_rows_of_one_event_is_refused():
    rows = [HEADER, GOOD_ROWS[0], [*GOOD_ROWS[0][:4], "别的学院", *GOOD_ROWS[0][5:]]]
    rows[2][4] = HOME
    rows[2][8] = "银牌"
    plan = import_sheet(csv_bytes(rows), "r.csv")
    assert {error.row for error in plan.errors} == {3}
    assert "row 2" in str(plan.errors[0])
    assert Entry.objects.count() == 0


def test_every_bad_row_is_listed():
    rows = [list(row) for row in GOOD_ROWS]
    rows[0][HEADER.index("级别")] = "宇宙级"
    rows[3][HEADER.index("奖项")] = "金杯"
    plan = import_sheet(csv_bytes([HEADER, *rows]), "r.csv")
    assert [error.row for error in plan.errors] == [2, 5]
    assert Entry.objects.count() == 0


def test_a_level_that_contradicts_the_recorded_competition_is_refused():
    make_competition("广东省第三届职业技能大赛", year=2023, level="provincial")
    rows = [
        HEADER,
        ["广东省第三届职业技能大赛", "2023", "国家级", "移动机器人", HOME, "", "", "", "金牌", ""],
    ]
    plan = import_sheet(csv_bytes(rows), "r.csv")
    assert plan.errors[0].row == 2 and plan.errors[0].column == "level"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param([h if h != "奖项" else "奖品" for h in HEADER], "奖品", id="unknown-column"),
        pytest.param([h for h in HEADER if h != "奖项"], "award", id="missing-column"),
        pytest.param([*HEADER, "赛事"], "赛事", id="doubled-column"),
    ],
)
def test_a_wrong_header_is_refused_naming_the_column(header, expected):
    with pytest.raises(SheetError, match=expected):
        import_sheet(csv_bytes([header, *GOOD_ROWS]), "r.csv")
    assert Entry.objects.count() == 0


def test_a_file_that_is_not_a_sheet_is_refused():
    with pytest.raises(SheetError):
        import_sheet(b"\x89PNG\r\n\x1a\n\x00\xff\xfe\xfd", "photo.csv")
    with pytest.raises(SheetError):
        import_sheet(b"PK\x03\x04 not really a zip", "r.xlsx")


def test_the_command_exits_non_zero_listing_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(bad_sheet(1, "级别", "宇宙级"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_results", str(path), stderr=err)
    assert "Row 3" in err.getvalue() and "宇宙级" in err.getvalue()
    assert Entry.objects.count() == 0


def test_the_command_dry_run_and_import(tmp_path):
    path = tmp_path / "good.csv"
    path.write_bytes(csv_bytes([HEADER, *GOOD_ROWS], "gb18030"))
    out = io.StringIO()
    call_command("import_results", str(path), "--dry-run", stdout=out)
    assert "Would add 4 entries" in out.getvalue()
    assert Entry.objects.count() == 0
    call_command("import_results", str(path), stdout=out)
    assert Entry.objects.count() == 4
    assert EntryCoach.objects.count() == 1
    # Again: nothing new, said as such (not "Added 0 entries").
    again = io.StringIO()
    call_command("import_results", str(path), stdout=again)
    assert again.getvalue() == "Nothing new to import: all 4 rows are already recorded.\n"
    assert Entry.objects.count() == 4


def test_an_import_is_recorded_in_the_audit_trail_with_the_importing_user(django_user_model):
    office = django_user_model.objects.create_user("office", password="x-long-password")
    import_sheet(csv_bytes([HEADER, *GOOD_ROWS]), "r.csv", user=office)
    assert Entry.history.filter(history_type="+", history_user=office).count() == 4
    assert EntryMember.history.filter(history_user=office).count() == 4
    assert Competition.history.get().history_user == office


def test_a_new_number_goes_to_the_one_student_of_that_name_without_one():
    student = make_student("蒋家俊")
    rows = [
        HEADER,
        ["振兴杯", "2023", "国家级", "仪器仪表维修工", HOME, "蒋家俊", "20210001", "", "金奖", ""],
    ]
    plan = import_sheet(csv_bytes(rows), "r.csv")
    assert plan.errors == [] and plan.new_students == []
    student.refresh_from_db()
    assert student.student_number == "20210001"
    assert Entry.objects.get().members.get().student == student


def test_values_longer_than_the_database_allows_are_bad_rows():
    rows = [list(row) for row in GOOD_ROWS]
    rows[1][HEADER.index("单位")] = "长" * 201
    rows[2][HEADER.index("选手")] = "名" * 101
    plan = import_sheet(csv_bytes([HEADER, *rows]), "r.csv")
    assert [(error.row, error.column) for error in plan.errors] == [(3, "organization"), (4, "competitors")]
    assert Entry.objects.count() == 0


def test_rows_that_clash_are_listed_beside_rows_with_other_faults():
    rows = [list(row) for row in GOOD_ROWS]
    rows[3][HEADER.index("奖项")] = "金杯"  # row 5
    clash = [*GOOD_ROWS[0]]
    clash[4], clash[8] = HOME, "银牌"  # row 6: 蒋家俊 and 李文博 again in 移动机器人
    plan = import_sheet(csv_bytes([HEADER, *rows, clash]), "r.csv")
    assert sorted({error.row for error in plan.errors}) == [5, 6]


# ---------------------------------------------------------------------------------------------
# Serialized imports (issue 9, section 4); the parallel runs are in test_import_concurrency.py


def test_the_lock_keys_are_the_sheets_competitions_by_name_and_year():
    rows = [
        HEADER,
        *GOOD_ROWS,
        ["  第47届世界技能大赛 ", "2024年", "世界", "移动机器人", HOME, "", "", "", "金牌", ""],
        ["第47届世界技能大赛", "二〇二四", "世界", "移动机器人", HOME, "", "", "", "金牌", ""],  # a bad year
    ]
    assert competition_keys(rows) == [
        ("中华人民共和国第二届职业技能大赛", 2023),
        ("第47届世界技能大赛", 2024),
    ]
    key = lock_key("中华人民共和国第二届职业技能大赛", 2023)
    assert key == lock_key("中华人民共和国第二届职业技能大赛", 2023)
    assert -(2**63) <= key < 2**63
    assert (
        len({key, lock_key("中华人民共和国第二届职业技能大赛", 2024), lock_key("第47届世界技能大赛", 2023)})
        == 3
    )


def test_the_lock_can_be_taken_for_several_competitions_and_again_in_the_same_transaction():
    keys = [("中华人民共和国第二届职业技能大赛", 2023), ("第47届世界技能大赛", 2024)]
    with transaction.atomic():
        lock_competitions(keys)
        lock_competitions(keys[:1])
        assert len(import_sheet(csv_bytes([HEADER, *GOOD_ROWS]), "r.csv").to_add) == 4


def test_every_import_plans_inside_the_lock(monkeypatch):
    calls = []
    real_lock, real_plan = importing.lock_competitions, importing.plan_import
    monkeypatch.setattr(
        importing, "lock_competitions", lambda keys: calls.append(("lock", keys)) or real_lock(keys)
    )
    monkeypatch.setattr(
        importing, "plan_import", lambda rows, **kwargs: calls.append(("plan",)) or real_plan(rows, **kwargs)
    )
    import_sheet(csv_bytes([HEADER, *GOOD_ROWS]), "r.csv")
    assert calls == [("lock", [("中华人民共和国第二届职业技能大赛", 2023)]), ("plan",)]
    calls.clear()
    import_sheet(csv_bytes([HEADER, *GOOD_ROWS]), "r.csv", dry_run=True)
    assert calls == [("plan",)]  # a dry run saves nothing, so it needs no lock


def test_an_import_that_loses_a_race_plans_again_and_adds_what_is_missing(monkeypatch):
    real_apply = importing.apply_plan
    attempts = []

    def apply_after_a_rival(plan, **kwargs):
        attempts.append(len(plan.to_add))
        if len(attempts) == 1:
            # Another transaction created the same new organization first (the database refuses ours).
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_apply(plan, **kwargs)

    monkeypatch.setattr(importing, "apply_plan", apply_after_a_rival)
    plan = import_sheet(csv_bytes([HEADER, *GOOD_ROWS]), "r.csv")
    assert attempts == [4, 4] and len(plan.to_add) == 4
    assert Entry.objects.count() == 4 and Competition.objects.count() == 1
    assert verify() == []


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("database is locked"),
        IntegrityError("UNIQUE constraint failed: students_student.name"),
    ],
)
def test_an_import_kept_busy_ends_with_a_clear_message_and_nothing_saved(monkeypatch, tmp_path, error):
    def busy(keys):
        raise error

    monkeypatch.setattr(importing, "lock_competitions", busy)
    path = tmp_path / "good.csv"
    path.write_bytes(csv_bytes([HEADER, *GOOD_ROWS]))
    before = counts()
    with pytest.raises(CommandError) as raised:
        call_command("import_results", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert str(raised.value) == (
        "The database was kept busy by other imports or changes saved at the same time, so nothing was "
        "imported. Please try again in a minute."
    )
    assert counts() == before


def test_other_database_errors_are_not_taken_for_a_busy_database(monkeypatch):
    def broken(keys):
        raise OperationalError("no such table: competitions_competition")

    monkeypatch.setattr(importing, "lock_competitions", broken)
    with pytest.raises(OperationalError, match="no such table"):
        import_sheet(csv_bytes([HEADER, *GOOD_ROWS]), "r.csv")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_an_import_waiting_too_long_for_the_lock_gives_up_cleanly(settings, tmp_path):
    import psycopg

    settings.IMPORT_LOCK_SECONDS = 0.2
    db = connection.settings_dict
    params = {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"]}
    params["port"] = db["PORT"] or 5432
    path = tmp_path / "good.csv"
    path.write_bytes(csv_bytes([HEADER, *GOOD_ROWS]))
    with psycopg.connect(**params, autocommit=True) as rival:
        # Another import into the same competition holds its lock.
        rival.execute("SELECT pg_advisory_lock(%s)", [lock_key("中华人民共和国第二届职业技能大赛", 2023)])
        with pytest.raises(CommandError, match="try again"):
            call_command("import_results", str(path), stdout=io.StringIO())
        assert Entry.objects.count() == 0
        # Another competition is not held up.
        other = [[cell.replace("第二届", "第三届") for cell in row] for row in GOOD_ROWS]
        assert len(import_sheet(csv_bytes([HEADER, *other]), "r.csv").to_add) == 4
    call_command("import_results", str(path), stdout=io.StringIO())
    assert Entry.objects.count() == 8


# Who a person is (DOMAIN.md rules 9 and 10; students.people.People)

NATIONAL = "中华人民共和国第二届职业技能大赛"
DELEGATION = "广东省代表团"


def national_row(
    organization, competitors="", numbers="", coaches="", award="金牌", event="移动机器人", rank=""
):
    return [NATIONAL, "2023", "国家级", event, organization, competitors, numbers, coaches, award, rank]


def import_rows(*rows, **options):
    return import_sheet(csv_bytes([HEADER, *rows]), "r.csv", **options)


def run_command(tmp_path, *rows, dry_run=False):
    path = tmp_path / "sheet.csv"
    path.write_bytes(csv_bytes([HEADER, *rows]))
    out = io.StringIO()
    call_command("import_results", str(path), *(["--dry-run"] if dry_run else []), stdout=out)
    return out.getvalue()


def test_a_student_number_in_a_delegation_row_links_the_home_student():
    jiang = make_student("蒋家俊", student_number="20210001")
    plan = import_rows(national_row(DELEGATION, "蒋家俊", "20210001"))
    assert plan.errors == [] and plan.new_students == []
    entry = Entry.objects.get()
    assert entry.organization.name == DELEGATION and not entry.organization.is_home
    assert entry.members.get().student == jiang


def test_a_name_alone_in_a_delegation_row_stays_a_name():
    make_student("蒋家俊")
    plan = import_rows(national_row(DELEGATION, "蒋家俊"))
    assert plan.errors == [] and plan.notes == []
    member = Entry.objects.get().members.get()
    assert (member.name, member.student, member.coach) == ("蒋家俊", None, None)
    assert Student.objects.count() == 1


def test_an_unknown_number_in_a_delegation_row_stays_a_name_and_the_command_says_so(tmp_path):
    make_student("蒋家俊")
    row = national_row(DELEGATION, "蒋家俊", "20219999")
    output = run_command(tmp_path, row, dry_run=True)
    assert "Note: row 2" in output and "20219999" in output and DELEGATION in output
    plan = import_rows(row)
    assert [note.row for note in plan.notes] == [2]
    member = Entry.objects.get().members.get()
    assert member.name == "蒋家俊" and member.student is None
    assert list(Student.objects.values_list("student_number", flat=True)) == [None]


def test_coaches_of_another_organizations_row_are_the_home_teachers_of_that_name():
    chen = make_coach("陈老师")
    plan = import_rows(national_row(DELEGATION, "张三", coaches="陈老师、Mr. Smith"))
    assert plan.errors == []
    coaches = Entry.objects.get().coaches.order_by("name")
    assert list(coaches) == [Coach.objects.get(name="Mr. Smith"), chen]
    assert Coach.objects.get(name="Mr. Smith").organization.name == DELEGATION
    assert Coach.objects.filter(name="陈老师").count() == 1


def test_an_ambiguous_home_teacher_is_refused_asking_for_the_staff_number_and_found_with_it():
    make_coach("王伟", staff_number="T001")
    second = make_coach("王伟", staff_number="T002")
    plan = import_rows(national_row(HOME, "李明", coaches="王伟"))
    [error] = plan.errors
    assert (error.row, error.column) == (2, "coaches") and "王伟（T001）" in str(error)
    assert Entry.objects.count() == 0
    plan = import_rows(national_row(HOME, "李明", coaches="王伟（T002）"))
    assert plan.errors == []
    assert list(Entry.objects.get().coaches.all()) == [second]
    assert Coach.objects.count() == 2


def test_a_number_under_another_name_is_refused_in_the_numbers_column():
    make_student("郑泽鑫", student_number="20210001")
    plan = import_rows(national_row(DELEGATION, "郑永壕", "20210001"))
    [error] = plan.errors
    assert error.column == "student_numbers" and "郑泽鑫" in str(error) and "郑永壕" in str(error)


def test_a_typo_and_a_second_number_are_warned_and_the_command_still_creates_them(tmp_path):
    robots = make_department("机器人系")
    make_student("蒋家俊", student_number="20210001", department=robots, cohort_year=2021)
    make_student("郑泽鑫", student_number="20210002")
    rows = [
        national_row(HOME, "蒋家骏"),
        national_row(HOME, "郑泽鑫", "20219999", event="机电一体化"),
    ]
    plan = import_rows(*rows, dry_run=True)
    warned = {new.person.name: [match.label for match in new.near] for new in plan.warnings}
    assert warned == {
        "蒋家骏": ["蒋家俊（20210001） · 机器人系 · cohort 2021"],
        "郑泽鑫": ["郑泽鑫（20210002）"],
    }
    assert plan.confirmation

    dry = run_command(tmp_path, *rows, dry_run=True)
    assert "Warning: row 2" in dry and "蒋家俊（20210001）" in dry and "same pinyin" in dry
    assert "Warning: row 3" in dry and "郑泽鑫（20210002）" in dry and "same name" in dry
    assert Student.objects.count() == 2

    output = run_command(tmp_path, *rows)
    assert "Warning: row 2" in output
    assert Student.objects.filter(name="蒋家骏").exists()
    assert Student.objects.filter(name="郑泽鑫").count() == 2


def test_reimporting_adds_nothing_with_other_organizations_delegation_numbers_and_unnamed_rows():
    make_student("蒋家俊", student_number="20210001")
    rows = [
        *GOOD_ROWS,
        national_row(DELEGATION, "蒋家俊", "20210001", event="机电一体化", award="银牌"),
        national_row(DELEGATION, "王五", "20219999", event="机电一体化", award="铜牌"),
        national_row("外省技师学院", "", event="机电一体化", award="铜牌"),
        national_row("外省技师学院", "", event="机电一体化", award="铜牌"),
    ]
    assert import_rows(*rows).errors == []
    before = counts()
    plan = import_rows(*rows)
    assert (len(plan.to_add), len(plan.already_present)) == (0, 8)
    assert plan.new_students == plan.new_coaches == [] and counts() == before


def test_reimporting_a_sheet_imported_before_the_people_rules_changed_adds_nothing():
    """Entries as the earlier importer recorded them: a delegation's members were names even when
    their student numbers were home students', and its coaches were the delegation's own."""
    home = home_organization()
    jiang = make_student("蒋家俊", student_number="20210001")
    chen = make_coach("陈老师")
    delegation_coach = make_coach("陈老师", organization=make_organization(DELEGATION))
    competition = make_competition(NATIONAL, year=2023)
    robots = make_event(competition, name="移动机器人", is_team=True, max_team_size=2)
    mechatronics = make_event(competition, name="机电一体化", is_team=True, max_team_size=2)
    li = make_student("李文博")
    make_entry(robots, members=[jiang, li], organization=home, coaches=[chen], award="金牌", rank=1)
    make_entry(
        mechatronics,
        members=["蒋家俊", "郑泽鑫"],
        organization=DELEGATION,
        coaches=[delegation_coach],
        award="银牌",
    )
    make_entry(mechatronics, members=["张三"], organization="外省技师学院", award="铜牌")
    make_entry(mechatronics, organization=HOME, award="铜牌")
    make_entry(mechatronics, organization=HOME, award="铜牌")
    rows = [
        national_row(HOME, "蒋家俊、李文博", coaches="陈老师", rank="1"),
        national_row(
            DELEGATION,
            "蒋家俊、郑泽鑫",
            "20210001、20210002",
            coaches="陈老师",
            event="机电一体化",
            award="银牌",
        ),
        national_row("外省技师学院", "张三", event="机电一体化", award="铜牌"),
        national_row(HOME, "", event="机电一体化", award="铜牌"),
        national_row(HOME, "", event="机电一体化", award="铜牌"),
    ]
    before = counts()
    plan = import_rows(*rows)
    assert plan.errors == []
    assert (len(plan.to_add), len(plan.already_present)) == (0, 5)
    assert plan.new_students == plan.new_coaches == []
    assert counts() == before
