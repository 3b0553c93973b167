"""Lists and labels punctuated in the visitor's language: "A, B" and "label: value" in English,
"A、B" and "label：value" in Chinese. Messages built from parts join them here, never with a bare
", " or ": " (the separators are translated in the catalogue)."""

from collections.abc import Callable, Iterable

from django.utils.translation import gettext, pgettext


def items(parts: Iterable[str]) -> str:
    """Items of one kind: "A, B, C" / "A、B、C"."""
    return pgettext("between the items of a list", ", ").join(str(part) for part in parts)


def clauses(parts: Iterable[str]) -> str:
    """Parts that are phrases themselves: "A: 1; B: 2" / "A：1；B：2"."""
    return pgettext("between the parts of a list", "; ").join(str(part) for part in parts)


def labelled(label: str, value) -> str:
    """A value after its label: "New events: 2" / "新赛项：2"."""
    return labeller()(label, value)


def labeller() -> Callable[[str, object], str]:
    """labelled() for many labels at once (a chart's hundreds of bars): translated once."""
    template = gettext("%(label)s: %(value)s")
    return lambda label, value: template % {"label": label, "value": value}
