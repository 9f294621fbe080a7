"""Error pages, and the one answer to a database outage: 503, try again in a moment.

The 503 page is rendered without the request, so without context processors:
it never touches the session or the user, which live in the database.
"""

from __future__ import annotations

import logging
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)


def is_database_outage(exception: BaseException | None) -> bool:
    return isinstance(exception, DATABASE_ERRORS)


def service_unavailable(request: HttpRequest, exception: BaseException) -> HttpResponse:
    logger.warning("Database unavailable, answering 503 to %s %s: %s", request.method, request.path, exception)
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage that struck outside a view (a middleware, an error page of its own) still answers 503."""
    exception = sys.exception()
    if is_database_outage(exception):
        return service_unavailable(request, exception)
    return defaults.server_error(request)


# 400, 403 and 404 answer an htmx request with the message alone: htmx swaps
# 4xx responses into the page (base.html), where a whole page would not fit.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.bad_request(request, exception, template_name=_for_htmx(request, "400.html"))


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.permission_denied(request, exception, template_name=_for_htmx(request, "403.html"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.page_not_found(request, exception, template_name=_for_htmx(request, "404.html"))


def _for_htmx(request: HttpRequest, template_name: str) -> str:
    return f"{template_name}#error-message" if getattr(request, "htmx", False) else template_name
