"""Small, loud readers of configuration from the environment."""

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


_META_HEADER = re.compile(r"HTTP_[A-Z0-9_]+")


def env_header(name: str) -> str | None:
    """A request header named as Django's request.META names it (X-Forwarded-Proto is HTTP_X_FORWARDED_PROTO), or None."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    if not _META_HEADER.fullmatch(raw):
        raise ImproperlyConfigured(
            f"{name} must name a request header as Django's request.META does, "
            f"such as HTTP_X_FORWARDED_PROTO; got {raw!r}"
        )
    return raw
