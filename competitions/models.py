import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from competitions import links
from students.models import Coach, Student


class Tier(models.TextChoices):
    """Award tiers from best to worst (DOMAIN.md rule 1)."""

    SPECIAL = "special", _("Special prize")
    GOLD = "gold", _("Gold")
    SILVER = "silver", _("Silver")
    BRONZE = "bronze", _("Bronze")
    EXCELLENCE = "excellence", _("Excellence")
    OTHER = "other", _("Other")


# Tiers that count as medals in a medal table's total, best first.
MEDAL_TIERS = [Tier.SPECIAL, Tier.GOLD, Tier.SILVER, Tier.BRONZE, Tier.EXCELLENCE]


def tier_order(field: str = "award__tier") -> Case:
    """A tier as its place in Tier's order, best first (0 special ... 5 other), for a query to sort
    by; NULL where there is no award. The tier values sort wrongly as text (bronze < gold < silver)."""
    return Case(
        *[When(**{field: tier}, then=Value(number)) for number, tier in enumerate(Tier.values)],
        output_field=IntegerField(),
    )


class Level(models.TextChoices):
    WORLD = "world", _("World / international")
    NATIONAL = "national", _("National")
    INDUSTRY = "industry", _("National industry")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    REGIONAL = "regional", _("Regional / invitational")
    SCHOOL = "school", _("School")


class Category(models.TextChoices):
    SKILLS = "skills", _("Vocational skills")
    TEACHER = "teacher", _("Teacher ability")
    SPORTS = "sports", _("Sports")
    ARTS = "arts", _("Arts and culture")
    INNOVATION = "innovation", _("Innovation and entrepreneurship")
    OTHER = "other", _("Other")


class AwardRule(models.TextChoices):
    """How a competition hands out awards by rank (DOMAIN.md rule 3), when it is known."""

    NONE = "", _("Not known")
    MEDALS_HALF = "medals_half", _("Top 3 gold/silver/bronze, excellence for the rest of the top half")
    PERCENT_10_20_30 = "percent_10_20_30", _("First/second/third prize for the top 10%/20%/30%")


def normalize_label(label: str) -> str:
    """The key an award label is looked up by: width, case, spaces and quotes do not matter."""
    text = unicodedata.normalize("NFKC", label).casefold()
    text = "".join(text.split())
    return text.strip("\"'“”‘’「」『』《》")


class AwardQuerySet(models.QuerySet):
    def parse(self, label: str) -> "Award":
        """The vocabulary entry for a label as written; unknown labels are refused, never guessed."""
        try:
            return self.get(normalized=normalize_label(label))
        except Award.DoesNotExist:
            raise ValidationError(
                _("Unknown award “%(label)s”: add it to the award vocabulary with its tier first."),
                code="unknown_award",
                params={"label": label},
            ) from None


@lru_cache(maxsize=1024)
def tier_note(tier: str, normalized: str, language: str | None) -> str:
    """Award.tier_note, remembered per tier, label and interface language (a results page asks it
    of every row; working it out costs ~50 µs)."""
    if tier == Tier.OTHER:
        return ""
    name = str(Tier(tier).label)
    return "" if normalize_label(name) == normalized else name


class Award(models.Model):
    """One label of the award vocabulary (金牌, 一等奖, Medallion for Excellence ...) and its tier."""

    label = models.CharField(_("label"), max_length=100, help_text=_("The award as written."))
    normalized = models.CharField(max_length=100, unique=True, editable=False)
    tier = models.CharField(_("tier"), max_length=12, choices=Tier)

    objects = AwardQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["tier", "label"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [models.CheckConstraint(condition=Q(tier__in=Tier.values), name="award_tier_known")]

    def __str__(self) -> str:
        return self.label

    def clean(self):
        same = Award.objects.exclude(pk=self.pk).filter(normalized=normalize_label(self.label)).first()
        if same is not None:
            raise ValidationError(
                {
                    "label": _("“%(label)s” is already in the vocabulary as “%(same)s”.")
                    % {"label": self.label, "same": same.label}
                }
            )

    def save(self, *args, **kwargs):
        self.normalized = normalize_label(self.label)
        super().save(*args, **kwargs)

    @property
    def tier_note(self) -> str:
        """The tier's name where the label does not already say it (一等奖: “Gold”; 金牌: nothing in
        Chinese), shown beside the label so that one award column tells both. A named award (tier
        “other”) is its own label: nothing."""
        return tier_note(self.tier, self.normalized, get_language())


class Organization(models.Model):
    class Kind(models.TextChoices):
        COLLEGE = "college", _("College or school")
        DELEGATION = "delegation", _("Delegation (province, city, country)")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.COLLEGE)
    is_home = models.BooleanField(
        _("home college"),
        default=False,
        help_text=_("The college this tracker belongs to; its members are matched to students."),
    )
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Made up to fill out demo tables; not real data.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["is_home"], condition=Q(is_home=True), name="one_home_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def home(cls) -> "Organization | None":
        return cls.home_rows().first()

    @classmethod
    def home_rows(cls) -> "models.QuerySet[Organization]":
        return cls.objects.filter(is_home=True).order_by("pk")

    @classmethod
    def home_name(cls) -> Coalesce:
        """The home organization's name ("" when there is none) as an annotation, read with
        another row (a printed page's header, with the person whose page it is)."""
        return Coalesce(Subquery(cls.home_rows().values("name")[:1]), Value(""))


