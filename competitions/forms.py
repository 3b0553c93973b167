from datetime import timedelta
from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from competitions import tokens
from competitions.amending import change_competition, save_award, save_event
from competitions.editing import (
    ENTRY_FIELDS,
    MAX_TEAM,
    EntryRow,
    EventSpec,
    RowErrors,
    copied_events,
    create_competition,
    parse_event_lines,
)
from competitions.evidence import check_files as check_evidence_files
from competitions.evidence import save_document
from competitions.models import (
    ApiToken,
    Award,
    CertificateScan,
    Competition,
    Entry,
    Event,
    Organization,
    Photo,
    ResultDocument,
    Skill,
    largest,
    normalize_label,
)
from competitions.photos import ALLOWED_EXTENSIONS, save_photos, validate_image
from students.people import Person, clean_text, format_person, parse_people


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each cleaned on its own (Django's "Uploading multiple files")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, (list, tuple)) and data:
            return [single_file_clean(item, initial) for item in data]
        if not data and not self.required:
            return []
        # An empty list must still raise "This field is required".
        return [single_file_clean(data or None, initial)]


class EntryChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices grouped by event (one <optgroup> each), the members' names read in the same query.

    The queryset is read with a row per entry and member (a LEFT JOIN on the members, in their
    order) and put back together here, so the choices cost one query however many entries.
    """

    def __iter__(self):
        ordering = [
            *(self.queryset.query.order_by or self.queryset.model._meta.ordering),
            "members__position",
        ]
        rows = self.queryset.annotate(member_name=F("members__name")).order_by(*ordering)
        entries = []
        for _pk, same_entry in groupby(rows, key=lambda row: row.pk):
            same_entry = list(same_entry)
            entry = same_entry[0]
            entry.member_names = [row.member_name for row in same_entry if row.member_name]
            entries.append(entry)
        for _event_id, of_event in groupby(entries, key=lambda entry: entry.event_id):
            of_event = list(of_event)
            yield (of_event[0].event.name, [self.choice(entry) for entry in of_event])


class EntryChoiceField(forms.ModelMultipleChoiceField):
    """Entries a photo shows, named so that two entries of one event can be told apart: the
    organization, the members' names, the award and the rank (the event is the group's name)."""

    iterator = EntryChoiceIterator
    widget = forms.SelectMultiple(attrs={"size": 12})

    def __init__(self, *args, **kwargs):
        if not kwargs.get("help_text"):  # a ModelForm passes the model field's (empty) help text
            kwargs["help_text"] = _("Grouped by event; hold Ctrl (⌘ on a Mac) to choose several.")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, entry: Entry) -> str:
        names = getattr(entry, "member_names", None)
        if names is None:  # an entry that did not come through the iterator
            names = [member.name for member in entry.members.all()]
        rank = _("rank %(rank)s") % {"rank": entry.rank} if entry.rank else ""
        parts = [entry.organization.name, "、".join(names), entry.award.label if entry.award else "", rank]
        return " · ".join(str(part) for part in parts if part)


def entries_of(competition: Competition):
    """The entries a photo of `competition` can show, by event then rank, with what their labels
    need (EntryChoiceIterator reads them with their members' names in one query)."""
    return (
        Entry.objects.for_competition(competition)
        .select_related("event", "organization", "award")
        .order_by("event__name", "event_id", F("rank").asc(nulls_last=True), "id")
    )


class PhotoUploadForm(forms.Form):
    images = MultipleFileField(
        label=_("Photos"),
        help_text=_("JPEG, PNG or WebP; several files at once."),
        widget=MultipleFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)
    credit = forms.CharField(
        label=_("Credit"), max_length=200, required=False, help_text=_("Who took the photos.")
    )
    entries = EntryChoiceField(queryset=Entry.objects.none(), required=False, label=_("Entries shown"))

    def __init__(self, *args, competition: Competition, **kwargs):
        super().__init__(*args, **kwargs)
        self.competition = competition
        self.fields["entries"].queryset = entries_of(competition)

    def clean_images(self):
        files = self.cleaned_data["images"]
        errors = []
        for uploaded_file in files:
            try:
                validate_image(uploaded_file)
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return files

    def save(self, *, user=None) -> list[Photo]:
        return save_photos(
            competition=self.competition,
            files=self.cleaned_data["images"],
            caption=self.cleaned_data["caption"],
            credit=self.cleaned_data["credit"],
            entries=self.cleaned_data["entries"],
            user=user,
        )


class PhotoTagForm(forms.ModelForm):
    """Caption, credit and the entries shown, for a photo already stored."""

    class Meta:
        model = Photo
        fields = ["caption", "credit", "entries"]
        field_classes = {"entries": EntryChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entries"].queryset = entries_of(self.instance.competition)


# ---------------------------------------------------------------------------------------------
# The entries page of an event (competitions.views.entries.event_entries)


MAX_RANK = largest(Entry, "rank")
MAX_ENTRY_ID = largest(Entry, "id")
MAX_VERSION = largest(Event, "version")

# An event's entries are edited a page at a time, so that a page of the largest event still sends
# far fewer fields than Django's DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000): a row of an entry sends 16
# (its id, 7 fields each with the value it was loaded with, “Delete”), a blank row 15, so a full page
# with the most blank rows sends 30 × 16 + 20 × 15 = 780 fields, plus a handful for the form itself.
ENTRIES_PER_PAGE = 30
BLANK_ROWS = 3
MAX_BLANK_ROWS = 20


def whole_number(text: str | None, *, maximum: int) -> int | None:
    """`text` as a whole number from 0 to `maximum`, or None when it is anything else.

    For what a URL or a hidden field carries (a page, a version, an entry's id): a forged value such
    as “²” (a digit to str.isdigit, not to int) or 20 nines never reaches int() or the database.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def people_input(kind: str = "", **attrs) -> forms.TextInput:
    """A text input of names that static/js/people-autocomplete.js completes from people.json.

    `kind` ("student" or "coach") limits the suggestions to students or to teachers.
    """
    url = reverse_lazy("competitions:people-search")
    if kind:
        url = format_lazy("{}?kind={}", url, kind)
    return forms.TextInput(attrs={"data-people-autocomplete": url, "autocomplete": "off", **attrs})


class EntryRowForm(forms.Form):
    """One entry as a row of text fields; the people in it are found when the page is saved.

    Each field also sends the value it was loaded with (show_hidden_initial), so that saving writes
    only what this editor changed, even after another editor's save was reviewed.
    """

    id = forms.CharField(required=False, widget=forms.HiddenInput)
    organization = forms.CharField(
        label=_("Organization"),
        max_length=200,
        show_hidden_initial=True,
        widget=forms.TextInput(attrs={"list": "organization-names", "autocomplete": "off", "size": 18}),
    )
    members = forms.CharField(
        label=_("Members"),
        required=False,
        max_length=2000,
        show_hidden_initial=True,
        widget=people_input(size=30),
    )
    coaches = forms.CharField(
        label=_("Coaches"),
        required=False,
        max_length=2000,
        show_hidden_initial=True,
        widget=people_input("coach", size=14),
    )
    award = forms.CharField(
        label=_("Award"),
        required=False,
        max_length=100,
        show_hidden_initial=True,
        widget=forms.TextInput(attrs={"list": "award-labels", "autocomplete": "off", "size": 10}),
    )
    rank = forms.IntegerField(
        label=_("Rank"),
        required=False,
        min_value=1,
        max_value=MAX_RANK,  # a larger number is a field error, not a database error
        show_hidden_initial=True,
    )
    score = forms.CharField(
        label=_("Score"),
        required=False,
        max_length=50,
        show_hidden_initial=True,
        widget=forms.TextInput(attrs={"size": 6}),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        show_hidden_initial=True,
        widget=forms.TextInput(attrs={"size": 12}),
    )

    def __init__(self, *args, awards: dict[str, Award] | None = None, number: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.awards = awards  # the vocabulary by normalized label, read once for the whole page
        self.number = number  # the row's place in the event, from 1
        # The page shows the labels once, as column headings; a screen reader hears each field's
        # label with its row, as a sighted reader reads it from the heading and the “#” column.
        for field in self.visible_fields():
            field.field.widget.attrs.setdefault("aria-label", self.row_label(field.label))

    def row_label(self, label: str) -> str:
        if self.number is None:
            return str(label)
        return pgettext("entries form", "%(field)s, entry %(number)d") % {
            "field": label,
            "number": self.number,
        }

    def typed_award(self) -> Award | None:
        """The vocabulary's award for the label in the award field as shown (typed or recorded)."""
        label = self["award"].value() or ""
        return self.awards.get(normalize_label(label)) if label and self.awards is not None else None

    def clean_id(self) -> int | None:
        text = self.cleaned_data["id"]
        if not text:
            return None  # a new entry
        entry_id = whole_number(text, maximum=MAX_ENTRY_ID)
        if not entry_id:  # only a changed page sends this
            raise ValidationError(_("This row names no entry: open the page again."))
        return entry_id

    def clean_organization(self) -> str:
        return clean_text(self.cleaned_data["organization"])

    def clean_members(self) -> list[Person]:
        return parse_people(self.cleaned_data["members"])

    def clean_coaches(self) -> list[Person]:
        return parse_people(self.cleaned_data["coaches"])

    def clean_award(self) -> Award | None:
        label = self.cleaned_data["award"].strip()
        if not label:
            return None
        known = self.awards.get(normalize_label(label)) if self.awards is not None else None
        return known or Award.objects.parse(label)  # parse refuses an unknown label with its message

    def clean_score(self) -> str:
        return self.cleaned_data["score"].strip()

    def clean_notes(self) -> str:
        return self.cleaned_data["notes"].strip()


def entry_initial(entry: Entry) -> dict:
    """What a row shows for an entry (loaded with Entry.objects.with_people())."""
    return {
        "id": entry.pk,
        "organization": entry.organization.name,
        "members": "、".join(format_person(m.student or m.coach or m.name) for m in entry.members.all()),
        "coaches": "、".join(format_person(coach) for coach in entry.coaches.all()),
        "award": entry.award.label if entry.award else "",
        "rank": entry.rank,
        "score": entry.score,
        "notes": entry.notes,
    }


class BaseEntryRowFormSet(forms.BaseFormSet):
    """A page of an event's entries, one row each, plus blank rows for new entries.

    A posted row names its entry by id, and is compared with that entry (not with the row at the
    same place when the page was loaded), so rows never get mixed up if the entries changed since.
    Rows are numbered from `first_number` (the place of the page's first entry in the whole event),
    in the page and in the messages about them.
    """

    def __init__(self, *args, entries: list[Entry], first_number: int = 1, **kwargs):
        self.entries = {entry.pk: entry for entry in entries}
        self.first_number = first_number
        if not args and "data" not in kwargs:
            kwargs.setdefault("initial", [entry_initial(entry) for entry in entries])
        super().__init__(*args, **kwargs)

    @cached_property
    def awards(self) -> dict[str, Award]:
        return {award.normalized: award for award in Award.objects.all()}

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None:
            kwargs["number"] = self.first_number + index
        if self.is_bound:
            posted = whole_number(self.data.get(f"{self.add_prefix(index)}-id"), maximum=MAX_ENTRY_ID)
            entry = self.entries.get(posted)
            kwargs["initial"] = entry_initial(entry) if entry else {}
        kwargs["awards"] = self.awards  # one query for every row's award
        return kwargs

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:  # “Delete entry 3”: one name per checkbox, not 30 “Delete”s
            label = (
                gettext("Delete entry %(number)d") % {"number": form.number} if form.number else _("Delete")
            )
            form.fields["DELETE"].widget.attrs["aria-label"] = label

    def rows(self) -> list[EntryRow]:
        """The rows to save, numbered by their place in the event.

        For a formset with field errors, the rows as far as they could be read, so that the rules
        across rows (a person once per event, a team that fits) are checked in the same pass: a field
        that could not be read counts as unchanged (an entry keeps what it has, a new entry has it
        empty), and a row whose entry cannot be named is left out.
        """
        rows = []
        for number, form in enumerate(self.forms, start=self.first_number):
            data = getattr(form, "cleaned_data", {})
            if "id" not in data:
                continue  # a forged row: its field error says so
            entry_id = data["id"]
            if self._should_delete_form(form):
                if entry_id is not None:
                    rows.append(EntryRow(number=number, entry_id=entry_id, delete=True))
                continue
            if entry_id is None and not form.has_changed():
                continue  # a blank row
            read = EntryRow(number=number)  # the defaults of a field that could not be read
            rows.append(
                EntryRow(
                    number=number,
                    entry_id=entry_id,
                    organization=data.get("organization", read.organization),
                    members=data.get("members", read.members),
                    coaches=data.get("coaches", read.coaches),
                    award=data.get("award", read.award),
                    rank=data.get("rank", read.rank),
                    score=data.get("score", read.score),
                    notes=data.get("notes", read.notes),
                    changed=frozenset(name for name in form.changed_data if name in data) & ENTRY_FIELDS,
                )
            )
        return rows

    def error_summary(self) -> list[dict]:
        """Every error of the page, row by row, in the order of the page: what the summary at its top
        lists, each with the id of the field (or the row) it links to."""
        summary = [{"message": message, "target": ""} for message in self.non_form_errors()]
        for number, form in enumerate(self.forms, start=self.first_number):
            for name, messages in form.errors.items():
                if name == "__all__" or name not in form.fields or name == "id":
                    target, where = (
                        f"entry-row-{number}",
                        pgettext("entries form", "Row %(number)d") % {"number": number},
                    )
                else:
                    field = form[name]
                    target = field.auto_id
                    where = pgettext("entries form", "Row %(number)d, %(field)s") % {
                        "number": number,
                        "field": field.label,
                    }
                for message in messages:
                    text = pgettext("entries form", "%(where)s: %(message)s") % {
                        "where": where,
                        "message": message,
                    }
                    summary.append({"message": text, "target": target})
        return summary

    def add_row_errors(self, errors: RowErrors) -> None:
        for number, fields in errors.errors.items():
            form = self.forms[number - self.first_number]
            for name, messages in fields.items():
                for message in messages:
                    form.add_error(name or None, message)

    def ranks(self) -> list[int | None]:
        """Each row's rank as typed (None when empty, unreadable, blank or deleted), for proposals."""
        ranks = []
        for form in self.forms:
            rank = whole_number(form.data.get(form.add_prefix("rank")), maximum=MAX_RANK)
            deleted = self.can_delete and form.add_prefix("DELETE") in form.data
            ranks.append(rank if rank and not deleted else None)
        return ranks


def posted_entry_ids(data, *, prefix: str) -> list[int]:
    """The ids of the entries a posted page of EntryRowFormSet shows, to load them before it is read."""
    rows = whole_number(data.get(f"{prefix}-TOTAL_FORMS"), maximum=ENTRIES_PER_PAGE + MAX_BLANK_ROWS) or 0
    ids = (whole_number(data.get(f"{prefix}-{index}-id"), maximum=MAX_ENTRY_ID) for index in range(rows))
    return [number for number in ids if number]


EntryRowFormSet = forms.formset_factory(
    EntryRowForm,
    formset=BaseEntryRowFormSet,
    extra=BLANK_ROWS,
    can_delete=True,
    can_delete_extra=False,
    # A posted page holds at most this many rows; more is refused before any row is read.
    max_num=ENTRIES_PER_PAGE + MAX_BLANK_ROWS,
    absolute_max=ENTRIES_PER_PAGE + MAX_BLANK_ROWS,
    validate_max=True,
)


# ---------------------------------------------------------------------------------------------
# A competition (competitions.views.entries.competition_create, competitions.views.office)


class CompetitionForm(forms.ModelForm):
    """A competition's facts. A new one comes with its events, typed as lines or copied from an
    earlier edition; an existing one (its events have their own pages) adds its notes and which
    organizations are out of the ranking or left out of its table (DOMAIN.md rule 6)."""

    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)
    events = forms.CharField(
        label=_("Events"),
        required=False,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": _(
                    "Mobile robotics | team 2-2 | selection\nMechatronics | team 2-2\n3D digital game art"
                ),
            }
        ),
        help_text=_(
            "One event per line: its name, optionally “| team 2-3” (team sizes) and “| selection” "
            "(a WorldSkills selection event)."
        ),
    )
    copy_events_from = forms.ModelChoiceField(
        label=_("Copy events from a previous edition"),
        queryset=Competition.objects.order_by("name", "year"),
        required=False,
        help_text=_("Its events are created again: name, skill, team sizes and selection flag."),
    )

    class Meta:
        model = Competition
        fields = [
            "name",
            "edition",
            "year",
            "start_date",
            "end_date",
            "host",
            "level",
            "category",
            "award_rule",
            "notes",
            "unranked_organizations",
            "excluded_organizations",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "unranked_organizations": forms.CheckboxSelectMultiple,
            "excluded_organizations": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["events"], self.fields["copy_events_from"]
            # The organizations that compete in it (and any already chosen): a short list to tick.
            competing = Organization.objects.filter(
                Q(entries__event__competition=self.instance)
                | Q(pk__in=self.instance.unranked_organizations.values("pk"))
                | Q(pk__in=self.instance.excluded_organizations.values("pk"))
            ).distinct()
            for name in ("unranked_organizations", "excluded_organizations"):
                self.fields[name].queryset = competing.order_by("name")
        else:
            for name in ("notes", "unranked_organizations", "excluded_organizations"):
                del self.fields[name]

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"])

    def clean_events(self) -> list[EventSpec]:
        return parse_event_lines(self.cleaned_data["events"])

    def clean(self):
        cleaned = super().clean()
        name, year = cleaned.get("name"), cleaned.get("year")
        others = Competition.objects.exclude(pk=self.instance.pk)
        if name and year and others.filter(name=name, year=year).exists():
            self.add_error(
                "name",
                _("“%(name)s” of %(year)d is already recorded.") % {"name": name, "year": year},
            )
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The competition cannot end before it starts."))
        both = set(cleaned.get("unranked_organizations") or []) & set(
            cleaned.get("excluded_organizations") or []
        )
        if both:
            self.add_error(
                "excluded_organizations",
                _("Out of the ranking and left out of the table at once: %(names)s.")
                % {"names": "、".join(sorted(organization.name for organization in both))},
            )
        if "events" in self.fields:
            source = cleaned.get("copy_events_from")
            specs = (copied_events(source) if source else []) + cleaned.get("events", [])
            doubled = sorted({spec.name for spec in specs if [s.name for s in specs].count(spec.name) > 1})
            if doubled:
                self.add_error("events", _("Events named twice: %(names)s.") % {"names": "、".join(doubled)})
            cleaned["event_specs"] = specs
        return cleaned

    def save(self, *, user=None) -> Competition:
        if self.instance.pk:
            return change_competition(self, user=user)
        return create_competition(
            competition=self.instance, events=self.cleaned_data["event_specs"], user=user
        )


# ---------------------------------------------------------------------------------------------
# An event of a competition (competitions.views.office.event_add, event_edit)


class EventForm(forms.ModelForm):
    skill_name = forms.CharField(
        label=_("Skill"),
        required=False,
        max_length=Skill._meta.get_field("name").max_length,
        widget=forms.TextInput(attrs={"list": "skill-names", "autocomplete": "off"}),
        help_text=_(
            "The skill this event is one edition of, across competitions and years; empty: the event's name."
        ),
    )

    field_order = ["name", "skill_name", "is_team", "min_team_size", "max_team_size", "is_selection"]

    class Meta:
        model = Event
        fields = ["name", "is_team", "min_team_size", "max_team_size", "is_selection"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["skill_name"].initial = self.instance.skill.name
        for name in ("min_team_size", "max_team_size"):
            self.fields[name].min_value = 1
            self.fields[name].max_value = MAX_TEAM
            self.fields[name].widget.attrs.update(min=1, max=MAX_TEAM)

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"])

    def clean_skill_name(self) -> str:
        return clean_text(self.cleaned_data["skill_name"])

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("is_team"):
            cleaned["min_team_size"] = cleaned["max_team_size"] = 1  # an individual event
        else:
            low, high = cleaned.get("min_team_size"), cleaned.get("max_team_size")
            if low and high and high < low:
                self.add_error("max_team_size", _("The largest team cannot be smaller than the smallest."))
        return cleaned

    def save(self, *, user=None) -> Event:
        """Raises ValidationError (by field) when the event cannot change so (amending.save_event)."""
        return save_event(self.instance, skill_name=self.cleaned_data["skill_name"], user=user)


# ---------------------------------------------------------------------------------------------
# The award vocabulary (competitions.views.office.award_list)


class AwardForm(forms.ModelForm):
    """A new label with its tier; for a label already in the vocabulary, its tier only."""

    class Meta:
        model = Award
        fields = ["label", "tier"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A label stays as written: sheets and entries recorded with it keep finding it.
            del self.fields["label"]

    def clean_label(self) -> str:
        return clean_text(self.cleaned_data["label"])

    def save(self, *, user=None) -> Award:
        return save_award(self.instance, user=user)


class ApiTokenForm(forms.Form):
    """A new key to the read API for the logged-in user (competitions.views.account)."""

    NEVER = "never"
    EXPIRES = {"30": 30, "90": 90, "365": 365}

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, e.g. the college website."),
    )
    expires = forms.ChoiceField(
        label=_("Expires"),
        choices=[
            (NEVER, _("Never (until revoked)")),
            ("30", _("In 30 days")),
            ("90", _("In 90 days")),
            ("365", _("In a year")),
        ],
        initial=NEVER,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("Give the key a name."))
        return name

    def clean(self):
        if ApiToken.objects.active().filter(user=self.user).count() >= tokens.MAX_ACTIVE:
            raise ValidationError(
                _("You have the most working keys allowed (%(count)d): revoke one you no longer use first.")
                % {"count": tokens.MAX_ACTIVE}
            )
        return super().clean()

    def expires_at(self):
        days = self.EXPIRES.get(self.cleaned_data["expires"])
        return None if days is None else timezone.now() + timedelta(days=days)


# ---------------------------------------------------------------------------------------------
# Evidence: an entry's certificate scans and a competition's result documents
# (competitions.views.evidence; the checks and storage in competitions.evidence)

EVIDENCE_ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,application/pdf,image/jpeg,image/png,image/webp"


class ScanUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Certificate scans"),
        help_text=_("PDF, JPEG, PNG or WebP; several files at once. The kind is read from the content."),
        widget=MultipleFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)

    def clean_files(self):
        self.checked = check_evidence_files(self.cleaned_data["files"])
        return self.cleaned_data["files"]


class ScanCaptionForm(forms.ModelForm):
    class Meta:
        model = CertificateScan
        fields = ["caption"]


class CoveredEntriesField(EntryChoiceField):
    """The entries a result document covers: checkboxes grouped by event."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"})


class ResultDocumentForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("Optional: the notice as a PDF or an image. A new file replaces the one stored."),
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )

    field_order = ["issuer", "number", "issued_on", "title", "upload", "entries"]

    class Meta:
        model = ResultDocument
        fields = ["issuer", "number", "issued_on", "title", "entries"]
        field_classes = {"entries": CoveredEntriesField}
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, competition: Competition, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.competition = competition
        self.fields["entries"].queryset = entries_of(competition)
        self.fields["entries"].help_text = _("The entries of this competition that the document lists.")
        self.checked = None

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            self.checked = check_evidence_files([upload])[0]
        return upload

    def save(self, *, user=None) -> ResultDocument:
        return save_document(
            document=self.instance, upload=self.checked, entries=self.cleaned_data["entries"], user=user
        )
