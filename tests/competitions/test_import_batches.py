"""Large sheets: applied in batches, matched in groups, read as a stream, with progress reported.

The batch sizes are made tiny here so that a few rows span several batches.
"""

import pytest
from django.contrib.auth import get_user_model

from competitions import importing
from competitions.aggregates import verify
from competitions.importing import PHASES, import_file
from competitions.models import Competition, Entry, EntryCoach, EntryMember, Event
from students.models import Student
from tests.factories import home_organization

pytestmark = pytest.mark.django_db

HOME = "本校技师学院"
HEADER = ["赛事", "年份", "级别", "赛项", "单位", "选手", "学号", "指导教师", "奖项", "名次"]


def sheet_rows(count: int, *, competition: str = "广东省第三届职业技能大赛") -> list[list[str]]:
    """`count` good rows over three events: home students with numbers, outside names, coaches,
    and two identical unnamed rows (a multiset on re-import)."""
    rows = []
    for index in range(count):
        event = f"赛项{index % 3}"
        if index % 2:
            people = [HOME, f"学生{index}", f"S{index:04d}", "王老师（T001）"]
        else:
            people = [f"外校{index % 4}", f"选手{index}、选手{index}b", "", "李教练"]
        rows.append(
            [competition, "2024", "省级", event, *people, "金牌" if index < 3 else "优胜奖", str(index + 1)]
        )
    rows += [[competition, "2024", "省级", "赛项0", HOME, "", "", "", "铜牌", ""]] * 2
    return rows


def csv_bytes(rows) -> bytes:
    return "\n".join(",".join(row) for row in [HEADER, *rows]).encode()


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    home_organization()
    monkeypatch.setattr(importing, "APPLY_BATCH", 4)
    monkeypatch.setattr(importing, "MATCH_BATCH", 5)


def test_a_sheet_of_many_batches_is_imported_whole_with_history_for_every_row():
    office = get_user_model().objects.create(username="office")
    plan = import_file(csv_bytes(sheet_rows(17)), "big.csv", user=office)
    assert not plan.errors and plan.summary()["entries"] == 19
    assert Entry.objects.count() == 19
    assert EntryMember.objects.count() == 8 + 9 * 2 and EntryCoach.objects.count() == 17
    # Every entry, member and coach row has its history row, attributed to the importing user.
    for model in (Entry, EntryMember, EntryCoach):
        created = model.history.filter(history_type="+", history_user=office)
        assert set(created.values_list("id", flat=True)) == set(model.objects.values_list("id", flat=True))
    assert Student.objects.count() == 8
    assert verify() == []


def test_a_bad_row_after_many_batches_imports_nothing():
    rows = sheet_rows(17)
    rows.append(
        ["广东省第三届职业技能大赛", "2024", "省级", "赛项1", HOME, "某人", "", "", "不存在的奖", "30"]
    )
    plan = import_file(csv_bytes(rows), "big.csv")
    assert [(error.row, error.column) for error in plan.errors] == [(len(rows) + 1, "award")]
    assert (Competition.objects.count(), Entry.objects.count(), Student.objects.count()) == (0, 0, 0)


def test_a_failure_while_writing_the_last_batch_leaves_nothing_written(monkeypatch):
    real_member_row = importing.member_row

    def member_row(entry, position, member):
        if member == "选手16b":  # in the last batch of rows
            raise RuntimeError("the worker was stopped")
        return real_member_row(entry, position, member)

    monkeypatch.setattr(importing, "member_row", member_row)
    with pytest.raises(RuntimeError):
        import_file(csv_bytes(sheet_rows(17)), "big.csv")
    assert (Competition.objects.count(), Event.objects.count(), Entry.objects.count()) == (0, 0, 0)
    assert Entry.history.count() == 0 and EntryMember.history.count() == 0
    assert Student.objects.count() == 0


def test_reimporting_a_sheet_matched_in_many_groups_adds_nothing():
    data = csv_bytes(sheet_rows(17))
    import_file(data, "big.csv")
    plan = import_file(data, "big.csv")
    assert (plan.summary()["entries"], plan.summary()["already_present"]) == (0, 19)
    assert Entry.objects.count() == 19
    # One more unnamed bronze row: the multiset finds two recorded and adds the third.
    plan = import_file(csv_bytes(sheet_rows(17) + sheet_rows(0)[:1]), "big.csv")
    assert (plan.summary()["entries"], plan.summary()["already_present"]) == (1, 19)


def test_progress_moves_forward_through_every_phase_and_reaches_the_totals():
    calls = []
    import_file(csv_bytes(sheet_rows(17)), "big.csv", progress=lambda *call: calls.append(call))
    phases = [phase for phase, _done, _total in calls]
    assert sorted(set(phases), key=PHASES.index) == list(PHASES)
    assert phases == sorted(phases, key=PHASES.index)  # reading, then checking, then applying
    for phase in PHASES:
        done = [d for p, d, _t in calls if p == phase]
        assert done == sorted(done) and done[0] == 0
    checking = [(d, t) for p, d, t in calls if p == "checking"]
    applying = [(d, t) for p, d, t in calls if p == "applying"]
    assert checking[-1] == (19, 19) and applying[-1] == (19, 19)
    assert len(applying) >= 19 // 4  # a report per batch at least: the bar moves while it writes


def test_a_dry_run_reports_reading_and_checking_only():
    calls = []
    import_file(csv_bytes(sheet_rows(5)), "big.csv", dry_run=True, progress=lambda *call: calls.append(call))
    assert {phase for phase, _done, _total in calls} == {"reading", "checking"}
    assert calls[-1] == ("checking", 7, 7)


def test_a_sheet_file_is_read_twice_and_its_rows_are_not_kept(monkeypatch, tmp_path):
    opened = []
    real_iter_rows = importing.iter_rows

    def iter_rows(source, filename=""):
        opened.append(source)
        return real_iter_rows(source, filename)

    monkeypatch.setattr(importing, "iter_rows", iter_rows)
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(sheet_rows(9)))
    plan = import_file(path, "big.csv")
    assert opened == [path, path]  # a survey (names, numbers, competitions), then row by row
    assert plan.summary()["entries"] == 11 and Entry.objects.count() == 11


def test_a_student_entered_twice_in_one_event_is_found_across_groups_of_rows():
    rows = sheet_rows(17)
    # Row 3 of the sheet enters 学生1 (S0001) in 赛项1; rows of other events come in between.
    rows.append(
        ["广东省第三届职业技能大赛", "2024", "省级", "赛项1", HOME, "学生1", "S0001", "", "银牌", "40"]
    )
    plan = import_file(csv_bytes(rows), "big.csv")
    assert [str(error) for error in plan.errors] == [
        f"Row {len(rows) + 1}, 选手: 学生1 is also entered in “赛项1” in row 3"
    ]
    assert Entry.objects.count() == 0