class Skill(models.Model):
    """A skill that recurs across competitions and years (移动机器人 Mobile Robotics ...)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    placeholder = models.BooleanField(
        _("placeholder"),
        default=False,
        help_text=_(
            "Not a real skill: it gathers results whose skill the source does not name. Its results "
            "are counted but it is never ranked among the skills."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


class CompetitionQuerySet(models.QuerySet):
    def public(self) -> "CompetitionQuerySet":
        """The competitions public data shows (the public pages, the anonymous read API): those
        with at least one confirmed result (Entry.objects.confirmed(): any result while the office
        confirms nothing)."""
        return self.filter(Exists(Entry.objects.confirmed().filter(event__competition=OuterRef("pk"))))

    def find(self, name: str, year: int | None = None) -> "Competition":
        """The one competition of that name (and year); a clear error when none or several match."""
        matches = self.filter(name=name.strip())
        if year is not None:
            matches = matches.filter(year=year)
        found = list(matches[:2])
        if len(found) == 1:
            return found[0]
        if not found:
            raise Competition.DoesNotExist(
                _("No competition named “%(name)s”%(year)s.")
                % {"name": name, "year": f" ({year})" if year else ""}
            )
        years = ", ".join(str(y) for y in matches.values_list("year", flat=True))
        raise Competition.MultipleObjectsReturned(
            _("Several competitions are named “%(name)s” (years %(years)s): give --year.")
            % {"name": name, "years": years}
        )


class Competition(models.Model):
    name = models.CharField(_("name"), max_length=200)
    edition = models.PositiveSmallIntegerField(
        _("edition"), null=True, blank=True, help_text=_("The number of the edition: 2 for the second.")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    host = models.CharField(_("host"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level)
    category = models.CharField(_("category"), max_length=12, choices=Category, default=Category.SKILLS)
    award_rule = models.CharField(
        _("award rule"), max_length=20, choices=AwardRule, blank=True, default=AwardRule.NONE
    )
    unranked_organizations = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="+",
        verbose_name=_("out of the ranking"),
        help_text=_("Guests and neutral teams: medals shown without a rank; ranks below do not shift."),
    )
    excluded_organizations = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="+",
        verbose_name=_("left out of the table"),
    )
    weight_special = models.PositiveSmallIntegerField(_("points for special"), default=5)
    weight_gold = models.PositiveSmallIntegerField(_("points for gold"), default=4)
    weight_silver = models.PositiveSmallIntegerField(_("points for silver"), default=3)
    weight_bronze = models.PositiveSmallIntegerField(_("points for bronze"), default=2)
    weight_excellence = models.PositiveSmallIntegerField(_("points for excellence"), default=1)
    weight_other = models.PositiveSmallIntegerField(_("points for other awards"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Made up to fill out demo tables; not real data.")
    )
    results_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("Raised whenever its results change; cached parts of its page are keyed by it."),
    )
    entry_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("Its entries, kept with its tallies; lists of entries count and page by it."),
    )
    medal_count = models.PositiveIntegerField(
        _("medals"),
        default=0,
        editable=False,
        help_text=_(
            "Its medals (its organization table's total), kept with its tallies; the competition list shows it."
        ),
    )

    objects = CompetitionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[unranked_organizations, excluded_organizations])

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")
        # Backups hold everything (accounts too): administrators only (competitions/views/backups.py).
        permissions = [("make_backup", _("Can make and download backups of the whole installation"))]
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="competition_unique_name_year"),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2200), name="competition_year_plausible"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="competition_ends_after_start",
            ),
        ]
        indexes = [
            # Competition list filtered by level within a year range.
            models.Index(fields=["level", "year"], name="competition_level_year"),
            # Competition list in its default order (newest year first), read a page at a time.
            models.Index(F("year").desc(), "name", name="competition_list_order"),
        ]

    def __str__(self) -> str:
        # "全国技能大赛（2023）" in Chinese, "National Games (2023)" in English.
        return gettext("%(name)s (%(detail)s)") % {"name": self.name, "detail": self.year}

    def get_absolute_url(self) -> str:
        return links.pk_url("competitions:competition-detail", self.pk)

    def read_ranking_exceptions(self) -> None:
        """Set `unranked` and `excluded`: the organizations shown without a rank and those left out
        of the competition's table (its two settings), each by name, read in one query."""
        columns = [field.attname for field in Organization._meta.concrete_fields]
        lists = []
        for kind, setting in enumerate([self.unranked_organizations, self.excluded_organizations]):
            rows = setting.through.objects.filter(competition_id=self.pk).annotate(kind=Value(kind))
            lists.append(rows.values_list("kind", *(f"organization__{column}" for column in columns)))
        self.unranked, self.excluded = [], []
        rows = lists[0].union(lists[1], all=True).order_by("organization__name", "organization__id")
        for kind, *values in rows:
            organization = Organization.from_db(rows.db, columns, values)
            (self.excluded if kind else self.unranked).append(organization)

    def weights(self) -> dict[str, int]:
        return {tier: getattr(self, f"weight_{tier}") for tier in Tier.values}


