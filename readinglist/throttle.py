"""The login throttle: django-axes, with one limit per account and address and a larger one per address.

Settings: LOGIN_FAILURE_LIMIT, LOGIN_ADDRESS_FAILURE_LIMIT, LOGIN_COOLOFF_MINUTES and
CLIENT_IP_HEADER (README, "Production settings"). An administrator lifts a lockout
with `manage.py axes_reset_username NAME` or `axes_reset_ip ADDRESS`.
"""

from __future__ import annotations

import ipaddress

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottle(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """The failures that count against this login, on the scale of AXES_FAILURE_LIMIT.

        The catch: axes holds every lockout parameter to that one limit, so the
        address's own count is scaled to reach it at LOGIN_ADDRESS_FAILURE_LIMIT.
        """
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request),
        )
        counts = recent.aggregate(
            account=Sum("failures_since_start", filter=Q(username=get_client_username(request, credentials)), default=0),
            address=Sum("failures_since_start", default=0),
        )
        scaled_address = counts["address"] * settings.AXES_FAILURE_LIMIT // settings.LOGIN_ADDRESS_FAILURE_LIMIT
        return max(counts["account"], scaled_address)

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A good password clears that account's failures from that address; other accounts' failures still count."""
        deleted, _ = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, username=get_client_username(request, credentials),
        ).delete()
        return deleted


def client_ip_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind a proxy the last address in CLIENT_IP_HEADER.

    A proxy appends the address it saw to whatever the client sent in that
    header, so only the last address is not the client's to choose.
    """
    header = settings.CLIENT_IP_HEADER
    if header and (forwarded := request.META.get(header, "").strip()):
        candidate = forwarded.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    minutes = settings.LOGIN_COOLOFF_MINUTES
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
