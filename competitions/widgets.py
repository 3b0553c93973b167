"""A <select> written in Python: Django renders every <option> of a Select through a template
(about 10 µs each); the filter forms' year, skill and department lists have dozens. Same markup,
same attributes (id, aria-* from the bound field), escaped. `fast_selects(form)` puts it in place of
every plain Select of a form, and FastInput in place of its text and number inputs (issue 13)."""

from collections.abc import Callable

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
        parts = []
        for option, label in self.flat_choices():
            key = str(option)
            # A key (an int) needs no escaping; hundreds of options are written a request.
            shown = key if type(option) is int else esc(key)
            selected = " selected" if key in chosen else ""
            parts.append(f'<option value="{shown}"{selected}>{esc(label)}</option>')
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe("".join(parts)))

    def flat_choices(self):
        if isinstance(self.choices, ModelChoiceIterator):
            # The model's rows in one fetch: the iterator's server-side cursor costs PostgreSQL
            # three round trips (DECLARE, FETCH, CLOSE) for a list of a few hundred skills.
            field = self.choices.field
            if field.empty_label is not None:
                yield "", field.empty_label
            if isinstance(field, NamedChoiceField):  # the keys and labels only, not whole rows
                if field.options is not None:  # compiled once (CompiledQuery)
                    yield from field.options()
                else:
                    yield from self.choices.queryset.values_list(
                        field.to_field_name or "pk", field.label_field
                    )
                return
            for instance in list(self.choices.queryset):
                yield field.prepare_value(instance), field.label_from_instance(instance)
            return
        for option, label in self.choices:
            if isinstance(label, list | tuple):  # an option group: its options, flattened
                yield from label
            else:
                yield ("" if option is None else getattr(option, "value", option)), label


class FastInput:
    """For a text or number input (put it first): written in Python as Django's input.html and
    attrs.html write it (those templates cost about 0.1 ms an input)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        # |stringformat:"s" keeps a value marked safe so: esc() escapes as the template does.
        written = [f'<input type="{esc(widget["type"])}" name="{esc(widget["name"])}"']
        if widget["value"] is not None:
            written.append(f' value="{esc(widget["value"])}"')
        for key, given in widget["attrs"].items():
            if given is True:
                written.append(f" {esc(key)}")
            elif given is not False:
                written.append(f' {esc(key)}="{esc(given)}"')
        written.append(">")
        return mark_safe("".join(written))


class FastTextInput(FastInput, forms.TextInput):
    pass


class FastNumberInput(FastInput, forms.NumberInput):
    pass


FAST_INPUTS = {forms.TextInput: FastTextInput, forms.NumberInput: FastNumberInput}


class NamedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are labelled by one column of the rows (`label_field`):
    FastSelect reads just the keys and that column, not whole objects (a leaderboard's skill list
    has hundreds)."""

    label_field = "name"

    def __init__(self, *args, options: Callable[[], list[tuple]] | None = None, **kwargs):
        """`options`: the (key, label) rows of the whole queryset, as a CompiledQuery of the
        queryset's values_list(key, label_field), read instead of building that query each time."""
        super().__init__(*args, **kwargs)
        self.options = options

    def label_from_instance(self, obj) -> str:
        return str(getattr(obj, self.label_field))


class NamedChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter with a NamedChoiceField."""

    field_class = NamedChoiceField


def fast_selects(form: forms.BaseForm) -> forms.BaseForm:
    """Give every plain Select of the form (not its subclasses) the FastSelect markup, and every
    plain text and number input FastInput's."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs)
            fast.choices = widget.choices
            fast.is_required = widget.is_required
            field.widget = fast
        elif type(widget) in FAST_INPUTS:
            fast = FAST_INPUTS[type(widget)](attrs=widget.attrs)
            fast.input_type = widget.input_type
            fast.is_required = widget.is_required
            field.widget = fast
    return form


def shared(choices) -> Callable[[], list]:
    """Fixed choices given as a function: the copies of a form field or a filter made for each
    request share them, instead of deep-copying every (lazy) label of every option."""
    choices = list(choices)
    return lambda: choices


class OwnFieldsForm:
    """For a filter set's form class (put it first): the fields of its one form were made for it
    (django-filter makes them from the filter set's own copies of its filters), so the form takes
    them as they are instead of deep-copying them again, as Django's forms do (copying the choices'
    lazy labels was a third of a filter form's cost)."""

    def __init__(self, *args, field_order=None, **kwargs):
        self.base_fields = {}  # nothing for Form.__init__ to copy
        super().__init__(*args, **kwargs)
        del self.base_fields
        self.fields = dict(type(self).base_fields)
        self.order_fields(self.field_order if field_order is None else field_order)


class FastSelectsFilterSet:
    """For a django-filter FilterSet (put it first): its form's plain selects are FastSelects, and
    it takes its fields without copying them (OwnFieldsForm)."""

    def get_form_class(self):
        form = super().get_form_class()
        return type(form.__name__, (OwnFieldsForm, form), {})

    @property
    def form(self):
        if not hasattr(self, "_form"):
            self._form = fast_selects(super().form)
        return self._form
