"""A <select> written in Python: Django renders every <option> of a Select through a template
(about 10 µs each); the filter forms' year, skill and department lists have dozens. Same markup,
same attributes (id, aria-* from the bound field), escaped. `fast_selects(form)` puts it in place of
every plain Select of a form (issue 13)."""

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from competitions.templatetags.fast_tables import esc


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = {str(v) for v in self.format_value(value)}
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        options = "".join(
            f'<option value="{esc(option)}"{" selected" if str(option) in chosen else ""}>{esc(label)}</option>'
            for option, label in self.flat_choices()
        )
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe(options))

    def flat_choices(self):
        if isinstance(self.choices, ModelChoiceIterator):
            # The model's rows in one fetch: the iterator's server-side cursor costs PostgreSQL
            # three round trips (DECLARE, FETCH, CLOSE) for a list of a few hundred skills.
            field = self.choices.field
            if field.empty_label is not None:
                yield "", field.empty_label
            if isinstance(field, NamedChoiceField):  # the keys and labels only, not whole rows
                yield from self.choices.queryset.values_list(field.to_field_name or "pk", field.label_field)
                return
            for instance in list(self.choices.queryset):
                yield field.prepare_value(instance), field.label_from_instance(instance)
            return
        for option, label in self.choices:
            if isinstance(label, list | tuple):  # an option group: its options, flattened
                yield from label
            else:
                yield ("" if option is None else getattr(option, "value", option)), label


class NamedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are labelled by one column of the rows (`label_field`):
    FastSelect reads just the keys and that column, not whole objects (a leaderboard's skill list
    has hundreds)."""

    label_field = "name"

    def label_from_instance(self, obj) -> str:
        return str(getattr(obj, self.label_field))


class NamedChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter with a NamedChoiceField."""

    field_class = NamedChoiceField


def fast_selects(form: forms.BaseForm) -> forms.BaseForm:
    """Give every plain Select of the form (not its subclasses) the FastSelect markup."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs)
            fast.choices = widget.choices
            fast.is_required = widget.is_required
            field.widget = fast
    return form


class FastSelectsFilterSet:
    """For a django-filter FilterSet (put it first): its form's plain selects are FastSelects."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            self._form = fast_selects(super().form)
        return self._form
