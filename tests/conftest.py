import os
import shutil
import sys

import pytest
from django.db import connection as db_connection

from .factories import ConnectionFactory, MembershipFactory, PlatformFactory

# Playwright's sync API runs an event loop in the test thread; the live server's database
# teardown would otherwise refuse to run there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_report_header(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "Redis" if settings.REDIS_URL else "eager (in-process)"
    return [f"database vendor: {engine}", f"celery: {broker}", f"chromium: {CHROMIUM if os.path.exists(CHROMIUM) else 'missing'}"]


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or "transactional_db" in item.fixturenames
                            or "live_server" in item.fixturenames))


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    # Like Django's runner: tests that really commit (and flush every table afterwards, the
    # migrations' data included) run after the ones that roll back.
    items.sort(key=_is_transactional)

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_chromium = os.path.exists(CHROMIUM)
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…"))
        if "browser" in item.keywords and not has_chromium:
            item.add_marker(pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)"))
        if "celery_worker" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://…"))


# A real Celery worker (tests/platform_console/test_celery_worker.py, tests/faults/): one task at
# a time, quiet, no cluster chatter.
WORKER_COMMAND = [sys.executable, "-m", "celery", "-A", "platform_console", "worker", "--pool=solo",
                  "--concurrency=1", "-l", "warning", "--without-heartbeat", "--without-gossip", "--without-mingle"]


def worker_env(database: dict, **extra: str) -> dict:
    """The environment of a worker process on the test database (PostgreSQL: SQLite's is in memory)."""
    if db_connection.vendor != "postgresql":
        pytest.skip("the worker process needs the test database on PostgreSQL (SQLite's is in memory)")
    url = (f"postgres://{database['USER']}:{database.get('PASSWORD') or ''}@{database['HOST']}:{database['PORT']}"
           f"/{database['NAME']}")
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": url, **extra}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def platform(db):
    return PlatformFactory(name="Rocket Rides")


@pytest.fixture
def other_platform(db):
    return PlatformFactory(name="Other Platform")


def _member(platform, role):
    return MembershipFactory(platform=platform, roles=[role], user__email=f"{role}@{platform.pk}.test")


@pytest.fixture
def admin(platform):
    return _member(platform, "admin")


@pytest.fixture
def developer(platform):
    return _member(platform, "developer")


@pytest.fixture
def analyst(platform):
    return _member(platform, "analyst")


@pytest.fixture
def support(platform):
    return _member(platform, "support_specialist")


@pytest.fixture
def viewer(platform):
    return _member(platform, "view_only")


@pytest.fixture
def connection(platform):
    return ConnectionFactory(platform=platform, account__name="Acme Bakery")


@pytest.fixture
def operator_client(client):
    """client.force_login wrapped: operator_client(membership) signs in as that member."""

    def log_in(membership):
        client.force_login(membership.user)
        return client

    return log_in


@pytest.fixture
def vendor():
    return db_connection.vendor


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process in tests unless a test starts a real worker (see test_celery_worker):
    pytest-django's settings fixture does not reach Celery, whose config is read at import."""
    from platform_console.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run a block and then its on-commit callbacks, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite():
    """The live server answers each request in a thread of its own, and on SQLite they all share
    the test's one connection: two requests at once (an htmx search still running when a link is
    clicked) made SQLite fail with "bad parameter or other API misuse". On SQLite the live server
    runs its application one request at a time; PostgreSQL keeps a connection per thread."""
    import threading

    from django.conf import settings
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        yield
        return

    class SerialServer(ThreadedWSGIServer):
        lock = threading.Lock()

        def set_app(self, application):
            def serial(environ, start_response):
                with self.lock:
                    return application(environ, start_response)

            super().set_app(serial)

    original, LiveServerThread.server_class = LiveServerThread.server_class, SerialServer
    yield
    LiveServerThread.server_class = original