def event_results_url(competition_id: int, event_id: int) -> str:
    """Where an event's results show: its competition's page, on the page of events holding it
    (a long competition's results come a few events at a time)."""
    page = reverse("competitions:competition-detail", args=[competition_id])
    return f"{page}?event={event_id}#event-{event_id}"


class Event(models.Model):
    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="events", verbose_name=_("competition")
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="events", verbose_name=_("skill"))
    name = models.CharField(_("name"), max_length=200, help_text=_("The event as the competition names it."))
    is_team = models.BooleanField(_("team event"), default=False)
    min_team_size = models.PositiveSmallIntegerField(_("smallest team"), default=1)
    max_team_size = models.PositiveSmallIntegerField(
        _("largest team"),
        default=1,
        help_text=_("Relay teams may list reserves, so sizes can vary inside one event."),
    )
    is_selection = models.BooleanField(
        _("WorldSkills selection event"),
        default=False,
        help_text=_("Its winners go on to the selection for WorldSkills."),
    )
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_(
            "Raised on every save of the event's entries, so that two editors never overwrite each other."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["competition", "name"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(fields=["competition", "name"], name="event_unique_per_competition"),
            models.CheckConstraint(
                condition=Q(min_team_size__gte=1, max_team_size__gte=F("min_team_size")),
                name="event_team_size_range",
            ),
            models.CheckConstraint(
                condition=Q(is_team=True) | Q(max_team_size=1), name="event_individual_has_one_member"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def results_url(self) -> str:
        return event_results_url(self.competition_id, self.pk)

    def check_team_size(self, count: int) -> None:
        """Refuse a list of named members that cannot fit this event.

        Fewer names than the smallest team are allowed: reports often name only some members.
        """
        if count > self.max_team_size:
            raise ValidationError(
                _("%(count)d members named, but “%(event)s” allows at most %(max)d."),
                code="team_too_large",
                params={"count": count, "event": self.name, "max": self.max_team_size},
            )


class EventAlias(models.Model):
    """An earlier name of an event: a sheet written before the event was renamed still finds it, so
    importing that sheet again adds nothing (competitions.importing.Planner.event_for)."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="+", verbose_name=_("competition")
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("event")
    )
    name = models.CharField(_("earlier name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("earlier name of an event")
        verbose_name_plural = _("earlier names of events")
        constraints = [
            # One name means one event of a competition: an earlier name is never another's name.
            models.UniqueConstraint(fields=["competition", "name"], name="event_alias_unique_per_competition")
        ]

    def __str__(self) -> str:
        return self.name


def confirmation_required() -> bool:
    """Whether results need a second office user's confirmation (settings.RESULTS_NEED_CONFIRMATION;
    off for a one-person office). Asked through confirming.required and the querysets below."""
    return settings.RESULTS_NEED_CONFIRMATION


# A result confirmed by a second office user (where the office confirms: EntryQuerySet.confirmed).
CONFIRMED_RESULT = models.Q(confirmed_at__isnull=False)


class EntryQuerySet(models.QuerySet):
    def for_year(self, year: int):
        return self.filter(event__competition__year=year)

    def for_competition(self, competition: "Competition"):
        return self.filter(event__competition=competition)

    def selection_events(self):
        return self.filter(event__is_selection=True)

    def confirmed(self):
        """The results that count where only confirmed ones may: all of them when the office
        confirms nothing (confirmation_required(); who may confirm: competitions.confirming)."""
        if not confirmation_required():
            return self.all()
        return self.filter(CONFIRMED_RESULT)

    def with_confirmed(self):
        """Each entry with `confirmed`: whether confirmed() holds it (an expression on the row
        itself, not a subquery: a list of a million entries reads no more than its page)."""
        if not confirmation_required():
            return self.annotate(confirmed=models.Value(True))
        return self.annotate(confirmed=models.ExpressionWrapper(CONFIRMED_RESULT, models.BooleanField()))

    def unconfirmed(self):
        """The results waiting for a second office user (none when confirmation is off)."""
        if not confirmation_required():
            return self.none()
        return self.filter(confirmed_at__isnull=True)

    def in_result_order(self):
        """An event's entries as its results read: by rank (unranked last), then by tier (special
        first, no award last), then as recorded. One order for the event lists and the entries form,
        so that an unranked 金牌 never sits below an unranked 银牌."""
        return self.order_by(F("rank").asc(nulls_last=True), tier_order().asc(nulls_last=True), "id")

    def with_people(self):
        """Entries with everything a results table shows, in a fixed number of queries."""
        return self.select_related("organization", "award").prefetch_related(
            models.Prefetch("members", queryset=EntryMember.objects.select_related("student", "coach")),
            "coaches",
        )


class Entry(models.Model):
    """One individual or team in one event, for one organization, with its result."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="entries", verbose_name=_("event")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="entries", verbose_name=_("organization")
    )
    award = models.ForeignKey(
        Award,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("award"),
        help_text=_("Empty when the entry took part without an award."),
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    score = models.CharField(_("score"), max_length=50, blank=True, help_text=_("As published."))
    notes = models.TextField(_("notes"), blank=True)
    coaches = models.ManyToManyField(
        "students.Coach",
        through="EntryCoach",
        blank=True,
        related_name="coached_entries",
        verbose_name=_("coaches"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A second pair of eyes (competitions.confirming): who recorded or last changed the result, and
    # who confirmed it since. Set by the writers through confirming.stamp and confirming.confirm.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("recorded by"),
        help_text=_("Who recorded or last changed the result; empty when a command did."),
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("confirmed by"),
        help_text=_("The second office user who confirmed the result as recorded."),
    )
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Empty while the result waits for a second office user to confirm it."),
    )

    objects = EntryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        # By id, not by the event's own ordering (which would join events and competitions), with
        # unranked entries last on every database.
        ordering = ["event_id", F("rank").asc(nulls_last=True), "id"]
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1), name="entry_rank_positive"
            )
        ]
        indexes = [
            # Organization medal tables: entries of an organization grouped by award.
            models.Index(fields=["organization", "award"], name="entry_org_award"),
            # The competition page's count and list of unconfirmed results (few among many).
            models.Index(fields=["event"], condition=Q(confirmed_at__isnull=True), name="entry_unconfirmed"),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.organization}"

    @property
    def is_team(self) -> bool:
        return self.event.is_team

    @property
    def tier(self) -> str | None:
        return self.award.tier if self.award_id else None


