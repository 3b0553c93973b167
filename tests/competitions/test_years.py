"""The years that have a competition: read a step at a time down the year index
(filters.years_with_competitions) they are the years the competition list counts by."""

import pytest

from competitions import reports
from competitions.filters import competition_years, competitions_by_year, years_with_competitions
from tests.factories import make_competition

pytestmark = pytest.mark.django_db


def test_no_competition_no_year():
    assert years_with_competitions() == [] == list(competitions_by_year())


@pytest.mark.parametrize("years", [[2023], [2019, 2023, 2023, 2021], [1998, 2024, 2010, 2011, 2011, 2000]])
def test_every_year_once_newest_first_as_the_counts_have_them(years):
    for n, year in enumerate(years):
        make_competition(f"赛{n}", year=year)
    expected = sorted(set(years), reverse=True)
    assert years_with_competitions() == expected == list(competitions_by_year())
    assert reports.entry_years() == expected
    assert competition_years() == [(year, year) for year in expected]
    assert sum(competitions_by_year().values()) == len(years)
