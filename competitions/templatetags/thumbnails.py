"""The competition page's word on thumbnails still being made (competitions.tasks.make_thumbnails).

A tag rather than a view variable so the photo section stays self-contained; it reads the progress
record (a file or a cache key), never the database.
"""

from django import template

from competitions import tasks

register = template.Library()


@register.simple_tag
def thumbnail_progress(competition_id: int) -> dict | None:
    return tasks.thumbnail_progress(competition_id)
