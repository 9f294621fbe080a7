"""The busiest pages at full speed, through gunicorn and a real load generator, each against a bare baseline.

Run: .venv/bin/python bench/web_bench.py   (part of `make bench`, which installs wrk)

Seeds a programme (bench/seed.py) into a throwaway database: PostgreSQL when DATABASE_URL is set (a
database named <name>_bench_<pid> on that server, dropped at the end), else a temporary SQLite file.
Serves it with gunicorn as production does (gunicorn.conf.py, DEBUG=0) under bench/settings.py, which
adds the bare baselines of bench/bare.py: the same rows of the same tables in one query and a plain
template. Each page is first rehearsed in this process with Django's test client (its status, its
queries, and what the page's own HTML says a browser sends next, bench/browser.py), then loaded with
wrk side by side with its baseline, in turns (page, baseline, baseline, page), BENCH_SECONDS in all for each.

The machine is shared and noisy: read the ratios, measured side by side in one run, never absolute
figures across runs. "× bare" is how many times the baseline's rate the page's rate falls short of
(2.0: half as many requests per second as the bare page). Exits with status 1 when a target is missed.

    --profile NAME   instead: profile one page in this process with cProfile (topic, live, dashboard,
                     dashboard-200, topic-500, admin) and print where the time goes
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.browser import Page, Request  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "6"))  # per page, and as long for its baseline
WARMUP_SECONDS = 2
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))  # for pages; the claim cycles use one per student
THREADS = 2
ONLY = {key for key in os.environ.get("BENCH_ONLY", "").split(",") if key}  # e.g. topic,cycle-htmx
SECRET_KEY = "bench-only-not-secret"  # noqa: S105
# How many times slower than its baseline a page may be before the bench calls it a regression: about
# twice what the pages measure now, as the machines are noisy. The admin's changelist is the peer, a
# stock Django page to read the others against, with no target of its own.
# Issue 12's targets, as the bare baseline's rate over the page's: the topic page at least 0.6 × its baseline
# (≤ 1.67), the dashboard at least 0.5 × (≤ 2), a long list as its short one; the live refresh next to nothing.
# The catalogue, the claim cycles and admin's changelist (the peer) have no target of their own: a guard.
MAX_RATIO = {
    "topic": 1 / 0.6, "live": 1.5, "dashboard": 2.0, "dashboard-200": 2.0, "topic-500": 1 / 0.6,
    "catalogue": 5.0, "cycle-htmx": 6.0, "cycle-forms": 6.0,
}


@dataclass
class Case:
    key: str
    name: str
    sequences: list[list[Request]]  # one per load-generator thread (claim cycles: one per student)
    cookies: list[str]
    queries: int  # per request, or per cycle
    bare: Case | None = None
    cycle: bool = False
    expected_queries: int | None = None  # a bare page's: exactly this many
    searched: Case | None = None  # the same page showing fewer rows: it must run as many queries

    @property
    def requests_per_cycle(self) -> int:
        return sum(2 if step.follow else 1 for step in self.sequences[0])


@dataclass
class Result:
    """One or more wrk runs of a case, added up."""

    requests: int = 0
    seconds: float = 0.0
    bytes: int = 0
    p50_ms: list[float] = field(default_factory=list)  # one per run
    p99_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    per: int = 1  # requests per cycle

    def add(self, run: Result) -> None:
        self.requests += run.requests
        self.seconds += run.seconds
        self.bytes += run.bytes
        self.p50_ms += run.p50_ms
        self.p99_ms += run.p99_ms
        self.problems += run.problems
        self.per = run.per

    @property
    def rate(self) -> float:
        """Requests, or claim cycles, per second."""
        return self.requests / self.per / self.seconds if self.seconds else 0.0

    @property
    def p50(self) -> float:
        return statistics.mean(self.p50_ms) if self.p50_ms else 0.0

    @property
    def p99(self) -> float:
        return max(self.p99_ms, default=0.0)

    @property
    def bytes_per_response(self) -> float:
        return self.bytes / self.requests if self.requests else 0.0


# The throwaway database


@contextmanager
def throwaway_database() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        if url:
            print(f"DATABASE_URL is not PostgreSQL ({urlsplit(url).scheme}): benchmarking on SQLite")
        path = Path(tempfile.gettempdir()) / f"readinglist-web-bench-{os.getpid()}.sqlite3"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'readinglist'}_bench_{os.getpid()}"
    server = {
        "host": parts.hostname or "localhost", "port": parts.port or 5432, "user": parts.username,
        "password": parts.password, "dbname": "postgres",
    }
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(**server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_environment(database_url: str, static_root: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": database_url,
        "BENCH_STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
    }


# Gunicorn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    """Gunicorn as production runs it (gunicorn.conf.py), on a free port of 127.0.0.1; yields its origin."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
        "--access-logfile", os.devnull, "--error-logfile", str(log), "readinglist.wsgi",
    ]
    # Django's log (a refused request is a warning) goes to the log file too, not between the table's rows.
    output = log.open("a")
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True, stdout=output, stderr=subprocess.STDOUT
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{origin}/healthz", timeout=10) as answer:
                    if answer.status == 200:
                        break
            except OSError:  # refused, reset or timed out while the workers start
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within a minute")
            time.sleep(0.2)
        yield origin
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        output.close()


