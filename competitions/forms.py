from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from competitions.models import Competition, Entry, Photo
from competitions.photos import ALLOWED_EXTENSIONS, save_photos, validate_image


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
