"""FastSelect writes the same <select> as Django's Select, without a template per option."""

from django import forms

from competitions.models import Skill
from competitions.widgets import FastSelect, fast_selects


class Sample(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All"), ("a", "A <b>"), ("b", "B")], required=False)
    skill = forms.ModelChoiceField(queryset=Skill.objects.order_by("name"), required=False, empty_label="Any")
    grouped = forms.ChoiceField(choices=[("Group", [("x", "X"), ("y", "Y")])], required=False)


def options(html: str) -> list[str]:
    return [part.split(">", 1)[0] for part in html.split("<option ")[1:]]


def test_the_markup_has_the_options_the_selection_and_escapes(db):
    skill = Skill.objects.create(name="焊接")
    plain = Sample({"kind": "a", "skill": skill.pk, "grouped": "y"})
    fast = fast_selects(Sample({"kind": "a", "skill": skill.pk, "grouped": "y"}))
    assert all(isinstance(fast.fields[name].widget, FastSelect) for name in ("kind", "skill", "grouped"))
    for name in ("kind", "skill", "grouped"):
        slow_html, fast_html = str(plain[name]), str(fast[name])
        assert options(fast_html) == options(slow_html)
        assert f'name="{name}"' in fast_html and f'id="id_{name}"' in fast_html
    assert "A &lt;b&gt;" in str(fast["kind"]) and "<b>" not in str(fast["kind"])
    assert f'value="{skill.pk}" selected' in str(fast["skill"])


def test_only_plain_selects_are_replaced():
    class Other(forms.Form):
        many = forms.MultipleChoiceField(choices=[("a", "A")])
        radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    form = fast_selects(Other())
    assert type(form.fields["many"].widget) is forms.SelectMultiple
    assert type(form.fields["radio"].widget) is forms.RadioSelect


def test_a_named_choice_field_reads_keys_and_labels_only_and_writes_what_django_writes(
    db, django_assert_num_queries
):
    from competitions.widgets import NamedChoiceField

    class Named(forms.Form):
        skill = NamedChoiceField(queryset=Skill.objects.order_by("name"), required=False, empty_label="Any")

    chosen = Skill.objects.create(name="焊接 <&>")
    Skill.objects.create(name="数控车")
    plain = str(Named({"skill": chosen.pk})["skill"])
    fast = fast_selects(Named({"skill": chosen.pk}))
    assert fast.is_valid()  # its own query (the chosen row)
    with django_assert_num_queries(1):
        html = str(fast["skill"])
    assert [option.split("</option>")[0] for option in html.split("<option ")[1:]] == [
        option.split("</option>")[0] for option in plain.split("<option ")[1:]
    ]
    assert "焊接 &lt;&amp;&gt;" in html and f'value="{chosen.pk}" selected' in html
    assert Named({"skill": chosen.pk}).is_valid() and not Named({"skill": 10**9}).is_valid()


def test_shared_choices_offer_and_validate_as_a_list_does():
    from competitions.models import Level
    from competitions.widgets import shared

    class Listed(forms.Form):
        level = forms.ChoiceField(choices=Level.choices, required=False)

    class Shared(forms.Form):
        level = forms.ChoiceField(choices=shared(Level.choices), required=False)

    assert str(Shared({"level": "national"})["level"]) == str(Listed({"level": "national"})["level"])
    assert Shared({"level": "national"}).is_valid()
    bad = Shared({"level": "galactic"})
    assert not bad.is_valid() and "level" in bad.errors
    # Copies share the options, not copy them (the copy of each request's form).
    assert list(Shared().fields["level"].choices) == list(Listed().fields["level"].choices)


def test_each_filter_form_has_fields_of_its_own(db):
    """OwnFieldsForm: a filter set's form takes the fields made for it without copying them; no two
    forms (two requests) share a field or a widget."""
    from students.filters import StudentFilter

    first, second = StudentFilter({"best_tier": "gold"}).form, StudentFilter({"best_tier": "nonsense"}).form
    for name in first.fields:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].widget is not second.fields[name].widget
    assert list(first.fields) == list(StudentFilter.base_filters)
    assert first.is_valid() and not second.is_valid() and "best_tier" in second.errors
    first.fields["department"].label = "changed"
    assert StudentFilter().form.fields["department"].label != "changed"


def test_compiled_options_write_the_select_the_queryset_writes(db):
    """A NamedChoiceField given its options (a CompiledQuery of the same rows) writes the same list."""
    from competitions.views.leaderboards import SKILL_OPTIONS, LeaderboardForm
    from competitions.widgets import NamedChoiceField

    for name in ("焊接", "<车工>", "数控"):
        Skill.objects.create(name=name)

    class Plain(forms.Form):
        skill = NamedChoiceField(queryset=Skill.objects.all(), required=False, empty_label="All")

    chosen = Skill.objects.get(name="数控").pk
    compiled = fast_selects(LeaderboardForm({"skill": chosen}, years=[2024]))
    plain = fast_selects(Plain({"skill": chosen}))
    assert options(str(compiled["skill"])) == options(str(plain["skill"]))
    assert f'value="{chosen}" selected' in str(compiled["skill"]) and "&lt;车工&gt;" in str(compiled["skill"])
    assert SKILL_OPTIONS() == list(Skill.objects.values_list("pk", "name"))


class Inputs(forms.Form):
    name = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"placeholder": 'e.g. "zzx" <&>'}))
    year = forms.IntegerField(required=False, min_value=1900)
    typed = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"type": "search", "autofocus": True})
    )


def test_fast_inputs_write_what_djangos_templates_write():
    from django.utils.safestring import mark_safe

    for data in ({"name": 'a"<b>&', "year": "1800", "typed": "x"}, {}, {"name": mark_safe("<i>")}):
        plain, fast = Inputs(data), fast_selects(Inputs(data))
        plain.is_valid(), fast.is_valid()
        assert type(fast.fields["name"].widget).__name__ == "FastTextInput"
        assert type(fast.fields["year"].widget).__name__ == "FastNumberInput"
        for name in ("name", "year", "typed"):
            assert str(fast[name]) == str(plain[name])
    bound = str(fast_selects(Inputs({"name": 'a"<b>&', "year": "1800"}))["name"])
    assert (
        'value="a&quot;&lt;b&gt;&amp;"' in bound
        and 'placeholder="e.g. &quot;zzx&quot; &lt;&amp;&gt;"' in bound
    )
    assert 'type="search"' in str(fast_selects(Inputs({}))["typed"])