def gunicorn_config() -> dict:
    config: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), config)  # noqa: S102
    return config


def workers_count() -> int:
    return gunicorn_config()["workers"]


def workers_line() -> str:
    config = gunicorn_config()
    return f"{config['workers']} {config['worker_class']} workers × {config['threads']} threads"


# Rehearsal in this process: statuses, queries, and what the page says a browser sends next


def client_for(cookie: str):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    for pair in cookie.split("; "):
        name, value = pair.split("=", 1)
        client.cookies[name] = value
    return client


def send(client, request: Request):
    method = getattr(client, request.method.lower())
    headers = request.headers_for("http://testserver")
    content_type = headers.pop("Content-Type", None)
    if request.method == "GET":
        return method(request.path, headers=headers)
    return method(request.path, data=request.body, content_type=content_type, headers=headers)


def count_queries(client, request: Request) -> tuple[object, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = send(client, request)
    return response, len(captured)


def rehearse(client, steps: list[Request]) -> int:
    """Send the steps once as a browser does, following redirects; learn their statuses; the queries they cost."""
    queries = 0
    for step in steps:
        response, used = count_queries(client, step)
        queries += used
        step.expect, step.follow = response.status_code, 300 <= response.status_code < 400
        if step.expect >= 400:
            raise RuntimeError(f"{step.method} {step.path}: {step.expect}")
        if step.follow:
            location = urlsplit(response["Location"])
            target = Request("GET", location.path + (f"?{location.query}" if location.query else ""), {})
            response, used = count_queries(client, target)
            queries += used
            if response.status_code != 200:
                raise RuntimeError(f"GET {target.path} after {step.method} {step.path}: {response.status_code}")
    return queries


def get_page(key: str, name: str, cookie: str, request: Request) -> tuple[Case, object]:
    client = client_for(cookie)
    response = send(client, request)  # the first request compiles templates and fills caches
    request.expect = response.status_code
    response, queries = count_queries(client, request)
    return Case(key, name, [[request]], [cookie], queries), response


def bare_page(name: str, path: str, cookie: str) -> Case:
    case, _response = get_page("bare", name, cookie, Request("GET", path, {}))
    case.expected_queries = 1
    return case


def page_rows(page: Page) -> tuple[int, int]:
    """How many intro and advanced rows a topic page shows."""
    from papers.models import Entry, Level

    shown = page.entry_ids()
    levels = dict(Entry.objects.filter(pk__in=shown).values_list("pk", "level"))
    intro = sum(1 for pk in shown if levels.get(pk) == Level.INTRO)
    return intro, len(shown) - intro


def topic_cases(key: str, name: str, seeded, reverse) -> tuple[Case, Page]:
    path = reverse("topic_detail", args=[seeded.topic.slug])
    case, response = get_page(key, name, seeded.student.cookie, Request("GET", path, {}))
    page = Page(response.content.decode(), path)
    intro, advanced = page_rows(page)
    listed = seeded.topic.entries.count()
    if intro + advanced < listed:
        case.name = name.replace(" papers)", f" papers, {intro + advanced} shown)")
    bare_path = f"{reverse('bare_topic', args=[seeded.topic.pk])}?intro={intro}&advanced={advanced}"
    case.bare = bare_page("bare", bare_path, seeded.student.cookie)
    return case, page


def catalogue_case(programme, reverse) -> Case:
    """The programme catalogue a student without a topic sees (every topic); `searched`: the page searched down to a few."""
    from papers.models import Topic

    count = Topic.objects.count()
    path = reverse("programme")
    full, _response = get_page("catalogue", f"programme catalogue ({count} topics)", programme.newcomer.cookie,
                               Request("GET", path, {}))
    full.bare = bare_page("bare", reverse("bare_topics"), programme.newcomer.cookie)
    one = programme.typical.topic
    searched, response = get_page("catalogue-1", "programme catalogue, searched", programme.newcomer.cookie,
                                  Request("GET", f"{path}?q={quote(one.title)}", {}))
    found = len(Page(response.content.decode(), path).row_ids("topic-"))
    if not 0 < found < count:
        raise RuntimeError(f"searching the catalogue for {one.title!r} found {found} of {count} topics")
    searched.name = f"programme catalogue, searched ({found} of {count} topics)"
    full.searched = searched
    return full


def live_case(seeded, page: Page, reverse) -> Case:
    """The live refresh as the page asks for it, with the conditional header a browser's cache adds."""
    poll = page.poller()
    if poll is None:
        raise RuntimeError(f"{page.path} polls nothing (no hx-trigger=\"every …\")")
    etag = send(client_for(seeded.student.cookie), poll).get("ETag")
    if etag and not any(name.lower() == "if-none-match" for name in poll.headers):
        poll.headers["If-None-Match"] = etag  # the browser revalidates what it was given with an ETag
    case, _response = get_page("live", "live refresh, htmx", seeded.student.cookie, poll)
    case.name = f"live refresh, htmx (answers {poll.expect})"
    _intro, advanced = page_rows(page)
    bare_path = f"{reverse('bare_rows', args=[seeded.topic.pk])}?intro=0&advanced={advanced}"
    case.bare = bare_page("bare", bare_path, seeded.student.cookie)
    return case


def cycle_cases(programme, page_path: str, topic_rows: tuple[int, int], reverse, students: int) -> tuple[Case, Case]:
    """Claim then release, by each cycle student with a paper of their own: with htmx, and as plain forms."""
    topic = programme.typical.topic
    release_url = reverse("release_paper", args=[topic.slug])
    htmx, forms, bare_htmx, bare_forms, cookies, queries = [], [], [], [], [], {}
    for persona, entry_id in programme.cycle_students(students):
        client = client_for(persona.cookie)
        claim_url = reverse("claim_paper", args=[topic.slug, entry_id])
        steps, used, changed = htmx_cycle(client, page_path, claim_url, release_url)
        htmx.append(steps)
        queries.setdefault("htmx", used)
        steps, used = form_cycle(client, page_path, claim_url, release_url)
        forms.append(steps)
        queries.setdefault("forms", used)

        # The baseline: one INSERT or UPDATE, then the rows the page's answer had (htmx) or the bare list (a form).
        claim = reverse("bare_claim", args=[topic.pk, persona.user_id, entry_id])
        release = reverse("bare_release", args=[topic.pk, persona.user_id, entry_id])
        form = {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": persona.csrf_token}
        listing = f"?intro={topic_rows[0]}&advanced={topic_rows[1]}"
        rows = [f"?entries={','.join(map(str, ids))}" if 0 < len(ids) <= 10 else listing for ids in changed]
        bare_htmx.append([Request("POST", claim + rows[0], {**form, "HX-Request": "true"}),
                          Request("POST", release + rows[1], {**form, "HX-Request": "true"})])
        bare_forms.append([Request("POST", claim + listing, form), Request("POST", release + listing, form)])
        queries.setdefault("bare-htmx", rehearse(client, bare_htmx[-1]))
        queries.setdefault("bare-forms", rehearse(client, bare_forms[-1]))
        cookies.append(persona.cookie)
    htmx_case = Case("cycle-htmx", f"claim + release, htmx ({len(htmx[0])} requests)", htmx, cookies, queries["htmx"], cycle=True)
    forms_case = Case("cycle-forms", "", forms, cookies, queries["forms"], cycle=True)
    forms_case.name = f"claim + release, forms ({forms_case.requests_per_cycle} requests)"
    htmx_case.bare = Case("bare", "bare baseline", bare_htmx, cookies, queries["bare-htmx"], cycle=True)
    forms_case.bare = Case("bare", "bare baseline", bare_forms, cookies, queries["bare-forms"], cycle=True)
    return htmx_case, forms_case


def htmx_cycle(client, page_path: str, claim_url: str, release_url: str) -> tuple[list[Request], int, list[list[int]]]:
    """The claim button with htmx, then the release button of the row it changed: the steps, their queries,
    and the rows each answer carried."""
    steps, queries, changed = [], 0, []
    for url in (claim_url, release_url):
        page = Page(client.get(page_path).content.decode(), page_path)
        step = page.submit(url, htmx=True)
        response, used = count_queries(client, step)
        if response.status_code >= 400:
            raise RuntimeError(f"{step.method} {step.path} with htmx: {response.status_code}")
        step.expect = response.status_code
        steps.append(step)
        queries += used
        changed.append(Page(response.content.decode(), page_path).entry_ids())
    return steps, queries, changed


def form_cycle(client, page_path: str, claim_url: str, release_url: str) -> tuple[list[Request], int]:
    """The same without JavaScript: each form, and the page its redirect leads to; a GET form's page first
    (the release button asks on a page of its own)."""
    steps, queries = [], 0
    for url in (claim_url, release_url):
        step = Page(client.get(page_path).content.decode(), page_path).submit(url, htmx=False)
        if step.method == "GET":
            queries += rehearse(client, [step])
            steps.append(step)
            step = Page(client.get(step.path).content.decode(), step.path).submit(url, htmx=False)
        queries += rehearse(client, [step])
        steps.append(step)
    return steps, queries


def release_all(persona_ids: list[int]) -> None:
    """A load run stops mid-cycle: give back whatever slot it left, so the next run starts from none."""
    from students.models import OPEN_STATUSES, Claim, ClaimStatus

    Claim.objects.filter(student_id__in=persona_ids, status__in=OPEN_STATUSES).update(status=ClaimStatus.RELEASED)


# The load generator


def lua(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # Printable ASCII as is; anything else as its UTF-8 bytes in Lua's three-digit decimal escapes.
        return '"' + "".join(
            char if " " <= char <= "~" and char not in '"\\' else "".join(f"\\{byte:03d}" for byte in char.encode())
            for char in value
        ) + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(key)}] = {lua(item)}" for key, item in value.items()) + "}"
    return "{" + ", ".join(lua(item) for item in value) + "}"