class EntryMember(models.Model):
    """A named member of an entry: a home student, a teacher, or an outside competitor's name."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="members")
    # Copied from the entry so the database itself can refuse a student twice in one event.
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    name = models.CharField(_("name"), max_length=100, help_text=_("As written in the results."))
    student = models.ForeignKey(
        "students.Student",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("student"),
    )
    coach = models.ForeignKey(
        "students.Coach",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("teacher"),
        help_text=_("When a teacher competes (teacher-ability contests)."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["entry", "position"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "student"],
                condition=Q(student__isnull=False),
                name="student_once_per_event",
                violation_error_message=_("This student already has an entry in this event."),
            ),
            models.UniqueConstraint(
                fields=["event", "coach"],
                condition=Q(coach__isnull=False),
                name="teacher_once_per_event",
                violation_error_message=_("This teacher already has an entry in this event."),
            ),
            models.UniqueConstraint(fields=["entry", "position"], name="member_position_unique"),
            models.CheckConstraint(
                condition=Q(student__isnull=True) | Q(coach__isnull=True),
                name="member_student_or_teacher",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="member_has_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.event_id = self.entry.event_id
        super().save(*args, **kwargs)


class EntryCoach(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, verbose_name=_("entry"))
    coach = models.ForeignKey(
        "students.Coach", on_delete=models.PROTECT, related_name="coachings", verbose_name=_("coach")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("coach of an entry")
        verbose_name_plural = _("coaches of entries")
        constraints = [models.UniqueConstraint(fields=["entry", "coach"], name="coach_once_per_entry")]

    def __str__(self) -> str:
        return f"{self.coach} · {self.entry}"


# ---------------------------------------------------------------------------------------------
# Who an entry's members are: a person enters an event once (DOMAIN.md rule 7), and when a planned
# entry is one already recorded (re-importing a sheet adds nothing). One definition each, asked by
# the importer, the entries form, record_entry, the demo loader and the admin.

# A member as written: a home student, a competing teacher, or an outside competitor's name.
Member = Student | Coach | str


def largest(model: type[models.Model], name: str) -> int:
    """The largest value of an integer field of `model` that every database stores (PostgreSQL's
    range; SQLite's is wider), so that data written on one can be restored on the other."""
    return BaseDatabaseOperations.integer_field_ranges[model._meta.get_field(name).get_internal_type()][1]


def person_key(member: Member) -> tuple:
    """Who a member is: a student or a teacher by record (one not saved yet by the object itself),
    anyone else by the name as written."""
    if isinstance(member, str):
        return ("name", " ".join(member.split()))
    kind = "teacher" if isinstance(member, Coach) else "student"
    # A record not saved yet by a negative number of its own: keys of one kind always compare
    # (an entry's members are sorted by key), and never equal a saved record's.
    return (kind, member.pk if member.pk else -id(member))


@dataclass(frozen=True)
class Clash:
    """A person entered twice in one event: in planned entry `index`, and in planned entry `other`
    (the same index: twice in that entry) or, when `other` is None, in a recorded entry."""

    index: int
    person: Student | Coach
    other: int | None


def once_per_event(
    planned: Sequence[tuple[Event, Sequence[Member]]], *, replacing: Iterable[int] = ()
) -> list[Clash]:
    """DOMAIN.md rule 7: a student or teacher enters an event once.

    `planned` are entries about to be written, as (event, members), in the order they are checked:
    the second time a person is met is the clash. They are checked against each other and against
    the recorded entries of their events, except the entries whose ids are in `replacing` (their
    members are rewritten by the same save). Outside competitors' names are not checked. One query.
    """
    people = {
        person_key(member)
        for event, members in planned
        if event.pk
        for member in members
        if not isinstance(member, str) and member.pk
    }
    recorded: set[tuple[int, tuple]] = set()
    if people:
        events = {event.pk for event, _members in planned if event.pk}
        taken = EntryMember.objects.filter(event__in=events).exclude(entry__in=list(replacing))
        taken = taken.filter(Q(student__isnull=False) | Q(coach__isnull=False))
        for event_id, student_id, coach_id in taken.values_list("event", "student", "coach"):
            key = ("student", student_id) if student_id else ("teacher", coach_id)
            if key in people:
                recorded.add((event_id, key))
    clashes, seen = [], {}
    for index, (event, members) in enumerate(planned):
        for member in members:
            if isinstance(member, str):
                continue
            key = (event.pk or f"new:{id(event)}", person_key(member))
            if event.pk and key in recorded:
                clashes.append(Clash(index, member, None))
            elif key in seen:
                clashes.append(Clash(index, member, seen[key]))
            else:
                seen[key] = index
    return clashes


@dataclass(frozen=True)
class EntryIdentity:
    """What makes two entries one result when a sheet is imported again: event (so competition),
    organization, award, rank and the members as a multiset. Members are compared by record
    (`people`) and, failing that, by the names as written (`names`), so that an entry recorded
    before a name was linked to its person (a delegation's member whose student number later
    finds a home student) is still found."""

    people: tuple
    names: tuple


def entry_identity(
    *,
    event_id: int | None,
    organization_id: int | None,
    award_id: int | None,
    rank: int | None,
    members: Sequence[Member],
    names: Sequence[str] | None = None,
) -> EntryIdentity | None:
    """The identity of an entry, recorded or planned (with its members found); None when its event
    or organization is new, as it cannot be recorded yet. `names` are the members' names as written
    (by default the members' own)."""
    if not event_id or not organization_id:
        return None
    head = (event_id, organization_id, award_id, rank)
    names = members if names is None else names
    return EntryIdentity(
        people=(*head, tuple(sorted(map(person_key, members)))),
        names=(*head, tuple(sorted(" ".join(str(name).split()) for name in names))),
    )


def recorded_identity(entry: "Entry") -> EntryIdentity:
    """A recorded entry's identity (prefetch its members with their students and coaches)."""
    members = list(entry.members.all())
    return entry_identity(
        event_id=entry.event_id,
        organization_id=entry.organization_id,
        award_id=entry.award_id,
        rank=entry.rank,
        members=[member.student or member.coach or member.name for member in members],
        names=[member.name for member in members],
    )


def match_recorded(planned: Sequence[EntryIdentity | None], entries: Iterable["Entry"]) -> list[bool]:
    """Which planned entries are already recorded among `entries`, counted as a multiset: two
    identical planned entries need two identical recorded ones. Matched by people first, then the
    rest by names."""
    found = [False] * len(planned)
    recorded = [recorded_identity(entry) for entry in entries]
    used = [False] * len(recorded)
    for field in ("people", "names"):
        pool: dict[tuple, list[int]] = {}
        for index, identity in enumerate(recorded):
            if not used[index]:
                pool.setdefault(getattr(identity, field), []).append(index)
        for index, identity in enumerate(planned):
            if found[index] or identity is None:
                continue
            candidates = pool.get(getattr(identity, field))
            if candidates:
                used[candidates.pop()] = True
                found[index] = True
    return found


def photo_path(photo: "Photo", filename: str) -> str:
    # Random stored names: the uploader's file name is never trusted nor shown in a URL.
    return f"photos/{photo.competition_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


def thumbnail_path(photo: "Photo", filename: str) -> str:
    return f"photos/{photo.competition_id}/thumbs/{uuid.uuid4().hex}.jpg"


class Photo(models.Model):
    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="photos", verbose_name=_("competition")
    )
    image = models.ImageField(_("image"), upload_to=photo_path, help_text=_("The original, as uploaded."))
    thumbnail = models.ImageField(
        _("thumbnail"),
        upload_to=thumbnail_path,
        blank=True,
        editable=False,
        help_text=_("Made once, upright (EXIF orientation applied), by a background task after the upload."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(_("credit"), max_length=200, blank=True)
    entries = models.ManyToManyField(
        Entry, blank=True, related_name="photos", verbose_name=_("entries shown")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    history = HistoricalRecords(m2m_fields=[entries])

    class Meta:
        ordering = ["competition", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.caption or self.image.name

    def get_absolute_url(self) -> str:
        return reverse("competitions:photo-detail", args=[self.pk])

    @property
    def preview(self):
        """What a gallery or a timeline shows: the thumbnail, or the original until it is made."""
        return self.thumbnail or self.image


def _photo_tag_str(tag) -> str:
    return f"{tag.photo} · {tag.entry}"


# A tag (the row of Photo.entries' through model, which Django makes) reads as the photo and the
# entry it links on the admin's entry page, not as "Photo_entries object (1)".
Photo.entries.through.__str__ = _photo_tag_str


# --- Evidence: certificate scans and official result documents (competitions/evidence.py) -------
# Personal data: stored under evidence/, a folder config.urls.media never serves, and sent only by
# competitions.views.evidence, which checks the login and the permission.


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    # A random name; the extension is the one of the sniffed kind (evidence.store names the file).
    return f"evidence/{instance.folder()}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


def evidence_preview_path(instance: "EvidenceFile", filename: str) -> str:
    return f"evidence/{instance.folder()}/previews/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class EvidenceFile(models.Model):
    """A stored scan or document file: its kind sniffed from its content, never from its name."""

    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(
        _("content type"), max_length=50, blank=True, editable=False, help_text=_("Sniffed from the content.")
    )
    original_name = models.CharField(
        _("original file name"), max_length=255, blank=True, editable=False, help_text=_("As uploaded.")
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0, editable=False)
    preview = models.ImageField(
        _("preview"),
        upload_to=evidence_preview_path,
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("A small upright image without metadata: the picture, or a PDF's first page."),
    )

    class Meta:
        abstract = True

    def folder(self) -> str:
        raise NotImplementedError

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class ResultDocument(EvidenceFile):
    """The official notice of a competition's results (e.g. 人社部函〔2021〕99号), which usually
    lists many winners: one document, linked to every entry of its competition it covers."""

    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, related_name="result_documents", verbose_name=_("competition")
    )
    issuer = models.CharField(
        _("issuing body"),
        max_length=200,
        help_text=_("Who issued it, e.g. the Ministry of Human Resources and Social Security."),
    )
    number = models.CharField(
        _("document number"),
        max_length=100,
        help_text=_("As printed, brackets and all (only surrounding spaces are removed)."),
    )
    issued_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200, blank=True)
    entries = models.ManyToManyField(
        Entry, blank=True, related_name="result_documents", verbose_name=_("entries covered")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[entries])

    class Meta:
        ordering = ["competition", "issued_on", "id"]
        verbose_name = _("result document")
        verbose_name_plural = _("result documents")

    def __str__(self) -> str:
        return f"{self.issuer} {self.number}"

    def folder(self) -> str:
        return f"documents/{self.competition_id}"

    def get_absolute_url(self) -> str:
        return reverse("competitions:result-document-detail", args=[self.pk])


class CertificateScan(EvidenceFile):
    """A scan or photo of an entry's certificate (image or PDF), with an optional caption."""

    entry = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="certificate_scans", verbose_name=_("entry")
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("certificate scan")
        verbose_name_plural = _("certificate scans")

    def __str__(self) -> str:
        return self.caption or self.original_name or self.file.name

    def folder(self) -> str:
        return f"scans/{self.entry_id}"


class TallyKind(models.TextChoices):
    ORGANIZATION = "organization", _("Organization")
    COLLEGE = "college", _("The college")
    STUDENT = "student", _("Student")
    COACH = "coach", _("Coach")
    DEPARTMENT = "department", _("Department")
    SKILL = "skill", _("Skill")


class TallyCounts(models.Model):
    """Entry counts by tier and weighted points of one group (an organization, a student ...).

    These tables are derived from the entries and kept up to date in the same transaction as every
    result change (competitions.aggregates); `verify_tallies` recounts them from the entries.
    """

    kind = models.CharField(max_length=12, choices=TallyKind)
    key = models.BigIntegerField(
        help_text=_("The id of the organization, student, coach, department or skill.")
    )
    special = models.IntegerField(default=0)
    gold = models.IntegerField(default=0)
    silver = models.IntegerField(default=0)
    bronze = models.IntegerField(default=0)
    excellence = models.IntegerField(default=0)
    other = models.IntegerField(default=0)
    total = models.IntegerField(default=0, help_text=_("special + gold + silver + bronze + excellence"))
    points = models.IntegerField(default=0)
    entries = models.IntegerField(default=0, help_text=_("Entries, with or without an award."))

    COUNTS = ["special", "gold", "silver", "bronze", "excellence", "other", "total", "points", "entries"]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.counts()}"

    def counts(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in self.COUNTS)


class TallyCompetition(TallyCounts):
    """A group's counts in one competition, with the competition's year, level and category."""

    # Not a foreign key: after a competition is deleted its old rows are still needed to subtract.
    competition_id = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=12, choices=Level)
    category = models.CharField(max_length=12, choices=Category)

    class Meta:
        verbose_name = _("tally of a competition")
        verbose_name_plural = _("tallies of competitions")
        constraints = [
            models.UniqueConstraint(fields=["competition_id", "kind", "key"], name="tally_competition_unique")
        ]


