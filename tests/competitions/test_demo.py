import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from competitions.demo import HOME_COLLEGE, STUDENTS, TEACHERS, load_demo
from competitions.models import (
    Award,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    Organization,
    Skill,
    Tier,
)
from competitions.tallies import medal_table
from students.models import Coach, Department, Student

pytestmark = pytest.mark.django_db

NATIONAL = "中华人民共和国第二届职业技能大赛"
PROVINCIAL = "广东省第三届职业技能大赛"


def home_row(competition_name):
    competition = Competition.objects.find(competition_name, 2023)
    table = medal_table(Entry.objects.for_competition(competition), by="organization")
    return next(row for row in table if row.name == HOME_COLLEGE), table


def row_counts():
    models = [
        Competition,
        Event,
        Entry,
        EntryMember,
        EntryCoach,
        Skill,
        Organization,
        Award,
        Student,
        Coach,
        Department,
        Group,
        get_user_model(),
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_national_home_tally_is_the_reports_2_gold_2_silver_4_bronze_3_excellence():
    load_demo()
    row, table = home_row(NATIONAL)
    assert (row.special, row.gold, row.silver, row.bronze, row.excellence) == (0, 2, 2, 4, 3)
    assert row.rank == 1
    assert len(table) > 1


def test_home_tally_does_not_depend_on_the_illustrative_organizations():
    load_demo()
    competition = Competition.objects.find(NATIONAL, 2023)
    entries = Entry.objects.for_competition(competition).filter(organization__is_illustrative=False)
    [row] = medal_table(entries, by="organization")
    assert (row.gold, row.silver, row.bronze, row.excellence) == (2, 2, 4, 3)


def test_loading_twice_changes_no_row_counts():
    load_demo()
    before = row_counts()
    summary = load_demo()
    assert row_counts() == before
    assert summary["added"] == 0


def test_every_named_person_exists_with_an_entry():
    load_demo()
    for name in STUDENTS:
        student = Student.objects.get(name=name)
        assert student.department is not None
        assert student.memberships.exists(), name
    for name in TEACHERS:
        assert Coach.objects.get(name=name).memberships.exists(), name


def test_jiang_jiajun_won_gold_in_mobile_robotics_at_the_national_competition():
    load_demo()
    member = EntryMember.objects.get(
        student__name="蒋家俊", entry__event__competition__name=NATIONAL, entry__event__name="移动机器人"
    )
    assert member.entry.award.label == "金牌"
    assert member.entry.organization.is_home


def test_zheng_zexin_competed_in_both_the_provincial_and_the_national_competition():
    load_demo()
    competitions = set(
        EntryMember.objects.filter(student__name="郑泽鑫").values_list(
            "entry__event__competition__name", flat=True
        )
    )
    assert competitions == {NATIONAL, PROVINCIAL}


def test_mobile_robotics_is_one_skill_across_competitions():
    load_demo()
    skill = Skill.objects.get(name="移动机器人")
    names = set(skill.events.values_list("competition__name", flat=True))
    assert names == {NATIONAL, PROVINCIAL, "第十二届穗港澳蓉青年技能竞赛"}
    assert skill.events.filter(is_team=True, min_team_size=2, max_team_size=2).count() == 3


def test_illustrative_organizations_are_flagged_and_only_they_are_made_up():
    load_demo()
    home = Organization.objects.get(name=HOME_COLLEGE)
    assert home.is_home and not home.is_illustrative
    others = Organization.objects.exclude(pk=home.pk)
    assert others.exists()
    assert all(org.is_illustrative and "示例" in org.name for org in others)
    assert (
        not Entry.objects.filter(organization__is_illustrative=True).exclude(notes__contains="示例").exists()
    )


def test_provincial_notes_name_the_contradiction_and_both_statements_are_kept():
    load_demo()
    competition = Competition.objects.find(PROVINCIAL, 2023)
    assert "矛盾" in competition.notes
    row, _table = home_row(PROVINCIAL)
    assert (row.gold, row.silver, row.bronze, row.excellence) == (5, 1, 3, 2)


def test_squad_selection_keeps_both_counts_in_the_notes():
    load_demo()
    competition = Competition.objects.get(name__contains="中国集训队")
    assert "7 名学生" in competition.notes and "10 名师生" in competition.notes
    entries = Entry.objects.for_competition(competition)
    assert entries.count() == 7
    assert all(entry.award.label == "入围国家集训队" and entry.tier == Tier.OTHER for entry in entries)


def test_named_award_is_added_to_the_vocabulary_and_used():
    load_demo()
    award = Award.objects.parse("百县千镇万村高质量发展贡献奖")
    assert award.tier == Tier.OTHER
    assert award.entries.count() == 1


def test_demo_accounts_and_groups():
    load_demo()
    User = get_user_model()
    admin, office, teacher = (User.objects.get(username=name) for name in ("admin", "office", "teacher"))
    assert admin.is_superuser and admin.check_password("demo-pass-2023")
    assert not office.is_staff and not office.is_superuser  # the office works in the app, not the admin
    assert not teacher.is_staff
    assert office.groups.filter(name="competition office").exists()
    assert teacher.groups.filter(name="teachers").exists()
    assert admin.groups.filter(name="administrators").exists()


def test_command_prints_a_summary_and_the_logins():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    output = out.getvalue()
    assert "15" in output
    for username in ("admin", "office", "teacher"):
        assert f"{username} / demo-pass-2023" in output
