from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

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
    """Pages: a record outside scope is a plain 404; a role denial is a 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(exception.message)
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(exception.message)
        return None


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return _("The request is too large (more than %(mb)s MB of data besides files).") % {
        "mb": round(limit / 1024 / 1024, 1)
    }


def too_large(request):
    """413: JSON for the API, a short page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": too_large_message()}, status=413)
    return render(request, "413.html", {"message": too_large_message()}, status=413)


class RequestSizeMiddleware:
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (uploaded files aside) answers 413 on pages and
    API alike, before any other code reads it (Django would raise ``RequestDataTooBig`` wherever
    the body is first read: a 400 page, or a 500 from the API in debug mode)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                if request.content_type in FORM_TYPES:
                    request.POST  # noqa: B018 - parse now (the CSRF check would anyway)
                else:
                    request.body  # noqa: B018 - read now: JSON is checked against the limit
            except RequestDataTooBig:
                return too_large(request)
        return self.get_response(request)
