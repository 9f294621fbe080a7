"""With the database down, pages answer a translated 503 with Retry-After, and work again once it is back."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse

from readinglist.errors import server_error
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextlib.contextmanager
def database_down() -> Iterator[None]:
    """In every thread, no connection opens and no open one answers, as when PostgreSQL is stopped."""
    wrapper = type(connections["default"])
    connections["default"].close()
    saved = {name: getattr(wrapper, name) for name in ("get_new_connection", "create_cursor")}

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused: the database is down (simulated)")

    for name in saved:
        setattr(wrapper, name, refuse)
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(wrapper, name, method)


def assert_service_unavailable(response, *, language: str = "en") -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    if language == "en":
        assert "The service is briefly unavailable. Please try again in a moment." in html
    else:
        assert "服务暂时不可用，请稍后再试。" in html
    assert 'id="service-unavailable"' in html


def test_an_authenticated_page_answers_503_then_recovers(client, student):
    client.force_login(student)
    page = reverse("student_page", args=["topic-2"])
    with database_down():
        assert_service_unavailable(client.get(page))
    assert client.get(page).status_code == 200


def test_the_503_page_speaks_chinese(student):
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(student)
    with database_down():
        response = client.get(reverse("student_page", args=["topic-2"]))
    assert_service_unavailable(response, language="zh-hans")
    assert '<html lang="zh-Hans">' in response.content.decode()


def test_the_login_post_answers_503_then_logs_in(client, student):
    credentials = {"username": "student", "password": PASSWORD}
    with database_down():
        assert_service_unavailable(client.post(reverse("login"), credentials))
    response = client.post(reverse("login"), credentials)
    assert response.status_code == 302


def test_an_htmx_request_answers_503_with_the_message_for_the_page(client, student, advanced_entry):
    client.force_login(student)
    url = advanced_entry.topic.get_absolute_url()
    with database_down():
        response = client.get(url, headers=HTMX)
    assert_service_unavailable(response)
    assert client.get(url, headers=HTMX).status_code == 200


def test_an_outage_outside_a_view_answers_503_too(student):
    # The 404 page shows who is logged in: the session is read while the error page renders.
    client = Client(raise_request_exception=False)
    client.force_login(student)
    with database_down():
        assert_service_unavailable(client.get("/no-such-page/"))
    assert client.get("/no-such-page/").status_code == 404


def test_other_errors_still_answer_500(rf):
    try:
        raise ValueError("a bug, not an outage")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_persistent_connections_are_checked_before_reuse():
    default = settings.DATABASES["default"]
    assert default["CONN_HEALTH_CHECKS"] is True
    assert default["CONN_MAX_AGE"] == (0 if default["ENGINE"].endswith("sqlite3") else 60)


# PostgreSQL only: a real server behind a proxy that this test cuts and restores.
# SQLite has no connection to lose, so this test is not defined for it (CI skips nothing).

class TcpProxy:
    """Forwards 127.0.0.1:<port> to PostgreSQL; cut() drops every open connection, as a server restart does."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            dropped, self.open = self.open, []
        for connection in dropped:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def close(self) -> None:
        self.listener.close()
        self.cut()


def served(client: Client, url: str) -> int:
    """One request, with the connection handling of a real server around it (the test client leaves it out)."""
    close_old_connections()
    try:
        return client.get(url).status_code
    finally:
        close_old_connections()


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":

    @pytest.fixture
    def through_proxy() -> Iterator[TcpProxy]:
        database = connections["default"]
        database.close()
        original = {key: database.settings_dict[key] for key in ("HOST", "PORT")}
        proxy = TcpProxy(original["HOST"] or "127.0.0.1", int(original["PORT"] or 5432))
        database.settings_dict.update(HOST="127.0.0.1", PORT=str(proxy.port))
        yield proxy
        database.close()
        database.settings_dict.update(original)
        proxy.close()

    def test_after_a_quiet_outage_no_request_fails_on_a_dead_connection(through_proxy, student):
        client = Client(raise_request_exception=False)
        client.force_login(student)
        page = reverse("student_page", args=["topic-2"])
        assert served(client, page) == 200
        assert connections["default"].connection is not None, "the connection should persist between requests"

        through_proxy.cut()  # PostgreSQL restarted while nobody asked anything

        assert [served(client, page) for _ in range(6)] == [200] * 6