def run_wrk(case: Case, origin: str, seconds: int, workdir: Path, *, connections: int | None = None) -> Result:
    check = case.cycle
    sequences = []
    for steps, cookie in zip(case.sequences, case.cookies, strict=True):
        sequences.append({
            "steps": [
                {"method": step.method, "path": step.path, "body": step.body, "expect": step.expect, "follow": step.follow,
                 "headers": {**step.headers_for(origin), "Cookie": cookie}}
                for step in steps
            ],
            "follow_headers": {"Cookie": cookie, "Referer": origin + case.sequences[0][0].path},
        })
    plan = workdir / "plan.lua"
    plan.write_text(f"return {lua({'check': check, 'sequences': sequences})}\n")
    threads = len(sequences) if check else THREADS
    connections = len(sequences) if check else max(connections or CONNECTIONS, THREADS)
    command = [
        "wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "wrk_driver.lua"), origin + case.sequences[0][0].path,
    ]
    output = subprocess.run(command, env={**os.environ, "BENCH_PLAN": str(plan)}, capture_output=True, text=True, check=False)
    found = re.search(r"^BENCH_RESULT (\{.*\})$", output.stdout, re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk failed ({output.returncode}):\n{output.stdout}\n{output.stderr}")
    raw = json.loads(found.group(1))
    problems = []
    if raw["errors"]:
        problems.append(f"{raw['errors']} errors (sockets, timeouts or 4xx/5xx)")
    if raw["unexpected"]:
        problems.append(f"{raw['unexpected']} unexpected statuses ({raw['statuses'].strip(', ')})")
    return Result(
        requests=raw["requests"], seconds=raw["duration_us"] / 1e6, bytes=raw["bytes"],
        p50_ms=[raw["p50_us"] / 1000], p99_ms=[raw["p99_us"] / 1000], problems=problems,
        per=case.requests_per_cycle if case.cycle else 1,
    )


def preflight(case: Case, origin: str) -> list[str]:
    """One request through gunicorn: the page answers as it did in the rehearsal (not a redirect to the login)."""
    if case.cycle:
        return []
    step = case.sequences[0][0]

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    request = urllib.request.Request(origin + step.path, headers={**step.headers_for(origin), "Cookie": case.cookies[0]})
    try:
        status = urllib.request.build_opener(NoRedirect).open(request, timeout=60).status
    except urllib.error.HTTPError as error:
        status = error.code
    return [] if status == step.expect else [f"answered {status} through gunicorn, {step.expect} in the rehearsal"]


def side_by_side(a: tuple[Case, str], b: tuple[Case, str], workdir: Path, reset: Callable[[], None]) -> tuple[Result, Result]:
    """Two loads in turns A B B A, half the time each turn: a drift in the machine's load weighs on both alike."""
    results = {}
    for key, (case, origin) in (("a", a), ("b", b)):
        problems = preflight(case, origin)
        # Every worker compiles its templates and connects to the database before anything counts.
        run_wrk(case, origin, WARMUP_SECONDS, workdir, connections=workers_count() + 1)
        settle(origin, reset)
        results[key] = Result(problems=problems)
    for key in "abba":
        case, origin = a if key == "a" else b
        results[key].add(run_wrk(case, origin, max(1, SECONDS // 2), workdir))
        settle(origin, reset)
    return results["a"], results["b"]


def settle(origin: str, reset: Callable[[], None]) -> None:
    """wrk stops with requests in flight, which gunicorn still finishes: wait for them, then reset the data."""
    port = urlsplit(origin).port
    deadline = time.monotonic() + 60
    while open_connections(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    reset()


def open_connections(port: int) -> int:
    """Connections to the server's port not yet closed by the server: requests it has still to answer."""
    established, close_wait = "01", "08"
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, _remote, state = line.split()[1:4]
            if int(local.rsplit(":", 1)[1], 16) == port and state in (established, close_wait):
                count += 1
    return count


# PostgreSQL's JIT on the 200-student dashboard's main query


def jit_comparison(dashboard: Case, seeded, repeats: int = 7) -> None:
    """EXPLAIN ANALYZE of the 200-student dashboard's costliest query as the page runs it, and of its student
    query over every student (the CSV export, a one-page dashboard): JIT off, on, and on whatever the estimate.

    PostgreSQL compiles a query when the planner's estimate passes jit_above_cost (100,000 by default); the
    student query's estimate grows with the students and their reading, so one day it passes.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from students import mentors

    with CaptureQueriesContext(connection) as captured:
        send(client_for(dashboard.cookies[0]), dashboard.sequences[0][0])
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit_above_cost")
        threshold = float(cursor.fetchone()[0])
        costs = [(_estimate(cursor, query["sql"], ()), query["sql"]) for query in captured.captured_queries
                 if query["sql"].startswith("SELECT")]
        every_student = mentors.sort_students(mentors.student_enrollments(seeded.topic), mentors.StudentSort.NAME)
        queries = {
            "the page's costliest query": (max(costs)[1], ()),
            "its students, all at once": every_student.query.sql_with_params(),
        }
        print(f"\nPostgreSQL JIT, the 200-student dashboard, EXPLAIN ANALYZE, median of {repeats} in turns "
              f"(JIT compiles a query whose estimate passes jit_above_cost = {threshold:,.0f}):")
        for label, (sql, params) in queries.items():
            print(f"  {label} (the planner's estimate: {_estimate(cursor, sql, params):,.0f})")
            for setting, median, compiled in _jit_timings(cursor, sql, params, repeats):
                print(f"    {setting:<40}{median:8.1f} ms  {compiled}")
        cursor.execute("RESET ALL")


def _estimate(cursor, sql: str, params) -> float:
    cursor.execute("EXPLAIN " + sql, params)
    return float(re.search(r"cost=[\d.]+\.\.([\d.]+)", cursor.fetchone()[0]).group(1))


def _jit_timings(cursor, sql: str, params, repeats: int) -> list[tuple[str, float, str]]:
    settings = {
        "jit = off": ["SET jit = off"],
        "jit = on": ["SET jit = on"],
        "jit = on, compiled (jit_above_cost = 0)": ["SET jit = on", "SET jit_above_cost = 0"],
    }
    timings: dict[str, list[float]] = {name: [] for name in settings}
    compiled = {}
    for _ in range(repeats):
        for name, statements in settings.items():
            cursor.execute("RESET ALL")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("EXPLAIN (ANALYZE) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            timings[name].append(float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)))
            compiled[name] = "; ".join(line.strip() for line in plan.splitlines() if re.match(r"\s*(Functions|Timing):", line))
    return [(name, statistics.median(values), compiled[name]) for name, values in timings.items()]


# The report


def print_header() -> None:
    print(f"{'page':<46}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'KiB/resp':>10}{'queries':>9}{'× bare':>8}")


def print_row(case: Case, result: Result, ratio: float | None, *, indent: bool = False) -> None:
    name = ("  " + case.name) if indent else case.name
    rate = f"{result.rate:.1f}" + ("/c" if case.cycle else "")
    print(
        f"{name:<46}{rate:>9}{result.p50:>9.1f}{result.p99:>9.1f}{result.bytes_per_response / 1024:>10.1f}"
        f"{case.queries:>9}" + (f"{ratio:>8.2f}" if ratio is not None else ""),
        flush=True,
    )


def build_cases(programme) -> list[Case | Callable[[], list[Case]]]:
    """The pages, in the order they run; the claim cycles are built just before they run, since they change claims."""
    from django.urls import reverse

    typical, large = programme.typical, programme.large
    topic, page = topic_cases("topic", "topic page, student (38 papers)", typical, reverse)
    cases: list = [topic, live_case(typical, page, reverse)]
    for key, name, seeded in (
        ("dashboard", "mentor dashboard (30 students)", typical),
        ("dashboard-200", "mentor dashboard (200 students)", large),
    ):
        path = reverse("mentor_dashboard", args=[seeded.topic.slug])
        case, response = get_page(key, name, seeded.mentor.cookie, Request("GET", path, {}))
        shown = len(Page(response.content.decode(), path).row_ids("student-"))
        if shown < seeded.topic.enrollments.filter(role="student").count():
            case.name = name.replace(" students)", f" students, {shown} shown)")
        case.bare = bare_page("bare", f"{reverse('bare_students', args=[seeded.topic.pk])}?rows={shown}", seeded.mentor.cookie)
        cases.append(case)
    cases.append(topic_cases("topic-500", "topic page, student (500 papers)", large, reverse)[0])
    cases.append(catalogue_case(programme, reverse))
    admin, _response = get_page("admin", "admin: entries changelist (peer)", programme.staff.cookie,
                                Request("GET", reverse("admin:papers_entry_changelist"), {}))
    admin.bare = bare_page("bare", reverse("bare_entries"), programme.staff.cookie)
    cases.append(admin)
    cases.append(lambda: list(cycle_cases(programme, page.path, page_rows(page), reverse, CONNECTIONS)))
    return cases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", help="profile this page in-process instead of load-testing")
    parser.add_argument("--queries", help="print the SQL one request of this page runs, instead of load-testing")
    parser.add_argument("--quick", action="store_true",
                        help="time each page and its baseline in-process (no HTTP, no wrk): a fast check while working")
    options = parser.parse_args()
    if not options.profile and not options.queries and not options.quick and not shutil.which("wrk"):
        print("wrk is not installed: run `bin/system-packages bench` (make bench does)")
        return 1
    with tempfile.TemporaryDirectory(prefix="readinglist-bench-") as work, throwaway_database() as database_url:
        workdir = Path(work)
        (workdir / "static").mkdir()
        env = bench_environment(database_url, workdir / "static")
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from bench.seed import seed

        vendor = connection.vendor
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter()
        programme = seed()
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # as autovacuum does after a load: the planner's statistics
        seeded = time.perf_counter()
        print(f"Database: {'PostgreSQL' if vendor == 'postgresql' else 'SQLite'}; migrated in {migrated - start:.1f} s, "
              f"seeded in {seeded - migrated:.1f} s: " + ", ".join(f"{count} {what}" for what, count in programme.counts.items()))
        if options.profile:
            return profile(options.profile, programme)
        if options.queries:
            return print_queries(options.queries, programme)
        if options.quick:
            return quick(programme)
        try:
            return load_test(programme, env, workdir, vendor)
        finally:
            connection.close()


def load_test(programme, env: dict[str, str], workdir: Path, vendor: str) -> int:
    failures = []
    cycle_ids = programme.typical.idle_students[1 : CONNECTIONS + 1]
    cases = build_cases(programme)
    by_key = {case.key: case for case in cases if isinstance(case, Case)}
    by_key["catalogue-1"] = by_key["catalogue"].searched
    for a, b in (("topic", "topic-500"), ("dashboard", "dashboard-200"), ("catalogue", "catalogue-1")):
        if by_key[a].queries != by_key[b].queries:
            failures.append(f"{by_key[a].name}: {by_key[a].queries} queries, {by_key[b].name}: {by_key[b].queries}")
    print(f"gunicorn: {workers_line()}; wrk: {SECONDS} s per page and per baseline in turns, "
          f"after {WARMUP_SECONDS} s of warm-up, "
          f"{THREADS} threads × {CONNECTIONS} connections (claim cycles: one per student); "
          f"{os.cpu_count()} cores shared with wrk")
    rates: dict[str, float] = {}
    with gunicorn(env, workdir / "gunicorn.log") as origin:
        print_header()
        for item in cases:
            for case in item() if callable(item) else [item]:
                if ONLY and case.key not in ONLY:
                    continue
                reset = (lambda: release_all(cycle_ids)) if case.cycle else (lambda: None)
                result, bare = side_by_side((case, origin), (case.bare, origin), workdir, reset)
                rates[case.key] = result.rate
                if not result.requests or not bare.requests:
                    failures.append(f"{case.name}: no request completed in {SECONDS} s")
                ratio = bare.rate / result.rate if result.rate else float("inf")
                print_row(case, result, ratio)
                print_row(case.bare, bare, None, indent=True)
                for problem in result.problems:
                    failures.append(f"{case.name}: {problem}")
                for problem in bare.problems:
                    failures.append(f"{case.name}, bare baseline: {problem}")
                if case.bare.expected_queries is not None and case.bare.queries != case.bare.expected_queries:
                    failures.append(f"{case.name}, bare baseline: {case.bare.queries} queries, not {case.bare.expected_queries}")
                if case.key in MAX_RATIO and ratio > MAX_RATIO[case.key]:
                    failures.append(f"{case.name}: {ratio:.2f} × its bare baseline (target: at most {MAX_RATIO[case.key]:.2f} ×)")
        if {"cycle-htmx", "cycle-forms"} <= rates.keys() and rates["cycle-htmx"] <= rates["cycle-forms"]:
            failures.append(f"the htmx claim cycle ({rates['cycle-htmx']:.1f}/s) is not faster than the plain "
                            f"forms' ({rates['cycle-forms']:.1f}/s)")
        if vendor == "postgresql":
            jit_comparison(by_key["dashboard-200"], programme.large)
    catalogue = by_key["catalogue"]
    print(f"Catalogue queries: {catalogue.queries} for every topic, {catalogue.searched.queries} for "
          f"{catalogue.searched.name.split('(')[-1].rstrip(')')}.")
    print("× bare: the bare baseline's rate over the page's (1.0 = as fast as one query and a plain template). "
          "/c: claim + release cycles per second. KiB/resp includes headers.")
    print("Targets: no errors; queries the same at 38 and 500 papers, 30 and 200 students, 1 and every topic; "
          + ", ".join(f"{key} ≤ {limit:.2f} × bare" for key, limit in MAX_RATIO.items())
          + "; the htmx claim cycle faster than the plain forms'.")
    for failure in failures:
        print(f"  ! {failure}")
    return 1 if failures else 0


def quick(programme, rounds: int = 5, requests: int = 40) -> int:
    """Each page against its baseline in this process, alternating, best of `rounds`: milliseconds and the ratio."""
    for case in build_cases(programme)[:-1]:
        if case.bare is None:
            continue
        timings = {}
        for which in (case, case.bare):
            client = client_for(which.cookies[0])
            send(client, which.sequences[0][0])
            timings[which.key] = client
        best = {case.key: float("inf"), case.bare.key: float("inf")}
        for _ in range(rounds):
            for which in (case, case.bare):
                client = timings[which.key]
                started = time.perf_counter()
                for _ in range(requests):
                    send(client, which.sequences[0][0])
                best[which.key] = min(best[which.key], (time.perf_counter() - started) / requests * 1000)
        print(f"{case.name:45} {best[case.key]:6.2f} ms  bare {best[case.bare.key]:5.2f} ms  "
              f"× bare {best[case.key] / best[case.bare.key]:4.1f}")
    return 0


def _warmed_page(key: str, programme, option: str):
    """The page's case and a client that has requested it once, or None (and the keys) for an unknown key."""
    cases = {case.key: case for case in build_cases(programme)[:-1]}
    if key not in cases:
        print(f"{option} takes one of: {', '.join(cases)}")
        return None
    case = cases[key]
    client = client_for(case.cookies[0])
    send(client, case.sequences[0][0])
    return case, client


def print_queries(key: str, programme) -> int:
    """The SQL of one request of a page (after a warm one), each statement with its time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if (warmed := _warmed_page(key, programme, "--queries")) is None:
        return 1
    case, client = warmed
    with CaptureQueriesContext(connection) as captured:
        send(client, case.sequences[0][0])
    for number, query in enumerate(captured.captured_queries, 1):
        print(f"{number:>3}. {query['time']} s  {query['sql']}\n")
    return 0


def profile(key: str, programme) -> int:
    """Where one page's time goes, in this process: cProfile over 50 requests after a warm one."""
    import cProfile
    import pstats

    if (warmed := _warmed_page(key, programme, "--profile")) is None:
        return 1
    case, client = warmed
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(50):
        send(client, case.sequences[0][0])
    profiler.disable()
    ours = pstats.Stats(profiler).sort_stats("cumulative")
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
    print(f"{case.name}: 50 requests, {case.queries} queries each")
    stats.print_stats(35)
    stats.sort_stats("tottime").print_stats(20)
    print("The product's own functions, by cumulative time:")
    ours.print_stats(rf"{ROOT}/(papers|students|readinglist|templates)/", 30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
