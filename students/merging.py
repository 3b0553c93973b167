"""Merging two records of one person into one (DOMAIN.md rule 10).

Everything moves to the record kept: the entries the removed record competed in (and, for a teacher,
coached), the fields the kept record lacks, and the removed student's numbers, which stay findable
as former numbers (StudentNumberAlias) of the student kept. Then the removed record is deleted.

Two records both entered in one event are two people, or one of the entries is wrong (rule 7): such a
merge is refused and nothing changes. Every moved row gets a history row naming the merge and who
made it, a MergeRecord keeps what the office reads later, and the tallies of the competitions
concerned are recounted in the same transaction.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from competitions.aggregates import results_changed
from competitions.models import EntryCoach, EntryMember, Event, Honour
from students.models import Coach, MergeRecord, Student, StudentNumberAlias
from students.people import format_person, lock_people, number_of

# What the kept record takes from the removed one when it lacks it, in this order (a major is taken
# only with its own department, so it comes after the department).
STUDENT_FIELDS = [
    "student_number",
    "department",
    "major",
    "class_name",
    "cohort_year",
    "training_level",
    "photo",
]
COACH_FIELDS = ["staff_number", "department"]
# HistoricalRecords' change reason column.
REASON_MAX_CHARS = 100


def merge_students(*, keep: Student, remove: Student, user) -> MergeRecord:
    """Merge the student `remove` into `keep`; a ValidationError, and nothing changed, when refused."""
    return merge(keep=keep, remove=remove, user=user)


def merge_coaches(*, keep: Coach, remove: Coach, user) -> MergeRecord:
    """Merge the teacher `remove` into `keep`: entries competed in and coached; an entry coached by
    both keeps one coach row. A ValidationError, and nothing changed, when refused."""
    return merge(keep=keep, remove=remove, user=user)


@transaction.atomic
def merge(*, keep: Student | Coach, remove: Student | Coach, user) -> MergeRecord:
    model = type(keep)
    fields = STUDENT_FIELDS if model is Student else COACH_FIELDS
    member_field = member_field_of(model)
    lock_people()  # before any row lock, as imports and the entries form take it (one order)
    keep, remove = lock_pair(model, keep, remove)
    check_merge(keep=keep, remove=remove)
    reason = (
        _("Merge: %(removed)s into %(kept)s")
        % {"removed": format_person(remove), "kept": format_person(keep)}
    )[:REASON_MAX_CHARS]
    removed_fields = {name: as_text(remove, name) for name in ["name", *fields]}
    removed_number = number_of(remove)

    memberships = list(EntryMember.objects.filter(**{member_field: remove}))
    coachings = list(EntryCoach.objects.filter(coach=remove)) if model is Coach else []
    moved_entries = {row.entry_id for row in memberships} | {row.entry_id for row in coachings}
    moved_events = {row.event_id for row in memberships} | set(
        EntryCoach.objects.filter(pk__in=[row.pk for row in coachings]).values_list(
            "entry__event_id", flat=True
        )
    )
    competitions = set(
        Event.objects.filter(entries__in=moved_entries).values_list("competition", flat=True).distinct()
    )

    filled = fill_missing(keep, remove, fields)
    if model is Student:
        move_student_numbers(keep=keep, remove=remove, filled=filled)
    if filled:
        keep.save(update_fields=list(filled))
    if "department" in filled and model is Student:
        # The kept student's own entries now count for that department too.
        competitions |= set(keep.memberships.values_list("event__competition", flat=True).distinct())

    for row in memberships:
        setattr(row, member_field, keep)
    bulk_update_with_history(
        memberships, EntryMember, [member_field], default_user=user, default_change_reason=reason
    )
    move_coachings(coachings, keep=keep, user=user, reason=reason)
    # Honours (squad selections, technical experts ...) follow the person too.
    honour_field = "student" if model is Student else "coach"
    honours = list(Honour.objects.filter(**{honour_field: remove}))
    for honour in honours:
        setattr(honour, honour_field, keep)
    bulk_update_with_history(honours, Honour, [honour_field], default_user=user, default_change_reason=reason)

    record = MergeRecord.objects.create(
        kind=MergeRecord.Kind.STUDENT if model is Student else MergeRecord.Kind.COACH,
        merged_by=user,
        kept_id=keep.pk,
        kept_name=keep.name,
        kept_number=number_of(keep),
        removed_id=remove.pk,
        removed_name=remove.name,
        removed_number=removed_number,
        entries_moved=len(moved_entries),
        removed_fields={name: text for name, text in removed_fields.items() if text},
        filled_fields={name: as_text(keep, name) for name in filled},
    )
    remove.delete()
    # Editors with one of these events open hold the removed record's name and number: they must
    # reload before saving.
    results_changed(competitions, event_ids=moved_events)
    return record


def member_field_of(model: type[Student] | type[Coach]) -> str:
    """The field of EntryMember that names a person of `model` (a teacher competes as a coach)."""
    return "student" if model is Student else "coach"


def lock_pair(model, keep, remove) -> tuple:
    """Both records as they are now, locked until the merge commits (two merges of one record wait)."""
    found = model.objects.select_for_update().in_bulk([keep.pk, remove.pk])
    missing = [person for person in (keep, remove) if person.pk not in found]
    if missing:
        raise ValidationError(
            _("%(person)s no longer exists: it may have been merged already."),
            code="merge_missing",
            params={"person": format_person(missing[0])},
        )
    return found[keep.pk], found[remove.pk]


def check_merge(*, keep: Student | Coach, remove: Student | Coach) -> None:
    """Refuse a merge that cannot be made: a record with itself, or two records entered in one event
    (one person is entered once per event, rule 7). The merge pages ask before offering it."""
    if keep.pk == remove.pk:
        raise ValidationError(_("A record cannot be merged with itself."), code="merge_self")
    if isinstance(keep, Coach) and keep.organization_id != remove.organization_id:
        # A home teacher's coaching counts for the college (rule 9); an outside coach's does not.
        raise ValidationError(
            _(
                "%(removed)s and %(kept)s belong to different organizations (%(removed_org)s, "
                "%(kept_org)s): correct the organization of one of them first. Nothing was merged."
            ),
            code="merge_organizations",
            params={
                "removed": format_person(remove),
                "kept": format_person(keep),
                "removed_org": remove.organization.name if remove.organization_id else _("home college"),
                "kept_org": keep.organization.name if keep.organization_id else _("home college"),
            },
        )
    member_field = member_field_of(type(keep))
    shared = (
        EntryMember.objects.filter(**{member_field: keep})
        .filter(event__in=EntryMember.objects.filter(**{member_field: remove}).values("event"))
        .select_related("event__competition")
        .first()
    )
    if shared is not None:
        raise ValidationError(
            _(
                "%(removed)s and %(kept)s are both entered in “%(event)s” of %(competition)s: one person "
                "is entered once per event, so these are two people or one of the entries is wrong. "
                "Nothing was merged."
            ),
            code="merge_shared_event",
            params={
                "removed": format_person(remove),
                "kept": format_person(keep),
                "event": shared.event.name,
                "competition": str(shared.event.competition),
            },
        )


def is_empty(person, name: str) -> bool:
    return not getattr(person, person._meta.get_field(name).attname)


def fill_missing(keep, remove, fields: Iterable[str]) -> list[str]:
    """Copy to `keep` the fields it lacks and `remove` has; the names of the fields copied."""
    filled = []
    for name in fields:
        if not is_empty(keep, name) or is_empty(remove, name):
            continue
        if name == "major" and remove.major.department_id != keep.department_id:
            continue  # a major of another department would contradict the kept record's department
        setattr(keep, name, getattr(remove, name))
        filled.append(name)
    return filled


def move_student_numbers(*, keep: Student, remove: Student, filled: list[str]) -> None:
    """The removed student's number, and former numbers, become the kept student's former numbers
    (or its number, when it had none: fill_missing copied it). Numbers stay unique: the removed
    record gives its number up before anyone else holds it."""
    number = remove.student_number
    if number:
        remove.student_number = None
        remove.save(update_fields=["student_number"])
        if "student_number" not in filled:
            StudentNumberAlias.objects.create(number=number, student=keep)
    remove.number_aliases.update(student=keep)


def move_coachings(coachings: list[EntryCoach], *, keep: Coach, user, reason: str) -> None:
    """The removed teacher's coach rows go to the kept one; an entry both coached keeps one row."""
    if not coachings:
        return
    both = set(
        EntryCoach.objects.filter(coach=keep, entry__in=[row.entry_id for row in coachings]).values_list(
            "entry_id", flat=True
        )
    )
    moved = []
    for row in coachings:
        if row.entry_id in both:
            row._history_user = user  # read by django-simple-history for this delete
            row._change_reason = reason
            row.delete()
        else:
            row.coach = keep
            moved.append(row)
    bulk_update_with_history(moved, EntryCoach, ["coach"], default_user=user, default_change_reason=reason)


def as_text(person: Student | Coach, name: str) -> str:
    """A field of a person as the office reads it: a department's name, a level's label ..."""
    field = person._meta.get_field(name)
    if is_empty(person, name):
        return ""
    if field.choices:
        return str(getattr(person, f"get_{name}_display")())
    if isinstance(field, models.FileField):
        return getattr(person, name).name
    return str(getattr(person, name))
