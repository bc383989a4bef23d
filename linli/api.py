"""The JSON API at /api/v1/: assembles the routers each app exposes in its own ``api.py``."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from linli.accounts.api import router as accounts_router
from linli.core.api import BearerTokenAuth
from linli.core.busy import busy_response, is_busy
from linli.core.errors import DomainError
from linli.core.middleware import too_large_message
from linli.orders.api import router as orders_router
from linli.people.api import router as people_router
from linli.points.api import router as points_router
from linli.visits.api import router as visits_router
from linli.volunteers.api import router as volunteers_router
from linli.warehouse.api import router as warehouse_router


def docs_access(view):
    """The API's docs and schema: public when ``LINLI_API_DOCS_PUBLIC`` (the default in
    development), else for a signed-in user (session or bearer token): the schema answers 401,
    the docs page sends to the login page."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if settings.LINLI_API_DOCS_PUBLIC or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if BearerTokenAuth()(request) is not None:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return JsonResponse({"detail": _("Sign in to read the API schema.")}, status=401)
        return redirect_to_login(request.get_full_path())

    return guarded


api = NinjaAPI(
    docs_decorator=docs_access,
    title="Linli API",
    version="1",
    description="Linli (邻里) community mutual-aid platform. Authenticate with "
    "`POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.",
    urls_namespace="api",
)
api.add_router("/", accounts_router)
api.add_router("/", people_router)
api.add_router("/", volunteers_router)
api.add_router("/", points_router)
api.add_router("/", warehouse_router)
api.add_router("/", orders_router)
api.add_router("/", visits_router)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(
        request, {"detail": exc.message, "errors": exc.fields}, status=exc.status
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(MultiPartParserError)
def bad_multipart(request, exc):
    """A broken form body (read by the login lockout on failures) is the client's error."""
    return api.create_response(
        request, {"detail": _("The request body cannot be read.")}, status=400
    )


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc):
    """A body over the limit (also checked before any view by ``RequestSizeMiddleware``)."""
    return api.create_response(request, {"detail": too_large_message()}, status=413)


@api.exception_handler(SuspiciousOperation)
def suspicious(request, exc):
    """Too many fields and the like: the client's error, also in debug mode."""
    return api.create_response(
        request, {"detail": _("The request body cannot be read.")}, status=400
    )


@api.exception_handler(OperationalError)
def database_busy(request, exc: OperationalError):
    """The write could not get its lock in time: 503 + Retry-After. Any other database error is
    a fault: re-raised, so it stays a 500 (and is logged as one)."""
    if is_busy(exc):
        return busy_response(request, exc)
    raise exc
