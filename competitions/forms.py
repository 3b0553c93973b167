from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from competitions.editing import (
    ENTRY_FIELDS,
    EntryRow,
    EventSpec,
    RowErrors,
    copied_events,
    create_competition,
    parse_event_lines,
)
from competitions.models import Award, Competition, Entry, Event, Photo, largest, normalize_label
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


class EntryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, entry: Entry) -> str:
        parts = [entry.event.name, entry.organization.name, entry.award.label if entry.award else ""]
        return " · ".join(part for part in parts if part)


def entries_of(competition: Competition):
    """The entries a photo of `competition` can show, with what their labels need in one query."""
    return Entry.objects.for_competition(competition).select_related("event", "organization", "award")


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

    def __init__(self, *args, awards: dict[str, Award] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.awards = awards  # the vocabulary by normalized label, read once for the whole page
        # The page shows the labels once, as column headings.
        for field in self.visible_fields():
            field.field.widget.attrs.setdefault("aria-label", field.label)

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
        if self.is_bound:
            posted = whole_number(self.data.get(f"{self.add_prefix(index)}-id"), maximum=MAX_ENTRY_ID)
            entry = self.entries.get(posted)
            kwargs["initial"] = entry_initial(entry) if entry else {}
            kwargs["awards"] = self.awards  # one query for every row's award
        return kwargs

    def rows(self) -> list[EntryRow]:
        """The rows to save (a valid formset's), numbered by their place in the event."""
        rows = []
        for number, form in enumerate(self.forms, start=self.first_number):
            entry_id = form.cleaned_data.get("id")
            if self._should_delete_form(form):
                if entry_id is not None:
                    rows.append(EntryRow(number=number, entry_id=entry_id, delete=True))
                continue
            if entry_id is None and not form.has_changed():
                continue  # a blank row
            data = form.cleaned_data
            rows.append(
                EntryRow(
                    number=number,
                    entry_id=entry_id,
                    organization=data["organization"],
                    members=data["members"],
                    coaches=data["coaches"],
                    award=data["award"],
                    rank=data["rank"],
                    score=data["score"],
                    notes=data["notes"],
                    changed=frozenset(form.changed_data) & ENTRY_FIELDS,
                )
            )
        return rows

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
# A new competition (competitions.views.entries.competition_create)


class CompetitionCreateForm(forms.ModelForm):
    """A competition with its events, typed as lines or copied from an earlier edition."""

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
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_name(self) -> str:
        return clean_text(self.cleaned_data["name"])

    def clean_events(self) -> list[EventSpec]:
        return parse_event_lines(self.cleaned_data["events"])

    def clean(self):
        cleaned = super().clean()
        name, year = cleaned.get("name"), cleaned.get("year")
        if name and year and Competition.objects.filter(name=name, year=year).exists():
            self.add_error(
                "name",
                _("“%(name)s” of %(year)d is already recorded.") % {"name": name, "year": year},
            )
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The competition cannot end before it starts."))
        source = cleaned.get("copy_events_from")
        specs = (copied_events(source) if source else []) + cleaned.get("events", [])
        doubled = sorted({spec.name for spec in specs if [s.name for s in specs].count(spec.name) > 1})
        if doubled:
            self.add_error("events", _("Events named twice: %(names)s.") % {"names": "、".join(doubled)})
        cleaned["event_specs"] = specs
        return cleaned

    def save(self, *, user=None) -> Competition:
        return create_competition(
            competition=self.instance, events=self.cleaned_data["event_specs"], user=user
        )
