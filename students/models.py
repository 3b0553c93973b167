import uuid
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from competitions import links
from competitions.querysets import CompiledQuery
from students.names import initials_key, pinyin_key


def student_photo_path(student: "Student", filename: str) -> str:
    # A random name: uploaders often name the file after the student or their number.
    return f"students/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Major(models.Model):
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="majors", verbose_name=_("department")
    )

    class Meta:
        ordering = ["department__name", "name"]
        verbose_name = _("major")
        verbose_name_plural = _("majors")
        constraints = [
            models.UniqueConstraint(fields=["department", "name"], name="major_unique_per_department")
        ]

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(models.QuerySet):
    def search(self, text: str):
        """Match a name, the start of its full pinyin or initials, or the start of a student number.

        Latin text is matched as prefixes with range conditions, which every database answers from
        an index (a million students cost what a thousand do); Chinese text is matched anywhere in
        the name.
        """
        text = text.strip()
        if not text:
            return self
        if not text.isascii():
            return self.filter(name__contains=text)
        latin = "".join(text.lower().split())
        prefixes = [latin, latin, text]
        if self.model is Student:
            prefixes += [text, text.upper()]
        fields = PREFIX_FIELDS[self.model]
        # Each prefix is looked up on its own index, in one UNION query (an OR of them makes
        # databases scan the whole table), compiled once; prefixes so short that they match very
        # many people fall back to the plain OR.
        ids = PREFIX_IDS[self.model](*(bound for prefix in prefixes for bound in prefix_range(prefix)))
        if len(ids) > SEARCH_LIMIT:
            query = Q()
            for field, prefix in zip(fields, prefixes, strict=True):
                query |= starts_with(field, prefix)
            return self.filter(query)
        return self.filter(pk__in={pk for (pk,) in ids})


SEARCH_LIMIT = 2000


def prefix_range(prefix: str) -> tuple[str, str]:
    """The strings that start with `prefix` are those from it up to (not including) this bound."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def starts_with(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, as a range an index can answer (no LIKE)."""
    low, high = prefix_range(prefix)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def prefix_ids(model: type[models.Model], *bounds: str) -> models.QuerySet:
    """The ids (at most SEARCH_LIMIT + 1) of the rows of `model` whose PREFIX_FIELDS lie in the
    ranges given (a low and a high bound for each field, prefix_range), in one UNION ALL."""
    fields = PREFIX_FIELDS[model]
    found = [
        model.objects.filter(**{f"{field}__gte": low, f"{field}__lt": high}).order_by().values_list("pk")
        for field, low, high in zip(fields, bounds[::2], bounds[1::2], strict=True)
    ]
    return found[0].union(*found[1:], all=True).order_by()[: SEARCH_LIMIT + 1]


class Person(models.Model):
    """What students and coaches share: a name with its pinyin search keys."""

    name = models.CharField(_("name"), max_length=100, db_index=True)
    name_pinyin = models.CharField(
        _("pinyin"),
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("Full pinyin without spaces, for search and sorting; filled in from the name."),
    )
    name_initials = models.CharField(_("pinyin initials"), max_length=50, blank=True, db_index=True)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("department")
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    def fill_search_keys(self) -> None:
        # Derived from the name; staff may correct a reading, so only fill what is empty.
        if not self.name_pinyin:
            self.name_pinyin = pinyin_key(self.name)
        if not self.name_initials:
            self.name_initials = initials_key(self.name)

    def save(self, *args, **kwargs):
        self.fill_search_keys()
        super().save(*args, **kwargs)


