"""The three roles and what each may do.

- competition office: records and corrects results, imports sheets, uploads photos, merges two
  records of one person (students.merging);
- teachers: read everything about students, coaches and results, change nothing;
- administrators: everything, plus the admin site (their accounts are staff).

The groups are brought up to date after every `migrate` (see CompetitionsConfig.ready), so a new
model's permissions reach the roles without a hand-written step.
"""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

OFFICE = "competition office"
TEACHERS = "teachers"
ADMINISTRATORS = "administrators"

RESULT_MODELS = [
    "competition",
    "event",
    "entry",
    "entrymember",
    "entrycoach",
    "photo",
    "certificatescan",
    "resultdocument",
    "award",
    "organization",
    "skill",
    "honour",
]
PEOPLE_MODELS = ["student", "coach", "department", "major"]


def codenames(actions: list[str], models: list[str]) -> list[str]:
    return [f"{action}_{model}" for action in actions for model in models]


ROLE_PERMISSIONS = {
    OFFICE: codenames(["add", "change", "delete", "view"], RESULT_MODELS)
    + codenames(["add", "change", "view"], ["student", "coach"])
    + codenames(["view"], ["department", "major", "mergerecord", "studentnumberalias"])
    + ["merge_people"],
    TEACHERS: codenames(["view"], RESULT_MODELS + PEOPLE_MODELS),
}


def ensure_roles() -> None:
    apps = ["competitions", "students"]
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label__in=apps, codename__in=wanted)
        )
    administrators, _ = Group.objects.get_or_create(name=ADMINISTRATORS)
    administrators.permissions.set(Permission.objects.all())


def role_of(user) -> str | None:
    """The user's role name, the strongest first; None for anonymous users and users without one."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return ADMINISTRATORS
    names = {group.name for group in user.groups.all()}
    for role in (ADMINISTRATORS, OFFICE, TEACHERS):
        if role in names:
            return role
    return None


class RoleRequiredMiddleware:
    """Logged-in users without a role (no group, not a superuser) get 403 on every page.

    A new account sees nothing until an administrator gives it a role; it can still log out.
    Pages open to anonymous visitors (login, language, the public honours and result pages) stay
    open. The check reads the user's permissions, which the navigation bar reads anyway (Django
    caches them per request).
    """

    OPEN = {"logout"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or not getattr(view_func, "login_required", True):
            return None
        if request.resolver_match.url_name in self.OPEN or request.resolver_match.app_name == "admin":
            return None  # the admin site checks staff status itself
        if not request.user.has_perm("competitions.view_entry"):
            raise PermissionDenied
        return None
