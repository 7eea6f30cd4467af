"""The image's entrypoint, platform_console/deploy/start.sh, run as the containers run it.

CI has no Docker engine, so the image is never built here. What the containers do is tested
instead, in the same order: `start.sh migrate` on a new, empty PostgreSQL database, then
`start.sh web` (gunicorn with the production settings: DEBUG off, WhiteNoise's manifest storage,
static files collected by start.sh into an empty STATIC_ROOT), asked what a load balancer and a
browser ask. The database is one of its own, created and dropped here: not pytest-django's test
database, which the migrations would find already migrated.
"""

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "platform_console" / "deploy" / "start.sh"
HEALTHCHECK = ROOT / "platform_console" / "deploy" / "healthcheck.py"
MIGRATE_TIMEOUT = 120  # seconds: every migration on an empty database
SERVE_TIMEOUT = 60  # seconds: collectstatic, then gunicorn answering


def _server() -> dict:
    """Connection keywords for the PostgreSQL server of DATABASE_URL (not a database on it)."""
    db = settings.DATABASES["default"]
    keywords = {"host": db.get("HOST"), "port": db.get("PORT"), "user": db.get("USER"), "password": db.get("PASSWORD")}
    return {key: str(value) for key, value in keywords.items() if value}


@pytest.fixture
def fresh_database():
    """A new, empty database on the suite's PostgreSQL server; its DATABASE_URL. Dropped after."""
    name = f"console_deploy_{secrets.token_hex(4)}"
    server = _server()
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    auth = quote(server.get("user", ""), safe="")
    if server.get("password"):
        auth += ":" + quote(server["password"], safe="")
    location = server.get("host", "") + (f":{server['port']}" if server.get("port") else "")
    try:
        yield f"postgres://{auth}@{location}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
            # FORCE: a connection gunicorn kept (CONN_MAX_AGE) must not keep the database alive.
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def production_env(fresh_database, tmp_path):
    """The environment of a container: production settings from variables, nothing inherited
    from the test run (no DJANGO_SETTINGS_MODULE=tests.settings, no test DATABASE_URL)."""
    static_root = tmp_path / "static"
    static_root.mkdir()  # empty: nothing collected
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHON": sys.executable,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": fresh_database,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(static_root),
        "LOG_FORMAT": "text",
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class Web:
    """`start.sh web` in the background, and plain HTTP requests to it (redirects not followed)."""

    def __init__(self, env: dict, log: Path):
        self.port = _free_port()
        self.env = {**env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1"}
        self.log = log
        self._log_file = log.open("wb")
        # A session of its own: gunicorn's workers can be killed with it if it will not stop.
        self.process = subprocess.Popen(["sh", str(START), "web"], cwd=ROOT, env=self.env, stdout=self._log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def request(self, method: str, path: str) -> tuple[http.client.HTTPResponse, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return response, response.read()
        finally:
            connection.close()

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + SERVE_TIMEOUT
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"start.sh web exited with {self.process.returncode}:\n{_tail(self.log)}")
            try:
                self.request("GET", "/healthz")
                return
            except OSError:  # not listening yet
                if time.monotonic() > deadline:
                    pytest.fail(f"start.sh web did not answer within {SERVE_TIMEOUT} s:\n{_tail(self.log)}")
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log_file.close()


@pytest.fixture
def start_web(production_env, tmp_path):
    """start_web(): `start.sh web` serving; stopped before the database is dropped."""
    started = []

    def start() -> Web:
        web = Web(production_env, tmp_path / "web.log")
        started.append(web)
        web.wait_until_serving()
        return web

    yield start
    for web in started:
        web.stop()


def test_migrate_then_web_serve_a_fresh_database(production_env, start_web):
    migrate = subprocess.run(["sh", str(START), "migrate"], cwd=ROOT, env=production_env, capture_output=True,
                             text=True, timeout=MIGRATE_TIMEOUT, check=False)
    assert migrate.returncode == 0, f"start.sh migrate exited with {migrate.returncode}:\n{migrate.stdout}\n{migrate.stderr}"

    web = start_web()

    # start.sh collected the static files where the settings look (the manifest storage needs it).
    assert (Path(production_env["STATIC_ROOT"]) / "staticfiles.json").is_file()

    response, body = web.request("GET", "/healthz")
    assert response.status == 200, body
    health = json.loads(body)
    assert health["status"] == "ok"
    assert health["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "broker": "ok" if settings.REDIS_URL else "in-process",
    }
    assert response.getheader("Server") is None

    response, body = web.request("HEAD", "/healthz")
    assert (response.status, body) == (200, b"")

    response, body = web.request("GET", "/login/")
    assert response.status == 200, body[:500]
    page = body.decode()
    assert "Sign in" in page
    assert response.getheader("Server") is None  # gunicorn_conf.py drops gunicorn's banner

    # The page's stylesheet is served by WhiteNoise from what start.sh collected, by its hashed name.
    stylesheet = re.search(r'href="(/static/css/console\.[0-9a-f]+\.css)"', page)
    assert stylesheet, "the login page links no hashed stylesheet"
    response, _ = web.request("GET", stylesheet.group(1))
    assert response.status == 200
    assert "immutable" in response.getheader("Cache-Control", "")

    response, body = web.request("HEAD", "/login/")
    assert (response.status, body) == (200, b"")

    # The container healthcheck says healthy too.
    check = subprocess.run([sys.executable, str(HEALTHCHECK), "web"], env=web.env, capture_output=True, text=True,
                           timeout=30, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