class Student(Person):
    class TrainingLevel(models.TextChoices):
        SENIOR = "senior", _("Senior worker")
        PRE_TECHNICIAN = "pre_technician", _("Pre-technician")
        TECHNICIAN = "technician", _("Technician")

    student_number = models.CharField(
        _("student number"),
        max_length=40,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Personal data: never shown to anonymous visitors."),
    )
    major = models.ForeignKey(
        Major, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("major")
    )
    class_name = models.CharField(_("class"), max_length=100, blank=True)
    cohort_year = models.PositiveSmallIntegerField(_("cohort year"), null=True, blank=True, db_index=True)
    training_level = models.CharField(_("training level"), max_length=20, choices=TrainingLevel, blank=True)
    photo = models.ImageField(_("photo"), upload_to=student_photo_path, blank=True)

    class Meta:
        ordering = ["name_pinyin", "name"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        constraints = [
            # Blank numbers are stored as NULL so that many students may lack one.
            models.CheckConstraint(condition=~Q(student_number=""), name="student_number_null_not_blank")
        ]

    def get_absolute_url(self) -> str:
        return links.pk_url("students:student-detail", self.pk)

    def save(self, *args, **kwargs):
        self.student_number = (self.student_number or "").strip() or None
        super().save(*args, **kwargs)


class Coach(Person):
    """A teacher who coaches entries; teachers also compete (teacher-ability contests)."""

    staff_number = models.CharField(_("staff number"), max_length=40, blank=True)
    organization = models.ForeignKey(
        "competitions.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="coaches",
        verbose_name=_("organization"),
        help_text=_("Empty for the home college's own teachers."),
    )

    class Meta:
        ordering = ["name_pinyin", "name"]
        verbose_name = _("coach")
        verbose_name_plural = _("coaches")

    def get_absolute_url(self) -> str:
        return links.pk_url("students:coach-detail", self.pk)


class StudentNumberAlias(models.Model):
    """A student number that belonged to a record merged into `student` (DOMAIN.md rule 10).

    A later sheet with the old number finds the student kept; numbers stay unique across students
    and aliases (students.people checks both before giving a number out).
    """

    number = models.CharField(_("student number"), max_length=40, unique=True)
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="number_aliases", verbose_name=_("student")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("former student number")
        verbose_name_plural = _("former student numbers")

    def __str__(self) -> str:
        return f"{self.number} → {self.student}"


class MergeRecord(models.Model):
    """Two records of one person merged into one (DOMAIN.md rule 10), as the office reads it later.

    Names and numbers are copied, not linked: the removed record is gone, and the kept one may change
    or be merged again. The moved entry rows have their own history rows with the same reason.
    """

    class Kind(models.TextChoices):
        STUDENT = "student", _("Student")
        COACH = "coach", _("Coach")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged by"),
    )
    kept_id = models.PositiveBigIntegerField(_("kept record"))
    kept_name = models.CharField(_("kept name"), max_length=100)
    kept_number = models.CharField(
        _("kept number"), max_length=40, blank=True, help_text=_("Student or staff number after the merge.")
    )
    removed_id = models.PositiveBigIntegerField(_("removed record"))
    removed_name = models.CharField(_("removed name"), max_length=100)
    removed_number = models.CharField(_("removed number"), max_length=40, blank=True)
    entries_moved = models.PositiveIntegerField(
        _("entries moved"), default=0, help_text=_("Entries the removed record competed in or coached.")
    )
    removed_fields = models.JSONField(
        _("removed record's fields"),
        default=dict,
        help_text=_("The removed record's fields as they were: name → text."),
    )
    filled_fields = models.JSONField(
        _("fields filled"),
        default=dict,
        help_text=_("Fields the kept record lacked, filled from the removed one: name → text."),
    )

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        permissions = [("merge_people", _("Can merge two records of one person"))]

    def __str__(self) -> str:
        return f"{self.removed_name} → {self.kept_name}"

    @property
    def person_model(self) -> type[Student] | type[Coach]:
        return Student if self.kind == self.Kind.STUDENT else Coach

    def labelled(self, fields: dict) -> list[tuple[str, str]]:
        """(verbose name, text) of a JSON field's entries, in the model's field order."""
        meta = self.person_model._meta
        return [(str(meta.get_field(name).verbose_name), text) for name, text in fields.items()]

    def filled(self) -> list[tuple[str, str]]:
        return self.labelled(self.filled_fields)

    def kept_url(self) -> str:
        return self.person_model(pk=self.kept_id).get_absolute_url()


# The fields a search matches by prefix (PersonQuerySet.search): full pinyin, initials, the name as
# written, and a student's number as typed and in capitals.
PREFIX_FIELDS = {
    Student: ["name_pinyin", "name_initials", "name", "student_number", "student_number"],
    Coach: ["name_pinyin", "name_initials", "name"],
}
PREFIX_IDS = {model: CompiledQuery(partial(prefix_ids, model)) for model in PREFIX_FIELDS}
