import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from competitions.models import Competition, Entry, EntryMember, Event, Level, Organization, Skill
from competitions.recording import record_entry
from tests.factories import make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_student_twice_in_one_event():
    event = make_event(is_team=True)
    student = make_student("李文博")
    make_entry(event, members=[student])
    other = make_entry(event, members=[], organization="别的学院")
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryMember.objects.create(entry=other, name=student.name, student=student)


def test_a_student_may_enter_two_events_of_one_competition():
    competition = make_competition()
    student = make_student()
    make_entry(make_event(competition), members=[student])
    make_entry(make_event(competition), members=[student])
    assert student.memberships.count() == 2


def test_recording_refuses_a_student_already_in_the_event_and_saves_nothing():
    event = make_event(is_team=True)
    student = make_student("郑泽鑫")
    make_entry(event, members=[student])
    with pytest.raises(ValidationError, match="郑泽鑫"):
        make_entry(event, members=[make_student(), student], organization="别的学院")
    assert Entry.objects.count() == 1


def test_recording_refuses_a_team_larger_than_the_event_allows():
    event = make_event(is_team=True, min_team_size=2, max_team_size=2)
    with pytest.raises(ValidationError, match="at most 2"):
        make_entry(event, members=["甲", "乙", "丙"])
    assert Entry.objects.count() == 0


def test_recording_refuses_the_same_person_twice_in_one_entry():
    student = make_student()
    with pytest.raises(ValidationError):
        make_entry(make_event(is_team=True), members=[student, student])
    assert Entry.objects.count() == 0


def test_an_individual_event_cannot_allow_a_team():
    competition = make_competition()
    skill = Skill.objects.create(name="焊接")
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            competition=competition, skill=skill, name="焊接", is_team=False, max_team_size=2
        )


def test_a_team_size_range_must_not_be_upside_down():
    competition = make_competition()
    skill = Skill.objects.create(name="接力")
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            competition=competition, skill=skill, name="接力", is_team=True, min_team_size=6, max_team_size=4
        )


def test_an_entry_rank_starts_at_one():
    entry = make_entry()
    entry.rank = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()


def test_a_competition_cannot_end_before_it_starts():
    import datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        Competition.objects.create(
            name="倒序赛",
            year=2023,
            level=Level.SCHOOL,
            start_date=datetime.date(2023, 5, 2),
            end_date=datetime.date(2023, 5, 1),
        )


def test_a_competition_name_and_year_are_unique():
    make_competition("振兴杯", year=2023)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_competition("振兴杯", year=2023)
    make_competition("振兴杯", year=2024)


def test_only_one_organization_is_home():
    Organization.objects.create(name="本校", is_home=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="另一所", is_home=True)


def test_a_member_is_a_student_or_a_teacher_not_both():
    from tests.factories import make_coach

    entry = make_entry(make_event(is_team=True))
    with pytest.raises(IntegrityError), transaction.atomic():
        EntryMember.objects.create(
            entry=entry, name="x", student=make_student(), coach=make_coach(), position=9
        )


def test_record_entry_keeps_unnamed_members_as_an_entry_without_members():
    entry = record_entry(
        event=make_event(is_team=True), organization=Organization.objects.create(name="某队")
    )
    assert entry.members.count() == 0


@pytest.mark.django_db
def test_an_entry_identity_with_a_recorded_and_a_new_member_can_be_made():
    from competitions.models import entry_identity
    from students.models import Student
    from tests.factories import make_student

    recorded, new = make_student("甲"), Student(name="乙")
    identity = entry_identity(
        event_id=1, organization_id=1, award_id=1, rank=None, members=[new, recorded, "丙"]
    )
    again = entry_identity(
        event_id=1, organization_id=1, award_id=1, rank=None, members=["丙", recorded, new]
    )
    assert identity == again
    other = entry_identity(
        event_id=1, organization_id=1, award_id=1, rank=None, members=[Student(name="乙"), recorded, "丙"]
    )
    assert other.people != identity.people  # two unsaved records are two people
