"""The read API, /api/v1/ (django-ninja): JSON, read-only, described by /api/v1/openapi.json and
browsable at /api/v1/docs (Swagger UI from django-ninja's own static files: no CDN).

Routers: competitions.api.resources (competitions, events, entries, organizations, skills,
students, coaches, departments) and competitions.api.results (medal tables, leaderboards,
tallies). Access and rate limits: competitions.api.access.
"""

from django.conf import settings
from ninja import NinjaAPI

from competitions.api import access, resources, results


class ReadAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """The schema, saying that no key is needed while the public switch is on (an empty security
        requirement: anonymous readers are served, competitions.api.access.public_access)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        if settings.PUBLIC_RESULTS:
            for operations in schema["paths"].values():
                for operation in operations.values():
                    if "security" in operation:
                        operation["security"].append({})
        return schema


api = ReadAPI(
    title="Skills-competition results API",
    version="1",
    description="Read-only results of the college's skills competitions.",
    urls_namespace="api-v1",
    auth=access.ACCESS,
    throttle=access.THROTTLES,
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs_decorator=access.schema_open,
)

api.add_router("", resources.router)
api.add_router("", results.router)


def urls():
    """api.urls with every view open to LoginRequiredMiddleware: the API's own `auth` decides."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace
