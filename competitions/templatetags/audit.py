"""What a history record did, in words: {% load audit %} … {{ record|history_action }}."""

from django import template

from competitions import recording

register = template.Library()


@register.filter
def history_action(record) -> str:
    """ "Created", "Changed", "Deleted", or "Restored" for the records a restore wrote."""
    return recording.history_action(record)
