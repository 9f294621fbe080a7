# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DEV_ENV := DEBUG=1
TEST_ENV := DEBUG=0 SECRET_KEY=tests-only-not-secret ALLOWED_HOSTS=localhost,127.0.0.1,testserver SECURE_SSL_REDIRECT=0

.PHONY: run test bench messages clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	bin/system-packages run
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv --verbosity 0
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py setup_demo
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C stops the server and the background worker)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(DEV_ENV) $(PY) manage.py run_worker & \
	  $(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# --ignore-scripts: vnu-jar's install script would download a JDK; we use the system Java.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts

test: $(VENV)/.installed node_modules/.package-lock.json
	bin/system-packages test
	$(TEST_ENV) $(PY) manage.py compilemessages --ignore=.venv --verbosity 0
	$(TEST_ENV) $(PY) manage.py collectstatic --no-input --verbosity 0
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# The pages under load (wrk against gunicorn) as ratios to bare baselines; DATABASE_URL=postgres://… for PostgreSQL.
bench: $(VENV)/.installed
	bin/system-packages bench
	$(DEV_ENV) $(PY) bench/run.py

# Refresh the catalogue after changing user-facing strings, then translate the new entries.
messages: $(VENV)/.installed
	$(DEV_ENV) $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=tests --ignore=bench --ignore=docs --ignore=test-artifacts

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
