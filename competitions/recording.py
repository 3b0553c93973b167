"""Recording one entry with its members and coaches, checked against the rules of DOMAIN.md."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from competitions.aggregates import refresh_competitions
from competitions.models import (
    Award,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    Member,
    Organization,
    once_per_event,
)
from students.models import Coach, Student

__all__ = ["Member", "check_members", "member_row", "record_entry"]


def member_row(entry: Entry, position: int, member: Member) -> EntryMember:
    """An unsaved member row: a home student, a competing teacher, or an outside name."""
    row = EntryMember(entry=entry, event_id=entry.event_id, position=position)
    if isinstance(member, Student):
        row.student, row.name = member, member.name
    elif isinstance(member, Coach):
        row.coach, row.name = member, member.name
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
) -> Entry:
    """Create one entry with its named members (in order) and coaches; nothing is saved on error."""
    check_members(event, members)
    entry = Entry.objects.create(
        event=event, organization=organization, award=award, rank=rank, score=score, notes=notes
    )
    bulk_create_with_history(
        [member_row(entry, position, member) for position, member in enumerate(members, start=1)], EntryMember
    )
    bulk_create_with_history(
        [EntryCoach(entry=entry, coach=coach) for coach in dict.fromkeys(coaches)], EntryCoach
    )
    refresh_competitions([event.competition_id])
    return entry