class TallyPeriod(TallyCounts):
    """A group's counts summed over the competitions of one year, level and category."""

    year = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=12, choices=Level)
    category = models.CharField(max_length=12, choices=Category)

    class Meta:
        verbose_name = _("tally of a period")
        verbose_name_plural = _("tallies of periods")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key", "year", "level", "category"], name="tally_period_unique"
            )
        ]
        indexes = [
            # Leaderboards over a period: rows of one kind within a year range.
            models.Index(fields=["kind", "year"], name="tally_period_kind_year"),
        ]


class TallyTotal(TallyCounts):
    """A group's all-time counts: the all-time leaderboards read these rows in order."""

    class Meta:
        verbose_name = _("all-time tally")
        verbose_name_plural = _("all-time tallies")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="tally_total_unique")]
        indexes = [
            # All-time tables ordered by tiers, by total and by points, ties by key (tallies.TallyRows):
            # the whole order in the index, so a page reads its rows without sorting the table.
            models.Index(
                "kind",
                F("special").desc(),
                F("gold").desc(),
                F("silver").desc(),
                F("bronze").desc(),
                F("excellence").desc(),
                "key",
                name="tally_total_tiers_key",
            ),
            models.Index("kind", F("total").desc(), "key", name="tally_total_total_key"),
            models.Index("kind", F("points").desc(), "key", name="tally_total_points_key"),
        ]


