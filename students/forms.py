from django import forms
from django.utils.translation import gettext_lazy as _


class MergeForm(forms.Form):
    """Which of two records of one person to keep; the other is merged into it and deleted."""

    keep = forms.TypedChoiceField(label=_("Record to keep"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, first, second, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(first.pk, first.pk), (second.pk, second.pk)]
        self.fields["keep"].initial = first.pk
