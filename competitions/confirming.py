"""A second pair of eyes on every result, as Tabbycat confirms ballots.

The one owner of the rule:

- A result entered or changed by one office user is **unconfirmed** until **another** office user
  confirms it. Who recorded or last changed it is kept on the entry (`recorded_by`); the user who
  did may not confirm it. A result recorded by a command has no author: any office user may confirm
  it, unless the command was given `--confirmed-by USERNAME`, which records it as confirmed by that
  user.
- What counts as a change that un-confirms: a new entry, and a change of its award, rank, score,
  organization, members or coaches (RESULT_FIELDS). Notes do not: they say nothing about the result.
  A restored entry is a result brought back, so it waits for a confirmation again.
- A merge of two records of one person (students.merging) does not un-confirm: it changes which
  record a member points at, not the result, the merge is itself audited and checked in its own
  preview, and un-confirming every result of a person with many entries would bury the results
  that do need a look. It therefore never asks this module.
- Confirming changes no tally and raises no version (the numbers do not change); it is recorded in
  the entry's history with the reason "Confirmed". It confirms the result as the confirmer saw it:
  one changed since (see `seen`) is refused and shown again.
- With settings.RESULTS_NEED_CONFIRMATION off (a single-person office) every result counts as
  confirmed: the writers mark their results confirmed, `Entry.objects.confirmed()` is every entry,
  and no confirmation appears in the pages.

Every writer of results asks `stamp`: the entries form (editing.save_event_entries), the importer
(importing.apply_plan), record_entry and restore_entry (recording) and the admin (admin.EntryAdmin).
Counting "confirmed only" goes through competitions.tallies with `Entry.objects.confirmed()`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from competitions.models import Entry, confirmation_required
from students.people import lock_people

# What an office user changes that makes a result need a second look again.
RESULT_FIELDS = frozenset({"event", "organization", "award", "rank", "score", "members", "coaches"})
# The permission of an office user (office and administrators; teachers only read).
CONFIRM_PERMISSION = "competitions.change_entry"


class UnknownUser(LookupError):
    """A --confirmed-by username that names no account."""


def required() -> bool:
    """Whether results need a second office user's confirmation (models.confirmation_required)."""
    return confirmation_required()


def changes_result(fields: Iterable[str]) -> bool:
    """Whether a change of these fields (model field names, `_id` or not; "members", "coaches")
    makes a result need confirming again."""
    return any(name.removesuffix("_id") in RESULT_FIELDS for name in fields)


def request_user():
    """The logged-in user of the request being served, as django-simple-history attributes its
    history rows to them; None outside a request (a command, a background task)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def stamp(entry: Entry, *, user=None, changed: Iterable[str] = RESULT_FIELDS, confirmed_by=None) -> bool:
    """Note on `entry` (not saved) that `user` recorded or changed it, when `changed` names a
    result field: it is unconfirmed again, unless `confirmed_by` (a command's --confirmed-by) or
    confirmation is off. `user` defaults to the request's user (None for a command). Returns whether
    the entry's fields were set (the caller saves it)."""
    if not changes_result(changed):
        return False
    user = user if user is not None and user.is_authenticated else request_user()
    now = timezone.now()
    entry.recorded_by, entry.recorded_at = user, now
    if confirmed_by is not None:
        entry.confirmed_by, entry.confirmed_at = confirmed_by, now
    elif not required():
        entry.confirmed_by, entry.confirmed_at = user, now
    else:
        entry.confirmed_by, entry.confirmed_at = None, None
    return True


def confirmer(username: str | None):
    """The account a command's --confirmed-by names (None when not given); UnknownUser if none."""
    if username is None:
        return None
    try:
        return get_user_model().objects.get_by_natural_key(username)
    except get_user_model().DoesNotExist:
        raise UnknownUser(_("No user named “%(username)s”.") % {"username": username}) from None


def may_confirm(user) -> bool:
    """Whether the user is an office user who may confirm results (others' ones) at all."""
    return required() and user.is_authenticated and user.has_perm(CONFIRM_PERMISSION)


def refusal(entry: Entry, user) -> str | None:
    """Why `user` may not confirm `entry`, or None when they may."""
    if not may_confirm(user):
        return _("Only an office user can confirm results.")
    if entry.recorded_by_id is not None and entry.recorded_by_id == user.pk:
        return _("You recorded or last changed this result: another office user must confirm it.")
    return None


def seen(entry: Entry) -> str:
    """What a confirmer is shown of an entry, posted back with the confirmation: the entry and the
    moment of its latest result change. A result changed since is not confirmed unseen."""
    moment = entry.recorded_at.isoformat() if entry.recorded_at else ""
    return f"{entry.pk}@{moment}"


def parse_seen(values: Iterable[str]) -> dict[int, str]:
    """Posted `seen` values by entry id (bad values are left out)."""
    parsed = {}
    for value in values:
        pk, _at, moment = value.partition("@")
        if pk.isdigit():
            parsed[int(pk)] = moment
    return parsed


# The change reason of a confirmation's history record: stored untranslated (the record outlives
# the confirmer's language) and shown in the reader's language by recording.history_action.
CONFIRMED = "Confirmed"
CONFIRMED_REASONS = {CONFIRMED, "已确认"}


@dataclass
class Confirmed:
    confirmed: list[Entry] = field(default_factory=list)
    already: list[Entry] = field(default_factory=list)  # confirmed by someone else meanwhile
    changed: list[Entry] = field(default_factory=list)  # changed since the confirmer saw it
    refused: list[tuple[Entry, str]] = field(default_factory=list)  # (entry, why)
    missing: int = 0  # deleted meanwhile


@transaction.atomic
def confirm(shown: dict[int, str], *, user) -> Confirmed:
    """Confirm the entries the confirmer was shown (`shown`: entry id → `seen` moment), as `user`.

    Each confirmation is a history row of the entry, attributed to `user`, with the reason
    "Confirmed". No tally changes and no version is raised. Entries the user may not confirm, ones
    changed since they were shown and ones confirmed meanwhile are reported, not confirmed.
    """
    # The lock every writer of results takes first: no entries form or import is half-way through
    # these entries while they are confirmed (its full save would undo the confirmation unseen).
    lock_people()
    result = Confirmed()
    entries = {
        entry.pk: entry
        for entry in Entry.objects.select_for_update(of=("self",))
        .filter(pk__in=list(shown))
        .select_related("event", "organization", "award", "recorded_by", "confirmed_by")
    }
    result.missing = len(set(shown) - set(entries))
    now = timezone.now()
    for pk, entry in sorted(entries.items()):
        if entry.confirmed_at is not None:
            result.already.append(entry)
        elif seen(entry) != f"{pk}@{shown[pk]}":
            result.changed.append(entry)
        elif (why := refusal(entry, user)) is not None:
            result.refused.append((entry, why))
        else:
            entry.confirmed_by, entry.confirmed_at = user, now
            entry._history_user = user
            entry._change_reason = CONFIRMED
            entry.save(update_fields=["confirmed_by", "confirmed_at"])
            result.confirmed.append(entry)
    return result
