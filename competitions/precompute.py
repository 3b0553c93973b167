"""Writing the stored page parts (competitions.fragments) in the background: once a write of
results has committed (`fragments.results_committed`), a task renders its competitions' default
medal table and first page of results, and the pivot's default body, in every language for every
role, and stores them.

Connected in CompetitionsConfig.ready. A queue that is down costs only the speed of the first view
after the change (which then renders its part itself): the write itself has committed already.
"""

import logging
from collections.abc import Iterable

from django.dispatch import receiver
from django.tasks import task

from competitions import aggregates, fragments, models
from competitions.views import leaderboards, pages

logger = logging.getLogger(__name__)


# Competitions rendered and stored per transaction.
CHUNK = 50


def precompute(competition_ids: Iterable[int], *, pivot: bool = True) -> int:
    """Render and store the parts the first views after a change of these competitions' results
    read (and, when `pivot`, the pivot's default body), CHUNK competitions at a time; returns how
    many parts were stored."""
    ids = sorted(set(competition_ids))
    stored = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]

        def current(chunk=chunk) -> dict:
            return dict(models.Competition.objects.filter(pk__in=chunk).values_list("pk", "results_version"))

        stored += fragments.store(pages.precomputed_results(chunk), current)
    if pivot:
        stored += fragments.store(
            leaderboards.precomputed_pivots(), lambda: {None: aggregates.tallies_version()}
        )
    return stored


@task
def precompute_pages(competition_ids: list[int]) -> int:
    """The task: precompute() of these competitions and the pivot; returns how many parts were stored."""
    return precompute(competition_ids)


@receiver(fragments.results_committed, dispatch_uid="competitions.precompute.queue")
def queue(sender, competition_ids: list[int], **kwargs) -> None:
    try:
        precompute_pages.enqueue(competition_ids)
    except Exception:
        logger.exception("could not queue the precompute of competitions %s", competition_ids)
