"""Writing results one entry at a time: recording an entry with its members and coaches, restoring
a deleted one, changing a competition's medal-point weights. Each is one transaction that ends
with aggregates.results_changed (tallies recounted, cached pages and open forms renewed); the
importer (importing.apply_plan), the entries form (editing.save_event_entries) and the merge tool
(students.merging) end the same way."""

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from competitions import confirming, fragments
from competitions.aggregates import lock_tallies, results_changed
from competitions.auditing import bulk_create_audited
from competitions.models import (
    Award,
    CertificateScan,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    Member,
    Organization,
    Photo,
    ResultDocument,
    once_per_event,
)
from students.models import Coach, Student
from students.people import lock_people

__all__ = ["Member", "check_members", "member_row", "record_entry"]


def member_row(entry: Entry, position: int, member: Member) -> EntryMember:
    """An unsaved member row of a saved entry: a home student, a competing teacher, or an outside
    name."""
    # Ids rather than objects: the importer makes tens of thousands of rows, and an object goes
    # through the relation's descriptor (about a tenth of an import's time at 20,000 rows).
    row = EntryMember(entry_id=entry.pk, event_id=entry.event_id, position=position)
    if isinstance(member, Student):
        row.student_id, row.name = member.pk, member.name
    elif isinstance(member, Coach):
        row.coach_id, row.name = member.pk, member.name
    else:
        row.name = " ".join(str(member).split())
        if not row.name:
            raise ValidationError(_("A member's name is empty."))
    return row


def check_members(event: Event, members: Sequence[Member], *, entry: Entry | None = None) -> None:
    """Refuse a team that does not fit the event or a person already entered in it."""
    event.check_team_size(len(members))
    clashes = once_per_event([(event, members)], replacing=[entry.pk] if entry is not None else [])
    if any(clash.other is not None for clash in clashes):
        raise ValidationError(_("The same person is listed twice in one entry."))
    if clashes:
        raise ValidationError(
            _("Already entered in “%(event)s”: %(names)s.")
            % {"event": event.name, "names": "、".join(sorted(clash.person.name for clash in clashes))}
        )


@transaction.atomic
def record_entry(
    *,
    event: Event,
    organization: Organization,
    award: Award | None = None,
    rank: int | None = None,
    score: str = "",
    notes: str = "",
    members: Sequence[Member] = (),
    coaches: Iterable[Coach] = (),
    confirmed_by=None,
) -> Entry:
    """Create one entry with its named members (in order) and coaches; nothing is saved on error.
    It is unconfirmed unless `confirmed_by` (a command's --confirmed-by) is given."""
    # Taken first, as the importer, the entries form and merges take it: the check below then sees
    # every entry committed before (two recordings of one student: the second is refused, not an
    # IntegrityError), and the locks come in one order everywhere (no deadlock with those writers).
    lock_people()
    check_members(event, members)
    entry = Entry(event=event, organization=organization, award=award, rank=rank, score=score, notes=notes)
    confirming.stamp(entry, confirmed_by=confirmed_by)  # recorded by the request's user, if any
    entry.save()
    bulk_create_audited(
        [member_row(entry, position, member) for position, member in enumerate(members, start=1)], EntryMember
    )
    bulk_create_audited(
        [EntryCoach(entry=entry, coach=coach) for coach in dict.fromkeys(coaches)], EntryCoach
    )
    results_changed([event.competition_id], event_ids=[event.pk])
    return entry


# Members and coaches removed by the deletion of their entry are deleted in the same transaction,
# milliseconds before the entry itself; anything removed earlier was removed on its own.
CASCADE_WINDOW = timedelta(seconds=2)


def latest_deleted(history, since) -> list:
    """Instances whose latest historical record is a deletion made at or after `since`."""
    latest = {}
    for record in history.order_by("history_date", "history_id"):
        latest[record.id] = record
    return [r.instance for r in latest.values() if r.history_type == "-" and r.history_date >= since]


# The change reason of the records a restore writes. Stored untranslated (a record outlives the
# language of the person who wrote it) and shown as "Restored" in the reader's language by
# history_action; restores made before this was fixed stored the Chinese word.
RESTORED = "Restored"
_RESTORED_REASONS = {RESTORED, "已恢复"}


