"""Medal tables: counting entries by tier, ordering them and giving ranks (DOMAIN.md rules 2-6).

The counting happens in one grouped query; only the per-group rows reach Python, where points
(which may use different weights per competition) are summed and ranks are given.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from competitions.models import MEDAL_TIERS, Tier
from students.names import pinyin_key

# What each kind of table groups entries by, and the name shown for a group.
# Team entries count once per organization (one entry) and once per member (one row per member);
# a department counts a team once even when two of its students are in it (distinct entries).
GROUPINGS = {
    "organization": ("organization", "organization__name"),
    "department": ("members__student__department", "members__student__department__name"),
    "student": ("members__student", "members__student__name"),
    "coach": ("coaches", "coaches__name"),
    # Leaderboards by skill count each entry once under its event's skill.
    "skill": ("event__skill", "event__skill__name"),
}
ORDERS = ("tiers", "total", "points")
TIER_FIELDS = [str(tier) for tier in Tier.values]


@dataclass
class MedalRow:
    key: int
    name: str
    special: int = 0
    gold: int = 0
    silver: int = 0
    bronze: int = 0
    excellence: int = 0
    other: int = 0
    points: int = 0
    ranked: bool = True
    rank: int | None = None

    @property
    def total(self) -> int:
        return self.special + self.gold + self.silver + self.bronze + self.excellence

    def tier_counts(self) -> tuple[int, ...]:
        return tuple(getattr(self, tier) for tier in MEDAL_TIERS)

    def as_dict(self) -> dict:
        """The shape of one object in `medal_table --format json`."""
        return {
            "rank": self.rank,
            "name": self.name,
            **{str(tier): getattr(self, tier) for tier in MEDAL_TIERS},
            "total": self.total,
            "points": self.points,
        }


def order_key(row: MedalRow, order: str) -> tuple[int, ...]:
    """What decides a row's rank: rows with equal keys share a rank."""
    if order == "tiers":
        return row.tier_counts()
    if order == "total":
        return (row.total,)
    return (row.points,)


def rank_rows(rows: Iterable[MedalRow], order: str) -> list[MedalRow]:
    """Sort rows best first and give competition ranks (1, 2, 2, 4).

    Rows out of the ranking keep their place in the order but get no rank, and the ranks of the
    rows below them do not shift.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    ordered = sorted(
        rows,
        key=lambda row: (
            tuple(-n for n in order_key(row, order)),
            tuple(-n for n in row.tier_counts()),
            pinyin_key(row.name),  # rows that tie are listed alphabetically, as Chinese readers sort
            row.name,
            row.key,
        ),
    )
    position, previous, rank = 0, None, None
    for row in ordered:
        if not row.ranked:
            row.rank = None
            continue
        position += 1
        key = order_key(row, order)
        if key != previous:
            rank, previous = position, key
        row.rank = rank
    return ordered


def medal_table(
    entries: QuerySet,
    *,
    by: str = "organization",
    order: str = "tiers",
    unranked: Collection[int] = (),
    exclude: Collection[int] = (),
) -> list[MedalRow]:
    """The medal table of these entries, grouped `by` and ordered by `order`.

    `unranked` and `exclude` are organization ids: the first are shown without a rank,
    the second are left out (their entries do not count in any table).
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    field, label = GROUPINGS[by]
    if exclude:
        entries = entries.exclude(organization__in=list(exclude))
    weight_fields = [f"event__competition__weight_{tier}" for tier in TIER_FIELDS]
    grouped = (
        entries.filter(**{f"{field}__isnull": False})
        .values(field, label, "event__competition", *weight_fields)
        .annotate(
            **{f"n_{tier}": Count("id", distinct=True, filter=Q(award__tier=tier)) for tier in TIER_FIELDS}
        )
        .order_by()
    )
    rows: dict[int, MedalRow] = {}
    for group in grouped:
        row = rows.get(group[field])
        if row is None:
            row = rows[group[field]] = MedalRow(key=group[field], name=group[label])
        for tier in TIER_FIELDS:
            count = group[f"n_{tier}"]
            setattr(row, tier, getattr(row, tier) + count)
            row.points += count * group[f"event__competition__weight_{tier}"]
    table = [row for row in rows.values() if row.total or row.points]
    if by == "organization":
        for row in table:
            row.ranked = row.key not in unranked
    return rank_rows(table, order)
