from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from linli.core.busy import busy_response, is_busy
from linli.core.errors import NotFound, PermissionDenied


class CookieLanguageMiddleware:
    """zh-Hans unless the user chose another language (cookie set by /i18n/setlang/).

    The browser's Accept-Language is deliberately ignored: the product speaks Chinese first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class DomainErrorMiddleware:
    """Pages: a record outside scope is a plain 404; a role denial is a 403; a database too busy
    to take the write (lock wait timed out) is a 503 with ``Retry-After``, never a 500. Also
    catches what the API's authentication raises before ninja's own handlers run."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.message)
        if is_busy(exception):
            return busy_response(request, exception)
        return None


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return _("The request is too large (more than %(mb)s MB of data besides files).") % {
        "mb": round(limit / 1024 / 1024, 1)
    }


def upload_too_large_message() -> str:
    return _("The upload is too large (more than %(mb)s MB in all).") % {
        "mb": round(settings.LINLI_MAX_REQUEST_BYTES / 1024 / 1024, 1)
    }


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refuse(request, status: int, message: str) -> HttpResponse:
    """JSON for the API, a short page for people (without context processors: this runs before
    the session and the user are loaded)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    page = render_to_string("refused.html", {"status": status, "message": message})
    return HttpResponse(page, status=status)


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    queries = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        queries.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for q in queries
        for key, values in q.lists()
    )


class HostileRequestMiddleware:
    """Refuses, before any view or other middleware reads them:
    - a body, files included, whose declared length is over ``LINLI_MAX_REQUEST_BYTES`` with
      **413**, before a byte of it is read or spooled to disk;
    - a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (uploaded files aside) with **413** (Django raises
      ``RequestDataTooBig`` wherever the body is first read: a bare 400, or a 500 from the API in
      debug mode);
    - a body that is not a readable form with 400;
    - a NUL character in the path, the query string or a form field with 400 (PostgreSQL cannot
      store or compare it: every search would fail with a 500).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            if _declared_length(request) > settings.LINLI_MAX_REQUEST_BYTES:
                return _refuse(request, 413, upload_too_large_message())
            try:
                if request.content_type in FORM_TYPES:
                    request.POST  # noqa: B018 - parse now (the CSRF check would anyway)
                else:
                    request.body  # noqa: B018 - read now: JSON is checked against the limit
            except RequestDataTooBig:
                return _refuse(request, 413, too_large_message())
            except MultiPartParserError:
                return _refuse(request, 400, _("The request body cannot be read."))
        if _has_nul(request):
            return _refuse(request, 400, _("The request contains a NUL character."))
        return self.get_response(request)
