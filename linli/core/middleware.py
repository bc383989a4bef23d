from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import translation

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