class TallySize(models.Model):
    """How many rows each all-time table shows (TallyTotal rows of a kind with a medal or points,
    tallies.shown): a leaderboard's number of pages without counting 100,000 rows on every view.
    Kept with TallyTotal by competitions.aggregates and checked by `verify_tallies`."""

    kind = models.CharField(max_length=12, choices=TallyKind, unique=True)
    rows = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("size of an all-time table")
        verbose_name_plural = _("sizes of all-time tables")

    def __str__(self) -> str:
        return f"{self.kind}: {self.rows}"


class StoredFragment(models.Model):
    """A part of a page written when results change (competitions.fragments), so that the first
    view after the change reads it instead of rendering it: the competition page's medal table and
    first page of results, and the pivot's default body. The key holds every version the part
    depends on (the code's, the results', the language, the viewer's permissions), so a stored part
    is never stale, only unused; the next precompute of its competition removes it."""

    key = models.CharField(max_length=200, primary_key=True)
    competition = models.ForeignKey(
        Competition, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    render_version = models.CharField(max_length=16)
    html = models.TextField()
    made = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("precomputed page part")
        verbose_name_plural = _("precomputed page parts")
        default_permissions = ()  # written by the precompute only, never by hand

    def __str__(self) -> str:
        return self.key


def new_import_token() -> str:
    return uuid.uuid4().hex


class SheetImport(models.Model):
    """A result sheet uploaded in the browser, on its way through the background tasks.

    The file itself is kept here, in the database, so that a task worker on any server can read it;
    it is emptied once applied (it holds personal data) and the row keeps a receipt, so that a second
    Apply adds nothing and says what the first one did. Never-applied uploads are removed by
    `manage.py remove_stale_uploads`.
    """

    class State(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked")
        APPLYING = "applying", _("Being imported")
        APPLIED = "applied", _("Imported")

    token = models.CharField(max_length=32, unique=True, default=new_import_token, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200)
    data = models.BinaryField(help_text="The uploaded file; emptied once it has been applied.")
    language = models.CharField(
        max_length=16,
        blank=True,
        help_text="The uploader's language: the messages the tasks store are in it.",
    )
    state = models.CharField(max_length=10, choices=State, default=State.CHECKING)
    task_id = models.CharField(max_length=64, blank=True, help_text="The latest task's id in the task queue.")
    started_at = models.DateTimeField(auto_now_add=True, help_text="When the latest task was queued.")
    created_at = models.DateTimeField(auto_now_add=True)
    # What the preview page shows (counts, the first rows, errors, new people), as the preview task
    # found it; replaced when an Apply finds the sheet bad or unconfirmed.
    preview = models.JSONField(null=True, blank=True)
    # The office's confirmation of the near-match warnings and the count the preview showed, for Apply.
    confirm = models.CharField(max_length=128, blank=True)
    planned = models.IntegerField(null=True, blank=True)
    # After Apply: {"entries", "present", "url", "message", "level", "shown"}; before, a message for
    # the next page ({"message", "level"}), e.g. why the last Apply imported nothing.
    outcome = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the latest task failed, if it did.")

    class Meta:
        verbose_name = _("uploaded sheet")
        verbose_name_plural = _("uploaded sheets")
        indexes = [
            # remove_stale_uploads: old uploads that were never applied.
            models.Index(fields=["state", "created_at"], name="sheet_import_state_created"),
        ]

    def __str__(self) -> str:
        return self.filename


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Keys that open the API now: not revoked, not expired, their user active."""
        not_expired = Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        return self.filter(not_expired, revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A user's key to the read API (competitions.api): it sees what that user's role sees.

    Only a digest of the key is stored; the key itself is shown once, when it is made
    (competitions.tokens.issue). Revoking keeps the row, so the list shows who had which key.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the key is for, e.g. the college website.")
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, help_text=_("Empty: the key works until it is revoked.")
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


# ---------------------------------------------------------------------------------------------
# Honours that follow from results: selection for the national training squad, technical experts
# (技术能手), skill grades, teaching titles. Counting and the rules that need the linked entries
# (a squad selection links a squad entry) are in competitions.honours.


class HonourKind(models.TextChoices):
    SQUAD = "squad", _("National training squad")
    NATIONAL_EXPERT = "national_expert", _("National technical expert")
    PROVINCIAL_EXPERT = "provincial_expert", _("Provincial technical expert")
    SKILL_GRADE = "skill_grade", _("Skill grade promotion")
    TEACHING_TITLE = "teaching_title", _("Teaching title promotion")


class HonourStatus(models.TextChoices):
    """How far an honour has got, in the order it gets there."""

    QUALIFIED = "qualified", _("Qualified to apply")
    NOMINATED = "nominated", _("Nominated")
    AWARDED = "awarded", _("Awarded")


class HonourPeople(models.TextChoices):
    """Who an unnamed honour's count is of, as the report says it (学生 / 教师 / 师生)."""

    STUDENTS = "students", _("Students")
    TEACHERS = "teachers", _("Teachers")
    BOTH = "both", _("Students and teachers")


class Honour(models.Model):
    """An honour that results lead to, for one student or one teacher, or for a number of people
    the source does not name (an unnamed count, like an entry without members)."""

    kind = models.CharField(_("kind"), max_length=20, choices=HonourKind)
    status = models.CharField(_("status"), max_length=12, choices=HonourStatus, default=HonourStatus.AWARDED)
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_(
            "As written, where the kind alone does not say it: the squad, the skill grade or the teaching title."
        ),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), help_text=_("The year the annual summary counts it in.")
    )
    date = models.DateField(_("date"), null=True, blank=True, help_text=_("When known."))
    document_number = models.CharField(
        _("document number"), max_length=100, blank=True, help_text=_("As typed, with its brackets.")
    )
    student = models.ForeignKey(
        "students.Student",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honours",
        verbose_name=_("student"),
    )
    coach = models.ForeignKey(
        "students.Coach",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="honours",
        verbose_name=_("teacher"),
    )
    count = models.PositiveIntegerField(
        _("number of people"),
        null=True,
        blank=True,
        help_text=_("Only for an unnamed honour: how many people the source counts without naming them."),
    )
    people = models.CharField(
        _("who"),
        max_length=10,
        choices=HonourPeople,
        blank=True,
        help_text=_("Only for an unnamed honour: students, teachers or both."),
    )
    entries = models.ManyToManyField(
        Entry,
        blank=True,
        related_name="honours",
        verbose_name=_("entries"),
        help_text=_("The results that earned it."),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[entries])

    class Meta:
        ordering = ["-year", "kind", "id"]
        verbose_name = _("honour")
        verbose_name_plural = _("honours")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(student__isnull=False, coach__isnull=True, count__isnull=True, people="")
                    | Q(student__isnull=True, coach__isnull=False, count__isnull=True, people="")
                    | (Q(student__isnull=True, coach__isnull=True, count__gte=1) & ~Q(people=""))
                ),
                name="honour_named_or_counted",
            ),
            models.CheckConstraint(condition=Q(kind__in=HonourKind.values), name="honour_kind_known"),
            models.CheckConstraint(condition=Q(status__in=HonourStatus.values), name="honour_status_known"),
        ]
        indexes = [
            # The honours list and the annual summary: one year's honours by kind.
            models.Index(fields=["year", "kind"], name="honour_year_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.get_kind_display()} · {self.person_label}"

    @property
    def is_unnamed(self) -> bool:
        return self.student_id is None and self.coach_id is None

    @property
    def person(self):
        return self.student or self.coach

    @property
    def person_label(self) -> str:
        if self.is_unnamed:
            return gettext("unnamed, %(count)s %(people)s") % {
                "count": self.count,
                "people": self.get_people_display(),
            }
        return self.person.name

    @property
    def headcount(self) -> int:
        """How many people it stands for: one named person, or the unnamed count."""
        return 1 if not self.is_unnamed else (self.count or 0)

    def clean(self):
        """The rules that need no linked entries (the squad rule: competitions.honours.check_entries)."""
        errors: dict[str, list] = {}
        if self.student_id and self.coach_id:
            errors.setdefault("coach", []).append(
                _("An honour is for one person: choose a student or a teacher, not both.")
            )
        if self.is_unnamed:
            if self.count is None or self.count < 1:
                errors.setdefault("count", []).append(
                    _(
                        "An unnamed honour needs the number of people (1 or more); or name a student or a teacher."
                    )
                )
            if not self.people:
                errors.setdefault("people", []).append(
                    _("Say whether the unnamed people are students, teachers or both.")
                )
        else:
            if self.count is not None:
                errors.setdefault("count", []).append(
                    _("A named honour is for one person: leave the number of people empty.")
                )
            if self.people:
                errors.setdefault("people", []).append(
                    _("Only an unnamed honour says who its people are: leave it empty.")
                )
        if self.date and self.year and self.date.year != self.year:
            errors.setdefault("date", []).append(
                _("The date is in %(date_year)d, not in %(year)d.")
                % {"date_year": self.date.year, "year": self.year}
            )
        if errors:
            raise ValidationError(errors)
