from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from competitions import confirming, fragments, roles, tokens
from competitions.admin_honours import HonourAdmin  # noqa: F401 (registers the honours' admin)
from competitions.admin_tallies import RefreshesTallies
from competitions.amending import check_event, save_award, save_event
from competitions.models import (
    ApiToken,
    Award,
    CertificateScan,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    EventAlias,
    Organization,
    Photo,
    ResultDocument,
    Skill,
    once_per_event,
)
from competitions.recording import change_skill

# The admin's header and page titles in the visitor's language, not "Django administration".
admin.site.site_header = _("Skills competition results: administration")
admin.site.site_title = _("Skills competition results")
admin.site.index_title = _("Administration")


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["label", "tier", "entry_count"]
    list_filter = ["tier"]
    search_fields = ["label"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_entries=Count("entries"))

    @admin.display(description=_("entries"), ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries

    def save_model(self, request, obj, form, change):
        # The office's vocabulary page saves the same way: a tier change recounts the tallies.
        save_award(obj, user=request.user)

    # An award with entries cannot be deleted (PROTECT), so a deletion changes no tally.


@admin.register(Organization)
class OrganizationAdmin(RefreshesTallies, admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "is_home", "is_illustrative", "entry_count"]
    list_filter = ["kind", "is_home", "is_illustrative"]
    search_fields = ["name", "short_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_entries=Count("entries"))

    @admin.display(description=_("entries"), ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries

    def tally_competitions(self, pks):
        # Renaming an organization changes the result lists of its competitions, and the ranking
        # notes of those that leave it out of the ranking or the table.
        return (
            set(Entry.objects.filter(organization__in=pks).values_list("event__competition", flat=True))
            | set(Competition.objects.filter(unranked_organizations__in=pks).values_list("pk", flat=True))
            | set(Competition.objects.filter(excluded_organizations__in=pks).values_list("pk", flat=True))
        )


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        change_skill(form)  # the pages that name the skill are written again

    list_display = ["name", "name_en", "placeholder", "event_count"]
    list_filter = ["placeholder"]
    search_fields = ["name", "name_en"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_events=Count("events"))

    @admin.display(description=_("events"), ordering="n_events")
    def event_count(self, obj):
        return obj.n_events


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    autocomplete_fields = ["skill"]
    show_change_link = True


@admin.register(Competition)
class CompetitionAdmin(RefreshesTallies, admin.ModelAdmin):
    list_display = ["name", "year", "edition", "level", "category", "medal_count", "is_illustrative"]
    list_filter = ["year", "level", "category", "is_illustrative"]
    search_fields = ["name", "host"]
    filter_horizontal = ["unranked_organizations", "excluded_organizations"]
    inlines = [EventInline]
    fieldsets = [
        (None, {"fields": ["name", "edition", "year", ("start_date", "end_date"), "host"]}),
        (_("Kind"), {"fields": ["level", "category", "award_rule", "is_illustrative", "notes"]}),
        (
            _("Medal table"),
            {
                "fields": [
                    ("weight_special", "weight_gold", "weight_silver"),
                    ("weight_bronze", "weight_excellence", "weight_other"),
                    "unranked_organizations",
                    "excluded_organizations",
                ]
            },
        ),
    ]

    def tally_competitions(self, pks):
        return {int(pk) for pk in pks}


class EntryInline(admin.TabularInline):
    model = Entry
    extra = 0
    fields = ["organization", "award", "rank", "score", "notes"]
    autocomplete_fields = ["organization", "award"]
    show_change_link = True


class EventAliasInline(admin.TabularInline):
    """An event's earlier names (kept when it is renamed); one can be forgotten, none typed here."""

    model = EventAlias
    extra = 0
    fields = ["name"]
    readonly_fields = ["name"]

    def has_add_permission(self, request, obj=None):
        return False


class EventAdminForm(forms.ModelForm):
    def validate_unique(self):
        super().validate_unique()
        try:
            check_event(self.instance)  # the office's event page asks the same
        except ValidationError as error:
            self.add_error(None, error)


@admin.register(Event)
class EventAdmin(RefreshesTallies, admin.ModelAdmin):
    form = EventAdminForm
    list_display = ["name", "competition", "skill", "is_team", "team_sizes", "is_selection", "entry_count"]
    list_filter = [
        "competition__year",
        "competition__level",
        "competition__category",
        "is_team",
        "is_selection",
    ]
    list_select_related = ["competition", "skill"]
    search_fields = ["name", "skill__name", "competition__name"]
    autocomplete_fields = ["competition", "skill"]
    inlines = [EventAliasInline, EntryInline]

    def save_model(self, request, obj, form, change):
        # As the office's event page saves: a new name keeps the old one for imports.
        save_event(obj, skill_name=obj.skill.name, user=request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_entries=Count("entries"))

    @admin.display(description=_("entries"), ordering="n_entries")
    def entry_count(self, obj):
        return obj.n_entries

    def tally_competitions(self, pks):
        return set(Event.objects.filter(pk__in=pks).values_list("competition", flat=True))

    @admin.display(description=_("team size"))
    def team_sizes(self, obj):
        if obj.min_team_size == obj.max_team_size:
            return obj.max_team_size
        return f"{obj.min_team_size}–{obj.max_team_size}"


class MemberFormSet(BaseInlineFormSet):
    """Refuses more named members than the event allows (DOMAIN.md rule 7)."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("name")
        ]
        event = self.instance.event if self.instance.event_id else None
        if event is None:
            return
        try:
            event.check_team_size(len(kept))
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        # The member rows get their event on save, so the database constraint cannot be checked
        # by the form itself: check it here (DOMAIN.md rule 7) to show a message instead of a
        # server error.
        members = [
            form.cleaned_data.get("student") or form.cleaned_data.get("coach") or form.cleaned_data["name"]
            for form in kept
        ]
        clashes = once_per_event([(event, members)], replacing=[self.instance.pk] if self.instance.pk else [])
        if any(clash.other is not None for clash in clashes):
            raise ValidationError(_("A student is listed twice in this entry."))
        if clashes:
            raise ValidationError(
                _("Already entered in this event: %(names)s.")
                % {"names": "、".join(clash.person.name for clash in clashes)}
            )


class EntryMemberInline(admin.TabularInline):
    model = EntryMember
    formset = MemberFormSet
    extra = 0
    fields = ["position", "name", "student", "coach"]
    autocomplete_fields = ["student", "coach"]


class EntryCoachInline(admin.TabularInline):
    model = EntryCoach
    extra = 0
    autocomplete_fields = ["coach"]
    verbose_name = _("coach")
    verbose_name_plural = _("coaches")


class PhotoTagForm(forms.ModelForm):
    """A photo an entry is tagged in; the through model Django makes has no labels of its own."""

    class Meta:
        model = Photo.entries.through
        fields = ["photo"]
        labels = {"photo": _("photo")}


class PhotoInline(admin.TabularInline):
    model = Photo.entries.through
    form = PhotoTagForm
    extra = 0
    autocomplete_fields = ["photo"]
    verbose_name = _("photo")
    verbose_name_plural = _("photos")


@admin.register(Entry)
class EntryAdmin(RefreshesTallies, admin.ModelAdmin):
    list_display = ["__str__", "competition", "organization", "award", "tier", "rank", "member_names"]
    list_filter = [
        "event__competition__year",
        "event__competition__level",
        "event__competition__category",
        "award__tier",
        "members__student__department",
        ("confirmed_at", admin.EmptyFieldListFilter),  # empty: waiting for a second office user
    ]
    list_select_related = ["event__competition", "organization", "award"]
    search_fields = [
        "event__name",
        "event__competition__name",
        "organization__name",
        "members__name",
        "members__student__student_number",
        "coaches__name",
    ]
    autocomplete_fields = ["event", "organization", "award"]
    inlines = [EntryMemberInline, EntryCoachInline, PhotoInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    def get_readonly_fields(self, request, obj=None):
        # Members carry their event for the once-per-event constraint; move an entry by
        # recording it again in the other event instead.
        confirmation = ["recorded_by", "recorded_at", "confirmed_by", "confirmed_at"]
        return ["event", *confirmation] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # A new or changed result waits for a second office user (competitions.confirming).
        changed = form.changed_data if change else confirming.RESULT_FIELDS
        obj._confirmation_stamped = confirming.stamp(obj, user=request.user, changed=changed)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        lists = {EntryMember: "members", EntryCoach: "coaches"}
        changed = [lists[f.model] for f in formsets if f.model in lists and f.has_changed()]
        entry = form.instance
        if not getattr(entry, "_confirmation_stamped", False) and confirming.stamp(
            entry, user=request.user, changed=changed
        ):
            entry._history_user = request.user
            entry.save(update_fields=["recorded_by", "recorded_at", "confirmed_by", "confirmed_at"])

    def tally_competitions(self, pks):
        return set(Entry.objects.filter(pk__in=pks).values_list("event__competition", flat=True))

    @admin.display(description=_("competition"), ordering="event__competition__year")
    def competition(self, obj):
        return obj.event.competition

    @admin.display(description=_("tier"), ordering="award__tier")
    def tier(self, obj):
        return obj.award.get_tier_display() if obj.award_id else "—"

    @admin.display(description=_("members"))
    def member_names(self, obj):
        return "、".join(member.name for member in obj.members.all())


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "competition", "credit", "uploaded_at"]
    list_filter = ["competition__year"]
    list_select_related = ["competition"]
    search_fields = ["caption", "credit", "competition__name"]
    autocomplete_fields = ["competition", "entries"]
    # Photos are uploaded on the competition page, where they are checked and lose their GPS
    # position (competitions.photos.save_photos); here only the caption, credit and tags change.
    readonly_fields = ["image", "thumbnail"]

    def has_add_permission(self, request):
        return False


class EvidenceFileLink:
    """The stored file of a scan or document, linked through the page that checks permissions
    (evidence is never under /media/); files are uploaded on the office's pages, where they are
    sniffed and checked (competitions.evidence), so the admin does not take them.

    A change or deletion here changes the evidence markers of the competition pages' results:
    their competitions (`competitions_of`, before and after) are written again."""

    file_view = ""

    def competitions_of(self, pks) -> set[int]:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        request._evidence_before = self.competitions_of([obj.pk]) if obj.pk else set()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_evidence_before", set())
        fragments.shown_changed(before | self.competitions_of([form.instance.pk]))

    def delete_model(self, request, obj):
        competitions = self.competitions_of([obj.pk])
        super().delete_model(request, obj)
        fragments.shown_changed(competitions)

    def delete_queryset(self, request, queryset):
        competitions = self.competitions_of(list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
        fragments.shown_changed(competitions)

    @admin.display(description=_("file"))
    def stored_file(self, obj):
        if not obj.pk or not obj.file:
            return "—"
        return format_html(
            '<a href="{}">{}</a> {}',
            reverse(self.file_view, args=[obj.pk]),
            gettext("Open the file"),
            render_to_string("competitions/_evidence_kind.html", {"stored": obj}),
        )


@admin.register(CertificateScan)
class CertificateScanAdmin(EvidenceFileLink, admin.ModelAdmin):
    file_view = "competitions:scan-file"
    list_display = ["__str__", "entry", "uploaded_at", "uploaded_by"]
    list_filter = ["entry__event__competition__year"]
    list_select_related = ["entry__event__competition", "entry__organization", "uploaded_by"]
    search_fields = ["caption", "original_name", "entry__event__name", "entry__members__name"]
    fields = ["entry", "caption", "stored_file", "uploaded_by"]
    readonly_fields = ["entry", "stored_file", "uploaded_by"]

    def has_add_permission(self, request):
        return False

    def competitions_of(self, pks) -> set[int]:
        scans = CertificateScan.objects.filter(pk__in=pks)
        return set(scans.values_list("entry__event__competition", flat=True))


@admin.register(ResultDocument)
class ResultDocumentAdmin(EvidenceFileLink, admin.ModelAdmin):
    file_view = "competitions:result-document-file"
    list_display = ["number", "issuer", "issued_on", "competition"]
    list_filter = ["competition__year", "issuer"]
    list_select_related = ["competition"]
    search_fields = ["number", "issuer", "title", "competition__name"]
    autocomplete_fields = ["competition", "entries"]
    fields = ["competition", "issuer", "number", "issued_on", "title", "entries", "stored_file"]
    readonly_fields = ["stored_file"]

    def competitions_of(self, pks) -> set[int]:
        documents = ResultDocument.objects.filter(pk__in=pks)
        competitions = set(documents.values_list("competition", flat=True))
        return (competitions | set(documents.values_list("entries__event__competition", flat=True))) - {None}


# Permissions as the admin's user and group forms list them: in the visitor's language. Django
# stores each permission's name in English when it is created ("Can add award"), and
# django-simple-history names its models "historical …" untranslated; both are named again here.
PERMISSION_ACTIONS = {
    "add": _("Can add %(subject)s"),
    "change": _("Can change %(subject)s"),
    "delete": _("Can delete %(subject)s"),
    "view": _("Can view %(subject)s"),
}


def model_label(model) -> str:
    """A model's name; for the table Django makes behind a many-to-many field, that field's."""
    owner = model._meta.auto_created
    if owner:
        field = next(f for f in owner._meta.many_to_many if f.remote_field.through is model)
        return gettext("%(field)s of %(model)s") % {
            "field": field.verbose_name,
            "model": owner._meta.verbose_name,
        }
    return model._meta.verbose_name


def permission_label(permission: Permission) -> str:
    model = permission.content_type.model_class()
    if model is None:  # a model no longer installed
        return str(permission)
    original = getattr(model, "instance_type", None)  # a model of django-simple-history
    if original is None:
        subject = model_label(model)
    else:
        subject = gettext("history of %(subject)s") % {"subject": model_label(original)}
    action, _underscore, model_name = permission.codename.partition("_")
    if action in PERMISSION_ACTIONS and model_name == model._meta.model_name:
        name = PERMISSION_ACTIONS[action] % {"subject": subject}
    else:
        name = gettext(permission.name)  # the app's own permissions, named in gettext in Meta
    return f"{model._meta.app_config.verbose_name} | {name}"


# The roles' groups (competitions.roles) are found by their English names; shown translated.
ROLE_LABELS = {
    roles.OFFICE: _("competition office"),
    roles.TEACHERS: _("teachers"),
    roles.ADMINISTRATORS: _("administrators"),
}


def group_label(group: Group) -> str:
    return str(ROLE_LABELS.get(group.name, group.name))


class TranslatedPermissions:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        elif db_field.name == "groups":
            field.label_from_instance = group_label
        return field


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "groups__id__exact"  # as Django's own filter on groups names it

    def lookups(self, request, model_admin):
        return [(group.pk, group_label(group)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups__id=self.value()) if self.value() else queryset


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class TranslatedUserAdmin(TranslatedPermissions, UserAdmin):
    list_filter = [RoleFilter if name == "groups" else name for name in UserAdmin.list_filter]


@admin.register(Group)
class TranslatedGroupAdmin(TranslatedPermissions, GroupAdmin):
    list_display = ["role_name"]

    @admin.display(description=_("name"), ordering="name")
    def role_name(self, group):
        return group_label(group)


class ApiTokenState(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("working", pgettext_lazy("API key state", "working")),
            ("revoked", pgettext_lazy("API key state", "revoked")),
            ("expired", pgettext_lazy("API key state", "expired")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "working":
            return queryset.active()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Everyone's keys to the read API. The digest is never shown; a key made here is shown once."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = [ApiTokenState, ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    actions = ["revoke_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "expires_at"]
        return ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "prefix", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            key = tokens.new_key()
            obj.digest, obj.prefix = tokens.digest(key), key[:8]
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                gettext("The new key for %(user)s is %(key)s. Copy it now: it will not be shown again.")
                % {"user": obj.user.get_username(), "key": key},
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke selected keys"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        working = list(queryset.filter(revoked_at__isnull=True))
        ApiToken.objects.filter(pk__in=[token.pk for token in working]).update(revoked_at=timezone.now())
        if working:
            LogEntry.objects.log_actions(
                request.user.pk, working, CHANGE, [{"changed": {"fields": ["revoked"]}}]
            )
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", len(working))
            % {"count": len(working)},
            messages.SUCCESS,
        )
