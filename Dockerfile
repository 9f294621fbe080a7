# The web server and the background worker run this same image (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext compiles the Chinese translations below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The pinned dependencies first: a code change then reuses this layer.
COPY pyproject.toml ./
RUN pip install .

COPY . .
# Settings refuse the placeholder SECRET_KEY when DEBUG is off; this build-time
# key compiles the translations only and never reaches a running container.
RUN SECRET_KEY=build-only-not-secret python manage.py compilemessages --ignore=.venv --verbosity 0 \
    && useradd --system --home-dir /app app \
    && mkdir -p /app/staticfiles \
    && chown app /app/staticfiles

USER app
EXPOSE 8000
# Workers, threads, timeout and port come from the environment (gunicorn.conf.py).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "readinglist.wsgi"]
