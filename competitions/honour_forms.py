"""The office's form of an honour (competitions.views.honours): the person written as the entries
form writes them (`姓名（学号）`, found by students.people's rules, never created), and the entries
chosen within one competition at a time, not from every entry of every year."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from competitions.forms import EntryChoiceField, people_input, whole_number
from competitions.honours import check_entries
from competitions.models import Competition, Entry, Honour, Organization, largest
from students.people import People, format_person, parse_people

MAX_ENTRY_ID = largest(Entry, "id")


def entry_choices(competition: Competition | None, ids: list[int]):
    """The entries the form offers: those of the chosen competition and those already chosen."""
    where = Q(pk__in=ids)
    if competition is not None:
        where |= Q(event__competition=competition)
    return (
        Entry.objects.filter(where)
        .select_related("event", "organization", "award")
        .order_by("event__competition_id", "event__name", "event_id", F("rank").asc(nulls_last=True), "id")
    )


class HonourForm(forms.ModelForm):
    student_name = forms.CharField(
        label=_("Student"),
        required=False,
        max_length=200,
        widget=people_input("student"),
        help_text=_(
            "A recorded student: a name, or a name followed by the student number in brackets. Leave both "
            "people empty for an unnamed count."
        ),
    )
    teacher_name = forms.CharField(
        label=_("Teacher"),
        required=False,
        max_length=200,
        widget=people_input("coach"),
        help_text=_("A recorded home teacher: a name, or a name followed by the staff number in brackets."),
    )
    competition = forms.ModelChoiceField(
        label=_("Competition"),
        queryset=Competition.objects.order_by("-year", "name"),
        required=False,
        help_text=_(
            "Choose a competition and press “Show its entries” to pick the results that earned the honour."
        ),
    )
    entries = EntryChoiceField(queryset=Entry.objects.none(), required=False, label=_("Entries"))

    class Meta:
        model = Honour
        fields = ["kind", "status", "title", "year", "date", "document_number", "count", "people", "notes"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        honour = self.instance
        linked = list(honour.entries.values_list("pk", flat=True)) if honour.pk else []
        if self.is_bound:
            posted = [whole_number(value, maximum=MAX_ENTRY_ID) for value in self.data.getlist("entries")]
            ids = [pk for pk in posted if pk is not None]
            competition = self.posted_competition()
        else:
            ids = linked
            self.initial["entries"] = linked
            if honour.pk is None:
                self.initial.setdefault("year", timezone.localdate().year)
            competition = (
                Competition.objects.filter(events__entries__pk__in=linked).order_by("-year").first()
                if linked
                else None
            )
            if competition is not None:
                self.initial["competition"] = competition.pk
            if honour.student_id:
                self.initial["student_name"] = format_person(honour.student)
            if honour.coach_id:
                self.initial["teacher_name"] = format_person(honour.coach)
        self.chosen_competition = competition
        self.fields["entries"].queryset = entry_choices(competition, ids)
        self.fields["entries"].help_text = _(
            "The entries of the competition chosen above and those already chosen; hold Ctrl (⌘ on a "
            "Mac) to choose several. A squad selection links the entry whose award is the squad selection."
        )

    def posted_competition(self) -> Competition | None:
        pk = whole_number(self.data.get(self.add_prefix("competition")), maximum=largest(Competition, "id"))
        return Competition.objects.filter(pk=pk).first() if pk else None

    def person(self, text: str, kind: str):
        """The recorded student or home teacher written in `text` (students.people's rules), or None."""
        if not text.strip():
            return None
        people = parse_people(text)
        if len(people) != 1:
            raise ValidationError(_("Write one person."))
        name, number = people[0]
        home = Organization.home()
        if home is None:
            raise ValidationError(
                _("No home college is set: mark one organization as the home college in the admin.")
            )
        finder = People([(name, number)])
        found = (
            finder.student(name, number, organization=home)
            if kind == "student"
            else finder.teacher(name, number, organization=home)
        )
        if isinstance(found, str) or found.pk is None or finder.numbered:
            message = (
                _("No recorded student “%(person)s”: record them first (an entry or the admin).")
                if kind == "student"
                else _("No recorded home teacher “%(person)s”: record them first (an entry or the admin).")
            )
            raise ValidationError(message % {"person": text.strip()})
        return found

    def clean_student_name(self):
        return self.person(self.cleaned_data["student_name"], "student")

    def clean_teacher_name(self):
        return self.person(self.cleaned_data["teacher_name"], "teacher")

    def clean(self):
        cleaned = super().clean()
        student, teacher = cleaned.get("student_name"), cleaned.get("teacher_name")
        if student is not None and teacher is not None:
            self.add_error(
                "teacher_name",
                gettext("An honour is for one person: choose a student or a teacher, not both."),
            )
        return cleaned

    def _post_clean(self):
        if self.has_error("student_name") or self.has_error("teacher_name"):
            return  # the model's rules would read a person not found as "unnamed" and say so too
        # The person found goes into the instance before the model's own rules (Honour.clean) run.
        self.instance.student = self.cleaned_data.get("student_name")
        self.instance.coach = self.cleaned_data.get("teacher_name")
        super()._post_clean()
        if not self.errors:
            try:
                check_entries(self.instance, self.cleaned_data.get("entries") or [])
            except ValidationError as error:
                self.add_error(None, error)

    def _update_errors(self, errors):
        # The model names the people "student" and "coach"; the form's fields are the names typed.
        if hasattr(errors, "error_dict"):
            renamed = {"student": "student_name", "coach": "teacher_name"}
            errors = ValidationError(
                {renamed.get(field, field): messages for field, messages in errors.error_dict.items()}
            )
        super()._update_errors(errors)