def history_action(record) -> str:
    """What a historical record did, as the history pages say it: a restore writes a creation
    record ("+"), which is shown as "Restored", not "Created"; a confirmation is a change record
    shown as "Changed · Confirmed"."""
    if record.history_type == "+" and record.history_change_reason in _RESTORED_REASONS:
        return _("Restored")
    if record.history_change_reason in confirming.CONFIRMED_REASONS:
        return _("%(action)s · Confirmed") % {"action": record.get_history_type_display()}
    return record.get_history_type_display()


@transaction.atomic
def restore_entry(record) -> Entry:
    """Bring back a deleted entry (its latest deletion record) with the members and coaches deleted
    with it, and its tags on the photos that still exist. Raises IntegrityError when one of the
    members has been entered in the event again (rule 7)."""
    lock_people()  # first, as record_entry takes it: one lock order for every writer of entries
    since = record.history_date - CASCADE_WINDOW
    entry = record.instance
    entry._change_reason = RESTORED
    confirming.stamp(entry)  # a result brought back: a second office user looks again
    entry.save()
    for member in latest_deleted(EntryMember.history.filter(entry_id=entry.pk), since):
        member._change_reason = RESTORED
        member.save()
    for coaching in latest_deleted(EntryCoach.history.filter(entry_id=entry.pk), since):
        coaching._change_reason = RESTORED
        coaching.save()
    for photo in photos_tagged_when_deleted(entry.pk, record.history_date):
        photo._change_reason = RESTORED
        photo.entries.add(entry)  # a history record of the photo with its tags (m2m_fields)
    # Its evidence: the certificate scans deleted with it (their files were kept), and its place in
    # the result documents that still exist and covered it.
    for scan in latest_deleted(CertificateScan.history.filter(entry_id=entry.pk), since):
        scan._change_reason = RESTORED
        scan.save()
    for document in linked_when_deleted(ResultDocument, entry.pk, record.history_date):
        document._change_reason = RESTORED
        document.entries.add(entry)
    event = Event.objects.get(pk=record.event_id)
    results_changed([event.competition_id], event_ids=[event.pk])
    return entry


def photos_tagged_when_deleted(entry_id: int, deleted_at) -> list[Photo]:
    """The photos that still exist and showed the entry when it was deleted.

    Deleting an entry deletes its rows of Photo.entries without a trace in the photo's history, so
    each photo's last historical record from before the deletion still lists its tags then
    (django-simple-history keeps them with every record, Photo's m2m_fields). A tag removed before
    the deletion is not in that record, and is not brought back.
    """
    return linked_when_deleted(Photo, entry_id, deleted_at)


def linked_when_deleted(model, entry_id: int, deleted_at) -> list:
    """The rows of `model` (Photo, ResultDocument: an `entries` many-to-many kept in their history)
    that still exist and were linked to the entry when it was deleted."""
    tags = model.history.model.entries.model  # the historical rows of model.entries
    candidates = model.objects.filter(
        pk__in=tags.objects.filter(entry_id=entry_id).values(f"{model._meta.model_name}_id")
    ).order_by("pk")
    tagged = []
    for linked in candidates:
        last = (
            model.history.filter(id=linked.pk, history_date__lte=deleted_at)
            .order_by("-history_date", "-history_id")
            .first()
        )
        if last is not None and tags.objects.filter(history=last, entry_id=entry_id).exists():
            tagged.append(linked)
    return tagged


@transaction.atomic
def change_weights(form) -> None:
    """Save a competition's medal-point weights (a ModelForm on it): the stored tallies hold
    points, so they are recounted."""
    competition = form.instance
    # The tally lock before the competition's row: every other writer of results takes them in that
    # order (results_changed locks the tallies, then raises the competition's results_version).
    lock_tallies()
    # Saved through the model, so django-simple-history records who changed what and when.
    competition._change_reason = _("Medal-point weights changed")
    form.save()
    results_changed([competition.pk], event_ids=())


@transaction.atomic
def change_skill(form) -> None:
    """Save a skill's names and placeholder flag (a ModelForm on it). The counts do not change,
    but the tallies' cached pages name and rank skills: the competitions holding the skill get a
    new results_version, the key of those caches."""
    skill = form.save(commit=False)
    lock_tallies()  # before the competitions' rows, as every writer of results does
    skill.save()
    fragments.shown_changed(Competition.objects.filter(events__skill=skill).values_list("pk", flat=True))
