"""Fault injection: the broker or the mail server goes away, a worker dies mid-send.

The tests that need a real worker (marked celery_worker) run it against the test database on
PostgreSQL and against Redis through a TcpGate, so that "Redis is down" is a gate closed in
front of the shared Redis, not Redis stopped. Mail goes to an SmtpSink over real SMTP."""

import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import kombu.pools
import pytest
import redis
from django.test import Client
from django.urls import reverse

from accounts.models import Person
from platform_console.celery import app
from support_cases.models import SupportCase
from tests.conftest import WORKER_COMMAND, worker_env
from tests.factories import ConnectionFactory, PersonFactory, shipped_role
from tests.support_cases.factories import SupportCaseFactory

from .servers import SmtpSink, TcpGate

ROOT = Path(__file__).resolve().parents[2]
HTMX = {"HX-Request": "true"}
# Nothing listens there: connections are refused at once.
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


def wait_until(condition, timeout: float = 30, what: str = "the condition") -> None:
    """Poll a real worker (a subprocess) until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def publish_to():
    """publish_to(url): the app publishes to the broker at `url` from now on, for real (not
    eagerly). The connection and producer pools are dropped, so no connection to the previous
    broker is reused."""
    original = app.conf.broker_url, app.conf.result_backend

    def point(url: str, backend: str | None = None) -> None:
        kombu.pools.reset()  # closes every pooled connection and forgets the pools
        app._pool = app.amqp._producer_pool = None
        app.conf.broker_url = url
        if app.conf.result_backend:  # none is configured; if one were, it would be on the same Redis
            app.conf.result_backend = backend or url
            app._backend_cache = None
            vars(app._local).pop("backend", None)
        app.conf.task_always_eager = False

    yield point
    point(*original)
    app.conf.task_always_eager = True


@pytest.fixture
def unreachable_broker(publish_to):
    publish_to(CLOSED_PORT_BROKER)


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.release()
    sink.stop()


@pytest.fixture
def broker_gate(settings):
    """A gate in front of the test Redis; `.url` is the broker URL through it."""
    upstream = urlsplit(settings.REDIS_URL)
    gate = TcpGate((upstream.hostname, upstream.port or 6379)).start()
    gate.url = f"redis://127.0.0.1:{gate.port}{upstream.path or '/0'}"
    _purge_queues(settings.REDIS_URL)
    yield gate
    gate.stop()
    _purge_queues(settings.REDIS_URL)


class Worker:
    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.pid = process.pid

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine does: no cleanup, no acknowledgement."""
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def start_worker(tmp_path, settings, smtp_sink, broker_gate, publish_to):
    """start_worker(): a Celery worker (solo pool, one task at a time) on the test database, with
    Redis through `broker_gate` and mail to `smtp_sink`. The test process publishes there too."""
    env = worker_env(settings.DATABASES["default"], REDIS_URL=broker_gate.url,
                     EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                     EMAIL_PORT=str(smtp_sink.port))
    publish_to(broker_gate.url)
    workers = []

    def start() -> Worker:
        log = open(tmp_path / f"worker{len(workers)}.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(WORKER_COMMAND, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        workers.append((Worker(process), log))
        return workers[-1][0]

    yield start
    for worker, log in workers:
        if worker.process.poll() is None:
            worker.kill()  # a clean shutdown takes seconds, and broker_gate empties the queues
        log.close()


def _purge_queues(redis_url: str) -> None:
    """Drop the tasks a test left behind (a killed worker's unacknowledged one comes back after
    an hour): they name rows by id, and another test's rows may have the same ids."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    finally:
        client.close()


# --- the eight actions that queue work after their commit -----------------------------------------

ACTIONS = [
    "create account",
    "reissue onboarding link",
    "remediation link",
    "support link",
    "invite",
    "contact support",
    "email support",
    "test-mode owner edit",
]
# The one of them whose after-commit work is a task, not an email.
TASK_ACTIONS = {"test-mode owner edit"}


@pytest.fixture
def act(admin, platform):
    """act(name): an Administrator performs the action through the dashboard, as a browser does;
    returns the response. Each call builds the account it needs."""

    def client() -> Client:
        browser = Client()
        browser.force_login(admin.user)
        return browser

    def create_account():
        form = {"dashboard_type": "express", "country": "US", "email": "holder@acme.example",
                "capabilities": ["card_payments", "transfers"], "business_type": "", "metadata": ""}
        return client().post(reverse("accounts:create"), form, headers=HTMX)

    def reissue_onboarding_link():
        invited = ConnectionFactory(platform=platform, invited=True, express=True)
        return client().post(reverse("accounts:reissue_link", args=[invited.account.public_id]), headers=HTMX)

    def remediation_link():
        connection = ConnectionFactory(platform=platform)
        return client().post(reverse("requirements_engine:remediation_link", args=[connection.account.public_id]),
                             headers=HTMX)

    def support_link():
        connection = ConnectionFactory(platform=platform)
        return client().post(reverse("support_cases:issue_link", args=[connection.account.public_id]), headers=HTMX)

    def invite():
        analyst = shipped_role("analyst")
        # The password too, in case the session is asked to re-authenticate for team changes.
        return client().post(reverse("team"), {"action": "invite", "email": "new@ops.example", "role": analyst.pk,
                                               "reauth-password": "pw"})

    def contact_support():
        connection = ConnectionFactory(platform=platform)
        return client().post(reverse("requirements_engine:contact_support", args=[connection.account.public_id]),
                             {"subject": "Help with Bob's <Bakery>", "message": "Please help"})

    def email_support():
        case: SupportCase = SupportCaseFactory(connection=ConnectionFactory(platform=platform))
        url = reverse("support_cases:email_support", args=[case.connection.account.public_id, case.public_id])
        return client().post(url, {"body": "The driver changed banks."}, headers=HTMX)

    def test_mode_owner_edit():
        connection = ConnectionFactory(platform=platform, custom=True, livemode=False)
        owner: Person = PersonFactory(account=connection.account, first_name="Chen", last_name="Wang")
        browser = client()
        browser.post(reverse("set_mode"), {"mode": "test"})
        # 1901-01-01 is the test-mode date of birth whose check resolves a little later, by a task.
        data = {"first_name": "Chen", "last_name": "Wang", "dob": "1901-01-01", "is_owner": "on",
                "percent_ownership": "30", "title": "COO"}
        return browser.post(reverse("accounts:person_edit", args=[connection.account.public_id, owner.public_id]),
                            data, headers=HTMX)

    actions = {
        "create account": create_account,
        "reissue onboarding link": reissue_onboarding_link,
        "remediation link": remediation_link,
        "support link": support_link,
        "invite": invite,
        "contact support": contact_support,
        "email support": email_support,
        "test-mode owner edit": test_mode_owner_edit,
    }
    return lambda name: actions[name]()
