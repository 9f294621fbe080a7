"""Our middleware: the health check, the security headers, and the answer when the database is down."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from readinglist import errors, health

GetResponse = Callable[[HttpRequest], HttpResponse]


class HealthCheckMiddleware:
    """Answers /healthz ahead of every other middleware (see MIDDLEWARE in settings).

    So the health check needs no allowed host name, no HTTPS, no session, and is
    never throttled; it tells nothing but "ok" or not.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == health.PATH:
            return health.healthz(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """The Content-Security-Policy and Permissions-Policy of settings; SecurityMiddleware sends the rest."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's debug error pages bring inline styles and scripts.
        if not (settings.DEBUG and response.status_code >= 400):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class DatabaseUnavailableMiddleware:
    """A view that fails on the database, loading the session or the user included, answers 503.

    Middleware never sees a view's exception in __call__ (Django turns it into a
    response first), hence process_exception; a failure outside a view reaches
    handler500, which answers the same (readinglist.errors.server_error).
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if errors.is_database_outage(exception):
            return errors.service_unavailable(request, exception)
        return None
