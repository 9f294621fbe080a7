"""Gunicorn's settings, read from the environment: `gunicorn -c gunicorn.conf.py readinglist.wsgi`.

WEB_CONCURRENCY      worker processes; default 2 × cores + 1, at most MAX_DEFAULT_WORKERS
GUNICORN_THREADS     threads per worker; default 1 (sync workers), more than 1 selects gthread workers
GUNICORN_TIMEOUT     seconds a request may take before its worker is restarted; default 60
PORT                 the port to listen on, on every interface; default 8000

A bad value stops the start with a message naming the variable.
"""

import os

# Each worker holds a database connection (CONN_MAX_AGE) and its own copy of the app:
# past a dozen, a big machine runs out of PostgreSQL connections before it runs out of CPU.
MAX_DEFAULT_WORKERS = 12


def _env_int(name: str, default: int, *, minimum: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, got {raw!r}")
    return value


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)


workers = _env_int("WEB_CONCURRENCY", default_workers(), minimum=1)
threads = _env_int("GUNICORN_THREADS", 1, minimum=1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _env_int("GUNICORN_TIMEOUT", 60, minimum=1)
bind = [f"0.0.0.0:{_env_int('PORT', 8000, minimum=1)}"]
accesslog = "-"
